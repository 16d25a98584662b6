-- The officers' web back-office (issue 15). A login is asked by phone: the bot sends a one-time
-- code to that admin's linked phone; only its keyed hash is kept. Five wrong codes lock the phone's
-- web login for 15 minutes. A session is a random token in an HttpOnly cookie (only its SHA-256
-- kept) with its own CSRF token for the forms; logging out or expiry ends it.
CREATE TABLE admin_login_codes (
    phone        TEXT PRIMARY KEY,
    kelurahan_id BIGINT  NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),
    code_hash    TEXT,                       -- NULL once used
    expires_at   BIGINT  NOT NULL,           -- epoch ms
    failures     BIGINT  NOT NULL DEFAULT 0,
    locked_until BIGINT                      -- epoch ms
);

CREATE TABLE admin_web_sessions (
    token_hash   TEXT PRIMARY KEY,
    kelurahan_id BIGINT  NOT NULL REFERENCES kelurahan (id),
    nik          TEXT    NOT NULL REFERENCES persons (nik),
    csrf         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
