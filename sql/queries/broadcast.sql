-- Broadcasts: audiences, creation with frozen recipients, claims and settlement, control.

-- name: broadcast_lesson_types
SELECT DISTINCT lesson_type FROM free_lesson_registrations
WHERE lesson_type IS NOT NULL
ORDER BY lesson_type;

-- name: broadcast_audience_summary
-- Source rows, distinct users, and those the sending bot cannot reach by reason (the preview).
SELECT count(*) AS source_rows,
       count(DISTINCT a.user_id) AS users,
       count(DISTINCT a.user_id) FILTER (WHERE x.reason = 'blocked') AS blocked,
       count(DISTINCT a.user_id) FILTER (WHERE x.reason = 'never started') AS never_started,
       count(DISTINCT a.user_id) FILTER (WHERE x.reason = 'deactivated') AS deactivated
FROM hsl_broadcast_audience(:kind, :stream, :lesson, :ids, :course, :lesson_date) AS a
LEFT JOIN hsl_unreachable(:sender, :revive) AS x ON x.user_id = a.user_id;

-- name: broadcast_known_ids
SELECT user_id FROM users WHERE user_id = ANY(:ids::bigint[]);

-- name: broadcast_ids_by_username
-- The most recently seen user for each lower-cased @username.
SELECT DISTINCT ON (lower(username)) lower(username) AS username, user_id
FROM users
WHERE lower(username) = ANY(:names::text[])
ORDER BY lower(username), coalesce(greatest(last_seen_at, bot_seen_at), 'epoch') DESC;

-- name: broadcast_insert
-- A new broadcast, once per draft key: a repeated confirm inserts nothing.
INSERT INTO message_history (
    message_text, recipient_type, recipient_group, scheduled_at, status, author_id, audience,
    content, draft_key, sent_at
)
VALUES (
    :message_text, :recipient_type, :recipient_group, :scheduled_at, :status, :author_id,
    :audience, :content, :draft_key, CASE WHEN :status = 'sending' THEN now() END
)
ON CONFLICT (draft_key) DO NOTHING
RETURNING id;

-- name: broadcast_id_by_draft
SELECT id, status FROM message_history WHERE draft_key = :draft_key;

-- name: broadcast_freeze
-- Freeze the recipients in one statement: deduplicated; those the sending bot cannot reach
-- left out and counted by reason. The audience is read once, into one row per person (how
-- many source rows named them, whether and why they cannot be reached); the insert and the
-- counts both read it, the counts as plain FILTER counts (reading the audience again for four
-- count(DISTINCT …), each a sort of all of it, cost 0.3-0.7 s of server CPU at 1M).
-- Usernames are joined before grouping: joined to the grouped rows, the planner looks each
-- one up by index, slower than the hash join. People come in user_id order (the grouping's
-- sort), so the user_id index takes them in order. The insert writes exactly the reachable
-- people, so `frozen` counts them here rather than through RETURNING.
-- Nearly all the time is the insert itself, per row: the row, its five index entries and the
-- foreign key's check (at 100k ~0.9 s of server CPU, the check alone ~0.37 s).
WITH unreachable AS MATERIALIZED (
    SELECT user_id, reason FROM hsl_unreachable(:sender, :revive)
), people AS MATERIALIZED (
    -- hsl_unreachable and users have one row per user_id: every row of a group agrees.
    SELECT s.user_id, min(u.username) AS username, count(*) AS source_rows,
           bool_or(x.user_id IS NOT NULL) AS unreachable, min(x.reason) AS reason
    FROM hsl_broadcast_audience(:kind, :stream, :lesson, :ids, :course, :lesson_date) s
    LEFT JOIN users u ON u.user_id = s.user_id
    LEFT JOIN unreachable x ON x.user_id = s.user_id
    GROUP BY s.user_id
    ORDER BY s.user_id
), inserted AS (
    INSERT INTO message_recipients (message_id, user_id, username)
    SELECT :message_id, p.user_id, p.username FROM people p
    WHERE NOT p.unreachable
), counts AS (
    SELECT coalesce(sum(p.source_rows), 0) AS source_rows, count(*) AS users,
           count(*) FILTER (WHERE p.reason = 'blocked') AS blocked,
           count(*) FILTER (WHERE p.reason = 'never started') AS never_started,
           count(*) FILTER (WHERE p.reason = 'deactivated') AS deactivated,
           count(*) FILTER (WHERE NOT p.unreachable) AS frozen
    FROM people p
)
UPDATE message_history h
SET total_recipients = c.frozen,
    excluded_blocked = c.blocked,
    excluded_never_started = c.never_started,
    excluded_deactivated = c.deactivated,
    duplicates_removed = c.source_rows - c.users,
    status = 'sending',
    started_at = now(),
    sent_at = now()
