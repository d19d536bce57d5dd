-- The daily digest: each admin's choice (on/off, own time) and one row per admin and day,
-- claimed before sending and settled after, so a digest goes out at most once per day
-- whatever the number of schedulers, restarts or duplicate firings.
-- migrate:up
CREATE TABLE digest_preferences (
    admin_id BIGINT PRIMARY KEY,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    send_at TIME,  -- NULL: DIGEST_TIME
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE digest_deliveries (
    admin_id BIGINT NOT NULL,
    day DATE NOT NULL,  -- the local day the digest is due (it reports on the day before)
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'skipped')),
    due_at TIMESTAMPTZ NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    settled_at TIMESTAMPTZ,
    error TEXT,
    PRIMARY KEY (admin_id, day)
);

-- migrate:down
DROP TABLE IF EXISTS digest_deliveries;
DROP TABLE IF EXISTS digest_preferences;
