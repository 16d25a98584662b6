-- KEBAIKAN (issue 14): a resident's kindness record is counted from the domain tables
-- (volunteering attended, goods lent and returned, donations, services done); only their
-- consent (KEBAIKAN PUBLIK, withdrawn with KEBAIKAN PRIBADI) lets it be shown in public.
CREATE TABLE kindness_consent (
    nik          TEXT PRIMARY KEY REFERENCES persons (nik),
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    public       INTEGER NOT NULL CHECK (public IN (0, 1)),
    updated_at   INTEGER NOT NULL
);
