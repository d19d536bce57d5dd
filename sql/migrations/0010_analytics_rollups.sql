-- Derived data for the analytics console, so a command's cost depends on the number of days it
-- shows, not on how many rows the school has accumulated:
--
--   analytics_new_users      first appearances per local day (fed by the users table)
--   analytics_events         events per type and local day
--   analytics_bookings       bookings per creation day, course, stream and current status
--   analytics_registrations  free-lesson registrations per local day and lesson type
--   analytics_user_weeks     events per user and local week (n = 0 rows are kept, harmless)
--   analytics_cohorts        users of a first-appearance week active in a later week
--
-- "Local" is the zone in analytics_settings; the bot sets it to TIMEZONE on first use and the
-- tables are rebuilt when it changes. Statement-level triggers with transition tables keep
-- them current: a single-row insert by the course bot costs one small upsert per table, and a
-- bulk load costs one grouped upsert. hsl_rebuild_analytics() recomputes everything from
-- scratch (after loads that bypass triggers); a test checks both paths agree.
-- migrate:up
CREATE TABLE analytics_settings (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    tz TEXT NOT NULL
);
INSERT INTO analytics_settings (tz) VALUES ('Europe/Moscow');

CREATE TABLE analytics_new_users (
    day DATE PRIMARY KEY,
    n BIGINT NOT NULL
);

CREATE TABLE analytics_events (
    event_type TEXT NOT NULL,
    day DATE NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (event_type, day)
);
CREATE INDEX idx_analytics_events_day ON analytics_events (day);

-- course_id 0, course_stream '' and confirmed 0 stand for NULLs in the school's rows.
CREATE TABLE analytics_bookings (
    day DATE NOT NULL,
    course_id INTEGER NOT NULL,
    course_stream TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, course_id, course_stream, confirmed)
);

CREATE TABLE analytics_registrations (
    day DATE NOT NULL,
    lesson_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, lesson_type)
);

CREATE TABLE analytics_user_weeks (
    user_id BIGINT NOT NULL,
    week DATE NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (user_id, week)
);

CREATE TABLE analytics_cohorts (
    cohort DATE NOT NULL,
    week DATE NOT NULL,
    users BIGINT NOT NULL,
    PRIMARY KEY (cohort, week)
);

-- Funnel steps and lead scoring read (type, time, user) straight from the index.
CREATE INDEX IF NOT EXISTS idx_events_type_created_user
    ON events (event_type, created_at) INCLUDE (user_id);

CREATE FUNCTION hsl_analytics_tz() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT tz FROM analytics_settings
$$;

