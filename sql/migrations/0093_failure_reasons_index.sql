-- A broadcast's failure reasons (its report, the chat's details and the Mini App's page) read
-- its failed recipients only. The planner priced SPEC's (message_id, delivery_status) index
-- above walking every recipient of the broadcast by (message_id) and filtering (the latter's
-- heap order is perfect): 16 ms vs 3 ms for 3k failed among 100k. A partial index holds only
-- failed rows, so the freeze (all pending) writes nothing to it and a send only its failures.
-- migrate:up
CREATE INDEX hsl_message_recipients_failed ON message_recipients (message_id, failure_reason)
WHERE delivery_status = 'failed';
-- migrate:down
DROP INDEX IF EXISTS hsl_message_recipients_failed;