FROM counts c
WHERE h.id = :message_id
RETURNING h.total_recipients, h.excluded_blocked, h.excluded_never_started,
          h.excluded_deactivated, h.duplicates_removed;

-- name: broadcast_lock_scheduled
-- Take a due scheduled broadcast for starting; another instance starting it skips it, and so
-- does a leader whose term (:epoch) is over.
SELECT id, audience FROM message_history
WHERE id = :message_id AND status = 'scheduled' AND scheduled_at <= now()
  AND EXISTS (SELECT 1 FROM leader_term WHERE epoch = :epoch)
FOR UPDATE SKIP LOCKED;

-- name: broadcast_due_scheduled
SELECT id FROM message_history
WHERE status = 'scheduled' AND scheduled_at <= now()
ORDER BY scheduled_at;

-- name: broadcast_next_scheduled_in
-- Seconds until the earliest scheduled broadcast is due; NULL when none is scheduled.
SELECT extract(epoch FROM min(scheduled_at) - now())::float8 FROM message_history
WHERE status = 'scheduled';

-- name: broadcast_active
-- Broadcasts some instance has work for: sending, deleting, or cancelled but not wrapped up.
SELECT id, status FROM message_history
WHERE status IN ('sending', 'deleting') OR (status = 'cancelled' AND finished_at IS NULL)
ORDER BY id;

-- name: broadcast_claim
-- Mark the next recipients as being sent (committed before any request goes out); nothing
-- for a leader whose term (:epoch) is over.
UPDATE message_recipients r
SET attempted_at = now(), claimed_by = :owner
WHERE r.id IN (
    SELECT c.id FROM message_recipients c
    WHERE c.message_id = :message_id AND c.delivery_status = 'pending'
      AND c.attempted_at IS NULL AND c.id > :after
      AND EXISTS (
          SELECT 1 FROM message_history h WHERE h.id = :message_id AND h.status = 'sending'
      )
      AND EXISTS (SELECT 1 FROM leader_term WHERE epoch = :epoch)
    ORDER BY c.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
RETURNING r.id, r.user_id;

-- name: broadcast_release
-- Give back claimed recipients no request was made for (pause, cancel, shutdown).
UPDATE message_recipients
SET attempted_at = NULL, claimed_by = NULL
WHERE id = ANY(:ids::int[]) AND delivery_status = 'pending';

-- name: broadcast_settle
-- Write a batch of outcomes; successful_deliveries moves in the same statement, so it always
-- equals the number of 'sent' rows. 403s mark the user unreachable by the sending bot.
WITH outcome AS (
    SELECT * FROM unnest(:ids::int[], :statuses::text[], :message_ids::int[], :reasons::text[])
        AS o (id, status, telegram_message_id, reason)
), settled AS (
    UPDATE message_recipients r
    SET delivery_status = o.status,
        telegram_message_id = o.telegram_message_id,
        failure_reason = o.reason,
        settled_at = now()
    FROM outcome o
    WHERE r.id = o.id AND r.delivery_status = 'pending' AND r.attempted_at IS NOT NULL
    RETURNING r.message_id, r.user_id, o.status, o.reason
), blocked AS (
    INSERT INTO blocked_users (bot_id, user_id, reason)
    SELECT DISTINCT ON (user_id) :sender::bigint, user_id, reason FROM settled
    WHERE reason IN ('blocked', 'never started', 'deactivated')
    ORDER BY user_id
    ON CONFLICT (bot_id, user_id) DO UPDATE SET reason = EXCLUDED.reason, blocked_at = now()
    RETURNING 1
), counted AS (
    UPDATE message_history h
    SET successful_deliveries = coalesce(h.successful_deliveries, 0) + s.sent
    FROM (
        SELECT message_id, count(*) AS sent FROM settled WHERE status = 'sent'
        GROUP BY message_id
    ) s
    WHERE h.id = s.message_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM settled) AS settled, (SELECT count(*) FROM blocked) AS blocked;

-- name: broadcast_fail_orphans
-- Claims of senders that are gone (their advisory lock is released when their connection
-- dies): the request may or may not have reached Telegram, so never re-send automatically.
WITH live AS (
    SELECT l.objid::bigint AS owner FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.classid = :lock_space AND l.objsubid = 2
      AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
), orphaned AS (
    UPDATE message_recipients r
    SET delivery_status = 'failed', failure_reason = 'outcome unknown', settled_at = now()
    WHERE r.delivery_status = 'pending' AND r.attempted_at IS NOT NULL
      AND r.claimed_by IS DISTINCT FROM :owner
      AND NOT EXISTS (SELECT 1 FROM live WHERE live.owner = r.claimed_by)
    RETURNING r.message_id
), deletions AS (
    -- Deleting twice is harmless: unfinished deletions of gone senders are simply redone.
    UPDATE message_recipients r
    SET delete_attempted_at = NULL, claimed_by = NULL
    WHERE r.delivery_status = 'sent' AND r.delete_attempted_at IS NOT NULL
      AND r.delete_error IS NULL
      AND r.claimed_by IS DISTINCT FROM :owner
      AND NOT EXISTS (SELECT 1 FROM live WHERE live.owner = r.claimed_by)
    RETURNING 1
)
SELECT (SELECT count(*) FROM orphaned) AS failed, (SELECT count(*) FROM deletions) AS reset;

-- name: broadcast_end_other_senders
-- A new leader ends the sessions of senders left from an earlier term (a frozen or cut-off
-- leader keeps them open): their claims become a crashed sender's, "outcome unknown".
SELECT count(pg_terminate_backend(l.pid)) AS ended FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.classid = :lock_space AND l.objsubid = 2 AND l.granted
  AND l.pid <> pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());

