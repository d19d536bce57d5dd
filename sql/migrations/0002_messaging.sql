-- Broadcast records, exactly as the school's schema documents them (SPEC §2).
-- migrate:up
CREATE TABLE IF NOT EXISTS message_history (
    id SERIAL PRIMARY KEY,
    message_text TEXT NOT NULL,
    total_recipients INTEGER NOT NULL DEFAULT 0,
    successful_deliveries INTEGER DEFAULT 0,
    sent_at TIMESTAMPTZ DEFAULT now(),
    created_at TIMESTAMPTZ DEFAULT now(),
    recipient_type VARCHAR,
    recipient_group VARCHAR,
    scheduled_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS message_recipients (
    id SERIAL PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES message_history (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    username TEXT,
    delivery_status TEXT DEFAULT 'pending',
    telegram_message_id INTEGER,
    created_at TIMESTAMPTZ DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_message_recipients_message_id
    ON message_recipients (message_id);
CREATE INDEX IF NOT EXISTS idx_message_recipients_status
    ON message_recipients (message_id, delivery_status);
CREATE INDEX IF NOT EXISTS idx_message_recipients_user_id
    ON message_recipients (user_id);

-- migrate:down
DROP TABLE IF EXISTS message_recipients;
DROP TABLE IF EXISTS message_history;
