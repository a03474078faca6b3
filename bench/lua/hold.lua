-- POST pre-generated form bodies, one line of a file per request, never the same line twice.
--
-- Environment:
--   BENCH_REQUESTS_FILE  the file; each line is  path TAB cookie TAB csrf_token TAB body
--                        body: application/x-www-form-urlencoded (percent-encoded, so no tabs);
--                        cookie and csrf_token may be empty (then the header is not sent).
--   BENCH_WRK_THREADS    wrk's -t, which Lua can't see (bench/wrk.py sets it).
--
-- Each request sends  Cookie: <cookie>,  x-csrftoken: <csrf_token> (Litestar's CSRFConfig
-- header_name default) and  Content-Type: application/x-www-form-urlencoded,  plus any -H headers.
-- Litestar checks the header against the csrftoken cookie, so the cookie column must carry both
-- the session cookie and the CSRF cookie ("session=...; csrftoken=...").
--
-- Thread k of n (report.lua's setup() numbers them) takes lines k+1, k+1+n, k+1+2n, ...: the
-- shares are disjoint and even whatever the file's length. A line is sent once at most. When a
-- thread has sent all its lines it sends nothing more: each of its connections goes idle after
-- its last response (request() returns an empty request, which wrk writes as zero bytes and then
-- waits on). Wrapping around is not an option: a repeated hold would measure 409s. An idle
-- thread makes requests/duration an underestimate, so such a run must be discarded; the
-- counters say when it happened:
--   lines_loaded       lines in the file (summed over the threads' shares)
--   lines_sent         requests written (a line sent near the end may get no response in time)
--   exhausted_threads  threads that ran out of lines: non-zero means "make a bigger file"
-- Size the file for the fastest plausible run: requests/s x seconds x 2 is plenty.
--
-- Statuses are counted per code (response() below), so 201 vs 409 vs 5xx can be told apart.

local lines = {}
local next_line = 1
local base_headers = {}
local verify_pending = false

local function fail(message)
   io.stderr:write("hold.lua: ", message, "\n")
   os.exit(2)
end

local function parse(line)
   return line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
end

local function format(line)
   local path, cookie, csrf_token, body = parse(line)
   local headers = {}
   for name, value in pairs(base_headers) do headers[name] = value end
   headers["Content-Type"] = "application/x-www-form-urlencoded"
   if cookie ~= "" then headers["Cookie"] = cookie end
   if csrf_token ~= "" then headers["x-csrftoken"] = csrf_token end
   return wrk.format("POST", path, headers, body)
end

function init(args)
   local file = os.getenv("BENCH_REQUESTS_FILE")
   local threads = tonumber(os.getenv("BENCH_WRK_THREADS") or "")
   if not file or file == "" then fail("set BENCH_REQUESTS_FILE to the file of request lines") end
   if not threads then fail("set BENCH_WRK_THREADS to wrk's -t") end
   if bench_thread_id == nil then fail("report.lua must come first in the script (it numbers the threads)") end
   if bench_thread_id >= threads then
      fail("wrk runs more threads than BENCH_WRK_THREADS=" .. threads .. ": shares would overlap")
   end
   local handle = io.open(file, "r")
   if not handle then fail("cannot read BENCH_REQUESTS_FILE=" .. file) end
   local number = 0
   for line in handle:lines() do
      if number % threads == bench_thread_id then
         line = line:gsub("\r$", "")
         if not parse(line) then
            fail(file .. ":" .. (number + 1) .. ": expected path, cookie, csrf_token, body separated by tabs")
         end
         lines[#lines + 1] = line
      end
      number = number + 1
   end
   handle:close()
   for name, value in pairs(wrk.headers) do base_headers[name] = value end  -- Host and -H headers
   bench_counters.lines_loaded = #lines
   bench_counters.lines_sent = 0
   bench_counters.exhausted_threads = 0
   -- wrk calls request() once on thread 0's state before the run, to check that the request
   -- parses; that request is never sent, so it must not use up a line.
   verify_pending = bench_thread_id == 0
end

function request()
   if verify_pending then
      verify_pending = false
      return lines[1] and format(lines[1]) or wrk.format("GET", "/")
   end
   local line = lines[next_line]
   if line == nil then
      bench_counters.exhausted_threads = 1
      return ""
   end
   lines[next_line] = nil  -- sent: never again, and its memory can go
   next_line = next_line + 1
   bench_counters.lines_sent = bench_counters.lines_sent + 1
   return format(line)
end

function response(status, headers, body)
   bench_count_status(status)
end