-- name: broadcast_lock_owner
SELECT pg_try_advisory_lock(:lock_space, :owner) AS locked;

-- name: broadcast_unlock_owner
SELECT pg_advisory_unlock(:lock_space, :owner);

-- name: broadcast_sweep_cancelled
-- A cancelled broadcast's unclaimed recipients end failed ('cancelled').
UPDATE message_recipients r
SET delivery_status = 'failed', failure_reason = 'cancelled', settled_at = now()
WHERE r.message_id = :message_id AND r.delivery_status = 'pending' AND r.attempted_at IS NULL
  AND EXISTS (
      SELECT 1 FROM message_history h WHERE h.id = :message_id AND h.status = 'cancelled'
  );

-- name: broadcast_finish
-- Wrap up a broadcast with nobody left pending; exactly one caller gets the row back.
UPDATE message_history h
SET status = CASE WHEN h.status = 'cancelled' THEN 'cancelled' ELSE 'done' END,
    finished_at = now()
WHERE h.id = :message_id AND h.status IN ('sending', 'cancelled') AND h.finished_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM message_recipients r
      WHERE r.message_id = h.id AND r.delivery_status = 'pending'
  )
RETURNING h.id;

-- name: broadcast_get
SELECT h.id, h.status, h.author_id, h.audience, h.content, h.message_text,
       h.recipient_type, h.recipient_group, h.total_recipients,
       coalesce(h.successful_deliveries, 0) AS successful_deliveries, h.excluded_blocked,
       h.excluded_never_started, h.excluded_deactivated, h.duplicates_removed, h.created_at,
       h.scheduled_at, h.started_at, h.finished_at,
       h.sender_file_id, h.card_chat_id, h.card_message_id
FROM message_history h
WHERE h.id = :message_id;

-- name: broadcast_failure_reasons
SELECT failure_reason AS reason, count(*) AS n
FROM message_recipients
WHERE message_id = :message_id AND delivery_status = 'failed'
GROUP BY failure_reason
ORDER BY count(*) DESC, failure_reason;

