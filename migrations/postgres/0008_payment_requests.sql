-- TAGIH: a merchant asks a resident (by phone) for a payment; the resident pays it with TAGIHAN.
CREATE TABLE payment_requests (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_code TEXT    NOT NULL REFERENCES merchants (code),
    payer_phone   TEXT    NOT NULL,
    amount        BIGINT  NOT NULL CHECK (amount > 0),
    status        TEXT    NOT NULL,      -- pending, paid, declined
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    decided_at    BIGINT
);
CREATE INDEX payment_requests_payer ON payment_requests (payer_phone, status);
