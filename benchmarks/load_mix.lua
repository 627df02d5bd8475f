-- wrk script of benchmarks/load_test.py: the request mix, per-kind and per-status counts,
-- and a JSON summary line ("JSON {...}") printed by done(). The personas (sessions, token,
-- case ids, names, signed partner requests) come from the Lua file in $LOAD_DATA.
-- With LOAD_MINIMAL=1 every request is a plain GET of the URL given to wrk (the baseline).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local data, minimal, partner_next, nthreads
kinds, statuses = {}, {}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  minimal = os.getenv("LOAD_MINIMAL") == "1"
  data = dofile(os.getenv("LOAD_DATA"))
  math.randomseed(os.time() * 100 + tid)
  -- Each thread uses its own share of the signed partner requests (a nonce is usable once).
  -- The warm-up starts half-way through the list, so the measured run never replays a nonce.
  nthreads = tonumber(os.getenv("LOAD_THREADS") or "8")
  partner_next = tonumber(os.getenv("LOAD_PARTNER_START") or "1") + tid - 1
end

local function pick(list) return list[math.random(#list)] end

local function web_cookie()
  return "sessionid=" .. pick(data.sessions) .. "; csrftoken=" .. data.csrf
end

local function count(kind)
  kinds[kind] = (kinds[kind] or 0) + 1
end

function request()
  if minimal then
    count("minimal")
    return wrk.format("GET", nil)
  end
  local r = math.random(100)
  if r <= 30 then
    count("case_list")
    local path = "/cases/"
    if math.random(5) == 1 then path = "/cases/?page=" .. math.random(2, 20) end
    return wrk.format("GET", path, {Cookie = web_cookie()})
  elseif r <= 60 then
    count("case_detail")
    return wrk.format("GET", "/cases/" .. pick(data.case_ids) .. "/", {Cookie = web_cookie()})
  elseif r <= 70 then
    count("search")
    local body = "csrfmiddlewaretoken=" .. data.csrf .. "&q=" .. urlencode(pick(data.names))
    return wrk.format("POST", "/cases/search/", {Cookie = web_cookie(),
      ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
  elseif r <= 80 then
    count("note_add_api")
    local body = '{"body":"Called the enquirer: no news yet (load test).","visibility":"internal"}'
    return wrk.format("POST", "/api/v1/cases/" .. pick(data.case_ids) .. "/notes/",
      {Authorization = "Token " .. data.token, ["Content-Type"] = "application/json"}, body)
  elseif r <= 95 then
    count("enquirer_status")
    return wrk.format("GET", "/status/case/", {Cookie = "sessionid=" .. pick(data.status_sessions)})
  else
    local p = data.partner[partner_next]
    if p == nil then
      count("partner_exhausted")
      return wrk.format("GET", "/cases/", {Cookie = web_cookie()})
    end
    partner_next = partner_next + nthreads
    count("partner_submit")
    return wrk.format("POST", "/api/v1/partners/requests/", {
      ["Content-Type"] = "application/json", ["X-Partner-Key"] = p.key, ["X-Partner-Timestamp"] = p.ts,
      ["X-Partner-Nonce"] = p.nonce, ["X-Partner-Signature"] = p.sig, ["Idempotency-Key"] = p.idem}, p.body)
  end
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for k, v in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(k), encode(v)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "number" then
    if value == math.floor(value) then return string.format("%d", value) end
    return string.format("%.3f", value)
  end
  return string.format("%q", tostring(value))
end

function done(summary, latency, requests)
  local all_kinds, all_statuses = {}, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("kinds")) do all_kinds[k] = (all_kinds[k] or 0) + v end
    for k, v in pairs(thread:get("statuses")) do all_statuses[k] = (all_statuses[k] or 0) + v end
  end
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  local seconds = summary.duration / 1e6
  io.write("JSON " .. encode({
    requests = summary.requests, seconds = seconds, rps = summary.requests / seconds,
    latency_ms = {p50 = latency:percentile(50) / 1000, p95 = latency:percentile(95) / 1000,
                  p99 = latency:percentile(99) / 1000, max = latency.max / 1000, mean = latency.mean / 1000},
    errors = {connect = errors.connect, read = errors.read, write = errors.write, timeout = errors.timeout,
              status_4xx_5xx = errors.status, total = failed},
    error_rate = failed / math.max(summary.requests, 1),
    statuses = all_statuses, kinds = all_kinds,
  }) .. "\n")
end
