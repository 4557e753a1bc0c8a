-- Authenticated mixed load for wrk, driven by bench/mix.sh.
--
-- Environment (set by mix.sh):
--   MIX_USERS           Lua file returning {{email, cookie, space, ritual}, ...}
--   MIX_ORIGIN          the server's public URL (cookie writes must carry Origin)
--   MIX_PASSWORD        the seeded accounts' password (for the occasional login)
--   MIX_LOGIN_PERMILLE  logins per thousand requests (default 2)
--
-- Each request picks a random logged-in user and one action by weight:
-- the space home page, lists (notes, appreciations, promises, notifications),
-- the insights page and API, adding an appreciation or a note, answering a
-- ritual step, and now and then a full login (Argon2id). Prints one
-- machine-readable block at the end; statuses are tallied per thread.

local users = dofile(os.getenv("MIX_USERS"))
local origin = os.getenv("MIX_ORIGIN")
local password = os.getenv("MIX_PASSWORD") or "bench-password-1"
local login_permille = tonumber(os.getenv("MIX_LOGIN_PERMILLE") or "2")

local threads = {}

function setup(thread)
    thread:set("thread_no", #threads + 1)
    table.insert(threads, thread)
end

local counter = 0

local function words(n)
    local pool = { "thank", "you", "for", "the", "walk", "dinner", "listening", "calm", "morning", "kept", "your", "word" }
    local out = {}
    for i = 1, n do out[i] = pool[math.random(#pool)] end
    return table.concat(out, " ")
end

local function get(u, path)
    return wrk.format("GET", path, { ["Cookie"] = u.cookie })
end

local function write(u, method, path, body)
    return wrk.format(method, path, {
        ["Cookie"] = u.cookie,
        ["Origin"] = origin,
        ["Content-Type"] = "application/json",
    }, body)
end

local actions = {
    { 22, function(u) return get(u, "/spaces/" .. u.space) end },
    { 8,  function(u) return get(u, "/api/v1/pairs/" .. u.space .. "/notes?limit=20") end },
    { 8,  function(u) return get(u, "/api/v1/pairs/" .. u.space .. "/appreciations?limit=20") end },
    { 8,  function(u) return get(u, "/api/v1/pairs/" .. u.space .. "/promises") end },
    { 5,  function(u) return get(u, "/api/v1/me/notifications") end },
    { 6,  function(u) return get(u, "/spaces/" .. u.space .. "/insights") end },
    { 8,  function(u) return get(u, "/api/v1/pairs/" .. u.space .. "/insights") end },
    { 12, function(u)
        counter = counter + 1
        return write(u, "POST", "/api/v1/pairs/" .. u.space .. "/appreciations",
            '{"text":"mix ' .. thread_no .. "-" .. counter .. " " .. words(6) .. '"}')
    end },
    { 8,  function(u)
        counter = counter + 1
        local vis = (counter % 2 == 0) and "shared" or "private"
        return write(u, "POST", "/api/v1/pairs/" .. u.space .. "/notes",
            '{"visibility":"' .. vis .. '","title":"mix ' .. counter .. '","body":"' .. words(30) .. '"}')
    end },
    { 6,  function(u)
        return write(u, "PUT", "/api/v1/pairs/" .. u.space .. "/rituals/" .. u.ritual .. "/answers",
            '{"step":"went_well","body":"' .. words(12) .. '"}')
    end },
}
local total_weight = 0
for _, a in ipairs(actions) do total_weight = total_weight + a[1] end

function init(args)
    math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
    statuses = {}
    logins = 0
end

function request()
    if math.random(1000) <= login_permille then
        logins = logins + 1
        local u = users[math.random(#users)]
        return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json", ["Origin"] = origin },
            '{"email":"' .. u.email .. '","password":"' .. password .. '"}')
    end
    local u = users[math.random(#users)]
    local r = math.random(total_weight)
    for _, a in ipairs(actions) do
        r = r - a[1]
        if r <= 0 then return a[2](u) end
    end
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local tally, bad, logins_sent = {}, 0, 0
    for _, t in ipairs(threads) do
        local s = t:get("statuses")
        for code, n in pairs(s) do
            tally[code] = (tally[code] or 0) + n
            if code >= 400 then bad = bad + n end
        end
        logins_sent = logins_sent + (t:get("logins") or 0)
    end
    local codes = {}
    for code, n in pairs(tally) do table.insert(codes, code .. "=" .. n) end
    table.sort(codes)
    local e = summary.errors
    local secs = summary.duration / 1e6
    io.write(string.format("mix.requests %d\n", summary.requests))
    io.write(string.format("mix.rps %.1f\n", summary.requests / secs))
    io.write(string.format("mix.p50_ms %.2f\n", latency:percentile(50) / 1000))
    io.write(string.format("mix.p99_ms %.2f\n", latency:percentile(99) / 1000))
    io.write(string.format("mix.max_ms %.2f\n", latency.max / 1000))
    io.write(string.format("mix.http_errors %d\n", bad))
    io.write(string.format("mix.socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
    io.write(string.format("mix.logins %d\n", logins_sent))
    io.write("mix.statuses " .. table.concat(codes, ",") .. "\n")
end
