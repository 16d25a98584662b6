-- Issue 20: the registry fed from SIAK / OpenSID exports and kept true by mutations.
--
-- The coded fields of a SIAK / OpenSID export, by their numeric codes (OpenSID's reference
-- tables, `src/registry/reference.rs`): kept for the dashboard and the data-quality report.
-- NULL: the file did not say (Gotong's own CSV has none of them).
ALTER TABLE persons ADD COLUMN religion       INTEGER;  -- agama_id 1..7
ALTER TABLE persons ADD COLUMN education      INTEGER;  -- pendidikan_kk_id 1..10
ALTER TABLE persons ADD COLUMN schooling      INTEGER;  -- pendidikan_sedang_id 1..18
ALTER TABLE persons ADD COLUMN occupation     INTEGER;  -- pekerjaan_id 1..89
ALTER TABLE persons ADD COLUMN marital_status INTEGER;  -- status_kawin 1..4
ALTER TABLE persons ADD COLUMN citizenship    INTEGER;  -- warganegara_id 1..3
ALTER TABLE persons ADD COLUMN blood_type     INTEGER;  -- golongan_darah_id 1..13
ALTER TABLE persons ADD COLUMN disability     INTEGER;  -- cacat_id 1..7
ALTER TABLE persons ADD COLUMN pregnant       INTEGER;  -- hamil 0/1

-- What happened to a person of the registry (Buku Mutasi Penduduk): born (lahir), died (mati),
-- came (datang), left (pindah), or a field corrected (koreksi). Insert-only: one row per event,
-- whichever way it came (a re-import, a resident's approved change request, an officer).
CREATE TABLE mutations (
    id           INTEGER PRIMARY KEY,
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),
    no_kk        TEXT    NOT NULL,              -- the household at the time
    rt           TEXT    NOT NULL,              -- its area at the time
    rw           TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('lahir', 'mati', 'datang', 'pindah', 'koreksi')),
    occurred_on  TEXT    NOT NULL,              -- YYYY-MM-DD (Asia/Jakarta)
    source       TEXT    NOT NULL CHECK (source IN ('import', 'change_request', 'officer')),
    approved_by  TEXT    NOT NULL,              -- 'cli', 'admin-api', the officer
    changes      TEXT,                          -- JSON {"field": [before, after]}
    recorded_at  INTEGER NOT NULL
);
CREATE INDEX mutations_month ON mutations (kelurahan_id, occurred_on);
CREATE INDEX mutations_nik ON mutations (nik, id);
