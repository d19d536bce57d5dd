-- The recovery query (broadcast_fail_orphans) runs on every tick of the leader: it must read
-- only claims, never every recipient row. Unfinished deletion claims get a partial index like
-- the one sends already have (hsl_message_recipients_in_flight).
-- migrate:up
CREATE INDEX hsl_message_recipients_deleting ON message_recipients (claimed_by)
    WHERE delivery_status = 'sent' AND delete_attempted_at IS NOT NULL AND delete_error IS NULL;
-- migrate:down
DROP INDEX IF EXISTS hsl_message_recipients_deleting;
