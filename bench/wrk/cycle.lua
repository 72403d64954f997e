-- Sends pre-rendered raw HTTP requests in turn and reports one JSON line for the harness.
-- BENCH_REQUESTS names a file of records "<length>\n<raw request bytes>"; BENCH_THREADS is
-- wrk's -t. Thread i takes records i, i+T, i+2T, ..., so no two threads send the same one.
-- A thread that runs out starts over from its first record and counts a wrap.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS"))
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "rb"))
  pool = {}
  local n = 0
  while true do
    local header = file:read("*l")
    if header == nil or header == "" then break end
    local raw = file:read(tonumber(header))
    if n % count == thread_index then pool[#pool + 1] = raw end
    n = n + 1
  end
  file:close()
  assert(#pool > 0, "fewer requests than threads")
  cursor = 0
  wraps = 0
  seconds = {}
  statuses = {}
end

function request()
  cursor = cursor + 1
  if cursor > #pool then
    cursor = 1
    wraps = wraps + 1
  end
  return pool[cursor]
end

function response(status, headers, body)
  local now = os.time()
  seconds[now] = (seconds[now] or 0) + 1
  statuses[status] = (statuses[status] or 0) + 1
end

local function merged(name)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get(name)) do
      total[key] = (total[key] or 0) + value
    end
  end
  return total
end

local function object(tbl)
  local parts = {}
  for key, value in pairs(tbl) do
    parts[#parts + 1] = string.format('"%s": %d', tostring(key), value)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local wrapped = 0
  for _, thread in ipairs(threads) do
    wrapped = wrapped + thread:get("wraps")
  end
  local percentiles = {}
  for _, p in ipairs({50, 75, 90, 95, 99, 99.9}) do
    percentiles[#percentiles + 1] =
      string.format('"%s": %d', tostring(p), math.floor(latency:percentile(p)))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "stdev": %.1f, "percentiles": {%s}}, ' ..
    '"statuses": %s, "per_second": %s, "wraps": %d}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev, table.concat(percentiles, ", "),
    object(merged("statuses")), object(merged("seconds")), wrapped))
end
