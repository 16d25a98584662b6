-- Many kelurahan on one deployment (issue 18). A kelurahan is a tenant: every registry, ledger,
-- proposal, market, library, broadcast, admin and conversation row belongs to one. The first
-- kelurahan (id 1) is the default: a deployment with one kelurahan needs no extra step, and the
-- rows that existed before this migration are its rows.
--
-- NIK (persons.nik) and KK numbers (households.no_kk) stay keys of the whole deployment: one NIK
-- is registered in one kelurahan (DESIGN §5). Merchant, listing and item codes and proposal
-- numbers stay unique deployment-wide too (a payment to another kelurahan's merchant names it);
-- lookups by them are scoped by the store.
--
-- ledger_accounts is rebuilt (SQLite cannot alter a CHECK or a UNIQUE): the treasury and social
-- fund become one per kelurahan, and two kinds are added: 'clearing' (one per kelurahan; the
-- other side of payments between kelurahan, may go negative like the treasury) and 'purse'
-- (a household's money that may travel, beside the wallet's stimulus credit). SQLite migrations
-- run with foreign keys off and are checked after (`Db::migrate`), as SQLite's procedure for
-- rebuilding a table asks.

CREATE TABLE kelurahan (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,      -- 10-digit Kemendagri code, e.g. 3577011002
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO kelurahan (id, code, name, created_at) VALUES (1, '0000000000', 'Kelurahan', 0);

-- The numbers residents write to: a WhatsApp phone_number_id, a Twilio number, an Android
-- gateway's device or SIM. A message belongs to the kelurahan of the number it was sent to.
CREATE TABLE kelurahan_numbers (
    channel      TEXT    NOT NULL,            -- whatsapp, sms
    number       TEXT    NOT NULL,            -- phone_number_id, E.164, device id
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    PRIMARY KEY (channel, number)
);
CREATE INDEX kelurahan_numbers_kelurahan ON kelurahan_numbers (kelurahan_id, channel);

CREATE TABLE new_ledger_accounts (
    id           INTEGER PRIMARY KEY,
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('treasury', 'wallet', 'merchant', 'social_fund', 'campaign', 'clearing', 'purse')),
    owner        TEXT    NOT NULL,          -- no_kk (wallet, purse), merchant code, campaign number, '' (treasury, social fund, clearing)
    balance      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (kelurahan_id, kind, owner),
    CHECK (kind IN ('treasury', 'clearing') OR balance >= 0)
);
INSERT INTO new_ledger_accounts (id, kelurahan_id, kind, owner, balance, created_at)
    SELECT id, 1, kind, owner, balance, created_at FROM ledger_accounts;
DROP TABLE ledger_accounts;
ALTER TABLE new_ledger_accounts RENAME TO ledger_accounts;
CREATE INDEX ledger_accounts_kind ON ledger_accounts (kind, owner);
INSERT INTO ledger_accounts (kelurahan_id, kind, owner, balance, created_at) VALUES (1, 'clearing', '', 0, 0);

CREATE TABLE new_stimulus_runs (
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    run_date     TEXT    NOT NULL,
    households   INTEGER NOT NULL DEFAULT 0,
    persons      INTEGER NOT NULL DEFAULT 0,
    amount       INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    PRIMARY KEY (kelurahan_id, run_date)
);
INSERT INTO new_stimulus_runs SELECT 1, run_date, households, persons, amount, started_at, finished_at FROM stimulus_runs;
DROP TABLE stimulus_runs;
ALTER TABLE new_stimulus_runs RENAME TO stimulus_runs;

-- SQLite adds a column only with a default: 1, the default kelurahan, for the rows that exist.
-- (On PostgreSQL the default is dropped again, so an insert that forgets the column fails.)
ALTER TABLE households      ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE persons         ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
-- The day a person came to this kelurahan's registry from another one (datang): the stimulus
-- counts them from the next day, so a person is credited once per date in the whole deployment.
ALTER TABLE persons ADD COLUMN arrived_on TEXT;
ALTER TABLE links           ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE change_requests ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE audit_log       ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE merchants       ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE admins          ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE broadcasts      ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE proposals       ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE listings        ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE orders          ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE items           ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE loans           ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE payment_requests ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE inbound         ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE outbox          ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
ALTER TABLE sessions        ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);
-- The kelurahan a phone last wrote to: notices and broadcasts to it go out from that number.
ALTER TABLE contacts        ADD COLUMN kelurahan_id INTEGER NOT NULL DEFAULT 1 REFERENCES kelurahan (id);

CREATE INDEX households_kelurahan ON households (kelurahan_id, rw, rt);
CREATE INDEX persons_kelurahan ON persons (kelurahan_id, no_kk);
CREATE INDEX change_requests_kelurahan ON change_requests (kelurahan_id, status, id);
CREATE INDEX merchants_kelurahan ON merchants (kelurahan_id);
CREATE INDEX admins_kelurahan ON admins (kelurahan_id);
CREATE INDEX broadcasts_kelurahan ON broadcasts (kelurahan_id, id);
CREATE INDEX proposals_kelurahan ON proposals (kelurahan_id, status, rw);
CREATE INDEX listings_kelurahan ON listings (kelurahan_id, status);
CREATE INDEX items_kelurahan ON items (kelurahan_id, status);
CREATE INDEX loans_kelurahan ON loans (kelurahan_id, status);

DROP TRIGGER inbound_notes_contact;
CREATE TRIGGER inbound_notes_contact AFTER INSERT ON inbound
WHEN NEW.phone <> ''
BEGIN
    INSERT INTO contacts (phone, channel, last_inbound_at, kelurahan_id)
    VALUES (NEW.phone, NEW.channel, NEW.received_at, NEW.kelurahan_id)
    ON CONFLICT (phone) DO UPDATE SET channel = excluded.channel,
                                      last_inbound_at = excluded.last_inbound_at,
                                      kelurahan_id = excluded.kelurahan_id;
END;
