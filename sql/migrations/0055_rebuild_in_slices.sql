-- Rebuild the analytics rollups in short slices, so a rebuild (a TIMEZONE change, a bulk load
-- that bypassed the triggers) never makes the course bot's inserts wait more than one slice.
--
-- hsl_rebuild_analytics() (migrations 0010/0012) truncates every rollup and refills it in one
-- transaction: the course bot's next insert fires our triggers, which must write to those
-- tables, and waits for the whole rebuild (seconds at a million events). Here each call
-- recomputes one slice of one table -- a run of local days, of user ids or of cohort weeks --
-- in its own short transaction, driven by bot/analytics/rebuild.py.
--
-- Why one table per slice, locked first: the slice takes SHARE ROW EXCLUSIVE on its table (it
-- conflicts with the triggers' ROW EXCLUSIVE, not with readers), *then* reads the school's
-- tables with a snapshot taken after the lock. A writer that already changed the table has
-- committed before the lock is granted, so the slice's snapshot counts its rows; a writer that
-- has not reached the table yet waits, and its trigger then adds its rows on top of the slice's
-- result, which did not count them. Either way nothing is lost or counted twice. Locking a
-- single table and only reading the others means a slice never waits for a second lock, so it
-- cannot deadlock with a writer whose triggers touch several rollups.
--
-- analytics_settings.rebuilding marks a rebuild in progress (set with a zone change or when the
-- rollups are found out of step), so a process that dies halfway leaves it for the next one.
-- migrate:up
ALTER TABLE analytics_settings ADD COLUMN rebuilding BOOLEAN NOT NULL DEFAULT FALSE;

-- Slices of users find their viewer rows by user id; the key in that order serves the
-- triggers' ON CONFLICT (course_key, user_id) just as well (the pages read by course through
-- idx_analytics_program_viewers_last), so no index is added to the insert path.
ALTER TABLE analytics_program_viewers DROP CONSTRAINT analytics_program_viewers_pkey;
ALTER TABLE analytics_program_viewers ADD PRIMARY KEY (user_id, course_key);

