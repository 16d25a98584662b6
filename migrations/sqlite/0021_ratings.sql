-- Trust in the market (issue 14): a buyer rates a paid order 1-5 once (NILAI); an ADUAN that
-- names a merchant's code is a complaint about that merchant until the kelurahan closes it. A
-- merchant with enough paid orders and no open complaint is shown as terverifikasi in CARI.
CREATE TABLE order_ratings (
    order_id     INTEGER PRIMARY KEY REFERENCES orders (id),
    kelurahan_id INTEGER NOT NULL REFERENCES kelurahan (id),
    merchant     TEXT    NOT NULL REFERENCES merchants (code),
    buyer_nik    TEXT    NOT NULL REFERENCES persons (nik),
    stars        INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at   INTEGER NOT NULL
);
CREATE INDEX order_ratings_merchant ON order_ratings (merchant);

ALTER TABLE tickets ADD COLUMN merchant TEXT;
CREATE INDEX tickets_merchant ON tickets (merchant, status);
