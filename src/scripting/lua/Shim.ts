/**
 * KrakenD's Lua API (krakend-lua, SCRIPTING.md §2) written in Lua, loaded once into every VM.
 * The host pushes one state table per run (`st`: the request's fields, the response's, or the
 * router context's) and reads it back only when a setter marked it `dirty`; every getter and
 * setter works on that table inside the VM, so a script crosses into JavaScript only to yield
 * (`http_response`, a time slice).
 *
 * Data model: JSON objects are Lua tables with the metatable `OBJ`, arrays tables with `ARR`
 * (1-based items and a field `n`), JSON null the `luaNil` sentinel. `luaTable`/`luaList` are
 * wrappers over them with KrakenD's methods (0-based lists, sorted `keys()`, `set` conversion
 * rules of `types.go`).
 *
 * Isolation: scripts run with a fresh environment per request (`local _ENV = ...` is put in
 * front of every chunk), library tables are copied per request, `load` compiles into that
 * environment (text only), and what could escape the VM or its bounds (`debug.sethook`, file
 * access, `os.exit`, `require` of modules) is absent or refuses.
 *
 * @since 0.3.0
 * @internal
 */

/** The shim: a chunk that takes the VM's settings and returns the entry points. */
export const source = String.raw`
local allowOpenLibs, environ, httpMarker, mentioned, wantLoad = ...
local type, pairs, next, tostring, tonumber, error, select, setmetatable, rawget, rawset, rawequal, pcall, ipairs, load =
      type, pairs, next, tostring, tonumber, error, select, setmetatable, rawget, rawset, rawequal, pcall, ipairs, load
local getmt, getupvalue, upvaluejoin = debug.getmetatable, debug.getupvalue, debug.upvaluejoin
local sort, concat, remove, unpack = table.sort, table.concat, table.remove, table.unpack
local floor, huge, mtype, fmod = math.floor, math.huge, math.type, math.fmod
local lower, upper, gsub, sub, find, format, byte, rep, gmatch = string.lower, string.upper, string.gsub, string.sub, string.find, string.format, string.byte, string.rep, string.gmatch
local yield = coroutine.yield

-- Lua 5.1 numbers print without ".0" (gopher-lua): 10/2 is "5"
local rawtostring = tostring
local function tostring51(v)
  if mtype(v) == "float" and v == floor(v) and v > -1e15 and v < 1e15 then return format("%d", v) end
  return rawtostring(v)
end
tostring = tostring51

local OBJ = { __name = "object", __metatable = "object" }
local ARR = { __name = "array", __metatable = "array" }
local readOnly = function() error("this table is read-only", 2) end
local NULL = setmetatable({}, { __name = "luaNil", __metatable = "luaNil", __newindex = readOnly, __tostring = function() return "luaNil" end })

local TABLE, LIST = {}, {}
local TABLE_MT = { __index = TABLE, __name = "luaTable", __metatable = "luaTable", __tostring = function() return "luaTable" end }
local LIST_MT = { __index = LIST, __name = "luaList", __metatable = "luaList", __tostring = function() return "luaList" end }
local function wrapT(raw) return setmetatable({ _v = raw }, TABLE_MT) end
local function wrapL(raw) return setmetatable({ _v = raw }, LIST_MT) end

local function wrap(v)
  if type(v) == "table" then
    local mt = getmt(v)
    if mt == OBJ then return wrapT(v) elseif mt == ARR then return wrapL(v) end
  end
  return v
end

local function argString(v, n, fname)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring51(v) end
  error(format("bad argument #%d to %s (string expected, got %s)", n, fname, t == "nil" and "nil" or t), 3)
end

-- types.go ParseToTable: nested tables whose keys are all numbers become lists (by key order)
local toData
local function nativeToData(t, top)
  if not top then
    local keys, isList = {}, true
    for k in pairs(t) do
      if type(k) ~= "number" then isList = false break end
      keys[#keys + 1] = k
    end
    if isList then
      sort(keys)
      local out = setmetatable({ n = #keys }, ARR)
      for i = 1, #keys do
        local v = toData(t[keys[i]], false)
        out[i] = v == nil and NULL or v
      end
      return out
    end
  end
  local out = setmetatable({}, OBJ)
  for k, v in pairs(t) do
    local d = toData(v, false)
    if d ~= nil then out[tostring51(k)] = d end
  end
  return out
end
toData = function(v, top)
  local t = type(v)
  if t == "string" or t == "boolean" or t == "number" then return v end
  if t == "table" then
    local mt = getmt(v)
    if mt == TABLE_MT or mt == LIST_MT then return v._v end
    if v == NULL or mt == OBJ or mt == ARR then return v end
    return nativeToData(v, top)
  end
  return nil
end

-- whether a run wrote through any luaTable/luaList (else the host need not read the data back)
local written = false

local function selfT(self) if getmt(self) ~= TABLE_MT then error("luaTable expected", 3) end return self._v end
local function selfL(self) if getmt(self) ~= LIST_MT then error("luaList expected", 3) end return self._v end

function TABLE.get(self, k) return wrap(selfT(self)[argString(k, 1, "get")]) end
function TABLE.set(self, k, v)
  local raw = selfT(self)
  written = true
  k = argString(k, 1, "set")
  local d = toData(v, true)
  if d ~= nil then raw[k] = d end
end
function TABLE.len(self) local n = 0 for _ in pairs(selfT(self)) do n = n + 1 end return n end
function TABLE.keys(self)
  local ks = {}
  for k in pairs(selfT(self)) do ks[#ks + 1] = k end
  sort(ks)
  ks.n = #ks
  return wrapL(setmetatable(ks, ARR))
end
function TABLE.keyExists(self, k) return selfT(self)[argString(k, 1, "keyExists")] ~= nil end
function TABLE.del(self, k) selfT(self)[argString(k, 1, "del")] = nil written = true end

local function index(i, fname)
  local n = tonumber(i)
  if n == nil then error(format("bad argument #1 to %s (number expected, got %s)", fname, type(i)), 3) end
  return floor(n)
end
function LIST.get(self, i)
  local raw = selfL(self)
  i = index(i, "get")
  if i < 0 or i >= raw.n then return nil end
  return wrap(raw[i + 1])
end
function LIST.set(self, i, v)
  local raw = selfL(self)
  written = true
  i = index(i, "set")
  if i < 0 then return end
  local d = toData(v, true)
  if d == nil then return end
  for j = raw.n + 1, i do raw[j] = NULL end
  raw[i + 1] = d
  if i + 1 > raw.n then raw.n = i + 1 end
end
function LIST.len(self) return selfL(self).n end
function LIST.del(self, i)
  local raw = selfL(self)
  written = true
  i = index(i, "del")
  if i < 0 or i >= raw.n then return end
  remove(raw, i + 1)
  raw.n = raw.n - 1
end

local luaTable = { new = function() return wrapT(setmetatable({}, OBJ)) end }
local luaList = { new = function() return wrapL(setmetatable({ n = 0 }, ARR)) end }
local luaNil = { new = function() return NULL end }

-- custom_error(msg[, status[, content_type]]): an error object the host turns into the answer
local CUSTOM = { __name = "custom_error", __metatable = "custom_error" }
local function custom_error(...)
  local n = select("#", ...)
  if n == 0 then error("need arguments", 2) end
  local msg, status, ct = ...
  local code = -1
  if n >= 2 then code = floor(tonumber(status) or 500) end
  error(setmetatable({ msg = tostring51(msg), status = code, ct = n >= 3 and tostring51(ct) or nil }, CUSTOM), 0)
end

-- Go's textproto.CanonicalMIMEHeaderKey
local canonicalMemo, memoSize = {}, 0
local function canonical(k)
  local known = canonicalMemo[k]
  if known then return known end
  local c = k
  -- Go's CanonicalMIMEHeaderKey: upper case at the start and after each "-", lower elsewhere
  if not find(k, "[^%w!#$%%&'*+%-.^_|~]") then c = gsub(gsub(lower(k), "^%l", upper), "%-%l", upper) end
  if memoSize < 512 then canonicalMemo[k] = c memoSize = memoSize + 1 end
  return c
end

local function headerTable(h)
  local out = setmetatable({}, OBJ)
  for k, vs in pairs(h) do
    local l = setmetatable({ n = #vs }, ARR)
    for i = 1, #vs do l[i] = vs[i] end
    out[k] = l
  end
  return wrapT(out)
end
local function headerList(vs)
  local l = setmetatable({ n = vs and #vs or 0 }, ARR)
  if vs then for i = 1, #vs do l[i] = vs[i] end end
  return wrapL(l)
end
local function listValues(list)
  if getmt(list) ~= LIST_MT then error("invalid header value, must be a luaList", 3) end
  local raw, out = list._v, {}
  for i = 1, raw.n do out[i] = tostring51(raw[i] == NULL and "<nil>" or raw[i]) end
  return out
end

-- the state of the current run, set by run(); one run at a time per VM
local current, kind
local REQUEST, RESPONSE, CTX = {}, {}, {}
local REQUEST_MT = { __index = REQUEST, __name = "request", __metatable = "request" }
local RESPONSE_MT = { __index = RESPONSE, __name = "response", __metatable = "response" }
local CTX_MT = { __index = CTX, __name = "ginContext", __metatable = "ginContext" }
-- the state behind request/response/ctx objects; scripts never reach the state table itself
local stateOf = setmetatable({}, { __mode = "k" })
local function state(self, mt)
  if getmt(self) ~= mt then error(mt.__name .. " expected", 3) end
  return stateOf[self]
end

local function getset(mt, field, fname)
  return function(self, ...)
    local s = state(self, mt)
    if select("#", ...) == 0 then return s[field] end
    s[field] = argString((...), 1, fname)
    s.dirty = true
  end
end

-- headers: canonical name -> list of values; canonicalGet: whether the getter canonicalises
local function headersMethod(mt, canonicalGet)
  return function(self, ...)
    local s = state(self, mt)
    local h = s.headers
    local n = select("#", ...)
    if n == 0 then return headerTable(h) end
    local k = argString((...), 1, "headers")
    if n == 1 then
      local vs = h[canonicalGet and canonical(k) or k]
      return vs and vs[1] or ""
    end
    local v = select(2, ...)
    s.dirty = true
    if v == nil then h[canonical(k)] = nil else h[canonical(k)] = { argString(v, 2, "headers") } end
  end
end
local function headerListMethod(mt)
  return function(self, ...)
    local s = state(self, mt)
    local n = select("#", ...)
    if n == 0 then error("need arguments", 2) end
    local k = canonical(argString((...), 1, "headerList"))
    if n == 1 then return headerList(s.headers[k]) end
    s.headers[k] = listValues(select(2, ...))
    s.dirty = true
  end
end
local function bodyMethod(mt)
  return function(self, ...)
    local s = state(self, mt)
    if select("#", ...) == 0 then return s.body or "" end
    s.body = argString((...), 1, "body")
    s.bodySet = true
    s.dirty = true
  end
end
local function paramsMethod(mt)
  return function(self, ...)
    local s = state(self, mt)
    local n = select("#", ...)
    local p = s.params
    if n == 0 then
      local out = setmetatable({}, OBJ)
      for k, v in pairs(p) do out[k] = v end
      return wrapT(out)
    end
    local k = argString((...), 1, "params")
    if n == 1 then return p[k] or "" end
    p[k] = argString(select(2, ...), 2, "params")
    s.dirty = true
  end
end

REQUEST.method, REQUEST.path = getset(REQUEST_MT, "method", "method"), getset(REQUEST_MT, "path", "path")
REQUEST.url, REQUEST.query = getset(REQUEST_MT, "url", "url"), getset(REQUEST_MT, "query", "query")
REQUEST.headers, REQUEST.headerList = headersMethod(REQUEST_MT, true), headerListMethod(REQUEST_MT)
REQUEST.body, REQUEST.params = bodyMethod(REQUEST_MT), paramsMethod(REQUEST_MT)

function RESPONSE.isComplete(self, ...)
  local s = state(self, RESPONSE_MT)
  if select("#", ...) == 0 then return s.complete end
  s.complete = not not (...)
  s.dirty = true
end
function RESPONSE.statusCode(self, ...)
  local s = state(self, RESPONSE_MT)
  if select("#", ...) == 0 then return s.status end
  local code = tonumber((...))
  if code == nil or code ~= code or code < 100 or code > 599 then error("bad argument #1 to statusCode (a status from 100 to 599 expected)", 2) end
  s.status = floor(code)
  s.dirty = true
end
function RESPONSE.data(self)
  local s = state(self, RESPONSE_MT)
  s.dirty = true
  s.dataUsed = true
  return wrapT(s.data)
end
-- KrakenD's response getter looks the name up as written; its setter canonicalises
RESPONSE.headers, RESPONSE.headerList = headersMethod(RESPONSE_MT, false), headerListMethod(RESPONSE_MT)
RESPONSE.body = bodyMethod(RESPONSE_MT)

CTX.method, CTX.url, CTX.host = getset(CTX_MT, "method", "method"), getset(CTX_MT, "url", "url"), getset(CTX_MT, "host", "host")
CTX.headers, CTX.headerList = headersMethod(CTX_MT, true), headerListMethod(CTX_MT)
CTX.body, CTX.params = bodyMethod(CTX_MT), paramsMethod(CTX_MT)
function CTX.query(self, ...)
  local s = state(self, CTX_MT)
  local n = select("#", ...)
  if n == 0 then error("need arguments", 2) end
  local k = argString((...), 1, "query")
  local q = s.queryValues
  if n == 1 then local vs = q[k] return vs and vs[1] or "" end
  q[k] = { argString(select(2, ...), 2, "query") }
  s.querySet = true
  s.dirty = true
end

local request = { load = function() return kind == "request" and current.obj or nil end }
local response = { load = function() return kind == "request" and current.response and current.response.obj or nil end }
local ctx = { load = function() return kind == "ginContext" and current.obj or nil end }

-- http_response.new(url[, method, body[, headers]]): the host makes the call while the script waits
local HTTP_MT = { __name = "httpResponse", __metatable = "httpResponse" }
local HTTP = {}
HTTP_MT.__index = HTTP
function HTTP.statusCode(self) return self._r.status end
function HTTP.headers(self, k) local vs = self._r.headers[lower(argString(k, 1, "headers"))] return vs and vs[1] or "" end
function HTTP.headerList(self, k) return headerList(self._r.headers[lower(argString(k, 1, "headerList"))]) end
function HTTP.body(self) return self._r.body end
function HTTP.close(self) end
local http_response = {
  new = function(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 3 and n ~= 4 then error("need 1, 3 or 4 arguments", 2) end
    local url, method, body, headers = ...
    local hs = {}
    if type(headers) == "table" then
      for k, v in pairs(headers) do
        if type(v) == "table" then
          local vs = {}
          for i = 1, #v do vs[i] = tostring51(v[i]) end
          hs[tostring51(k)] = vs
        else
          hs[tostring51(k)] = { tostring51(v) }
        end
      end
    end
    local r, err = yield(httpMarker, argString(url, 1, "new"), n == 1 and "GET" or argString(method, 2, "new"), n == 1 and "" or tostring51(body or ""), hs)
    if r == nil then error(err, 2) end
    return setmetatable({ _r = r }, HTTP_MT)
  end
}

-- the globals scripts see: gopher-lua's base, package and table; the rest with allow_open_libs
local G = {}
for _, k in ipairs({ "assert", "error", "getmetatable", "next", "pairs", "ipairs",
  "pcall", "xpcall", "print", "rawequal", "rawget", "select", "tonumber", "type", "_VERSION" }) do
  G[k] = _G[k]
end
local protected = {}
local rawsetBase, setmetatableBase, collect = rawset, setmetatable, collectgarbage
G.rawset = function(t, k, v)
  if protected[t] then error("this table is read-only", 2) end
  return rawsetBase(t, k, v)
end
G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then error("__gc metamethods are not available in Sluice's Lua", 2) end
  if protected[t] then error("this table is read-only", 2) end
  return setmetatableBase(t, mt)
end
G.collectgarbage = function(opt, ...)
  if opt == nil or opt == "collect" or opt == "count" or opt == "step" or opt == "isrunning" then return collect(opt, ...) end
  error("collectgarbage('" .. tostring51(opt) .. "') is not available in Sluice's Lua", 2)
end
G.tostring = tostring51
G.unpack = unpack
G._VERSION = "Lua 5.1"
G.newproxy = function() return setmetatable({}, {}) end
local refused = function(name) return function() error(name .. " is not available in Sluice's Lua", 2) end end
G.dofile, G.loadfile, G.module = refused("dofile"), refused("loadfile"), refused("module")
G.require = function(name) error("module '" .. tostring51(name) .. "' not found: Sluice's Lua loads no modules (use sources)", 2) end
local function setfenv(f, t)
  if type(f) == "number" then error("setfenv with a stack level is not supported in Sluice's Lua", 2) end
  local i = 1
  while true do
    local name = getupvalue(f, i)
    if name == "_ENV" then upvaluejoin(f, i, function() return t end, 1) return f end
    if name == nil then return f end
    i = i + 1
  end
end
local function getfenv(f)
  if type(f) == "function" then
    local i = 1
    while true do
      local name, v = getupvalue(f, i)
      if name == "_ENV" then return v end
      if name == nil then break end
      i = i + 1
    end
  end
  return current and current.env
end
G.setfenv, G.getfenv = setfenv, getfenv
-- the API tables are shared by every request of a VM: read-only
local function sealed(t, name)
  local proxy = setmetatable({}, { __index = t, __newindex = readOnly, __metatable = name })
  protected[proxy] = true
  return proxy
end
protected[NULL] = true
G.luaTable, G.luaList, G.luaNil = sealed(luaTable, "luaTable"), sealed(luaList, "luaList"), sealed(luaNil, "luaNil")
G.custom_error, G.http_response = custom_error, sealed(http_response, "http_response")
G.request, G.response, G.ctx = sealed(request, "request"), sealed(response, "response"), sealed(ctx, "ginContext")

local libs = { table = table }
local tableExtra = { getn = function(t) return #t end, maxn = function(t)
  local m = 0
  for k in pairs(t) do if type(k) == "number" and k > m then m = k end end
  return m
end }
if allowOpenLibs then
  libs.string, libs.math, libs.coroutine, libs.utf8 = string, math, coroutine, utf8
  libs.os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime,
    getenv = function(k) return environ[k] end,
    exit = refused("os.exit"), execute = refused("os.execute"), remove = refused("os.remove"),
    rename = refused("os.rename"), tmpname = refused("os.tmpname"), setlocale = refused("os.setlocale") }
  libs.io = { write = io.write, read = refused("io.read"), open = refused("io.open"), lines = refused("io.lines"),
    popen = refused("io.popen"), tmpfile = refused("io.tmpfile"), input = refused("io.input"), output = refused("io.output") }
  libs.debug = { traceback = debug.traceback, getinfo = debug.getinfo }
end
local stringExtra = { gfind = gmatch }
local mathExtra = { mod = fmod }
local extras = { table = tableExtra, string = stringExtra, math = mathExtra }
-- only the libraries the scripts name are copied per request (a script reaches the others only
-- by building their name, and then shares them with the next request of this stage)
local libNames = {}
for k in pairs(libs) do if mentioned[k] then libNames[#libNames + 1] = k end end
local ENV_MT = { __index = G, __metatable = false }
local stringMeta = getmt("")
stringMeta.__metatable = false

-- a fresh environment: the globals of one request; library tables copied so that no change leaks
local function newEnv()
  local env = setmetatable({}, ENV_MT)
  env._G = env
  env.package = { loaded = {}, path = "", cpath = "" }
  for i = 1, #libNames do
    local name = libNames[i]
    local copy = {}
    for k, v in next, libs[name] do copy[k] = v end
    local extra = extras[name]
    if extra then for k, v in next, extra do copy[k] = v end end
    env[name] = copy
  end
  if wantLoad then
    env.load = function(chunk, name, mode, e) return load(chunk, name, "t", e or env) end
    env.loadstring = function(s, name) return load(s, name, "t", env) end
  end
  return env
end

-- runs the chunks on the state; k: "request" (proxy and backend) or "ginContext" (router)
local function run(env, k, st, a, b, c)
  current, kind = st, k
  st.env = env
  stringMeta.__index = env.string
  if st.obj == nil then
    st.obj = setmetatable({}, k == "request" and REQUEST_MT or CTX_MT)
    stateOf[st.obj] = st
  end
  local r = st.response
  if r and r.obj == nil then
    r.obj = setmetatable({}, RESPONSE_MT)
    stateOf[r.obj] = r
  end
  written = false
  if a then a(env) end
  if b then b(env) end
  if c then c(env) end
  if r then r.written = written end
  return st
end

local function finish() current, kind = nil, nil stringMeta.__index = nil end

return { newEnv = newEnv, run = run, finish = finish, OBJ = OBJ, ARR = ARR, NULL = NULL, CUSTOM = CUSTOM }
`