-- name: broadcast_delete_errors
SELECT delete_error AS reason, count(*) AS n
FROM message_recipients
WHERE message_id = :message_id AND delete_error IS NOT NULL
GROUP BY delete_error
ORDER BY count(*) DESC, delete_error;

-- name: broadcast_set_status
-- Move a broadcast between states; nothing happens unless it is in one of :from_states.
UPDATE message_history
SET status = :to_status
WHERE id = :message_id AND status = ANY(:from_states::text[])
RETURNING id;

-- name: broadcast_cancel_scheduled
UPDATE message_history
SET status = 'cancelled', finished_at = now()
WHERE id = :message_id AND status = 'scheduled'
RETURNING id;

-- name: broadcast_card_due
-- Whether the live card may be edited now (at most every :every_s seconds, over all instances).
UPDATE message_history
SET card_edited_at = now()
WHERE id = :message_id AND card_message_id IS NOT NULL
  AND (card_edited_at IS NULL OR card_edited_at <= now() - make_interval(secs => :every_s))
RETURNING card_chat_id, card_message_id;

-- name: broadcast_set_card
UPDATE message_history
SET card_chat_id = :chat_id, card_message_id = :card_message_id, card_edited_at = now()
WHERE id = :message_id;

-- name: broadcast_forget_card
-- The card message is gone (deleted in the chat): nothing edits it any more.
UPDATE message_history SET card_message_id = NULL
WHERE card_chat_id = :chat_id AND card_message_id = :card_message_id;

-- name: broadcast_set_sender_file
UPDATE message_history SET sender_file_id = :file_id WHERE id = :message_id;

-- name: broadcast_history_page
SELECT h.id, h.status, h.author_id, h.audience, h.recipient_type, h.recipient_group,
       h.total_recipients, coalesce(h.successful_deliveries, 0) AS successful_deliveries,
       h.created_at, h.scheduled_at, h.started_at, h.message_text
FROM message_history h
WHERE h.status <> 'scheduled'
ORDER BY coalesce(h.started_at, h.sent_at, h.created_at) DESC, h.id DESC
LIMIT :limit OFFSET :offset;

-- name: broadcast_history_count
SELECT count(*) FROM message_history WHERE status <> 'scheduled';

-- name: broadcast_scheduled_list
SELECT h.id, h.status, h.author_id, h.audience, h.recipient_type, h.recipient_group,
       h.total_recipients, coalesce(h.successful_deliveries, 0) AS successful_deliveries,
       h.created_at, h.scheduled_at, h.started_at, h.message_text
FROM message_history h
WHERE h.status = 'scheduled'
ORDER BY h.scheduled_at, h.id;

-- name: broadcast_retry_failed
-- Put failed recipients back in the queue (not the cancelled ones, not those the sending bot
-- still cannot reach).
WITH retried AS (
    UPDATE message_recipients r
    SET delivery_status = 'pending', attempted_at = NULL, claimed_by = NULL,
        settled_at = NULL, failure_reason = NULL
    WHERE r.message_id = :message_id AND r.delivery_status = 'failed'
      AND r.failure_reason IS DISTINCT FROM 'cancelled'
      AND NOT EXISTS (
          SELECT 1 FROM hsl_unreachable(:sender, :revive) x WHERE x.user_id = r.user_id
      )
      AND EXISTS (
          SELECT 1 FROM message_history h
          WHERE h.id = :message_id AND h.status IN ('done', 'cancelled')
      )
    RETURNING 1
), restarted AS (
    UPDATE message_history
    SET status = 'sending', finished_at = NULL
    WHERE id = :message_id AND (SELECT count(*) FROM retried) > 0
    RETURNING 1
)
SELECT count(*) AS retried FROM retried;

