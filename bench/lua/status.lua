-- Count responses per status code (report.lua sums them over the threads). Defining response()
-- makes wrk hand every response's headers and body to Lua, which lowers its own throughput, so
-- bench/wrk.py only adds this file when asked to count statuses.

function response(status, headers, body)
   bench_count_status(status)
end
