-- Reachability per bot. blocked_users now records who cannot be reached BY WHICH BOT and why:
-- 'blocked' (403 "bot was blocked by the user", or my_chat_member "kicked"), 'never started'
-- (403 "bot can't initiate conversation with a user": they never pressed Start in that bot)
-- and 'deactivated' (403 "user is deactivated": the account was deleted). bot_id is the bot's
-- Telegram id (the number before a token's colon). Rows written before this migration get
-- bot_id 0 and reason 'blocked': the old code wrote them for the broadcast bot, so bot 0
-- counts for whichever bot sends broadcasts.
--
-- A person is reachable again by the console bot when they send it anything (the console
-- deletes its row); by a separate course bot when the school's tables show them active after
-- the row was written (users.last_seen_at, fed by the course bot's inserts), or when an admin
-- includes them again. hsl_unreachable() is that rule, in one place for every query.
-- migrate:up
ALTER TABLE blocked_users ADD COLUMN bot_id BIGINT NOT NULL DEFAULT 0;
UPDATE blocked_users
SET reason = CASE WHEN reason ILIKE '%deactivated%' THEN 'deactivated' ELSE 'blocked' END;
ALTER TABLE blocked_users
    DROP CONSTRAINT blocked_users_pkey,
    ADD PRIMARY KEY (bot_id, user_id),
    ADD CONSTRAINT blocked_users_reason
        CHECK (reason IN ('blocked', 'never started', 'deactivated'));
CREATE INDEX hsl_blocked_users_user ON blocked_users (user_id);

ALTER TABLE message_history
    ADD COLUMN excluded_never_started INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN excluded_deactivated INTEGER NOT NULL DEFAULT 0;

-- Who the bot ``sender`` cannot reach now, with the latest reason. ``revive``: the sender is
-- a course bot of its own (not the console bot), so activity in the school's tables after
-- the row was written means the person talks to it again.
CREATE FUNCTION hsl_unreachable(sender BIGINT, revive BOOLEAN)
RETURNS TABLE (user_id BIGINT, reason TEXT, since TIMESTAMPTZ)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (b.user_id) b.user_id, b.reason, b.blocked_at
    FROM blocked_users AS b
    LEFT JOIN users AS u ON u.user_id = b.user_id
    WHERE b.bot_id IN (0, sender)
      AND NOT (revive AND coalesce(u.last_seen_at > b.blocked_at, false))
    ORDER BY b.user_id, b.blocked_at DESC
$$;
-- migrate:down
DROP FUNCTION IF EXISTS hsl_unreachable(BIGINT, BOOLEAN);
ALTER TABLE message_history
    DROP COLUMN IF EXISTS excluded_deactivated,
    DROP COLUMN IF EXISTS excluded_never_started;
DROP INDEX IF EXISTS hsl_blocked_users_user;
-- The old table meant "blocked": people who merely never started a bot were not in it, and
-- it held one row per person (the latest).
DELETE FROM blocked_users WHERE reason = 'never started';
DELETE FROM blocked_users AS b
WHERE EXISTS (
    SELECT 1 FROM blocked_users AS o
    WHERE o.user_id = b.user_id AND (o.blocked_at, o.bot_id) > (b.blocked_at, b.bot_id)
);
ALTER TABLE blocked_users
    DROP CONSTRAINT IF EXISTS blocked_users_reason,
    DROP CONSTRAINT blocked_users_pkey,
    ADD PRIMARY KEY (user_id);
ALTER TABLE blocked_users DROP COLUMN bot_id;