-- name: broadcast_include_again
-- Forget what the broadcast bot (and rows from before bots were told apart) recorded.
WITH gone AS (
    DELETE FROM blocked_users WHERE user_id = :user_id AND bot_id IN (0, :sender::bigint)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: broadcast_start_delete
UPDATE message_history
SET status = 'deleting'
WHERE id = :message_id AND status IN ('done', 'cancelled')
RETURNING id;

-- name: broadcast_claim_deletions
UPDATE message_recipients r
SET delete_attempted_at = now(), claimed_by = :owner
WHERE r.id IN (
    SELECT c.id FROM message_recipients c
    WHERE c.message_id = :message_id AND c.delivery_status = 'sent'
      AND c.delete_attempted_at IS NULL AND c.delete_error IS NULL
      AND EXISTS (SELECT 1 FROM leader_term WHERE epoch = :epoch)
    ORDER BY c.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
RETURNING r.id, r.user_id, r.telegram_message_id, r.settled_at;

-- name: broadcast_settle_deletions
-- Deleted copies leave 'sent', so successful_deliveries drops in the same statement.
WITH outcome AS (
    SELECT * FROM unnest(:ids::int[], :errors::text[]) AS o (id, error)
), settled AS (
    UPDATE message_recipients r
    SET delivery_status = CASE WHEN o.error IS NULL THEN 'deleted' ELSE r.delivery_status END,
        delete_error = o.error
    FROM outcome o
    WHERE r.id = o.id AND r.delivery_status = 'sent'
    RETURNING r.message_id, o.error
), counted AS (
    UPDATE message_history h
    SET successful_deliveries = coalesce(h.successful_deliveries, 0) - s.deleted
    FROM (
        SELECT message_id, count(*) AS deleted FROM settled WHERE error IS NULL
        GROUP BY message_id
    ) s
    WHERE h.id = s.message_id
    RETURNING 1
)
SELECT count(*) AS settled FROM settled;

-- name: broadcast_finish_delete
UPDATE message_history h
SET status = 'deleted'
WHERE h.id = :message_id AND h.status = 'deleting'
  AND NOT EXISTS (
      SELECT 1 FROM message_recipients r
      WHERE r.message_id = h.id AND r.delivery_status = 'sent' AND r.delete_error IS NULL
  )
RETURNING h.id;

-- name: broadcast_export_settings
-- For the rest of this transaction, moments are written in TIMEZONE (broadcast_export), and
-- the rows are read in order from hsl_message_recipients_in_order: the planner prices that
-- index scan above SPEC's (message_id) index plus a sort (it discounts a two-column index's
-- correlation), though the sort spills to disk and takes twice as long (100k: 35 vs 15 ms).
SELECT set_config('TimeZone', :tz, true), set_config('enable_sort', 'off', true);

-- name: broadcast_export
-- A broadcast's recipients with ids from :first_id to :last_id (one piece of the file) as the
-- cells of its CSV (bot/csvcells.py's rules), for the server's
-- COPY … CSV to write: building 100k rows in Python took ~0.3 s on the event loop. Moments in
-- the session's TimeZone (set by broadcast_export_settings) to the second with their offset; a
-- text whose first character's code is one of :formula_codes (csvcells.FORMULA_START; none
-- above :formula_max, a cheap first test) after an apostrophe; an empty text as NULL (COPY
-- quotes an empty string, Python's csv writes nothing, as for NULL).
SELECT user_id,
       CASE WHEN ascii(username) <= :formula_max
                 AND ascii(username) = ANY(:formula_codes::int[])
            THEN '''' || username ELSE nullif(username, '') END AS username,
       CASE WHEN ascii(delivery_status) <= :formula_max
                 AND ascii(delivery_status) = ANY(:formula_codes::int[])
            THEN '''' || delivery_status ELSE nullif(delivery_status, '') END AS delivery_status,
       telegram_message_id,
       CASE WHEN ascii(failure_reason) <= :formula_max
                 AND ascii(failure_reason) = ANY(:formula_codes::int[])
            THEN '''' || failure_reason ELSE nullif(failure_reason, '') END AS failure_reason,
       to_char(attempted_at, 'YYYY-MM-DD HH24:MI:SSTZH:TZM') AS attempted_at,
       to_char(settled_at, 'YYYY-MM-DD HH24:MI:SSTZH:TZM') AS settled_at,
       CASE WHEN ascii(delete_error) <= :formula_max
                 AND ascii(delete_error) = ANY(:formula_codes::int[])
            THEN '''' || delete_error ELSE nullif(delete_error, '') END AS delete_error
FROM message_recipients
WHERE message_id = :message_id AND id BETWEEN :first_id AND :last_id
ORDER BY id;

-- name: broadcast_file_state
-- What a recipients file is written from (migration 0092): the broadcast's state and versions,
-- whether it has ended (its rows change no more), and the span of its recipients' ids.
SELECT h.status, h.finished_at, h.recipients_version, h.settled_version,
       h.status IN ('done', 'cancelled', 'deleted') AND h.finished_at IS NOT NULL AS ended,
       (SELECT min(r.id) FROM message_recipients r WHERE r.message_id = h.id) AS low,
       (SELECT max(r.id) FROM message_recipients r WHERE r.message_id = h.id) AS high
FROM message_history h
WHERE h.id = :message_id;

-- name: broadcast_stored_file
-- The stored recipients file (gzip) if it belongs to the broadcast's present state, the zone
-- and this release's format.
SELECT f.gzip
FROM hsl_recipient_files f
JOIN message_history h
  ON h.id = f.message_id AND h.status = f.status AND h.finished_at = f.finished_at
 AND h.recipients_version = f.recipients_version
WHERE f.message_id = :message_id AND f.time_zone = :tz AND f.format = :format;

-- name: broadcast_store_file
-- Keep a file written from the broadcast's state :status / :finished_at / :version, unless
-- that state has passed since. The broadcast's row is updated, its values unchanged (migration
-- 0092: a change in progress is waited for, an older one that could not see this fails).
WITH state AS (
    UPDATE message_history AS h
    SET recipients_version = h.recipients_version
    WHERE h.id = :message_id AND h.status = :status AND h.finished_at = :finished_at
      AND h.recipients_version = :version
    RETURNING h.id, h.status, h.finished_at, h.recipients_version
), kept AS (
    INSERT INTO hsl_recipient_files AS f
        (message_id, status, finished_at, recipients_version, time_zone, format, csv_bytes, gzip)
    SELECT id, status, finished_at, recipients_version, :tz, :format, :csv_bytes, :gzip
    FROM state
    ON CONFLICT (message_id) DO UPDATE
    SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
        recipients_version = EXCLUDED.recipients_version, time_zone = EXCLUDED.time_zone,
        format = EXCLUDED.format, csv_bytes = EXCLUDED.csv_bytes, built_at = now(),
        gzip = EXCLUDED.gzip
    RETURNING 1
)
SELECT count(*) FROM kept;

-- name: broadcast_forget_segments
-- An ended broadcast's file is kept whole: its pieces are of no more use.
DELETE FROM hsl_recipient_segments WHERE message_id = :message_id;

-- name: broadcast_stored_segments
-- The kept pieces of a broadcast's file in a zone and this release's format, by first id.
SELECT first_id, lines FROM hsl_recipient_segments
WHERE message_id = :message_id AND time_zone = :tz AND format = :format
ORDER BY first_id;

-- name: broadcast_store_segments
-- Keep pieces written from a snapshot with :settled_version and :version: a piece whose rows
-- were all settled unless a settled row changed since, one with a pending row unless any row
-- did. The broadcast's row is updated as in broadcast_store_file.
WITH state AS (
    UPDATE message_history AS h
    SET settled_version = h.settled_version
    WHERE h.id = :message_id AND h.settled_version = :settled_version
    RETURNING h.id, h.recipients_version
), kept AS (
    INSERT INTO hsl_recipient_segments AS s
        (message_id, first_id, last_id, time_zone, format, lines)
    SELECT state.id, x.first_id, x.last_id, :tz, :format, x.lines
    FROM state,
         unnest(:first_ids::int[], :last_ids::int[], :settled::boolean[], :lines::bytea[])
             AS x (first_id, last_id, settled, lines)
    WHERE x.settled OR state.recipients_version = :version
    ON CONFLICT (message_id, first_id) DO UPDATE
    SET last_id = EXCLUDED.last_id, time_zone = EXCLUDED.time_zone, format = EXCLUDED.format,
        lines = EXCLUDED.lines
    RETURNING 1
)
SELECT count(*) FROM kept;

-- name: broadcast_announce
-- Tell the sending instance (the leader) there is work, without waiting for its next poll.
SELECT pg_notify(:channel, '');
