-- The web pages' per-day figures (issue 15) read the ledger's last 30 days: by time, not all of it.
CREATE INDEX ledger_transfers_created ON ledger_transfers (created_at);
-- The dashboard's verifications per day.
CREATE INDEX households_verified ON households (kelurahan_id, verified_at);
