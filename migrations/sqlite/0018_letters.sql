-- SURAT (issue 14): a linked resident's request for a letter for a member of their household.
-- The officers' queue serves verified households first; every status change reaches the
-- phone that asked, through the outbox.
CREATE TABLE letters (
    id           INTEGER PRIMARY KEY,   -- the request's number
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    no_kk        TEXT    NOT NULL REFERENCES households (no_kk),
    nik          TEXT    NOT NULL REFERENCES persons (nik),       -- for whom
    phone        TEXT    NOT NULL,      -- who asked (told of each change)
    kind         TEXT    NOT NULL,      -- the letter's name, as listed to the resident
    purpose      TEXT    NOT NULL,
    status       TEXT    NOT NULL,      -- diajukan, diproses, siap_diambil, ditolak, selesai
    reason       TEXT,                  -- why it was refused
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX letters_by_status ON letters (kelurahan_id, status, id);
CREATE INDEX letters_by_household ON letters (no_kk, id);
