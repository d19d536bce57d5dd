-- name: upsert_bot_user
-- Someone wrote to hsl-bot: remember their latest names and when. Writing to the console bot
-- also makes them reachable by it again (:legacy: the console bot sends broadcasts too, so
-- rows written before reachability was per bot are its rows).
WITH reachable AS (
    DELETE FROM blocked_users
    WHERE user_id = :user_id AND (bot_id = :bot OR (bot_id = 0 AND :legacy))
)
INSERT INTO users AS u (user_id, username, first_name, bot_seen_at)
VALUES (:user_id, :username, :first_name, now())
ON CONFLICT (user_id) DO UPDATE SET
    username = coalesce(EXCLUDED.username, u.username),
    first_name = coalesce(EXCLUDED.first_name, u.first_name),
    bot_seen_at = now();

-- name: mark_unreachable
-- A bot cannot reach someone (they blocked it, never started it, deleted their account).
INSERT INTO blocked_users (bot_id, user_id, reason) VALUES (:bot, :user_id, :reason)
ON CONFLICT (bot_id, user_id) DO UPDATE SET reason = EXCLUDED.reason, blocked_at = now();

-- name: mark_reachable
-- Someone can be reached by the bot again (:legacy as in upsert_bot_user).
DELETE FROM blocked_users
WHERE user_id = :user_id AND (bot_id = :bot OR (bot_id = 0 AND :legacy));

-- name: remember_admin_language
-- An admin wrote to the bot: the language their client reports (written only when it changed).
INSERT INTO admin_languages AS a (admin_id, language_code) VALUES (:admin_id, :language_code)
ON CONFLICT (admin_id) DO UPDATE
    SET language_code = EXCLUDED.language_code, updated_at = now()
    WHERE a.language_code IS DISTINCT FROM EXCLUDED.language_code;

-- name: admin_language
SELECT language_code FROM admin_languages WHERE admin_id = :admin_id;

-- name: record_audit
INSERT INTO audit_log (admin_id, action, details) VALUES (:admin_id, :action, :details);

-- name: fsm_get
SELECT state, data FROM fsm_state WHERE key = :key;

-- name: fsm_set_state
INSERT INTO fsm_state (key, state) VALUES (:key, :state)
ON CONFLICT (key) DO UPDATE SET state = EXCLUDED.state, updated_at = now();

-- name: fsm_set_data
INSERT INTO fsm_state (key, data) VALUES (:key, :data)
ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, updated_at = now();

-- name: school_has_data
SELECT EXISTS (SELECT 1 FROM bookings)
    OR EXISTS (SELECT 1 FROM events)
    OR EXISTS (SELECT 1 FROM free_lesson_registrations);

-- name: database_alive
SELECT 1;
