-- JASA (issue 14): Gerai Skill & Barter. A resident offers a service (a price in rupiah, or
-- barter), found with CARI JASA; another resident asks for it, the provider accepts or declines;
-- after the job the asker pays through the ledger (the social-fund share as for merchants) or
-- either side records a barter. An offer runs 60 days unless renewed.
CREATE TABLE services (
    id           INTEGER PRIMARY KEY,   -- shown as J001
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),       -- the provider
    what         TEXT    NOT NULL,
    price        INTEGER,                -- rupiah; NULL: barter
    available    TEXT    NOT NULL,      -- when, as the provider wrote it
    rt           TEXT    NOT NULL,
    rw           TEXT    NOT NULL,
    search_text  TEXT    NOT NULL,      -- folded words, ' a b c ' (market::search)
    status       TEXT    NOT NULL,      -- open, closed
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX services_open ON services (kelurahan_id, status, expires_at);
CREATE INDEX services_by_provider ON services (nik);

CREATE TABLE service_requests (
    id           INTEGER PRIMARY KEY,   -- the request's number
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    service_id   INTEGER NOT NULL REFERENCES services (id),
    asker_nik    TEXT    NOT NULL REFERENCES persons (nik),
    asker_phone  TEXT    NOT NULL,
    status       TEXT    NOT NULL,      -- asked, accepted, declined, paid, bartered
    amount       INTEGER,                -- what was paid
    transfer_id  INTEGER,                -- the ledger's transfer of the payment
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    done_at      INTEGER
);
CREATE INDEX service_requests_by_service ON service_requests (service_id, status);
CREATE INDEX service_requests_by_asker ON service_requests (asker_nik, status);
