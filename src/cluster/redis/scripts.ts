/**
 * The Lua scripts behind RedisClusterState. Each runs atomically on the Redis server, which is what
 * makes every transition (first subscriber, a user's last connection, a due webhook) visible to
 * exactly one node.
 */
import { LuaScript } from './lua-script.js';

/**
 * KEYS: subscriptions, members, memberConnections, channels, pending, owned
 * ARGV: socketId, memberKey ('' if none), memberJson, maxMembers ('' if none), debounce ('1'/'0'),
 *       channel, pendingVacated, pendingMemberRemoved, ownedEntry
 * Returns {1, count, occupied, memberAdded, memberAddedReported, membersFlat} or {0} when full.
 */
export const JOIN = new LuaScript(`
local subs, members, mcount, channels, pending, owned = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local socket, mkey, mjson, maxm, debounce = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1'
local channel, pv, pm, entry = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local function snapshot()
  if mkey == '' then return {} end
  return redis.call('HGETALL', members)
end
if redis.call('HEXISTS', subs, socket) == 1 then
  return {1, redis.call('HLEN', subs), 0, 0, 0, snapshot()}
end
if mkey ~= '' and maxm ~= nil then
  if redis.call('HEXISTS', mcount, mkey) == 0 and redis.call('HLEN', mcount) >= maxm then return {0} end
end
redis.call('HSET', subs, socket, mkey)
local count = redis.call('HLEN', subs)
local occupied = 0
if count == 1 then
  redis.call('ZADD', channels, 0, channel)
  occupied = 1
  if debounce and redis.call('ZREM', pending, pv) == 1 then occupied = 0 end
end
local added, reported = 0, 0
if mkey ~= '' then
  if redis.call('HINCRBY', mcount, mkey, 1) == 1 then
    redis.call('HSET', members, mkey, mjson)
    added, reported = 1, 1
    if debounce and redis.call('ZREM', pending, pm) == 1 then reported = 0 end
  end
end
redis.call('SADD', owned, entry)
return {1, count, occupied, added, reported, snapshot()}
`);

/**
 * KEYS: subscriptions, members, memberConnections, channels, pending, owned
 * ARGV: socketId, debounce ('1'/'0'), channel, dueAt, pendingVacated, pendingMemberPrefix, ownedEntry
 * Returns {count, memberRemoved, memberJson, vacated}.
 */
export const LEAVE = new LuaScript(`
local subs, members, mcount, channels, pending, owned = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local socket, debounce, channel, due, pv, pmprefix, entry = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
redis.call('SREM', owned, entry)
local mkey = redis.call('HGET', subs, socket)
if not mkey then return {redis.call('HLEN', subs), 0, '', 0} end
redis.call('HDEL', subs, socket)
local removed, mjson = 0, ''
if mkey ~= '' then
  mjson = redis.call('HGET', members, mkey) or ''
  if redis.call('HINCRBY', mcount, mkey, -1) <= 0 then
    redis.call('HDEL', mcount, mkey)
    redis.call('HDEL', members, mkey)
    removed = 1
    if debounce then redis.call('ZADD', pending, due, pmprefix .. mkey) end
  end
end
local count = redis.call('HLEN', subs)
local vacated = 0
if count == 0 then
  redis.call('ZREM', channels, channel)
  vacated = 1
  if debounce then redis.call('ZADD', pending, due, pv) end
end
return {count, removed, mjson, vacated}
`);

/** KEYS: pending. ARGV: now, limit. Removes and returns the due members. */
export const TAKE_DUE = new LuaScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
`);

/** KEYS: connections, owned. ARGV: socketId, max ('' if none), ownedEntry. Returns 1 or 0. */
export const ADD_CONNECTION = new LuaScript(`
local max = tonumber(ARGV[2])
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 and max ~= nil and redis.call('SCARD', KEYS[1]) >= max then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
`);

/** KEYS: connections, owned. ARGV: socketId, ownedEntry. */
export const REMOVE_CONNECTION = new LuaScript(`
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: user, owned. ARGV: socketId, ownedEntry. Returns 1 when this is the user's first socket. */
export const ADD_USER = new LuaScript(`
redis.call('SADD', KEYS[2], ARGV[2])
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 1 then return 1 end
return 0
`);

/** KEYS: user, owned. ARGV: socketId, ownedEntry. Returns 1 when that was the user's last socket. */
export const REMOVE_USER = new LuaScript(`
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 0 then return 1 end
return 0
`);

/** KEYS: cache, miss. ARGV: json, ttlMs. */
export const SET_CACHE = new LuaScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
`);

/** KEYS: cache. Returns {json, pttl} or {}. */
export const GET_CACHE = new LuaScript(`
local value = redis.call('GET', KEYS[1])
if not value then return {} end
return {value, redis.call('PTTL', KEYS[1])}
`);

/**
 * KEYS: alive, nodes. ARGV: nodeId, ttlMs. Refreshes the heartbeat; returns 1 when the key had
 * expired or vanished (this node's entries may have been claimed, or the store restarted).
 */
export const HEARTBEAT = new LuaScript(`
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
if existed == 0 then return 1 end
return 0
`);

/**
 * KEYS: nodes. ARGV: key prefix.
 * Returns the registered node ids whose heartbeat key exists (one round trip however many nodes).
 */
export const LIVE_NODES = new LuaScript(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'node:' .. id .. ':alive') == 1 then table.insert(out, id) end
end
return out
`);

/**
 * KEYS: nodes. ARGV: keyPrefix, ownNodeId. Claims every registered node whose heartbeat expired:
 * returns {nodeId, {entries...}, ...} and forgets those nodes and their ownership sets.
 */
export const CLAIM_ORPHANS = new LuaScript(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if id ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 'node:' .. id .. ':alive') == 0 then
    local ownedKey = ARGV[1] .. 'node:' .. id .. ':own'
    table.insert(out, id)
    table.insert(out, redis.call('SMEMBERS', ownedKey))
    redis.call('DEL', ownedKey)
    redis.call('SREM', KEYS[1], id)
  end
end
return out
`);

/**
 * KEYS: session. ARGV: nodeId, ttlMs, alivePrefix ('{prefix}node:'). Claims the session for
 * nodeId unless a node whose heartbeat is live holds it; returns the holder.
 */
export const CLAIM_SESSION = new LuaScript(`
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. owner .. ':alive') == 1 then return owner end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`);

/** KEYS: session. ARGV: alivePrefix. The holder if its heartbeat is live, else nil. */
export const FIND_SESSION = new LuaScript(`
local owner = redis.call('GET', KEYS[1])
if owner and redis.call('EXISTS', ARGV[1] .. owner .. ':alive') == 1 then return owner end
return false
`);

/** KEYS: session. ARGV: nodeId. Deletes the entry if nodeId holds it. */
export const RELEASE_SESSION = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);
