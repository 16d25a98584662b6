-- Credit notices: a linked resident may ask to be told of the daily stimulus (NOTIF); each phone
-- is told at most once per date.
ALTER TABLE contacts ADD COLUMN credit_notices BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE credit_notices_sent (
    phone TEXT NOT NULL,
    date  TEXT NOT NULL,                -- YYYY-MM-DD of the stimulus
    PRIMARY KEY (phone, date)
);
