-- Shared reporting for every benchmark run. wrk takes a single -s script, so bench/wrk.py hands it
-- one file made of this one, then status.lua (when statuses are counted), then the scenario
-- (hold.lua, get.lua). This file owns setup() and done(); scenarios must not define them.
--
-- Every wrk thread runs its own Lua state, and setup() and done() run in a third one (wrk's main
-- state). So counters kept by request()/response() live in their thread: setup() numbers the
-- threads (the global bench_thread_id, 0, 1, ...) and keeps their handles, and done() collects
-- each thread's bench_status and bench_counters with thread:get() and prints one JSON line:
--
-- BENCH_RESULT {"requests": N, "duration_us": N, "bytes": N,
--   "latency_us": {"p50": N, "p90": N, "p99": N, "max": N, "mean": N},
--   "errors": {"connect": N, "read": N, "write": N, "timeout": N, "status": N},
--   "status_counted": true|false, "status": {"201": N, ...}, "counters": {"name": N, ...}}
--
-- "errors.status" is wrk's count of responses with a status above 399. Latencies are wrk's (the
-- numbers --latency prints), in microseconds.

bench_status = {}    -- status code -> responses, filled by response() when a scenario counts them
bench_counters = {}  -- name -> number, summed over the threads in done() (e.g. lines_sent)

function bench_count_status(status)
   bench_status[status] = (bench_status[status] or 0) + 1
end

local threads = {}

function setup(thread)
   thread:set("bench_thread_id", #threads)
   threads[#threads + 1] = thread
end

local function json_object(entries)
   local keys = {}
   for key in pairs(entries) do keys[#keys + 1] = key end
   table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
   local parts = {}
   for _, key in ipairs(keys) do
      local value = entries[key]
      if type(value) == "number" then
         if value ~= value or value == math.huge or value == -math.huge then
            value = "null"  -- NaN or infinity, which JSON can't hold
         else
            value = string.format(value % 1 == 0 and "%.0f" or "%.3f", value)
         end
      else
         value = tostring(value)  -- nested objects come pre-encoded; booleans as true/false
      end
      parts[#parts + 1] = string.format('"%s": %s', tostring(key), value)
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

local function sum_over_threads(name)
   local total = {}
   for _, thread in ipairs(threads) do
      for key, n in pairs(thread:get(name) or {}) do
         total[key] = (total[key] or 0) + n
      end
   end
   return total
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write("BENCH_RESULT ", json_object({
      requests = summary.requests,
      duration_us = summary.duration,
      bytes = summary.bytes,
      latency_us = json_object({
         p50 = latency:percentile(50),
         p90 = latency:percentile(90),
         p99 = latency:percentile(99),
         max = latency.max,
         mean = latency.mean,
      }),
      errors = json_object({
         connect = errors.connect,
         read = errors.read,
         write = errors.write,
         timeout = errors.timeout,
         status = errors.status,
      }),
      status_counted = type(response) == "function",
      status = json_object(sum_over_threads("bench_status")),
      counters = json_object(sum_over_threads("bench_counters")),
   }), "\n")
   io.flush()
end
