-- The ledger (DESIGN §6): double entry, whole rupiah, epoch-ms times.
--
-- Accounts hold their balance; every change is a transfer (unique idempotency key) whose entries
-- sum to zero. Entries and transfers are insert-only (triggers below). Only the treasury may go
-- negative (CHECK), so the sum over all accounts is always zero.

CREATE TABLE ledger_accounts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('treasury', 'wallet', 'merchant', 'social_fund', 'campaign')),
    owner      TEXT    NOT NULL,            -- no_kk (wallet), merchant code, campaign number, '' (treasury, social fund)
    balance    BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    UNIQUE (kind, owner),
    CHECK (kind = 'treasury' OR balance >= 0)
);

-- The two singletons exist from the start (the treasury first: the lowest id, locked first).
INSERT INTO ledger_accounts (kind, owner, balance, created_at) VALUES ('treasury', '', 0, 0);
INSERT INTO ledger_accounts (kind, owner, balance, created_at) VALUES ('social_fund', '', 0, 0);

CREATE TABLE ledger_transfers (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key TEXT    NOT NULL UNIQUE, -- stimulus:<date>:<no_kk>, pay:<phone>:<ms>, redeem:…
    kind            TEXT    NOT NULL,        -- stimulus, payment, redeem, topup, donation
    memo            TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL
);
CREATE INDEX ledger_transfers_kind ON ledger_transfers (kind);

CREATE TABLE ledger_entries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id BIGINT  NOT NULL REFERENCES ledger_transfers (id),
    account_id  BIGINT  NOT NULL REFERENCES ledger_accounts (id),
    amount      BIGINT  NOT NULL CHECK (amount <> 0)  -- signed: + credit, - debit
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, transfer_id);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);

CREATE FUNCTION ledger_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger % are insert-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_insert_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_insert_only();
CREATE TRIGGER ledger_transfers_insert_only BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_insert_only();

-- Merchants (POST /api/merchants): one per person; their till is an account of its own.
CREATE TABLE merchants (
    code       TEXT    PRIMARY KEY,         -- W001, W002, ...
    nik        TEXT    NOT NULL UNIQUE REFERENCES persons (nik),
    name       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    account_id BIGINT  NOT NULL UNIQUE REFERENCES ledger_accounts (id),
    created_at BIGINT  NOT NULL
);

-- What the stimulus credited per date, accumulated batch by batch in the batch's transaction.
-- "Once per household per date" itself is the UNIQUE idempotency key stimulus:<date>:<no_kk>.
CREATE TABLE stimulus_runs (
    run_date    TEXT    PRIMARY KEY,        -- YYYY-MM-DD, Asia/Jakarta
    households  BIGINT  NOT NULL DEFAULT 0,
    persons     BIGINT  NOT NULL DEFAULT 0,
    amount      BIGINT  NOT NULL DEFAULT 0,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT
);

-- Background jobs that only one of several servers should run at a time (a lease).
CREATE TABLE job_leases (
    name        TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL,
    lease_until BIGINT  NOT NULL
);
