"""The Lua scripts that change a run's log; each runs atomically in Redis.

* :data:`APPEND` (the producer): adds one entry unless the log already ended, or unless
  its last entry has this ``seq`` or a later one (a retried append that had landed: so a
  retry after a lost reply adds nothing twice). A terminal entry gets the next ``seq``
  after the log's last one, gives the log its retention TTL and deletes the heartbeat; any
  other entry refreshes the log's TTL and the heartbeat.
* :data:`APPEND_EVENTS` (the producer, with a backlog): :data:`APPEND` for several
  ``event`` entries with consecutive ``seq`` numbers in one call; the ones whose ``seq`` the log
  already holds (a retried call that had landed) are skipped.
* :data:`BEAT` (the producer's heartbeat): stores the Redis server's time in the heartbeat
  key and refreshes both TTLs, unless the log already ended.
* :data:`CHECK` (a reader with nothing to read): when the log has not ended and the last
  heartbeat is older than the reader's timeout (or gone), appends the ``error`` entry.

Invariants: nothing is ever appended after a terminal entry, so a log has at most one,
however many producers and readers race; times are the Redis server's (``TIME``), so
clocks of other machines do not matter. Replies are arrays whose first item is a status.
"""

from __future__ import annotations

from typing import Final

COMMON = """
local TERMINAL = {['end'] = true, ['error'] = true, ['cancelled'] = true}
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- the log's last entry as {id, kind, seq}, or nil
local function last_entry(key)
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
  if not last then return nil end
  return {last[1], field(last[2], 'kind'), tonumber(field(last[2], 'seq'))}
end
local function ended(last)
  return {'ended', last[1], last[2], last[3] or -1}
end
"""

APPEND: Final = (
    COMMON
    + """
-- KEYS: log, heartbeat; ARGV: maxlen, ttl_ms, retention_ms, seq ('next': the next one),
-- kind, then the other fields as name, value pairs
local last = last_entry(KEYS[1])
local seq = ARGV[4]
if last and TERMINAL[last[2]] then return ended(last) end
if seq == 'next' then
  seq = last and last[3] and last[3] + 1 or 0
elseif last and last[3] and last[3] >= tonumber(seq) then
  return {'duplicate', last[1]}
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
  'kind', ARGV[5], 'seq', seq, unpack(ARGV, 6))
if TERMINAL[ARGV[5]] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('DEL', KEYS[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], now_ms(), 'PX', ARGV[2])
end
return {'added', id, ARGV[5], seq}
"""
)

APPEND_EVENTS: Final = (
    COMMON
    + """
-- KEYS: log, heartbeat; ARGV: maxlen, ttl_ms, seq of the first event, then one event's
-- JSON per entry
local last = last_entry(KEYS[1])
if last and TERMINAL[last[2]] then return ended(last) end
local first = tonumber(ARGV[3])
local skip = 0
if last and last[3] and last[3] >= first then skip = last[3] - first + 1 end
local id = last and last[1] or ''
for i = 4 + skip, #ARGV do
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
    'kind', 'event', 'seq', first + i - 4, 'event', ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], now_ms(), 'PX', ARGV[2])
return {'added', id, math.max(0, #ARGV - 3 - skip)}
"""
)

BEAT: Final = (
    COMMON
    + """
-- KEYS: log, heartbeat; ARGV: ttl_ms
local last = last_entry(KEYS[1])
if last and TERMINAL[last[2]] then return ended(last) end
redis.call('SET', KEYS[2], now_ms(), 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {'alive'}
"""
)

CHECK: Final = (
    COMMON
    + """
-- KEYS: log, heartbeat; ARGV: timeout_ms, maxlen, retention_ms, error data (JSON)
local last = last_entry(KEYS[1])
if last and TERMINAL[last[2]] then return ended(last) end
local beat = tonumber(redis.call('GET', KEYS[2]) or '')
if beat then
  local age = now_ms() - beat
  if age <= tonumber(ARGV[1]) then return {'alive', age} end
end
if not last then return {'missing'} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
  'kind', 'error', 'seq', (last[3] or -1) + 1, 'data', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2])
return {'died', id}
"""
)

__all__ = ("APPEND", "APPEND_EVENTS", "BEAT", "CHECK", "COMMON")
