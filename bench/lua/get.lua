-- GET with extra headers and, optionally, a list of paths. Without BENCH_GET_PATHS_FILE the
-- request is the same every time, so wrk builds it once (no Lua per request).
--
-- Environment (both optional):
--   BENCH_GET_HEADERS     extra headers, one "Name: value" per line (e.g. "HX-Request: true")
--   BENCH_GET_PATHS_FILE  paths to GET, one per line; each thread walks the list from its own
--                         starting point and round again (repeating a GET is fine)

function init(args)
   for line in (os.getenv("BENCH_GET_HEADERS") or ""):gmatch("[^\r\n]+") do
      local name, value = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
      if name and name ~= "" then
         wrk.headers[name] = value
      end
   end

   local file = os.getenv("BENCH_GET_PATHS_FILE")
   if not file or file == "" then
      return
   end
   local paths = {}
   for line in io.lines(file) do
      line = line:gsub("\r$", "")
      if line ~= "" then paths[#paths + 1] = line end
   end
   if #paths == 0 then
      io.stderr:write("get.lua: no paths in BENCH_GET_PATHS_FILE=", file, "\n")
      os.exit(2)
   end
   local threads = tonumber(os.getenv("BENCH_WRK_THREADS") or "") or 1
   local next_path = math.floor((bench_thread_id or 0) * #paths / threads) + 1
   -- Defined here, in init, so that without a paths file the request stays static.
   function request()
      local path = paths[next_path]
      next_path = next_path % #paths + 1
      return wrk.format("GET", path)
   end
end
