-- Messages in and out, conversation sessions and per-phone preferences.
-- Times are epoch milliseconds (BIGINT), money whole rupiah (BIGINT).

CREATE TABLE inbound (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel     TEXT    NOT NULL,
    provider_id TEXT    NOT NULL,
    phone       TEXT    NOT NULL,             -- E.164; '' when the provider gave none
    kind        TEXT    NOT NULL,             -- text, choice, image, location, unsupported
    content     TEXT    NOT NULL,             -- JSON of message::Content (a PIN is masked once handled)
    received_at BIGINT  NOT NULL,
    handled_at  BIGINT,
    UNIQUE (channel, provider_id)
);
CREATE INDEX inbound_pending ON inbound (phone, id) WHERE handled_at IS NULL;

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         TEXT    NOT NULL,
    phone           TEXT    NOT NULL,
    body            TEXT    NOT NULL,         -- JSON of message::Body
    priority        BIGINT  NOT NULL,         -- 0 reply, 1 notice, 2 broadcast
    status          TEXT    NOT NULL,         -- queued, sending, sent, delivered, read, failed, cancelled
    status_rank     BIGINT  NOT NULL DEFAULT 0,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    provider_id     TEXT,
    error           TEXT,
    broadcast_id    BIGINT,
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'sending';
CREATE UNIQUE INDEX outbox_provider ON outbox (channel, provider_id) WHERE provider_id IS NOT NULL;

CREATE TABLE contacts (
    phone           TEXT PRIMARY KEY,
    channel         TEXT    NOT NULL,
    language        TEXT,
    opted_out       BOOLEAN NOT NULL DEFAULT FALSE,
    last_inbound_at BIGINT
);

CREATE TABLE sessions (
    phone      TEXT PRIMARY KEY,
    flow       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    vals       TEXT    NOT NULL,              -- JSON object of collected values (never a PIN)
    retries    BIGINT  NOT NULL DEFAULT 0,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE flow_events (
    flow  TEXT NOT NULL,
    step  TEXT NOT NULL,
    event TEXT NOT NULL,                      -- entered, finished, abandoned, timed_out, gave_up
    count BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (flow, step, event)
);
