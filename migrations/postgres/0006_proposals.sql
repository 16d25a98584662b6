-- Proposals (usulan), supports, the public status history and swadaya campaigns (issue 6).
-- A proposal's short number is its id ("Usulan #12"). Times are epoch ms, money whole rupiah.

CREATE TABLE proposals (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('fisik', 'non_fisik')),
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    photo       TEXT,                           -- WhatsApp media id, if a photo was sent
    proposer    TEXT    NOT NULL REFERENCES persons (nik),
    rt          TEXT    NOT NULL,               -- the proposer's RT / RW at submission
    rw          TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'terkumpul' CHECK (status IN
                  ('terkumpul', 'diproses', 'prioritas_musrenbang', 'didanai_apbd', 'ditolak', 'selesai')),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX proposals_status ON proposals (status, rw);

-- One support per person per proposal (counted per person, not per phone).
CREATE TABLE proposal_supports (
    proposal_id BIGINT  NOT NULL REFERENCES proposals (id),
    nik         TEXT    NOT NULL REFERENCES persons (nik),
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (proposal_id, nik)
);

-- Every status a proposal had, with its reason: public (shown by STATUS).
CREATE TABLE proposal_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id BIGINT  NOT NULL REFERENCES proposals (id),
    from_status TEXT,                           -- NULL for the submission
    to_status   TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX proposal_history_proposal ON proposal_history (proposal_id, id);

-- A swadaya campaign: one per proposal, with its own ledger account (kind 'campaign', owner =
-- the proposal number). Donations and spends are ledger transfers; spends are listed here too.
CREATE TABLE campaigns (
    proposal_id BIGINT  PRIMARY KEY REFERENCES proposals (id),
    target      BIGINT  NOT NULL CHECK (target > 0),
    account_id  BIGINT  NOT NULL UNIQUE REFERENCES ledger_accounts (id),
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reached', 'closed')),
    created_at  BIGINT  NOT NULL,
    reached_at  BIGINT 
);

CREATE TABLE campaign_spends (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id BIGINT  NOT NULL REFERENCES campaigns (proposal_id),
    amount      BIGINT  NOT NULL CHECK (amount > 0),
    memo        TEXT    NOT NULL,
    transfer_id BIGINT  NOT NULL REFERENCES ledger_transfers (id),
    at          BIGINT  NOT NULL
);
CREATE INDEX campaign_spends_proposal ON campaign_spends (proposal_id, id);
