-- wrk prints this JSON line when a run ends: throughput, latency percentiles (µs) and errors.
-- Every answer that is not 200 counts as an error ("not_200"): a 302 to the login page means
-- the session was not accepted, and wrk itself counts only statuses from 400 up.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_200 = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local unexpected = 0
  for _, thread in ipairs(threads) do
    unexpected = unexpected + (thread:get("not_200") or 0)
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"socket_errors":%d,"non_2xx_3xx":%d,"not_200":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    unexpected, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
