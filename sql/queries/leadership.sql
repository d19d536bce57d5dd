-- Leadership: an advisory lock for the quick path (a dead session frees it at once) and a
-- term row (leader_term) whose epoch fences every leader write and whose heartbeat shows it
-- alive.

-- name: try_leader_lock
SELECT pg_try_advisory_lock(:key);

-- name: release_leader_lock
SELECT pg_advisory_unlock(:key);

-- name: leader_begin_term
-- This session holds the lock: a new term begins (the previous holder's epoch is now stale),
-- unless the current term is alive without the lock: a leader that took over by the slow path
-- (leader_take_over_stale) ended the stale session, which freed the lock before it could take
-- it. While that leader's session lives and its heartbeat is fresh, the lock's being free says
-- nothing about it: nothing comes back, and the caller hands the lock back to it.
UPDATE leader_term AS t
SET epoch = t.epoch + 1, holder = :holder, backend_pid = pg_backend_pid(), heartbeat_at = now()
WHERE t.backend_pid IS NULL
   OR t.heartbeat_at < now() - make_interval(secs => :stale_s::float8)
   OR NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = t.backend_pid)
RETURNING t.epoch;

-- name: leader_take_over_stale
-- The leader's heartbeat is older than :stale_s seconds (frozen, cut off): end its term.
-- Exactly one caller gets the new epoch, and the old holder's backend (to terminate).
WITH old AS (
    SELECT backend_pid FROM leader_term
    WHERE heartbeat_at < now() - make_interval(secs => :stale_s::float8)
      AND holder IS NOT NULL  -- nobody ever led: the lock elects the first leader
    FOR UPDATE
)
UPDATE leader_term AS t
SET epoch = t.epoch + 1, holder = :holder, backend_pid = pg_backend_pid(), heartbeat_at = now()
FROM old
RETURNING t.epoch, old.backend_pid AS stale_pid;

-- name: leader_terminate_backend
-- End a stale leader's session (its lock goes with it) where we have the right to.
SELECT pg_terminate_backend(:pid)
WHERE :pid::int IS NOT NULL AND :pid::int <> pg_backend_pid();

-- name: leader_end_term
-- A leader stepping down of its own accord: its session goes back to a pool alive, so the term
-- says it has no session (leader_begin_term then lets the next lock holder begin at once).
UPDATE leader_term SET backend_pid = NULL WHERE epoch = :epoch;

-- name: leader_heartbeat
-- Renew this term; nothing comes back once the term is over (someone took over).
UPDATE leader_term SET heartbeat_at = now()
WHERE epoch = :epoch
RETURNING epoch;

-- name: leader_term_state
SELECT epoch, holder, extract(epoch FROM now() - heartbeat_at)::float8 AS age_s
FROM leader_term;