-- Events: per type and day, and per user and week with the cohort bookkeeping. Rows whose n
-- crosses zero turn a user's week on or off in their cohort (the cohort of their current
-- first appearance; hsl_users_rollup moves the weeks when that changes).
CREATE FUNCTION hsl_events_apply(
    uids BIGINT[], kinds TEXT[], moments TIMESTAMPTZ[], sign INTEGER
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    WITH changes AS (
        SELECT uid, kind, (moment AT TIME ZONE zone) AS local_at
        FROM unnest(uids, kinds, moments) AS c (uid, kind, moment)
        WHERE moment IS NOT NULL
    ), per_type AS (
        INSERT INTO analytics_events AS a (event_type, day, n)
        SELECT kind, local_at::date, sign * count(*) FROM changes
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (event_type, day) DO UPDATE SET n = a.n + EXCLUDED.n
    ), per_week AS (
        SELECT uid, date_trunc('week', local_at)::date AS week, sign * count(*) AS delta
        FROM changes GROUP BY 1, 2
    ), weeks AS (
        INSERT INTO analytics_user_weeks AS w (user_id, week, n)
        SELECT uid, week, delta FROM per_week ORDER BY 1, 2
        ON CONFLICT (user_id, week) DO UPDATE SET n = w.n + EXCLUDED.n
        RETURNING w.user_id, w.week, w.n
    ), flips AS (
        SELECT weeks.user_id, weeks.week,
               CASE WHEN weeks.n > 0 AND weeks.n - p.delta <= 0 THEN 1
                    WHEN weeks.n <= 0 AND weeks.n - p.delta > 0 THEN -1
                    ELSE 0 END AS flip
        FROM weeks JOIN per_week AS p ON p.uid = weeks.user_id AND p.week = weeks.week
    )
    INSERT INTO analytics_cohorts AS c (cohort, week, users)
    SELECT date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date, f.week, sum(f.flip)
    FROM flips AS f JOIN users AS u ON u.user_id = f.user_id
    WHERE f.flip <> 0 AND u.first_seen_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;
END $$;

CREATE FUNCTION hsl_bookings_apply(
    moments TIMESTAMPTZ[], courses INTEGER[], streams TEXT[], statuses INTEGER[], sign INTEGER
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    INSERT INTO analytics_bookings AS a (day, course_id, course_stream, confirmed, n)
    SELECT (moment AT TIME ZONE zone)::date, coalesce(course, 0), coalesce(stream, ''),
           coalesce(status, 0), sign * count(*)
    FROM unnest(moments, courses, streams, statuses) AS c (moment, course, stream, status)
    WHERE moment IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, course_id, course_stream, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n;
END $$;

CREATE FUNCTION hsl_registrations_apply(
    moments TIMESTAMPTZ[], lessons TEXT[], sign INTEGER
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    INSERT INTO analytics_registrations AS a (day, lesson_type, n)
    SELECT (moment AT TIME ZONE zone)::date, coalesce(lesson, ''), sign * count(*)
    FROM unnest(moments, lessons) AS c (moment, lesson)
    WHERE moment IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, lesson_type) DO UPDATE SET n = a.n + EXCLUDED.n;
END $$;

-- One trigger function per table; transition tables are named old_rows / new_rows.
CREATE FUNCTION hsl_events_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at), 1)
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hsl_bookings_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_bookings_apply(array_agg(created_at), array_agg(course_id),
                                   array_agg(course_stream::text), array_agg(confirmed), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_bookings_apply(array_agg(created_at), array_agg(course_id),
                                   array_agg(course_stream::text), array_agg(confirmed), 1)
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hsl_registrations_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_registrations_apply(array_agg(registered_at), array_agg(lesson_type::text), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_registrations_apply(array_agg(registered_at), array_agg(lesson_type::text), 1)
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

-- A user's first appearance moved (or appeared, or vanished): move their new-user count and
-- their active weeks from the old cohort to the new one.
CREATE FUNCTION hsl_users_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.first_seen_at IS NOT NULL THEN
        INSERT INTO analytics_new_users AS a (day, n)
        VALUES ((OLD.first_seen_at AT TIME ZONE zone)::date, -1)
        ON CONFLICT (day) DO UPDATE SET n = a.n + EXCLUDED.n;
        INSERT INTO analytics_cohorts AS c (cohort, week, users)
        SELECT date_trunc('week', OLD.first_seen_at AT TIME ZONE zone)::date, w.week, -1
        FROM analytics_user_weeks AS w WHERE w.user_id = OLD.user_id AND w.n > 0
        ORDER BY 1, 2
        ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.first_seen_at IS NOT NULL THEN
        INSERT INTO analytics_new_users AS a (day, n)
        VALUES ((NEW.first_seen_at AT TIME ZONE zone)::date, 1)
        ON CONFLICT (day) DO UPDATE SET n = a.n + EXCLUDED.n;
        INSERT INTO analytics_cohorts AS c (cohort, week, users)
        SELECT date_trunc('week', NEW.first_seen_at AT TIME ZONE zone)::date, w.week, 1
        FROM analytics_user_weeks AS w WHERE w.user_id = NEW.user_id AND w.n > 0
        ORDER BY 1, 2
        ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_events_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_events_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_events_rollup();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_bookings_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON bookings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_bookings_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON bookings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_bookings_rollup();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON free_lesson_registrations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_registrations_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON free_lesson_registrations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_registrations_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON free_lesson_registrations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_registrations_rollup();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.first_seen_at IS NOT NULL)
    EXECUTE FUNCTION hsl_users_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE OF first_seen_at, user_id ON users
    FOR EACH ROW WHEN (OLD.first_seen_at IS DISTINCT FROM NEW.first_seen_at
                       OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION hsl_users_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON users
    FOR EACH ROW WHEN (OLD.first_seen_at IS NOT NULL)
    EXECUTE FUNCTION hsl_users_rollup();

-- Recompute every derived table from the school's tables (set-based, one pass each).
CREATE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    TRUNCATE analytics_new_users, analytics_events, analytics_bookings,
             analytics_registrations, analytics_user_weeks, analytics_cohorts;
    INSERT INTO analytics_new_users (day, n)
    SELECT (first_seen_at AT TIME ZONE zone)::date, count(*) FROM users
    WHERE first_seen_at IS NOT NULL GROUP BY 1;
    INSERT INTO analytics_events (event_type, day, n)
    SELECT event_type, (created_at AT TIME ZONE zone)::date, count(*) FROM events
    WHERE created_at IS NOT NULL GROUP BY 1, 2;
    INSERT INTO analytics_bookings (day, course_id, course_stream, confirmed, n)
    SELECT (created_at AT TIME ZONE zone)::date, coalesce(course_id, 0),
           coalesce(course_stream, ''), coalesce(confirmed, 0), count(*)
    FROM bookings WHERE created_at IS NOT NULL GROUP BY 1, 2, 3, 4;
    INSERT INTO analytics_registrations (day, lesson_type, n)
    SELECT (registered_at AT TIME ZONE zone)::date, coalesce(lesson_type, ''), count(*)
    FROM free_lesson_registrations WHERE registered_at IS NOT NULL GROUP BY 1, 2;
    INSERT INTO analytics_user_weeks (user_id, week, n)
    SELECT user_id, date_trunc('week', created_at AT TIME ZONE zone)::date, count(*)
    FROM events WHERE created_at IS NOT NULL GROUP BY 1, 2;
    INSERT INTO analytics_cohorts (cohort, week, users)
    SELECT date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date, w.week, count(*)
    FROM analytics_user_weeks AS w JOIN users AS u ON u.user_id = w.user_id
    WHERE u.first_seen_at IS NOT NULL AND w.n > 0
    GROUP BY 1, 2;
END $$;

-- Make the derived days those of ``zone``; rebuild when it changed. Returns whether it did.
CREATE FUNCTION hsl_analytics_use_tz(zone TEXT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
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

SELECT hsl_rebuild_analytics();

-- migrate:down
DROP TRIGGER IF EXISTS hsl_analytics_insert ON events;
DROP TRIGGER IF EXISTS hsl_analytics_update ON events;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON events;
DROP TRIGGER IF EXISTS hsl_analytics_insert ON bookings;
DROP TRIGGER IF EXISTS hsl_analytics_update ON bookings;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON bookings;
DROP TRIGGER IF EXISTS hsl_analytics_insert ON free_lesson_registrations;
DROP TRIGGER IF EXISTS hsl_analytics_update ON free_lesson_registrations;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON free_lesson_registrations;
DROP TRIGGER IF EXISTS hsl_analytics_insert ON users;
DROP TRIGGER IF EXISTS hsl_analytics_update ON users;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON users;
DROP FUNCTION IF EXISTS hsl_analytics_use_tz(TEXT);
DROP FUNCTION IF EXISTS hsl_rebuild_analytics();
DROP FUNCTION IF EXISTS hsl_users_rollup();
DROP FUNCTION IF EXISTS hsl_registrations_rollup();
DROP FUNCTION IF EXISTS hsl_bookings_rollup();
DROP FUNCTION IF EXISTS hsl_events_rollup();
DROP FUNCTION IF EXISTS hsl_registrations_apply(TIMESTAMPTZ[], TEXT[], INTEGER);
DROP FUNCTION IF EXISTS hsl_bookings_apply(TIMESTAMPTZ[], INTEGER[], TEXT[], INTEGER[], INTEGER);
DROP FUNCTION IF EXISTS hsl_events_apply(BIGINT[], TEXT[], TIMESTAMPTZ[], INTEGER);
DROP FUNCTION IF EXISTS hsl_analytics_tz();
DROP INDEX IF EXISTS idx_events_type_created_user;
DROP TABLE IF EXISTS analytics_cohorts;
DROP TABLE IF EXISTS analytics_user_weeks;
DROP TABLE IF EXISTS analytics_registrations;
DROP TABLE IF EXISTS analytics_bookings;
DROP TABLE IF EXISTS analytics_new_users;
DROP TABLE IF EXISTS analytics_events;
DROP TABLE IF EXISTS analytics_settings;
