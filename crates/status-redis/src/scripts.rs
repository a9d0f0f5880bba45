//! The Lua scripts. Each runs atomically in Redis: it reads the clock, sweeps what expired,
//! checks and changes the budget in one step, and refreshes every key's expiry.
//!
//! Every script gets the same nine keys (one hash tag) and the same first eight arguments:
//!
//! | KEYS | type | contents |
//! |---|---|---|
//! | 1 `meta` | hash | `epoch`, `hwm` (the clock's high-water mark, ms), `grace_until`, `blocked_until` |
//! | 2 `holders` | zset | holder id -> lease expiry (ms) |
//! | 3 `inflight` | zset | `holder/rN` -> admission time: requests not yet answered |
//! | 4 `done` | zset | `holder/rN` -> reply time: answered requests, held `window` after it |
//! | 5 `proj` | hash | `holder/pN` -> time the slot was taken: running-project slots |
//! | 6 `pid` | hash | `holder/pN` -> project id, once the submission returned it |
//! | 7 `path` | hash | `holder/pN` -> where the project's results are polled, once known |
//! | 8 `rqueue` | zset | `holder/qN` -> arrival number: the tickets of waiters for a request slot |
//! | 9 `pqueue` | zset | `holder/wN` -> arrival number: the tickets of waiters for a project slot |
//!
//! A waiter that finds no slot free (or others queued before it) leaves a ticket, numbered
//! from `meta`'s `qseq` in arrival order, and is admitted only once fewer waiters are queued
//! ahead of it than there are free slots: first come, first served across processes. A
//! ticket lives as long as its holder's lease (the sweep drops a dead holder's tickets), so a
//! crashed waiter holds the queue up for one lease at most; a waiter that gives up has its
//! ticket removed by its process's next sync.
//!
//! A slot that its holder disowned (it stopped polling a project that may still run) is
//! renamed `holder~/pN`: a holder without a lease, so the slot is an orphan at once.
//!
//! ARGV: 1 the epoch the caller knows (`""` for none), 2 the caller's clock floor (the
//! highest time it has seen from this Redis), 3 the holder id, 4 the lease (ms), 5 the window
//! (ms), 6 the rebuild grace (ms), 7 the unbound-slot timeout (ms), 8 a fresh epoch id to use if
//! there is none; the operation's own arguments follow.
//!
//! A script whose caller knows another epoch (or none, or Redis lost the budget) changes
//! nothing and answers `{-1, now, epoch}`: the caller then [`SYNC`]s its whole state into the
//! budget and tries again. A budget created anew admits nothing for the rebuild grace, so that
//! every live process has re-registered what it holds before anything new is admitted.

/// Shared by every script: the clock, the epoch check, the sweep and the expiry refresh.
const PRELUDE: &str = r#"
local meta, holders, inflight, done, proj, pid, path = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local rqueue, pqueue = KEYS[8], KEYS[9]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hwm = tonumber(redis.call('HGET', meta, 'hwm') or '0')
if hwm > now then now = hwm end
local floor = tonumber(ARGV[2])
if floor > now then now = floor end
local holder = ARGV[3]
local lease, window = tonumber(ARGV[4]), tonumber(ARGV[5])
local grace, unbound_timeout = tonumber(ARGV[6]), tonumber(ARGV[7])
local ttl = window + lease

local function touch()
  redis.call('HSET', meta, 'hwm', now)
  for i = 1, 9 do redis.call('PEXPIRE', KEYS[i], ttl) end
end

local function holder_of(m)
  return string.match(m, '^(.*)/[^/]*$')
end

local function lease_of(h)
  local exp = redis.call('ZSCORE', holders, h)
  if exp then return tonumber(exp) end
  return nil
end

local function alive(h)
  local exp = lease_of(h)
  return exp ~= nil and exp > now
end

