-- Aid flags (issue 20): a DTKS/DTSEN or bansos list imported as (NIK, programme, period); each
-- line flags the person and, through no_kk as the registry had it at import, the household.
-- A re-import of the same list changes nothing (one row per NIK, programme and period).
CREATE TABLE aid_flags (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kelurahan_id BIGINT  NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),
    no_kk        TEXT    NOT NULL,      -- the person's KK when the list was imported
    programme    TEXT    NOT NULL,      -- upper case: PKH, BPNT, BLT-DD, PBI-JK, …
    period       TEXT    NOT NULL,      -- as the list says: 2026, 2026-Q1, 2026-03
    imported_at  BIGINT  NOT NULL,
    imported_by  TEXT    NOT NULL,
    UNIQUE (kelurahan_id, nik, programme, period)
);
CREATE INDEX aid_flags_by_kk ON aid_flags (kelurahan_id, no_kk);
