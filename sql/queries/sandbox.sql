-- Queries of `hsl-bot sandbox` (bot/sandbox): the demo school's people in the stand-in.

-- name: sandbox_school_people
-- Everyone the school's tables know (the "Everyone" audience), for the stand-in to create.
SELECT user_id, username, first_name
FROM users
WHERE first_seen_at IS NOT NULL
ORDER BY user_id;

-- name: sandbox_join_school
-- The sandbox's admin presses /start in the course bot too, once: a school user like the rest,
-- so "Test to me" and a broadcast to them arrive. The users row follows from the trigger.
INSERT INTO events (user_id, event_type, details, created_at)
SELECT :user_id, 'start_command', '{}'::jsonb, now()
WHERE NOT EXISTS (
    SELECT 1 FROM users WHERE user_id = :user_id AND first_seen_at IS NOT NULL
);
