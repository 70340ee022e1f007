-- One wrk script for every scenario. bench/run.ts writes a config file (key=value per line) and passes its
-- path in BENCH_WRK_CONF:
--   method, path, body        the request; `{item}` in path, body or a header value is replaced per request
--   header.<Name>=<value>     request headers
--   items=<file>              one value per line, rotated through for `{item}` (tokens, eSIM ids)
--   usage_batch=<n>           generate a POST /usage/records body of n records per request, event ids unique
--   usage_prefix, usage_bytes, usage_occurred_at, iccids=<file>
--   delay_ms=<n>              wait n ms between a connection's requests (a low-rate probe)
-- done() prints one line `BENCH_RESULT {json}` with the totals, the latency percentiles (µs) and, for usage,
-- the records the server reported accepted / duplicate / rejected.

local conf = {}
local headers = {}
for line in io.lines(os.getenv("BENCH_WRK_CONF")) do
  local k, v = line:match("^([^=]+)=(.*)$")
  if k then
    if k:sub(1, 7) == "header." then
      headers[k:sub(8)] = v
    else
      conf[k] = v
    end
  end
end

local function read_lines(file)
  local out = {}
  if file then
    for line in io.lines(file) do
      if line ~= "" then
        out[#out + 1] = line
      end
    end
  end
  return out
end

local method = conf.method or "GET"
local path = conf.path or "/"
local body = conf.body
if body == "" then
  body = nil
end
local items = read_lines(conf.items)
local iccids = read_lines(conf.iccids)
local usage_batch = tonumber(conf.usage_batch or "0")

-- per-thread counters (globals, so done() can read them with thread:get)
accepted = 0
duplicates = 0
rejected = 0
statuses = ""
local counter = 0
local status_counts = {}

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

local function has_item(s)
  return s ~= nil and s:find("{item}", 1, true) ~= nil
end

local rotating = #items > 0 and (has_item(path) or has_item(body))
if not rotating then
  for _, v in pairs(headers) do
    if has_item(v) then
      rotating = true
    end
  end
end

local function sub_item(s, item)
  if s == nil then
    return nil
  end
  -- plain replacement: items never contain '%' (ids, tokens)
  return (s:gsub("{item}", item))
end

if usage_batch > 0 then
  local bytes = tonumber(conf.usage_bytes or "1000")
  local occurred = conf.usage_occurred_at
  local prefix = conf.usage_prefix or "bench"
  function request()
    counter = counter + 1
    local parts = {}
    for i = 1, usage_batch do
      -- spread records over the eSIMs deterministically: no two threads collide on one event id
      local iccid = iccids[((tid * 7919 + counter * usage_batch + i) % #iccids) + 1]
      parts[i] = string.format(
        '{"event_id":"%s-%d-%d-%d","iccid":"%s","bytes":%d,"occurred_at":"%s"}',
        prefix, tid, counter, i, iccid, bytes, occurred)
    end
    return wrk.format(method, path, headers, '{"records":[' .. table.concat(parts, ",") .. "]}")
  end
elseif rotating then
  function request()
    counter = counter + 1
    local item = items[((tid * 104729 + counter) % #items) + 1]
    local h = {}
    for k, v in pairs(headers) do
      h[k] = sub_item(v, item)
    end
    return wrk.format(method, sub_item(path, item), h, sub_item(body, item))
  end
else
  wrk.method = method
  wrk.path = path
  wrk.body = body
  for k, v in pairs(headers) do
    wrk.headers[k] = v
  end
end

if conf.delay_ms then
  local ms = tonumber(conf.delay_ms)
  function delay()
    return ms
  end
end

function init(_)
  if usage_batch > 0 then
    -- only the usage scenarios read bodies (wrk skips parsing when response is nil after init)
    function response(status, _, resp)
      status_counts[status] = (status_counts[status] or 0) + 1
      if status == 200 then
        accepted = accepted + tonumber(resp:match('"accepted":(%d+)') or "0")
        duplicates = duplicates + tonumber(resp:match('"duplicates":(%d+)') or "0")
        local rej = resp:match('"rejected":%[(.-)%]')
        if rej and rej ~= "" then
          local _, n = rej:gsub('"event_id"', "")
          rejected = rejected + n
        end
      end
      local s = {}
      for code, n in pairs(status_counts) do
        s[#s + 1] = string.format('"%d":%d', code, n)
      end
      statuses = table.concat(s, ",")
    end
  end
end

function done(summary, latency, _)
  local acc, dup, rej = 0, 0, 0
  local st = {}
  for _, t in ipairs(threads) do
    acc = acc + (t:get("accepted") or 0)
    dup = dup + (t:get("duplicates") or 0)
    rej = rej + (t:get("rejected") or 0)
    local s = t:get("statuses")
    if s and s ~= "" then
      st[#st + 1] = "{" .. s .. "}"
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
    '"accepted":%d,"duplicates":%d,"rejected":%d,"statuses":[%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    acc, dup, rej, table.concat(st, ",")))
end
