-- Conversation state of the admin console (aiogram FSM), so an admin halfway through a flow
-- keeps their place across restarts and across instances.
-- migrate:up
CREATE TABLE fsm_state (
    key TEXT PRIMARY KEY,
    state TEXT,
    data JSONB NOT NULL DEFAULT '{}'::jsonb,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE IF EXISTS fsm_state;
