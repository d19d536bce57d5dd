-- A broadcast's recipients CSV, kept so that it is not written again from 100k rows on every
-- download (the server spends ~0.15 s of CPU on 100k, every moment formatted in the school's
-- timezone).
--
-- hsl_recipient_files: an ended broadcast's whole file, gzip-compressed as browsers take it
-- (8 MB of CSV per 100k recipients is ~1.1 MB), read back in ~1 ms. It belongs to the state
-- its broadcast ended in: status, finished_at (a retry sends again and finishes anew; a
-- deletion ends 'deleted') and recipients_version.
--
-- hsl_recipient_segments: a running broadcast's file in pieces of consecutive recipient ids
-- (lines of CSV as written), so that a download during a send writes only the pieces whose
-- rows moved since the last one: the sender's front. A piece is kept only if the rows it was
-- written from are still current when it is stored (below), and dropped when any of them
-- changes. An ended broadcast's file is written from them, and they go.
--
-- The trigger: every change to recipient rows moves recipients_version of their broadcast and
-- drops its file and the pieces holding a changed id, in the same transaction (a forgotten
-- person's username does not outlive its rows). settled_version moves only when a row that
-- was already settled (not pending) changes, or rows go: a person forgotten, a retry, a
-- deletion's outcome, rows purged; not the sender's claims and outcomes, so that the pieces
-- behind its front can be stored during a send.
--
-- Storing (broadcast_store_file, broadcast_store_segments) updates the broadcast's row (a new
-- version of it, values unchanged) where the versions are still those read in the snapshot
-- the file was written from. A change in progress holds that row (the trigger locks it before
-- anything else), so storing waits for it and then finds the version moved; a change that
-- comes after drops what was stored. A change under REPEATABLE READ or SERIALIZABLE whose
-- snapshot is older than a store fails with a serialization error at the trigger's lock, as it
-- could not see (and drop) what was stored. A piece with a pending row is kept only if
-- recipients_version has not moved; a settled piece if settled_version has not.
--
-- format: the file's layout (columns, their rules, piece size), set by bot/broadcast/store.py;
-- what another release wrote is not read.
-- migrate:up
ALTER TABLE message_history ADD COLUMN recipients_version bigint NOT NULL DEFAULT 0;
ALTER TABLE message_history ADD COLUMN settled_version bigint NOT NULL DEFAULT 0;

CREATE TABLE hsl_recipient_files (
    message_id integer PRIMARY KEY REFERENCES message_history (id) ON DELETE CASCADE,
    status text NOT NULL,
    finished_at timestamptz NOT NULL,
    recipients_version bigint NOT NULL,
    time_zone text NOT NULL,
    format text NOT NULL,
    csv_bytes integer NOT NULL,
    built_at timestamptz NOT NULL DEFAULT now(),
    gzip bytea NOT NULL
);
ALTER TABLE hsl_recipient_files ALTER COLUMN gzip SET STORAGE EXTERNAL;

CREATE TABLE hsl_recipient_segments (
    message_id integer NOT NULL REFERENCES message_history (id) ON DELETE CASCADE,
    first_id integer NOT NULL,
    last_id integer NOT NULL,
    time_zone text NOT NULL,
    format text NOT NULL,
    lines bytea NOT NULL,
    PRIMARY KEY (message_id, first_id)
);
-- Read back whole on every download: compressing them would cost more than it saves here.
ALTER TABLE hsl_recipient_segments ALTER COLUMN lines SET STORAGE EXTERNAL;

-- The broadcasts' rows are locked first, in id order (statements over several broadcasts
-- cannot lock them in opposite orders), in a statement of their own: a store in progress
-- holds such a row, so this waits for it to commit, and the deletes after (each statement of
-- a function sees what committed before it) then find what it stored.
CREATE FUNCTION hsl_recipients_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM message_history
    WHERE id IN (SELECT message_id FROM old_rows UNION SELECT message_id FROM new_rows)
    ORDER BY id
    FOR NO KEY UPDATE;
    UPDATE message_history AS h
    SET recipients_version = h.recipients_version + 1,
        settled_version = h.settled_version + CASE WHEN c.settled THEN 1 ELSE 0 END
    FROM (
        SELECT coalesce(o.message_id, n.message_id) AS message_id,
               coalesce(o.settled, true) AS settled  -- rows moved in from another broadcast
        FROM (
            SELECT message_id, bool_or(delivery_status IS DISTINCT FROM 'pending') AS settled
            FROM old_rows GROUP BY message_id
        ) AS o
        FULL JOIN (SELECT DISTINCT message_id FROM new_rows) AS n USING (message_id)
    ) AS c
    WHERE h.id = c.message_id;
    DELETE FROM hsl_recipient_files
    WHERE message_id IN (SELECT message_id FROM old_rows UNION SELECT message_id FROM new_rows);
    DELETE FROM hsl_recipient_segments AS s
    USING (
        SELECT message_id, min(id) AS low, max(id) AS high
        FROM (SELECT message_id, id FROM old_rows UNION ALL SELECT message_id, id FROM new_rows)
            AS r
        GROUP BY message_id
    ) AS c
    WHERE s.message_id = c.message_id AND s.first_id <= c.high AND s.last_id >= c.low;
    RETURN NULL;
END;
$$;

CREATE FUNCTION hsl_recipients_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM message_history
    WHERE id IN (SELECT message_id FROM old_rows)
    ORDER BY id
    FOR NO KEY UPDATE;
    UPDATE message_history AS h
    SET recipients_version = h.recipients_version + 1, settled_version = h.settled_version + 1
    WHERE h.id IN (SELECT message_id FROM old_rows);
    DELETE FROM hsl_recipient_files WHERE message_id IN (SELECT message_id FROM old_rows);
    DELETE FROM hsl_recipient_segments AS s
    USING (
        SELECT message_id, min(id) AS low, max(id) AS high FROM old_rows GROUP BY message_id
    ) AS c
    WHERE s.message_id = c.message_id AND s.first_id <= c.high AND s.last_id >= c.low;
    RETURN NULL;
END;
$$;

CREATE FUNCTION hsl_recipients_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_history
    SET recipients_version = recipients_version + 1, settled_version = settled_version + 1;
    DELETE FROM hsl_recipient_files;
    DELETE FROM hsl_recipient_segments;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hsl_recipients_updated
AFTER UPDATE ON message_recipients
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION hsl_recipients_updated();

CREATE TRIGGER hsl_recipients_deleted
AFTER DELETE ON message_recipients
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION hsl_recipients_deleted();

CREATE TRIGGER hsl_recipients_truncated
AFTER TRUNCATE ON message_recipients
FOR EACH STATEMENT EXECUTE FUNCTION hsl_recipients_truncated();
-- migrate:down
DROP TRIGGER IF EXISTS hsl_recipients_truncated ON message_recipients;
DROP TRIGGER IF EXISTS hsl_recipients_deleted ON message_recipients;
DROP TRIGGER IF EXISTS hsl_recipients_updated ON message_recipients;
DROP FUNCTION IF EXISTS hsl_recipients_truncated();
DROP FUNCTION IF EXISTS hsl_recipients_deleted();
DROP FUNCTION IF EXISTS hsl_recipients_updated();
DROP TABLE IF EXISTS hsl_recipient_segments;
DROP TABLE IF EXISTS hsl_recipient_files;
ALTER TABLE message_history DROP COLUMN IF EXISTS settled_version;
ALTER TABLE message_history DROP COLUMN IF EXISTS recipients_version;
