-- The Mini App's own reads: a broadcast's recipients page by page, and as a CSV written by the
-- server (everything else the pages show comes from the chat's services; the booking desk's
-- queries are in bookings.sql).

-- name: web_broadcast_recipients
-- One page of a broadcast's recipients with the columns and order of the chat's export
-- (broadcast_export), filtered by status and by a fragment of the id or @username. No service
-- pages recipients: the chat sends them all as a CSV.
SELECT user_id, username, delivery_status, failure_reason, settled_at
FROM message_recipients
WHERE message_id = :message_id
  AND (:status::text IS NULL OR delivery_status = :status::text)
  AND (:pattern::text IS NULL OR user_id::text LIKE :pattern::text
       OR username ILIKE :pattern::text)
ORDER BY id
LIMIT :limit OFFSET :offset;

-- name: web_broadcast_recipients_count
-- How many recipients match that filter, counted up to :cap (a list of 100k people pages
-- as "10 000+"; the exact figures per status are the broadcast's counts).
SELECT count(*) FROM (
    SELECT 1 FROM message_recipients
    WHERE message_id = :message_id
      AND (:status::text IS NULL OR delivery_status = :status::text)
      AND (:pattern::text IS NULL OR user_id::text LIKE :pattern::text
           OR username ILIKE :pattern::text)
    LIMIT :cap
) AS matching;

-- name: web_csv_timezone
-- For the rest of this transaction, moments are written in TIMEZONE (web_broadcast_csv).
SELECT set_config('TimeZone', :tz, true);

-- name: web_broadcast_csv
-- The chat's export of a broadcast's recipients (broadcast_export, whose cells Python writes
-- through bot/csvcells.py), cell for cell, for the server's COPY … CSV to write: 100k rows in
-- Python take ~0.3 s, on the server a fraction. Moments in the session's TimeZone (set by
-- web_csv_timezone) to the second with their offset; a text whose first character's code is
-- one of :formula_codes (csvcells.FORMULA_START; none above :formula_max, a cheap first test)
-- after an apostrophe; an empty text as NULL (COPY quotes an empty string, Python's csv
-- writes nothing, as for NULL).
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
WHERE message_id = :message_id
ORDER BY id;
