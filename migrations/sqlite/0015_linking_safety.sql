-- Linking by DESIGN §6 (issue 17): wrong activation codes counted per NIK as well as per phone
-- (5 wrong void the NIK's codes and tell the kelurahan); a re-link of a NIK already linked to
-- another phone waits for the kelurahan or 24 hours without BUKAN from the old phone; the
-- kelurahan's queue of things its officers must look at; TANYA / ADUAN tickets.

-- Wrong activation codes typed for one NIK, from whatever phone.
CREATE TABLE nik_link_attempts (
    nik        TEXT PRIMARY KEY,
    failures   INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- A code voided after too many wrong codes for its NIK is never usable again.
ALTER TABLE activation_codes ADD COLUMN voided_at INTEGER;

-- A NIK linked to old_phone asked for by new_phone (its code and PIN accepted): the old link
-- keeps working until the kelurahan confirms or 24 hours pass without BUKAN from the old phone.
CREATE TABLE relinks (
    id           INTEGER PRIMARY KEY,
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),
    old_phone    TEXT    NOT NULL,
    new_phone    TEXT    NOT NULL,
    pin_hash     TEXT    NOT NULL,      -- the PIN chosen on the new phone (Argon2id)
    status       TEXT    NOT NULL,      -- pending, objected, done
    requested_at INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   TEXT
);
CREATE INDEX relinks_pending ON relinks (status, requested_at);

-- What the kelurahan's officers must look at (a NIK's codes voided, a re-link objected to).
CREATE TABLE officer_notices (
    id           INTEGER PRIMARY KEY,
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    kind         TEXT    NOT NULL,
    subject      TEXT    NOT NULL,      -- a masked NIK or phone, never a full NIK
    created_at   INTEGER NOT NULL
);

-- TANYA / ADUAN: a resident's question or complaint to the kelurahan, a numbered ticket; the
-- officer's answer goes back to the resident's phone through the outbox.
CREATE TABLE tickets (
    id           INTEGER PRIMARY KEY,   -- the ticket's number
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    phone        TEXT    NOT NULL,
    kind         TEXT    NOT NULL,      -- question, complaint
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL,      -- open, answered, closed
    answer       TEXT,
    created_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    closed_at    INTEGER
);
CREATE INDEX tickets_by_status ON tickets (kelurahan_id, status, id);
CREATE INDEX tickets_by_phone ON tickets (phone, status);
