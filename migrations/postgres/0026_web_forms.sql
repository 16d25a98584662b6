-- An officer's form sent twice (a double click, a reload, a resent POST) does its work once
-- (issue 15): each form carries a one-time key; the first submission that commits records it
-- with where its result is shown, a later one with the same key is sent there instead.
CREATE TABLE web_forms (
    kelurahan_id BIGINT NOT NULL REFERENCES kelurahan (id),
    form_key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kelurahan_id, form_key)
);
