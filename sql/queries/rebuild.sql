-- The analytics rollups rebuilt in short slices (migration 0055), driven by
-- bot/analytics/rebuild.py: one slice per transaction, so the course bot's inserts wait at
-- most one slice.

-- name: rebuild_needed
-- Whether a rebuild was asked for (a zone change, or rollups found out of step) and not
-- finished yet.
SELECT rebuilding FROM analytics_settings;

-- name: rebuild_mark
-- Ask for a rebuild; it stays asked for until one finishes.
UPDATE analytics_settings SET rebuilding = TRUE;

-- name: rebuild_done
UPDATE analytics_settings SET rebuilding = FALSE;

-- name: rebuild_guard
-- One rebuilding process at a time (a session lock, held on the rebuild's own connection);
-- slices would stay right if two ran, but twice the work would be wasted.
SELECT pg_try_advisory_lock(hashtext('hsl-bot analytics rebuild'));

-- name: rebuild_unguard
SELECT pg_advisory_unlock(hashtext('hsl-bot analytics rebuild'));

-- name: rebuild_day_bounds
-- The local days (for analytics_cohorts: cohort weeks) that a day-keyed rollup's slices cover.
SELECT first_day, last_day FROM hsl_rollup_day_bounds(:target);

-- name: rebuild_days
SELECT hsl_rebuild_days(:target, :first_day, :last_day);

-- name: rebuild_next_user
-- The user id ``rows`` events on from ``first`` (NULL when fewer are left): the last user of a
-- slice of about that many events, read straight from the per-user index.
SELECT user_id FROM events WHERE user_id >= :first ORDER BY user_id OFFSET :rows LIMIT 1;

-- name: rebuild_people
SELECT hsl_rebuild_people(:target, :first_user, :last_user);
