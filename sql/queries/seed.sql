-- Queries of `hsl-bot seed` (bot/seed): bulk-loading synthetic school data.

-- name: seed_school_has_data
-- Whether any of the course bot's tables holds a row (seeding on top of them needs --force).
SELECT EXISTS (SELECT 1 FROM bookings)
    OR EXISTS (SELECT 1 FROM events)
    OR EXISTS (SELECT 1 FROM free_lesson_registrations) AS has_data;

-- name: seed_max_user_id
-- The largest user id already in the school's tables, so seeded people never collide with it.
SELECT greatest(
    (SELECT max(user_id) FROM bookings),
    (SELECT max(user_id) FROM events),
    (SELECT max(user_id) FROM free_lesson_registrations),
    (SELECT max(user_id) FROM users)
) AS max_user_id;

-- name: seed_disable_user_triggers
-- The per-row users upsert would dominate a COPY; users is rebuilt in one pass afterwards.
-- Run inside the seeding transaction: the tables stay locked until it commits.
ALTER TABLE bookings DISABLE TRIGGER hsl_users_insert;
ALTER TABLE events DISABLE TRIGGER hsl_users_insert;
ALTER TABLE free_lesson_registrations DISABLE TRIGGER hsl_users_insert;

-- name: seed_enable_user_triggers
ALTER TABLE bookings ENABLE TRIGGER hsl_users_insert;
ALTER TABLE events ENABLE TRIGGER hsl_users_insert;
ALTER TABLE free_lesson_registrations ENABLE TRIGGER hsl_users_insert;

-- name: seed_rebuild_users
-- What the disabled triggers would have done, for every user at once.
SELECT hsl_rebuild_users();

-- name: seed_analyze
-- Fresh statistics, so the first analytics queries on seeded data get sensible plans.
ANALYZE bookings, events, free_lesson_registrations, users;

-- name: seed_has_analytics_rollups
-- Whether the analytics rollups (migration 0010) are installed.
SELECT to_regproc('hsl_rebuild_analytics') IS NOT NULL AS installed;

-- name: seed_disable_analytics_triggers
-- The rollups' triggers would upsert per COPY batch and, on users, per row (slow on hot day
-- rows); hsl_rebuild_analytics() recomputes them in one pass after the load instead.
ALTER TABLE bookings DISABLE TRIGGER hsl_analytics_insert;
ALTER TABLE events DISABLE TRIGGER hsl_analytics_insert;
ALTER TABLE free_lesson_registrations DISABLE TRIGGER hsl_analytics_insert;
ALTER TABLE users DISABLE TRIGGER hsl_analytics_insert;
ALTER TABLE users DISABLE TRIGGER hsl_analytics_update;

-- name: seed_enable_analytics_triggers
ALTER TABLE bookings ENABLE TRIGGER hsl_analytics_insert;
ALTER TABLE events ENABLE TRIGGER hsl_analytics_insert;
ALTER TABLE free_lesson_registrations ENABLE TRIGGER hsl_analytics_insert;
ALTER TABLE users ENABLE TRIGGER hsl_analytics_insert;
ALTER TABLE users ENABLE TRIGGER hsl_analytics_update;

-- name: seed_rebuild_analytics
SELECT hsl_rebuild_analytics();
