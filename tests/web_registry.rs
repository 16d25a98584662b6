//! The registry in the web back-office (issue 15): upload a file, read its dry run, confirm it
//! once; the data-quality report and the books as CSV; only for the kelurahan's officers.

mod common;

use common::web::{kelurahan, Visitor, OFFICER, RW_OFFICER};
use gotong::backend_tests;
use gotong::store::{Db, KelurahanId};
use gotong::testing::kelurahan::nik_for;

const HEADER: &str = "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp";

/// Two new households: one good with a child whose NIK is a legacy one (a warning), one whose
/// head's birth date is impossible (rejected).
fn registry_file() -> String {
    let head = nik_for("1980-04-04", false, 21);
    let wife = nik_for("1982-05-05", true, 22);
    let kid = nik_for("2015-06-06", false, 23);
    let young = nik_for("2016-07-07", false, 24);
    format!(
        "{HEADER}\n\
         3201010101000303,{head},Budi Santoso,1980-04-04,L,KEPALA KELUARGA,002,01,TETAP,\n\
         3201010101000303,{wife},Ani Santoso,1982-05-05,P,ISTRI,002,01,TETAP,\n\
         3201010101000303,{kid},Dodi Santoso,2015-06-07,L,ANAK,002,01,TETAP,\n\
         3201010101000404,{young},Tono,2016-13-07,L,KEPALA KELUARGA,001,02,TETAP,\n"
    )
}

/// Uploads [`registry_file`] as `penduduk.csv` with CSRF token `csrf`.
async fn upload(v: &mut Visitor, csrf: &str) -> common::web::Page {
    v.post_file(
        "/admin/data/impor",
        &[("csrf", csrf)],
        "penduduk.csv",
        registry_file().into_bytes(),
    )
    .await
}

async fn persons(db: &Db) -> usize {
    db.registry_members(KelurahanId::DEFAULT)
        .await
        .unwrap()
        .len()
}

async fn officers_import_a_registry_file_after_its_dry_run(db: &Db) {
    let k = kelurahan(db).await;
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let theirs = rw.get("/admin/data").await;
    assert!(theirs.html.contains("dikelola petugas kelurahan"));
    let csrf = theirs.csrf();
    let refused = upload(&mut rw, &csrf).await;
    assert_eq!(refused.status, 404, "an RW officer imports nothing");

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let page = v.get("/admin/data").await;
    assert!(page.html.contains("Periksa file"), "{}", page.html);
    let csrf = page.csrf();
    let before = persons(db).await;

    let not_csv = v
        .post_file(
            "/admin/data/impor",
            &[("csrf", &csrf)],
            "foto.csv",
            b"nama;umur\nBudi;40\n".to_vec(),
        )
        .await;
    assert_eq!(not_csv.status, 422);
    assert!(
        not_csv.html.contains("File ini tidak bisa diimpor"),
        "{}",
        not_csv.html
    );
    let empty = v
        .post_file(
            "/admin/data/impor",
            &[("csrf", &csrf)],
            "kosong.csv",
            vec![],
        )
        .await;
    assert!(empty.html.contains("Pilih file data penduduk dulu"));
    let no_csrf = upload(&mut v, "x").await;
    assert_eq!(no_csrf.status, 403);

    let checked = upload(&mut v, &csrf).await;
    assert_eq!(checked.status, 303, "{}", checked.html);
    let report_page = checked.location.clone().unwrap();
    let report = v.get(&report_page).await;
    assert!(report.html.contains("penduduk.csv"));
    assert!(
        report
            .html
            .contains("Hasil pemeriksaan: 1 KK dan 3 warga akan ditambahkan"),
        "{}",
        report.html
    );
    assert!(report.html.contains("Baris ditolak: 1"), "{}", report.html);
    assert!(
        report.html.contains("Peringatan: 1"),
        "the child's legacy NIK"
    );
    assert_eq!(persons(db).await, before, "a dry run writes nothing");

    let csrf = report.csrf();
    let imported = v.post(&report_page, &[("csrf", &csrf)]).await;
    assert_eq!(imported.status, 303);
    assert_eq!(imported.location.as_deref(), Some(report_page.as_str()));
    let again = v.post(&report_page, &[("csrf", &csrf)]).await;
    assert_eq!(
        again.location, imported.location,
        "a double submit imports once"
    );
    assert_eq!(persons(db).await, before + 3);
    let done = v.get(&report_page).await;
    assert!(
        done.html
            .contains("Sudah diimpor: 1 KK dan 3 warga ditambahkan"),
        "{}",
        done.html
    );
    assert!(!done.html.contains("Impor sekarang"), "confirmed once");
    assert!(!done.html.contains(&nik_for("1980-04-04", false, 21)));

    let log = db.audit_entries("registry.import").await.unwrap();
    assert!(
        log.iter().any(|e| e.actor.starts_with("admin-web:")),
        "{log:?}"
    );
    k.server.shutdown().await;
}

async fn officers_read_the_data_quality_and_download_the_books(db: &Db) {
    let k = kelurahan(db).await;
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    assert_eq!(rw.get("/admin/data/ekspor/induk.csv").await.status, 404);

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let page = v.get("/admin/data").await;
    assert!(page.html.contains("Kelengkapan data per RW"));
    assert!(page.html.contains("RW 01") && page.html.contains("RW 02"));
    assert!(page.html.contains("Seluruh kelurahan"));
    assert!(page.html.contains("Temuan kualitas data"), "{}", page.html);

    let induk = v.get("/admin/data/ekspor/induk.csv").await;
    assert_eq!(induk.status, 200);
    assert!(
        induk.html.contains(&k.resident_nik),
        "the register holds full NIKs"
    );
    assert!(induk.html.contains("Mbah Sri Rahayu"));
    let mutasi = v.get("/admin/data/ekspor/mutasi.csv?month=2026-11").await;
    assert_eq!(mutasi.status, 200);
    let bad = v.get("/admin/data/ekspor/mutasi.csv?month=November").await;
    assert_eq!(bad.status, 400);
    let findings = v.get("/admin/data/ekspor/temuan.csv").await;
    assert!(findings.html.starts_with("no_kk,nik,jenis,keterangan"));
    assert!(
        !findings.html.contains(&k.resident_nik),
        "findings mask the NIK"
    );

    let log = db.audit_entries("registry.export").await.unwrap();
    assert_eq!(log.len(), 3, "each download is audited: {log:?}");
    k.server.shutdown().await;
}

backend_tests!(
    officers_import_a_registry_file_after_its_dry_run,
    officers_read_the_data_quality_and_download_the_books,
);