-- Returns nil when the caller's epoch is current; otherwise the current one (created here,
-- with a grace period, when the budget is gone).
local function stale()
  local e = redis.call('HGET', meta, 'epoch')
  if not e then
    e = ARGV[8]
    redis.call('HSET', meta, 'epoch', e, 'grace_until', now + grace)
  end
  if e ~= ARGV[1] then
    touch()
    return e
  end
  return nil
end

local function renew()
  redis.call('ZADD', holders, now + lease, holder)
end

local function sweep()
  -- A dead holder's requests in flight count as answered when its lease ran out.
  for _, m in ipairs(redis.call('ZRANGE', inflight, 0, -1)) do
    local exp = lease_of(holder_of(m))
    if exp == nil or exp <= now then
      redis.call('ZREM', inflight, m)
      redis.call('ZADD', done, exp or now, m)
    end
  end
  redis.call('ZREMRANGEBYSCORE', done, '-inf', now - window)
  -- A dead holder's slot without a project id is freed a while after it was taken.
  local entries = redis.call('HGETALL', proj)
  for i = 1, #entries, 2 do
    local m, taken = entries[i], tonumber(entries[i + 1])
    if taken + unbound_timeout <= now and redis.call('HEXISTS', pid, m) == 0
        and not alive(holder_of(m)) then
      redis.call('HDEL', proj, m)
    end
  end
  -- A dead holder's tickets leave the queues, so that its waiters hold nobody up.
  for _, q in ipairs({rqueue, pqueue}) do
    for _, m in ipairs(redis.call('ZRANGE', q, 0, -1)) do
      if not alive(holder_of(m)) then redis.call('ZREM', q, m) end
    end
  end
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
end

-- Where `ticket` stands in `queue`: the number of live tickets ahead of it (all of them when
-- it has none yet), and whether it has one.
local function rank_in(queue, ticket)
  local rank = redis.call('ZRANK', queue, ticket)
  if rank then return rank, true end
  return redis.call('ZCARD', queue), false
end

-- Gives `ticket` the next arrival number in `queue`, unless it has one.
local function enqueue(queue, ticket, queued)
  if not queued then
    redis.call('ZADD', queue, redis.call('HINCRBY', meta, 'qseq', 1), ticket)
  end
end

local function wait_from(field)
  local until_ = tonumber(redis.call('HGET', meta, field) or '0')
  if until_ > now then return until_ - now end
  return 0
end
"#;

/// ARGV 9: the member, 10: the limit, 11: the waiter's ticket. `{1, now}` admitted (the
/// ticket, if any, leaves the queue); `{0, now, wait_ms}` not yet, the ticket queued, where
/// `wait_ms` is when the slot this waiter will get frees: the one after those that the waiters
/// ahead of it take (-1: it is still in flight).
const ADMIT: &str = r#"
local e = stale()
if e then return {-1, now, e} end
renew()
sweep()
local ticket = ARGV[11]
local rank, queued = rank_in(rqueue, ticket)
local wait = math.max(wait_from('blocked_until'), wait_from('grace_until'))
if wait > 0 then enqueue(rqueue, ticket, queued) touch() return {0, now, wait} end
local free = tonumber(ARGV[10]) - redis.call('ZCARD', inflight) - redis.call('ZCARD', done)
if rank < free then
  if queued then redis.call('ZREM', rqueue, ticket) end
  redis.call('ZADD', inflight, now, ARGV[9])
  touch()
  return {1, now}
end
enqueue(rqueue, ticket, queued)
-- Answered slots free in reply order: the waiters ahead take the first `rank - free` of them.
local k = rank - free
local at = redis.call('ZRANGE', done, k, k, 'WITHSCORES')
touch()
if at[2] then return {0, now, tonumber(at[2]) + window - now} end
return {0, now, -1}
"#;

