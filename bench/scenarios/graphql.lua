-- wrk script for every bench scenario: POSTs JSON bodies read from a file, one per line, in turn.
--
--   wrk -s bench/scenarios/graphql.lua http://127.0.0.1:8801/graphql -- <bodies-file> [token]
--
-- Each wrk thread starts at a different line, so the rotation (slugs, sorts, search strings)
-- spreads over the connections. With a token, requests carry `Authorization: Bearer <token>`.
-- `done` prints one machine-readable line (bench/run.py parses it):
--   BENCH_RESULT {"requests": …, "latency_us": {"p50": …, "p90": …, "p99": …}, …}

local requests = {}
local position = 0
local next_thread = 0

function setup(thread)
  -- runs in the main state; sets the global `thread_index` of the thread's own state
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  local path, token = args[1], args[2]
  local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  for line in io.lines(path) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", nil, headers, line)
    end
  end
  if #requests == 0 then
    error("no request bodies in " .. path)
  end
  position = ((thread_index or 0) * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean
  ))
end
