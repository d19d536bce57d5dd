-- A broadcast's recipients in id order, for its page of recipients (the Mini App) and its CSV
-- export: with only SPEC's (message_id) index, whose equal keys are in no id order, the planner
-- either sorted the whole broadcast (on disk past 4 MB) or walked the primary key through every
-- older broadcast's rows, filtering: 0.44 s for the first page of the newest of 20 broadcasts of
-- 100k. The freeze pays one more index entry per row (~0.05 s per 100k).
-- migrate:up
CREATE INDEX hsl_message_recipients_in_order ON message_recipients (message_id, id);
-- migrate:down
DROP INDEX IF EXISTS hsl_message_recipients_in_order;