/// ARGV 9: the member, 10: the limit, 11: the waiter's ticket. `{1, now}` taken (the ticket,
/// if any, leaves the queue); `{0, now, wait_ms}` not yet, the ticket queued (-1: wait for
/// projects to finish).
const PROJECT_ACQUIRE: &str = r#"
local e = stale()
if e then return {-1, now, e} end
renew()
sweep()
local ticket = ARGV[11]
local rank, queued = rank_in(pqueue, ticket)
local wait = wait_from('grace_until')
if wait > 0 then enqueue(pqueue, ticket, queued) touch() return {0, now, wait} end
if rank < tonumber(ARGV[10]) - redis.call('HLEN', proj) then
  if queued then redis.call('ZREM', pqueue, ticket) end
  redis.call('HSET', proj, ARGV[9], now)
  touch()
  return {1, now}
end
enqueue(pqueue, ticket, queued)
touch()
return {0, now, -1}
"#;

/// The caller's whole state, idempotently: ARGV 9: 1 when the holder leaves (shutdown);
/// 10: 1 when it re-registers everything in a new epoch; then a count and that many members
/// in flight; a count and that many (member, reply time or 0 for "now") answered; a count
/// and that many (member, time taken, project id or "", results path or "") project slots;
/// a count and that many slots disowned, the same way; a count and that many tickets of
/// waiters still waiting (`holder/qN` for a request slot, `holder/wN` for a project slot), in
/// arrival order. Members of this holder that Redis has and the caller does not are
/// reconciled: a request in flight counts as answered now, a project slot is freed, a ticket
/// leaves its queue. A ticket Redis does not have (swept while the lease had lapsed, or lost
/// with the budget) joins the end of its queue. A project slot that Redis no longer has in the same epoch was
/// taken from the caller (adopted while its lease had run out, or swept): it is not put
/// back, so that it is never counted twice, and is answered as lost.
/// `{1, now, lost member...}`.
pub(crate) const SYNC: &str = r#"
local e = stale()
if e then return {-1, now, e} end
local leaving = ARGV[9] == '1'
local full = ARGV[10] == '1'
local lost = {}
local i = 11
local mine_inflight, mine_done, mine_proj = {}, {}, {}
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local m = ARGV[i]; i = i + 1
  mine_inflight[m] = true
  if not redis.call('ZSCORE', done, m) then
    redis.call('ZADD', inflight, 'NX', now, m)
  end
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local m, at = ARGV[i], tonumber(ARGV[i + 1]); i = i + 2
  mine_done[m] = true
  redis.call('ZREM', inflight, m)
  if at == 0 then
    if not redis.call('ZSCORE', done, m) then redis.call('ZADD', done, now, m) end
  elseif at + window > now then
    redis.call('ZADD', done, 'GT', at, m)
  end
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local m, taken, id, p = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]; i = i + 4
  mine_proj[m] = true
  if full or redis.call('HEXISTS', proj, m) == 1 then
    redis.call('HSETNX', proj, m, taken)
    if id ~= '' then redis.call('HSET', pid, m, id) end
    if p ~= '' then redis.call('HSET', path, m, p) end
  else
    table.insert(lost, m)
  end
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local m, taken, id, p = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]; i = i + 4
  local o = holder .. '~/' .. string.sub(m, #holder + 2)
  if redis.call('HEXISTS', proj, m) == 1 then
    taken = redis.call('HGET', proj, m)
    id = redis.call('HGET', pid, m) or id
    p = redis.call('HGET', path, m) or p
    redis.call('HDEL', proj, m)
    redis.call('HDEL', pid, m)
    redis.call('HDEL', path, m)
  elseif not full then
    -- Moved by an earlier sync whose answer was lost, or taken already.
    taken = nil
  end
  if taken then
    redis.call('HSETNX', proj, o, taken)
    if id ~= '' then redis.call('HSET', pid, o, id) end
    if p ~= '' then redis.call('HSET', path, o, p) end
  end
end
local mine_tickets = {}
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local m = ARGV[i]; i = i + 1
  mine_tickets[m] = true
  local q = rqueue
  if string.match(m, '/w%d+$') then q = pqueue end
  if not leaving then enqueue(q, m, redis.call('ZSCORE', q, m)) end
end
for _, q in ipairs({rqueue, pqueue}) do
  for _, m in ipairs(redis.call('ZRANGE', q, 0, -1)) do
    if holder_of(m) == holder and (leaving or not mine_tickets[m]) then
      redis.call('ZREM', q, m)
    end
  end
end
for _, m in ipairs(redis.call('ZRANGE', inflight, 0, -1)) do
  if holder_of(m) == holder and not mine_inflight[m] and not mine_done[m] then
    redis.call('ZREM', inflight, m)
    redis.call('ZADD', done, now, m)
  end
end
for _, m in ipairs(redis.call('HKEYS', proj)) do
  if holder_of(m) == holder and not mine_proj[m] then
    redis.call('HDEL', proj, m)
    redis.call('HDEL', pid, m)
    redis.call('HDEL', path, m)
  end
end
if leaving then
  for _, m in ipairs(redis.call('ZRANGE', inflight, 0, -1)) do
    if holder_of(m) == holder then
      redis.call('ZREM', inflight, m)
      redis.call('ZADD', done, now, m)
    end
  end
  redis.call('ZREM', holders, holder)
else
  renew()
end
sweep()
touch()
local out = {1, now}
for _, m in ipairs(lost) do table.insert(out, m) end
return out
"#;

/// ARGV 9: the wait (ms). Admits nothing anywhere until then. `{1, now}`.
const REFUSED: &str = r#"
local until_ = now + tonumber(ARGV[9])
if until_ > tonumber(redis.call('HGET', meta, 'blocked_until') or '0') then
  redis.call('HSET', meta, 'blocked_until', until_)
end
touch()
return {1, now}
"#;

/// `{1, now, id, path...}`: the project ids whose holder's lease ran out, each with its
/// results path (`""` when unknown).
const ORPHANS: &str = r#"
sweep()
local out = {1, now}
local entries = redis.call('HGETALL', pid)
for i = 1, #entries, 2 do
  if not alive(holder_of(entries[i])) then
    table.insert(out, entries[i + 1])
    table.insert(out, redis.call('HGET', path, entries[i]) or '')
  end
end
touch()
return out
"#;

/// ARGV 9: the project id, 10: the new member. `{1, now, taken, path}` adopted (`path` `""`
/// when unknown); `{0, now}` not an orphan (any more). The first live caller wins: the slot
/// is the caller's from then on, and an orphan again if the caller's lease runs out.
const ADOPT: &str = r#"
local e = stale()
if e then return {-1, now, e} end
renew()
sweep()
local entries = redis.call('HGETALL', pid)
for i = 1, #entries, 2 do
  local m = entries[i]
  if entries[i + 1] == ARGV[9] and not alive(holder_of(m)) then
    local taken = redis.call('HGET', proj, m) or now
    local p = redis.call('HGET', path, m)
    redis.call('HDEL', proj, m)
    redis.call('HDEL', pid, m)
    redis.call('HDEL', path, m)
    redis.call('HSET', proj, ARGV[10], taken)
    redis.call('HSET', pid, ARGV[10], ARGV[9])
    if p then redis.call('HSET', path, ARGV[10], p) end
    touch()
    return {1, now, tonumber(taken), p or ''}
  end
end
touch()
return {0, now}
"#;

/// One loaded script per operation.
pub(crate) struct Scripts {
    pub(crate) admit: redis::Script,
    pub(crate) project_acquire: redis::Script,
    pub(crate) sync: redis::Script,
    pub(crate) refused: redis::Script,
    pub(crate) orphans: redis::Script,
    pub(crate) adopt: redis::Script,
}

impl Scripts {
    pub(crate) fn new() -> Self {
        let with_prelude = |body: &str| redis::Script::new(&format!("{PRELUDE}\n{body}"));
        Self {
            admit: with_prelude(ADMIT),
            project_acquire: with_prelude(PROJECT_ACQUIRE),
            sync: with_prelude(SYNC),
            refused: with_prelude(REFUSED),
            orphans: with_prelude(ORPHANS),
            adopt: with_prelude(ADOPT),
        }
    }
}
