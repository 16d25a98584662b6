-- Broadcasts (SIARAN, POST /api/broadcasts): who may send them, and each one sent.
-- The messages themselves are outbox rows with broadcast_id set; their counts come from there.

-- A linked resident allowed to broadcast: to the whole kelurahan, one RW, or one RT of an RW.
CREATE TABLE admins (
    nik        TEXT PRIMARY KEY REFERENCES persons (nik),
    scope      TEXT    NOT NULL,            -- kelurahan, rw, rt
    rw         TEXT,                        -- '03' for rw and rt scopes
    rt         TEXT,                        -- '001' for the rt scope
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE broadcasts (
    id           INTEGER PRIMARY KEY,
    created_by   TEXT    NOT NULL,          -- 'admin-api', or the admin's masked NIK
    target_rw    TEXT,                      -- NULL: every RW
    target_rt    TEXT,                      -- NULL: every RT (of target_rw)
    target_role  TEXT,                      -- NULL, 'merchant' or 'unverified'
    text         TEXT    NOT NULL,
    status       TEXT    NOT NULL,          -- queued, cancelled (finished is read from the outbox)
    recipients   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    cancelled_at INTEGER
);

-- Counting and cancelling one broadcast's rows.
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;

-- Claiming in (priority, id) order straight from an index: with 100,000 broadcast rows queued, a
-- claim must not sort them all to find the one reply in front.
CREATE INDEX outbox_claim ON outbox (channel, priority, id) WHERE status = 'queued';
