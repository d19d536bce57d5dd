-- name: digest_preferences
SELECT admin_id, enabled, send_at FROM digest_preferences WHERE admin_id = ANY(:admin_ids);

-- name: set_digest_enabled
INSERT INTO digest_preferences (admin_id, enabled) VALUES (:admin_id, :enabled)
ON CONFLICT (admin_id) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now();

-- name: set_digest_time
INSERT INTO digest_preferences (admin_id, enabled, send_at) VALUES (:admin_id, TRUE, :send_at)
ON CONFLICT (admin_id) DO UPDATE
    SET send_at = EXCLUDED.send_at, enabled = TRUE, updated_at = now();

-- name: claim_digest
-- The unique (admin, day) row is the guard: only the first claimant gets a row back, and only
-- while its term of leadership (:epoch) is the current one.
INSERT INTO digest_deliveries (admin_id, day, status, due_at)
SELECT :admin_id, :day, :status, :due_at
WHERE EXISTS (SELECT 1 FROM leader_term WHERE epoch = :epoch)
ON CONFLICT (admin_id, day) DO NOTHING
RETURNING admin_id;

-- name: settle_digest
UPDATE digest_deliveries SET status = :status, error = :error, settled_at = now()
WHERE admin_id = :admin_id AND day = :day;

-- name: skipped_digests_since_last_sent
-- Days since the last digest delivered whose digest was skipped (the bot was down too long),
-- or whose outcome is unknown (the process died while sending it: still 'sending').
SELECT day, status FROM digest_deliveries
WHERE admin_id = :admin_id AND status IN ('skipped', 'sending') AND day < :day
  AND day > coalesce(
      (SELECT max(day) FROM digest_deliveries
       WHERE admin_id = :admin_id AND status = 'sent' AND day < :day),
      '-infinity'::date)
ORDER BY day;

-- name: digest_day_figures
-- What the daily rollups don't carry, for each local day in :days.
WITH days AS (SELECT unnest(:days::date[]) AS day),
bounds AS (
    SELECT day,
           (day::timestamp AT TIME ZONE :tz) AS starts,
           ((day + 1)::timestamp AT TIME ZONE :tz) AS ends
    FROM days
)
SELECT b.day,
    (SELECT count(*) FROM bookings k
        WHERE k.created_at >= b.starts AND k.created_at < b.ends AND k.confirmed = 0) AS created,
    (SELECT count(*) FROM bookings k
        WHERE k.created_at >= b.starts AND k.created_at < b.ends AND k.confirmed = 1) AS pending,
    (SELECT count(*) FROM bookings k
        WHERE k.created_at >= b.starts AND k.created_at < b.ends AND k.confirmed = 2) AS paid,
    (SELECT count(*) FROM bookings k
        WHERE k.created_at >= b.starts AND k.created_at < b.ends AND k.confirmed = -1)
        AS cancelled,
    (SELECT count(*) FROM events e
        WHERE e.event_type = 'payment_approved'
          AND e.created_at >= b.starts AND e.created_at < b.ends) AS payments,
    (SELECT count(*) FROM events e
        WHERE e.event_type = 'lesson_link_clicked'
          AND e.created_at >= b.starts AND e.created_at < b.ends) AS attendance,
    (SELECT count(DISTINCT u.user_id) FROM blocked_users u
        WHERE u.reason = 'blocked' AND u.blocked_at >= b.starts AND u.blocked_at < b.ends)
        AS blocked,
    (SELECT count(*) FROM message_history m
        WHERE m.sent_at >= b.starts AND m.sent_at < b.ends AND m.total_recipients > 0)
        AS broadcasts,
    (SELECT coalesce(sum(m.total_recipients), 0) FROM message_history m
        WHERE m.sent_at >= b.starts AND m.sent_at < b.ends) AS recipients,
    (SELECT coalesce(sum(m.successful_deliveries), 0) FROM message_history m
        WHERE m.sent_at >= b.starts AND m.sent_at < b.ends) AS delivered
FROM bounds b
ORDER BY b.day;