-- A zone change no longer rebuilds inline: it marks the rollups for a sliced rebuild.
CREATE OR REPLACE FUNCTION hsl_analytics_use_tz(zone TEXT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM analytics_settings WHERE tz = zone;
    IF FOUND THEN
        RETURN FALSE;
    END IF;
    UPDATE analytics_settings SET tz = zone, rebuilding = TRUE;
    RETURN TRUE;
END $$;

-- The first and last key a table's slices must cover: the union of what its sources hold
-- and what the rollup holds now (rows left from another zone must be reached to be removed).
-- Days for the day-keyed tables and cohort weeks (Mondays) for analytics_cohorts.
CREATE FUNCTION hsl_rollup_day_bounds(target TEXT, OUT first_day DATE, OUT last_day DATE)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    source_first TIMESTAMPTZ;
    source_last TIMESTAMPTZ;
    rollup_first DATE;
    rollup_last DATE;
BEGIN
    CASE target
    WHEN 'analytics_new_users' THEN
        SELECT min(first_seen_at), max(first_seen_at) INTO source_first, source_last FROM users;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_new_users;
    WHEN 'analytics_events' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM events;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_events;
    WHEN 'analytics_user_days' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM events;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_user_days;
    WHEN 'analytics_bookings' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM bookings;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_bookings;
    WHEN 'analytics_registrations' THEN
        SELECT min(registered_at), max(registered_at) INTO source_first, source_last
        FROM free_lesson_registrations;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_registrations;
    WHEN 'analytics_cohorts' THEN
        SELECT min(first_seen_at), max(first_seen_at) INTO source_first, source_last FROM users;
        SELECT min(cohort), max(cohort) INTO rollup_first, rollup_last FROM analytics_cohorts;
        source_first := date_trunc('week', source_first AT TIME ZONE zone) AT TIME ZONE zone;
    ELSE
        RAISE EXCEPTION 'no day-keyed rollup named %', target;
    END CASE;
    first_day := least((source_first AT TIME ZONE zone)::date, rollup_first);
    last_day := greatest((source_last AT TIME ZONE zone)::date, rollup_last);
END $$;

-- Recompute local days first_day..last_day of one day-keyed rollup (for analytics_cohorts: the
-- cohorts whose week starts in that run). One transaction; see the header for the locking.
CREATE FUNCTION hsl_rebuild_days(target TEXT, first_day DATE, last_day DATE)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since TIMESTAMPTZ := first_day::timestamp AT TIME ZONE zone;
    until TIMESTAMPTZ := (last_day + 1)::timestamp AT TIME ZONE zone;
BEGIN
    CASE target
    WHEN 'analytics_new_users' THEN
        LOCK TABLE analytics_new_users IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_new_users WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_new_users (day, n)
        SELECT (first_seen_at AT TIME ZONE zone)::date, count(*) FROM users
        WHERE first_seen_at >= since AND first_seen_at < until GROUP BY 1;
    WHEN 'analytics_events' THEN
        LOCK TABLE analytics_events IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_events WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_events (event_type, day, n)
        SELECT event_type, (created_at AT TIME ZONE zone)::date, count(*) FROM events
        WHERE created_at >= since AND created_at < until GROUP BY 1, 2;
    WHEN 'analytics_user_days' THEN
        LOCK TABLE analytics_user_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_user_days (day, user_id, n)
        SELECT (created_at AT TIME ZONE zone)::date, user_id, count(*) FROM events
        WHERE created_at >= since AND created_at < until
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_bookings' THEN
        LOCK TABLE analytics_bookings IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_bookings WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_bookings (day, course_id, course_stream, confirmed, n)
        SELECT (created_at AT TIME ZONE zone)::date, coalesce(course_id, 0),
               coalesce(course_stream, ''), coalesce(confirmed, 0), count(*)
        FROM bookings WHERE created_at >= since AND created_at < until GROUP BY 1, 2, 3, 4;
    WHEN 'analytics_registrations' THEN
        LOCK TABLE analytics_registrations IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_registrations WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_registrations (day, lesson_type, n)
        SELECT (registered_at AT TIME ZONE zone)::date, coalesce(lesson_type, ''), count(*)
        FROM free_lesson_registrations
        WHERE registered_at >= since AND registered_at < until GROUP BY 1, 2;
    WHEN 'analytics_cohorts' THEN
        -- reads analytics_user_weeks, so it runs after that table's slices
        LOCK TABLE analytics_cohorts IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_cohorts WHERE cohort BETWEEN first_day AND last_day;
        INSERT INTO analytics_cohorts (cohort, week, users)
        SELECT date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date, w.week, count(*)
        FROM users AS u JOIN analytics_user_weeks AS w ON w.user_id = u.user_id
        WHERE u.first_seen_at >= date_trunc('week', first_day::timestamp) AT TIME ZONE zone
          AND u.first_seen_at < (last_day + 7)::timestamp AT TIME ZONE zone
          AND date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date
              BETWEEN first_day AND last_day
          AND w.n > 0
        GROUP BY 1, 2;
    ELSE
        RAISE EXCEPTION 'no day-keyed rollup named %', target;
    END CASE;
END $$;

-- Recompute the rows of users first_user..last_user in one per-person rollup.
CREATE FUNCTION hsl_rebuild_people(target TEXT, first_user BIGINT, last_user BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    CASE target
    WHEN 'analytics_user_weeks' THEN
        LOCK TABLE analytics_user_weeks IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_weeks WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_weeks (user_id, week, n)
        SELECT user_id, date_trunc('week', created_at AT TIME ZONE zone)::date, count(*)
        FROM events
        WHERE user_id BETWEEN first_user AND last_user AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_user_steps' THEN
        LOCK TABLE analytics_user_steps IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_steps WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_steps (user_id, started_at, viewed_at, booked_at, paid_at)
        SELECT user_id, max(created_at) FILTER (WHERE event_type = 'start_command'),
               max(created_at) FILTER (WHERE event_type = 'view_program'),
               max(created_at) FILTER (WHERE event_type = 'booking_created'),
               max(created_at) FILTER (WHERE event_type = 'payment_proof_uploaded')
        FROM events
        WHERE user_id BETWEEN first_user AND last_user
          AND event_type IN ('start_command', 'view_program', 'booking_created',
                             'payment_proof_uploaded')
          AND created_at IS NOT NULL
        GROUP BY 1 ORDER BY 1;
    WHEN 'analytics_program_viewers' THEN
        LOCK TABLE analytics_program_viewers IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_program_viewers WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_program_viewers (course_key, user_id, last_at)
        SELECT details ->> 'course_id', user_id, max(created_at)
        FROM events
        WHERE user_id BETWEEN first_user AND last_user
          AND event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
          AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    ELSE
        RAISE EXCEPTION 'no per-person rollup named %', target;
    END CASE;
END $$;

-- migrate:down
DROP FUNCTION IF EXISTS hsl_rebuild_people(TEXT, BIGINT, BIGINT);
DROP FUNCTION IF EXISTS hsl_rebuild_days(TEXT, DATE, DATE);
DROP FUNCTION IF EXISTS hsl_rollup_day_bounds(TEXT);
CREATE OR REPLACE FUNCTION hsl_analytics_use_tz(zone TEXT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM analytics_settings WHERE tz = zone;
    IF FOUND THEN
        RETURN FALSE;
    END IF;
    LOCK TABLE analytics_settings IN EXCLUSIVE MODE;
    UPDATE analytics_settings SET tz = zone;
    PERFORM hsl_rebuild_analytics();
    RETURN TRUE;
END $$;
ALTER TABLE analytics_settings DROP COLUMN rebuilding;
ALTER TABLE analytics_program_viewers DROP CONSTRAINT analytics_program_viewers_pkey;
ALTER TABLE analytics_program_viewers ADD PRIMARY KEY (course_key, user_id);
