-- The local market (JUAL, CARI, PESAN) and the goods library (PINJAM, KEMBALI). Epoch-ms times,
-- whole rupiah. Stock is what the seller still has; quantities reserved by unexpired orders are
-- not available to others, and only a paid order takes stock away.

CREATE TABLE listings (
    code        TEXT    PRIMARY KEY,            -- L001, L002, ...
    merchant    TEXT    NOT NULL REFERENCES merchants (code),
    name        TEXT    NOT NULL,
    search_text TEXT    NOT NULL,               -- ' folded words of name and category '
    price       BIGINT  NOT NULL CHECK (price > 0),
    stock       BIGINT  NOT NULL CHECK (stock >= 0),
    category    TEXT    NOT NULL,
    photo       TEXT,                           -- WhatsApp media id
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX listings_merchant ON listings (merchant);

CREATE TABLE orders (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing      TEXT    NOT NULL REFERENCES listings (code),
    buyer_nik    TEXT    NOT NULL REFERENCES persons (nik),
    buyer_phone  TEXT    NOT NULL,
    qty          BIGINT  NOT NULL CHECK (qty > 0),
    amount       BIGINT  NOT NULL CHECK (amount > 0),
    status       TEXT    NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'paid', 'expired', 'cancelled')),
    expires_at   BIGINT  NOT NULL,
    transfer_key TEXT,                          -- order:<id>, the payment's idempotency key
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX orders_listing ON orders (listing, status);
CREATE INDEX orders_due ON orders (status, expires_at);

-- Lendable goods: owned by a resident, or by the community (owner_nik NULL) with a custodian.
CREATE TABLE items (
    code          TEXT    PRIMARY KEY,          -- B001, B002, ...
    name          TEXT    NOT NULL,
    owner_nik     TEXT    REFERENCES persons (nik),
    custodian_nik TEXT    NOT NULL REFERENCES persons (nik),
    status        TEXT    NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'withdrawn')),
    created_at    BIGINT  NOT NULL
);

-- Requests and loans, one row each, in queue order (id). 'requested' rows wait: asked_at is set
-- when the owner has been asked (the head of the queue, only while the item is not lent).
CREATE TABLE loans (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item           TEXT    NOT NULL REFERENCES items (code),
    borrower_nik   TEXT    NOT NULL REFERENCES persons (nik),
    borrower_phone TEXT    NOT NULL,
    days           BIGINT  NOT NULL CHECK (days BETWEEN 1 AND 14),
    status         TEXT    NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'declined', 'active', 'returned')),
    asked_at       BIGINT ,
    due_date       TEXT,                        -- YYYY-MM-DD (Asia/Jakarta), set on acceptance
    reminders_sent BIGINT  NOT NULL DEFAULT 0,  -- 1: the day before, 2: on the day
    overdue_at     BIGINT ,                     -- when the overdue loan was flagged
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX loans_item ON loans (item, status);
CREATE INDEX loans_status ON loans (status);
