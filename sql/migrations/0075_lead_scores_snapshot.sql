-- /leads from a precomputed snapshot, so its cost does not grow with the school.
--
-- A lead's score is a sum over a sliding window (the last 7 local days), minus everyone with a
-- confirmed booking: every read would otherwise aggregate a row per active person and day.
-- Keeping it exact on every insert would put that work on the course bot's insert path (and a
-- sliding window moves every score at midnight), so the scores are recomputed instead -- by
-- hsl_refresh_leads(first_day), at most once per short interval, when /leads finds the
-- snapshot older than that or computed for another window -- and the answer shows when
-- (analytics_leads_state.as_of).
--
--   analytics_leads        one row per lead (>= 5 events in the window, no confirmed booking)
--   analytics_leads_state  the window the snapshot is for, when it was computed, tier sizes
--
-- Both are derived: hsl_rebuild_analytics() recomputes the snapshot for its window, and the
-- sliced rebuild (migration 0055) recomputes it per slice of users after analytics_user_days.
-- Lock order, everywhere: analytics_leads (SHARE ROW EXCLUSIVE, which also keeps refreshes
-- and slices one at a time), then the state row.
-- migrate:up
CREATE TABLE analytics_leads (
    user_id BIGINT PRIMARY KEY,
    tier TEXT NOT NULL,
    events BIGINT NOT NULL,
    days BIGINT NOT NULL
);
CREATE INDEX idx_analytics_leads_rank ON analytics_leads (tier, events DESC, days DESC, user_id);

CREATE TABLE analytics_leads_state (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    first_day DATE NOT NULL,
    as_of TIMESTAMPTZ NOT NULL,
    hot BIGINT NOT NULL,
    warm BIGINT NOT NULL,
    cool BIGINT NOT NULL
);

-- The leads among users first_user..last_user for the window from local day ``since``.
CREATE FUNCTION hsl_score_leads(since DATE, first_user BIGINT, last_user BIGINT)
RETURNS TABLE (user_id BIGINT, tier TEXT, events BIGINT, days BIGINT)
LANGUAGE sql STABLE AS $$
    SELECT a.user_id,
           CASE WHEN a.events >= 20 AND a.days >= 5 THEN 'hot'
                WHEN a.events >= 10 AND a.days >= 3 THEN 'warm'
                ELSE 'cool' END,
           a.events, a.days
    FROM (
        SELECT d.user_id, sum(d.n)::bigint AS events, count(*) FILTER (WHERE d.n > 0) AS days
        FROM analytics_user_days AS d
        WHERE d.day >= since AND d.user_id BETWEEN first_user AND last_user
        GROUP BY d.user_id
        HAVING sum(d.n) >= 5
    ) AS a
    WHERE NOT EXISTS (
        SELECT 1 FROM bookings AS b WHERE b.user_id = a.user_id AND b.confirmed = 2
    )
$$;

-- Tier sizes from the rows (after a full refresh or a slice).
CREATE FUNCTION hsl_count_leads(since DATE) RETURNS VOID LANGUAGE sql AS $$
    INSERT INTO analytics_leads_state AS s (first_day, as_of, hot, warm, cool)
    SELECT since, now(),
           count(*) FILTER (WHERE tier = 'hot'),
           count(*) FILTER (WHERE tier = 'warm'),
           count(*) FILTER (WHERE tier = 'cool')
    FROM analytics_leads
    ON CONFLICT (singleton) DO UPDATE
        SET first_day = EXCLUDED.first_day, as_of = EXCLUDED.as_of, hot = EXCLUDED.hot,
            warm = EXCLUDED.warm, cool = EXCLUDED.cool;
$$;

-- Recompute the snapshot for the window from ``since`` unless another session just did it
-- (computed for that window less than ``fresh_for`` ago). Returns when the snapshot is from.
CREATE FUNCTION hsl_refresh_leads(since DATE, fresh_for INTERVAL DEFAULT '0 seconds')
RETURNS TIMESTAMPTZ LANGUAGE plpgsql AS $$
DECLARE
    computed TIMESTAMPTZ;
BEGIN
    LOCK TABLE analytics_leads IN SHARE ROW EXCLUSIVE MODE;
    SELECT as_of INTO computed FROM analytics_leads_state
    WHERE first_day = since AND as_of > now() - fresh_for;
    IF FOUND THEN
        RETURN computed;
    END IF;
    DELETE FROM analytics_leads;
    INSERT INTO analytics_leads (user_id, tier, events, days)
    SELECT * FROM hsl_score_leads(since, -9223372036854775808, 9223372036854775807)
    ORDER BY 1;
    PERFORM hsl_count_leads(since);
    RETURN now();
END $$;

CREATE OR REPLACE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_rebuild_analytics_counts();
    PERFORM hsl_rebuild_analytics_people();
    -- the snapshot's own window (none yet: nothing to recompute)
    PERFORM hsl_refresh_leads(first_day) FROM analytics_leads_state;
END $$;

-- 0055's per-person slices, plus analytics_leads (after analytics_user_days, a day rollup).
CREATE OR REPLACE FUNCTION hsl_rebuild_people(target TEXT, first_user BIGINT, last_user BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since DATE;
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
    WHEN 'analytics_leads' THEN
        LOCK TABLE analytics_leads IN SHARE ROW EXCLUSIVE MODE;
        SELECT first_day INTO since FROM analytics_leads_state;
        IF NOT FOUND THEN
            RETURN;  -- no snapshot yet: the first /leads computes one
        END IF;
        DELETE FROM analytics_leads WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_leads (user_id, tier, events, days)
        SELECT * FROM hsl_score_leads(since, first_user, last_user) ORDER BY 1;
        PERFORM hsl_count_leads(since);
    ELSE
        RAISE EXCEPTION 'no per-person rollup named %', target;
    END CASE;
END $$;

-- migrate:down
CREATE OR REPLACE FUNCTION hsl_rebuild_people(target TEXT, first_user BIGINT, last_user BIGINT)
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
CREATE OR REPLACE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_rebuild_analytics_counts();
    PERFORM hsl_rebuild_analytics_people();
END $$;
DROP FUNCTION IF EXISTS hsl_refresh_leads(DATE, INTERVAL);
DROP FUNCTION IF EXISTS hsl_count_leads(DATE);
DROP FUNCTION IF EXISTS hsl_score_leads(DATE, BIGINT, BIGINT);
DROP TABLE IF EXISTS analytics_leads_state;
DROP TABLE IF EXISTS analytics_leads;
