-- The resident registry (DESIGN §5), phone links with PINs, change requests and the audit log.

CREATE TABLE households (
    no_kk       TEXT PRIMARY KEY,
    rt          TEXT    NOT NULL,           -- '001'
    rw          TEXT    NOT NULL,           -- '03'
    verified_at BIGINT,                    -- DATA -> 1 (all correct)
    imported_at BIGINT  NOT NULL
);
CREATE INDEX households_area ON households (rw, rt);

CREATE TABLE persons (
    nik                TEXT PRIMARY KEY,
    no_kk              TEXT    NOT NULL REFERENCES households (no_kk),
    name               TEXT    NOT NULL,
    birth_date         TEXT    NOT NULL,    -- YYYY-MM-DD
    sex                TEXT    NOT NULL,    -- L or P
    shdk               TEXT    NOT NULL,    -- KEPALA KELUARGA, ISTRI, ANAK, ...
    residence          TEXT    NOT NULL,    -- TETAP or NON_PERMANEN
    phone              TEXT,                -- no_hp from the registry, E.164
    nik_mismatch       BOOLEAN NOT NULL DEFAULT FALSE, -- legacy NIK whose date/sex part disagrees
    birth_confirmed_at BIGINT,             -- the household confirmed the birth date
    died_on            TEXT,                -- set by an approved death report
    moved_out_on       TEXT,                -- set by an approved move-out report
    line               BIGINT,             -- line of the import file it came from
    imported_at        BIGINT  NOT NULL
);
CREATE INDEX persons_household ON persons (no_kk);
CREATE INDEX persons_phone ON persons (phone);

-- A phone linked to one person (DAFTAR); a person has at most one phone.
CREATE TABLE links (
    phone            TEXT PRIMARY KEY,
    nik              TEXT    NOT NULL UNIQUE REFERENCES persons (nik),
    pin_hash         TEXT    NOT NULL,      -- Argon2id, peppered with GOTONG_SECRET_KEY
    pin_failures     BIGINT  NOT NULL DEFAULT 0,
    pin_locked_until BIGINT,
    linked_at        BIGINT  NOT NULL
);

CREATE TABLE activation_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nik        TEXT    NOT NULL REFERENCES persons (nik),
    code_hash  TEXT    NOT NULL,            -- SHA-256 of key + code; the code itself is shown once
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT,
    created_by TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX activation_codes_nik ON activation_codes (nik);

-- Failed DAFTAR attempts per phone: slowed, then blocked for a while (no NIK enumeration).
CREATE TABLE link_attempts (
    phone         TEXT PRIMARY KEY,
    failures      BIGINT  NOT NULL DEFAULT 0,
    blocked_until BIGINT,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE change_requests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    no_kk       TEXT    NOT NULL REFERENCES households (no_kk),
    nik         TEXT,                       -- the member concerned (none for a birth / move in)
    kind        TEXT    NOT NULL,           -- birth, death, move_in, move_out, correction
    details     TEXT    NOT NULL,
    reported_by TEXT    NOT NULL,           -- NIK of the linked resident who reported it
    status      TEXT    NOT NULL,           -- pending, approved, rejected
    reason      TEXT,
    created_at  BIGINT  NOT NULL,
    decided_at  BIGINT,
    decided_by  TEXT
);
CREATE INDEX change_requests_status ON change_requests (status, id);

CREATE TABLE audit_log (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor   TEXT    NOT NULL,               -- 'admin-api', 'cli', or a masked NIK / phone
    action  TEXT    NOT NULL,
    subject TEXT,
    before  TEXT,                           -- JSON
    after   TEXT,                           -- JSON
    at      BIGINT  NOT NULL
);
