-- hsl-bot's own bookkeeping: one row per user kept current by triggers on the school's tables
-- (so "first appearance" is an index lookup, not a union over all history), who blocked the
-- bot, and what every admin did. Plus the per-user indexes those triggers need.
-- Indexes on the school's tables are named hsl_*: the school may already have idx_* ones of
-- its own, and the down part must drop only what hsl-bot created.
-- migrate:up
CREATE INDEX IF NOT EXISTS hsl_bookings_user_id ON bookings (user_id);
CREATE INDEX IF NOT EXISTS hsl_events_user_id ON events (user_id);
CREATE INDEX IF NOT EXISTS hsl_free_lesson_registrations_user_id
    ON free_lesson_registrations (user_id);

CREATE TABLE users (
    user_id BIGINT PRIMARY KEY,
    username TEXT,
    first_name TEXT,
    -- first and last appearance in the school's tables; NULL for someone only hsl-bot has seen
    first_seen_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    -- last private message from this person to hsl-bot itself
    bot_seen_at TIMESTAMPTZ
);
CREATE INDEX idx_users_first_seen_at ON users (first_seen_at);
CREATE INDEX idx_users_username ON users (lower(username));

CREATE TABLE blocked_users (
    user_id BIGINT PRIMARY KEY,
    blocked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    reason TEXT
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    admin_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    details JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_log_created_at ON audit_log (created_at);

-- Recompute one user's appearance window from the three tables (after an update or delete).
CREATE FUNCTION hsl_refresh_user(uid BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    first_at TIMESTAMPTZ;
    last_at TIMESTAMPTZ;
BEGIN
    SELECT min(f), max(l) INTO first_at, last_at FROM (
        SELECT min(created_at) AS f, max(created_at) AS l FROM bookings WHERE user_id = uid
        UNION ALL
        SELECT min(created_at), max(created_at) FROM events WHERE user_id = uid
        UNION ALL
        SELECT min(registered_at), max(registered_at)
        FROM free_lesson_registrations WHERE user_id = uid
    ) AS seen;
    IF first_at IS NULL THEN
        DELETE FROM users WHERE user_id = uid AND bot_seen_at IS NULL;
        UPDATE users SET first_seen_at = NULL, last_seen_at = NULL WHERE user_id = uid;
    ELSE
        INSERT INTO users AS u (user_id, first_seen_at, last_seen_at)
        VALUES (uid, first_at, last_at)
        ON CONFLICT (user_id) DO UPDATE
            SET first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at;
    END IF;
END $$;

-- A new row in a school table: widen the user's window (cheap upsert, no scan).
-- TG_ARGV[0] names the row's timestamp column.
CREATE FUNCTION hsl_users_note_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    fields JSONB := to_jsonb(NEW);
    seen TIMESTAMPTZ := (fields ->> TG_ARGV[0])::timestamptz;
BEGIN
    IF seen IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO users AS u (user_id, username, first_name, first_seen_at, last_seen_at)
    VALUES (NEW.user_id, fields ->> 'username', fields ->> 'first_name', seen, seen)
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen_at = least(u.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = greatest(u.last_seen_at, EXCLUDED.last_seen_at),
        username = coalesce(EXCLUDED.username, u.username),
        first_name = coalesce(EXCLUDED.first_name, u.first_name);
    RETURN NULL;
END $$;

CREATE FUNCTION hsl_users_note_change() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_refresh_user(OLD.user_id);
    IF TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id THEN
        PERFORM hsl_refresh_user(NEW.user_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER hsl_users_insert AFTER INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_insert('created_at');
CREATE TRIGGER hsl_users_insert AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_insert('created_at');
CREATE TRIGGER hsl_users_insert AFTER INSERT ON free_lesson_registrations
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_insert('registered_at');
CREATE TRIGGER hsl_users_change AFTER UPDATE OF user_id, created_at OR DELETE ON bookings
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_change();
CREATE TRIGGER hsl_users_change AFTER UPDATE OF user_id, created_at OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_change();
CREATE TRIGGER hsl_users_change
    AFTER UPDATE OF user_id, registered_at OR DELETE ON free_lesson_registrations
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_change();

-- Rebuild every user's window in one pass: the backfill below, and after bulk loads that
-- bypass the row triggers (hsl-bot seed).
CREATE FUNCTION hsl_rebuild_users() RETURNS VOID LANGUAGE sql AS $$
    WITH seen AS (
        SELECT user_id, created_at AS at, username, first_name FROM bookings
        UNION ALL
        SELECT user_id, created_at, NULL, NULL FROM events
        UNION ALL
        SELECT user_id, registered_at, username, first_name FROM free_lesson_registrations
    ), windows AS (
        SELECT user_id,
               min(at) AS first_at,
               max(at) AS last_at,
               (array_agg(username ORDER BY at DESC)
                    FILTER (WHERE username IS NOT NULL))[1] AS username,
               (array_agg(first_name ORDER BY at DESC)
                    FILTER (WHERE first_name IS NOT NULL))[1] AS first_name
        FROM seen
        WHERE at IS NOT NULL
        GROUP BY user_id
    )
    INSERT INTO users AS u (user_id, username, first_name, first_seen_at, last_seen_at)
    SELECT user_id, username, first_name, first_at, last_at FROM windows
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen_at = EXCLUDED.first_seen_at,
        last_seen_at = EXCLUDED.last_seen_at,
        username = coalesce(EXCLUDED.username, u.username),
        first_name = coalesce(EXCLUDED.first_name, u.first_name);
$$;

SELECT hsl_rebuild_users();

-- migrate:down
DROP TRIGGER IF EXISTS hsl_users_insert ON bookings;
DROP TRIGGER IF EXISTS hsl_users_insert ON events;
DROP TRIGGER IF EXISTS hsl_users_insert ON free_lesson_registrations;
DROP TRIGGER IF EXISTS hsl_users_change ON bookings;
DROP TRIGGER IF EXISTS hsl_users_change ON events;
DROP TRIGGER IF EXISTS hsl_users_change ON free_lesson_registrations;
DROP FUNCTION IF EXISTS hsl_rebuild_users();
DROP FUNCTION IF EXISTS hsl_users_note_change();
DROP FUNCTION IF EXISTS hsl_users_note_insert();
DROP FUNCTION IF EXISTS hsl_refresh_user(BIGINT);
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS blocked_users;
DROP TABLE IF EXISTS users;
DROP INDEX IF EXISTS hsl_free_lesson_registrations_user_id;
DROP INDEX IF EXISTS hsl_events_user_id;
DROP INDEX IF EXISTS hsl_bookings_user_id;
