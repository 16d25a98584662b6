-- KEGIATAN / RELAWAN (issue 14): the kelurahan's kerja bakti and social actions, and the
-- residents who sign up for them. A reminder goes out the day before (reminded_at, once);
-- attendance is counted per sign-up.
CREATE TABLE events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,   -- the event's number
    kelurahan_id BIGINT  NOT NULL REFERENCES kelurahan (id),
    title        TEXT    NOT NULL,
    place        TEXT    NOT NULL,
    starts_at    BIGINT  NOT NULL,      -- unix seconds
    rw           TEXT,                  -- NULL: the whole kelurahan
    needed       BIGINT  NOT NULL CHECK (needed BETWEEN 1 AND 500),  -- volunteers wanted
    item_id      TEXT,                  -- a goods library item's code (B001), if one is used
    proposal_id  BIGINT  REFERENCES proposals (id),                  -- its swadaya campaign
    status       TEXT    NOT NULL,      -- open, cancelled
    reminded_at  BIGINT,                -- the day-before reminder went out (epoch ms)
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX events_upcoming ON events (kelurahan_id, status, starts_at);

CREATE TABLE event_signups (
    event_id     BIGINT  NOT NULL REFERENCES events (id),
    kelurahan_id BIGINT  NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),
    phone        TEXT    NOT NULL,      -- where the reminder goes
    status       TEXT    NOT NULL,      -- signed, cancelled
    attended_at  BIGINT,                -- counted present (epoch ms)
    created_at   BIGINT  NOT NULL,
    UNIQUE (event_id, nik)
);
CREATE INDEX event_signups_by_person ON event_signups (nik);
