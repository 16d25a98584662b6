-- A delivery report can arrive before the send it reports on is recorded: the provider answers
-- the send and calls the status webhook within milliseconds, while the outcome is being written.
-- Such a report is kept here instead of being dropped; the recovery sweep applies it once the
-- provider id is recorded (with the same forward-only rule), and forgets it after a day (then it
-- was not ours: another app's number on the same Meta app).
CREATE TABLE early_statuses (
    channel     TEXT    NOT NULL,
    provider_id TEXT    NOT NULL,
    status      TEXT    NOT NULL,            -- the outbox status it moves to
    status_rank BIGINT  NOT NULL,
    follows     BIGINT  NOT NULL,            -- the highest rank it may move from
    recipient   TEXT,
    error       TEXT,
    at          BIGINT  NOT NULL,
    received_at BIGINT  NOT NULL,
    PRIMARY KEY (channel, provider_id, status)
);
CREATE INDEX early_statuses_received ON early_statuses (received_at);
