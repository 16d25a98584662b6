//! Registry files uploaded on the web (migration 0027): checked, then imported once confirmed.

use super::{on_backend, Tx};
use crate::error::StoreResult;

/// How long a file uploaded and never confirmed is kept (a week).
pub const UNCONFIRMED_KEPT_MS: i64 = 7 * 86_400_000;

/// An uploaded registry file and what became of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Upload {
    pub key: String,
    pub file_name: String,
    pub sha256: String,
    /// Empty once imported.
    pub file: Vec<u8>,
    /// The dry run's report, as JSON.
    pub dry_run_report: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    /// The import's report, as JSON, once confirmed.
    pub import_report: Option<String>,
    pub imported_at: Option<i64>,
}

/// What an officer uploads, with its dry run's report.
#[derive(Clone, Copy, Debug)]
pub struct NewUpload<'a> {
    pub key: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub file: &'a [u8],
    pub dry_run_report: &'a str,
    pub uploaded_by: &'a str,
}

type UploadRow = (
    String,
    String,
    String,
    Vec<u8>,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

impl Tx {
    /// Keeps an uploaded file and its dry run's report; drops this kelurahan's files uploaded
    /// more than [`UNCONFIRMED_KEPT_MS`] ago and never confirmed.
    pub async fn insert_upload(&mut self, new: &NewUpload<'_>, now: i64) -> StoreResult<()> {
        let kelurahan = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "DELETE FROM web_uploads
                 WHERE kelurahan_id = $1 AND imported_at IS NULL AND uploaded_at < $2",
            )
            .bind(kelurahan)
            .bind(now - UNCONFIRMED_KEPT_MS)
            .execute(&mut **c)
            .await?;
            sqlx::query(
                "INSERT INTO web_uploads (kelurahan_id, upload_key, file_name, sha256, file,
                     dry_run_report, uploaded_by, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(kelurahan)
            .bind(new.key)
            .bind(new.file_name)
            .bind(new.sha256)
            .bind(new.file)
            .bind(new.dry_run_report)
            .bind(new.uploaded_by)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Upload `key` of this kelurahan.
    pub async fn upload(&mut self, key: &str) -> StoreResult<Option<Upload>> {
        let kelurahan = self.kelurahan;
        let row: Option<UploadRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT upload_key, file_name, sha256, file, dry_run_report, uploaded_by,
                     uploaded_at, import_report, imported_at
                 FROM web_uploads WHERE kelurahan_id = $1 AND upload_key = $2",
            )
            .bind(kelurahan)
            .bind(key)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(
            |(key, file_name, sha256, file, dry, by, at, report, imported_at)| Upload {
                key,
                file_name,
                sha256,
                file,
                dry_run_report: dry,
                uploaded_by: by,
                uploaded_at: at,
                import_report: report,
                imported_at,
            },
        ))
    }

    /// Records upload `key` imported with `report` (JSON) and drops its bytes.
    pub async fn finish_upload(
        &mut self,
        key: &str,
        report: &str,
        by: &str,
        now: i64,
    ) -> StoreResult<()> {
        let kelurahan = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE web_uploads SET import_report = $3, imported_by = $4, imported_at = $5,
                     file = $6
                 WHERE kelurahan_id = $1 AND upload_key = $2",
            )
            .bind(kelurahan)
            .bind(key)
            .bind(report)
            .bind(by)
            .bind(now)
            .bind(Vec::<u8>::new())
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }
}
