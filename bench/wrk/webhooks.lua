-- Delivers pre-signed Stripe webhook events once each (bench/payments-webhook-http.ts). WH_FILE holds one
-- event per line, "<Stripe-Signature>\t<body>"; WH_THREADS is wrk's -t. Thread k sends lines k+1, k+1+t,
-- ... and, once each of them has been answered, prints WEBHOOKS_THREAD_DONE and stops; a connection with
-- nothing left to send asks for GET /health meanwhile (cheap, and not counted). wrk's main thread still
-- sleeps for the whole -d, so the bench times the run itself and ends wrk with SIGINT. done() prints one
-- line `BENCH_WEBHOOKS {json}`.

local lines = {}
for line in io.lines(os.getenv("WH_FILE")) do
  local sig, body = line:match("^([^\t]+)\t(.*)$")
  if sig then
    lines[#lines + 1] = { sig, body }
  end
end
local nthreads = tonumber(os.getenv("WH_THREADS") or "1")

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- per thread (globals, so done() can read them with thread:get)
answered = 0
failed = 0
outcomes = ""
local next_line = nil
local share = 0
local counts = {}

function init(args)
  next_line = tid + 1
  for i = tid + 1, #lines, nthreads do
    share = share + 1
  end
end

-- wrk calls request() once on the first thread's state before any connection, to check the script, and
-- sends nothing of it: that call must not use up an event
local checked = false

function request()
  if tid == 0 and not checked then
    checked = true
    return wrk.format("GET", "/health")
  end
  local l = lines[next_line]
  if l == nil or next_line > #lines then
    return wrk.format("GET", "/health")
  end
  next_line = next_line + nthreads
  return wrk.format("POST", "/api/v1/payments/stripe/webhook",
    { ["Content-Type"] = "application/json", ["Stripe-Signature"] = l[1] }, l[2])
end

function response(status, headers, body)
  local outcome = body and body:match('"outcome":"([%w_]+)"')
  if outcome == nil and status == 200 then
    return -- a /health answer
  end
  answered = answered + 1
  if status ~= 200 then
    failed = failed + 1
    outcome = "http_" .. status
  end
  counts[outcome] = (counts[outcome] or 0) + 1
  local parts = {}
  for k, v in pairs(counts) do
    parts[#parts + 1] = string.format('"%s":%d', k, v)
  end
  outcomes = table.concat(parts, ",")
  if answered == share then
    -- wrk itself runs for its whole -d: the bench times the run up to the last of these lines, then stops wrk
    io.write("WEBHOOKS_THREAD_DONE\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local a, f = 0, 0
  local merged = {}
  for _, t in ipairs(threads) do
    a = a + t:get("answered")
    f = f + t:get("failed")
    for k, v in string.gmatch(t:get("outcomes") or "", '"([%w_]+)":(%d+)') do
      merged[k] = (merged[k] or 0) + tonumber(v)
    end
  end
  local parts = {}
  for k, v in pairs(merged) do
    parts[#parts + 1] = string.format('"%s":%d', k, v)
  end
  io.write(string.format(
    'BENCH_WEBHOOKS {"answered":%d,"failed":%d,"duration_us":%d,"outcomes":{%s},' ..
      '"latency_us":{"p50":%d,"p99":%d,"max":%d}}\n',
    a, f, summary.duration, table.concat(parts, ","),
    latency:percentile(50), latency:percentile(99), latency.max))
end
