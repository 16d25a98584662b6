-- A registry file an officer uploads on the web (issue 15): checked first (a dry run, its
-- report kept here), imported only when the officer confirms that same file. The file is kept
-- until then; once imported, the bytes are dropped and the report of the import kept.
CREATE TABLE web_uploads (
    kelurahan_id BIGINT NOT NULL REFERENCES kelurahan (id),
    upload_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file BYTEA NOT NULL,
    dry_run_report TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    import_report TEXT,
    imported_by TEXT,
    imported_at BIGINT,
    PRIMARY KEY (kelurahan_id, upload_key)
);
