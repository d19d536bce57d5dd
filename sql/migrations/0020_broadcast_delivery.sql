-- Broadcasts as hsl-bot runs them: the audience and content of each broadcast, its state, and
-- per recipient the claim that makes "never twice" hold (attempted_at is set, in a committed
-- transaction, before the request goes out; settled_at after the answer). Rows the school's
-- old dashboard wrote stay as they were and read as finished ('done').
-- migrate:up
ALTER TABLE message_history
    ADD COLUMN status TEXT NOT NULL DEFAULT 'done',
    ADD COLUMN author_id BIGINT,
    ADD COLUMN audience JSONB,
    ADD COLUMN content JSONB,
    ADD COLUMN draft_key TEXT,
    ADD COLUMN excluded_blocked INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN duplicates_removed INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN started_at TIMESTAMPTZ,
    ADD COLUMN finished_at TIMESTAMPTZ,
    ADD COLUMN sender_file_id TEXT,
    ADD COLUMN card_chat_id BIGINT,
    ADD COLUMN card_message_id INTEGER,
    ADD COLUMN card_edited_at TIMESTAMPTZ,
    ADD CONSTRAINT hsl_message_history_status CHECK (
        status IN ('scheduled', 'sending', 'paused', 'cancelled', 'done', 'deleting', 'deleted')
    );
-- A double tap or a stale button carries the same draft key: the second insert does nothing.
CREATE UNIQUE INDEX hsl_message_history_draft_key ON message_history (draft_key);
CREATE INDEX hsl_message_history_active ON message_history (status)
    WHERE status IN ('scheduled', 'sending', 'cancelled', 'deleting');

ALTER TABLE message_recipients
    ADD COLUMN attempted_at TIMESTAMPTZ,
    ADD COLUMN claimed_by INTEGER,
    ADD COLUMN settled_at TIMESTAMPTZ,
    ADD COLUMN failure_reason TEXT,
    ADD COLUMN delete_attempted_at TIMESTAMPTZ,
    ADD COLUMN delete_error TEXT;
-- The next recipients to claim, in order; claimed rows leave it.
CREATE INDEX hsl_message_recipients_claimable ON message_recipients (message_id, id)
    WHERE delivery_status = 'pending' AND attempted_at IS NULL;
-- Claimed and not settled: small, scanned to find the claims of crashed senders.
CREATE INDEX hsl_message_recipients_in_flight ON message_recipients (claimed_by)
    WHERE delivery_status = 'pending' AND attempted_at IS NOT NULL;

-- Every audience the broadcast flow offers, as user ids with repeats (one per source row), so
-- the preview's count and the frozen recipient list come from one definition. Inlined by the
-- planner; the kind tests become one-time filters.
CREATE FUNCTION hsl_broadcast_audience(a_kind TEXT, a_stream TEXT, a_lesson TEXT, a_ids BIGINT[])
RETURNS TABLE (user_id BIGINT) LANGUAGE sql STABLE AS $$
    SELECT u.user_id FROM users u
    WHERE a_kind = 'everyone' AND u.first_seen_at IS NOT NULL
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'stream' AND b.course_stream = a_stream AND b.confirmed = 2
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'booked' AND b.course_stream = a_stream AND coalesce(b.confirmed, 0) <> -1
    UNION ALL
    SELECT u.user_id FROM users u
    WHERE a_kind = 'unpaid' AND u.first_seen_at IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM bookings b WHERE b.user_id = u.user_id AND b.confirmed = 2
      )
    UNION ALL
    SELECT f.user_id FROM free_lesson_registrations f
    WHERE a_kind = 'lessons' AND (a_lesson IS NULL OR f.lesson_type = a_lesson)
    UNION ALL
    SELECT i.user_id FROM unnest(a_ids) AS i (user_id)
    WHERE a_kind = 'individual'
$$;

-- migrate:down
DROP FUNCTION IF EXISTS hsl_broadcast_audience(TEXT, TEXT, TEXT, BIGINT[]);
DROP INDEX IF EXISTS hsl_message_recipients_in_flight;
DROP INDEX IF EXISTS hsl_message_recipients_claimable;
ALTER TABLE message_recipients
    DROP COLUMN IF EXISTS delete_error,
    DROP COLUMN IF EXISTS delete_attempted_at,
    DROP COLUMN IF EXISTS failure_reason,
    DROP COLUMN IF EXISTS settled_at,
    DROP COLUMN IF EXISTS claimed_by,
    DROP COLUMN IF EXISTS attempted_at;
DROP INDEX IF EXISTS hsl_message_history_active;
DROP INDEX IF EXISTS hsl_message_history_draft_key;
ALTER TABLE message_history
    DROP CONSTRAINT IF EXISTS hsl_message_history_status,
    DROP COLUMN IF EXISTS card_edited_at,
    DROP COLUMN IF EXISTS card_message_id,
    DROP COLUMN IF EXISTS card_chat_id,
    DROP COLUMN IF EXISTS sender_file_id,
    DROP COLUMN IF EXISTS finished_at,
    DROP COLUMN IF EXISTS started_at,
    DROP COLUMN IF EXISTS duplicates_removed,
    DROP COLUMN IF EXISTS excluded_blocked,
    DROP COLUMN IF EXISTS draft_key,
    DROP COLUMN IF EXISTS content,
    DROP COLUMN IF EXISTS audience,
    DROP COLUMN IF EXISTS author_id,
    DROP COLUMN IF EXISTS status;
