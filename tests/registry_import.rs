//! The registry import (DESIGN §5), export, data quality and stats, on both backends.

use chrono::NaiveDate;
use gotong::registry::{
    export_registry_csv, import_registry, synthetic_registry_csv, FindingKind, ImportOptions,
    ImportReport, Issue,
};
use gotong::store::{Db, KelurahanId, RegistryMember};

const DEFAULT: KelurahanId = KelurahanId::DEFAULT;
use gotong::testing::TestDb;

const FIXTURE: &str = include_str!("fixtures/registry/kelurahan_kecil.csv");
/// An OpenSID-shaped export: its column names and numeric codes, KK/NIK cells written `'…`, day-
/// first dates, a column Gotong does not know; and the same people as an XLSX workbook (NIKs as
/// number cells, dates as date cells, OpenSID's `Kode Data` sheet first, `###` after the data).
const OPENSID_CSV: &str = include_str!("fixtures/registry/opensid_kecil.csv");
const OPENSID_XLSX: &[u8] = include_bytes!("fixtures/registry/opensid_kecil.xlsx");
const HEADER: &str = "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
}

fn options(dry_run: bool) -> ImportOptions {
    ImportOptions {
        dry_run,
        actor: "test".into(),
        subject: Some("test.csv".into()),
        now_ms: 1_780_000_000_000,
        today: today(),
        kelurahan: gotong::store::KelurahanId::DEFAULT,
    }
}

async fn import(db: &Db, input: &[u8]) -> ImportReport {
    let report = import_registry(db, input, &options(false), &|_| {})
        .await
        .expect("import runs");
    assert_no_full_nik(&report, input);
    report
}

async fn dry_run(db: &Db, input: &[u8]) -> ImportReport {
    let report = import_registry(db, input, &options(true), &|_| {})
        .await
        .expect("dry run runs");
    assert_no_full_nik(&report, input);
    report
}

/// No reason in the report shows a NIK of the file in full.
fn assert_no_full_nik(report: &ImportReport, input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let json = serde_json::to_string(report).expect("json");
    for line in text.lines().skip(1) {
        if let Some(nik) = line.split(',').nth(1).filter(|n| n.len() >= 12) {
            assert!(!json.contains(nik), "full NIK in the report: {json}");
        }
    }
}

fn lines(issues: &[Issue]) -> Vec<u64> {
    issues.iter().map(|i| i.line).collect()
}

fn reason_of(issues: &[Issue], line: u64) -> &str {
    issues
        .iter()
        .find(|i| i.line == line)
        .map(|i| i.reason.as_str())
        .unwrap_or_else(|| panic!("no issue on line {line}: {issues:?}"))
}

/// What a person is in the registry, without the import bookkeeping (file line).
fn registry(members: &[RegistryMember]) -> Vec<String> {
    let mut out: Vec<String> = members
        .iter()
        .map(|m| {
            let p = &m.person;
            format!(
                "{} {} {} {} {} {} {} {} {} {:?} {}",
                p.no_kk,
                p.nik,
                p.name,
                p.birth_date,
                p.sex,
                p.shdk,
                m.rt,
                m.rw,
                p.residence,
                p.phone,
                p.nik_mismatch
            )
        })
        .collect();
    out.sort();
    out
}

async fn fresh_db_like(db: &Db) -> TestDb {
    match db.backend_name() {
        "sqlite" => TestDb::sqlite().await,
        _ => TestDb::postgres().await.expect("postgres is configured"),
    }
}

/// Two good households, A (lines 2, 4, 6) and B (lines 3, 5), interleaved; `bad` rewrites B.
const HOUSEHOLD_A: [&str; 3] = [
    "3174050101200001,3174050512890001,Budi Santoso,1989-12-05,L,KEPALA KELUARGA,1,3,TETAP,081234567890",
    "3174050101200001,3174054507920002,Siti Aminah,1992-07-05,P,ISTRI,1,3,TETAP,",
    "3174050101200001,3174051003150003,Rizki Santoso,2015-03-10,L,ANAK,1,3,TETAP,",
];
const HOUSEHOLD_B: [&str; 2] = [
    "3174050101200002,3174052001800004,Agus Wijaya,1980-01-20,L,KEPALA KELUARGA,2,3,TETAP,081299990000",
    "3174050101200002,3174056502100005,Putri Wijaya,2010-02-25,P,ANAK,2,3,TETAP,",
];

fn interleaved(b_head: &[u8], b_child: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in [
        HEADER.as_bytes(),
        HOUSEHOLD_A[0].as_bytes(),
        b_head,
        HOUSEHOLD_A[1].as_bytes(),
        b_child,
        HOUSEHOLD_A[2].as_bytes(),
    ] {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

async fn every_rejection_names_its_line_and_rejects_the_whole_household(db: &Db) {
    let head = HOUSEHOLD_B[0];
    let child = HOUSEHOLD_B[1];
    // (what is wrong, B's head line, B's child line, the bad line, words of the reason)
    let cases: Vec<(&str, String, Vec<u8>, u64, &str)> = vec![
        (
            "NIK of 15 digits",
            head.into(),
            child.replace("3174056502100005", "317405650210005").into(),
            5,
            "nik harus 16 angka, tertulis 15",
        ),
        (
            "NIK of 17 digits",
            head.into(),
            child
                .replace("3174056502100005", "31740565021000055")
                .into(),
            5,
            "nik harus 16 angka, tertulis 17",
        ),
        (
            "NIK day 00",
            head.into(),
            child.replace("3174056502100005", "3174050002100005").into(),
            5,
            "tanggal lahir di NIK (angka ke-7 dan ke-8) 00",
        ),
        (
            "NIK day 32",
            head.into(),
            child.replace("3174056502100005", "3174053202100005").into(),
            5,
            "tanggal lahir di NIK (angka ke-7 dan ke-8) 32",
        ),
        (
            "NIK day 40",
            head.into(),
            child.replace("3174056502100005", "3174054002100005").into(),
            5,
            "tanggal lahir di NIK (angka ke-7 dan ke-8) 40",
        ),
        (
            "NIK day 72",
            head.into(),
            child.replace("3174056502100005", "3174057202100005").into(),
            5,
            "tanggal lahir di NIK (angka ke-7 dan ke-8) 72",
        ),
        (
            "NIK month 00",
            head.into(),
            child.replace("3174056502100005", "3174056500100005").into(),
            5,
            "bulan lahir di NIK (angka ke-9 dan ke-10) 00",
        ),
        (
            "NIK month 13",
            head.into(),
            child.replace("3174056502100005", "3174056513100005").into(),
            5,
            "bulan lahir di NIK (angka ke-9 dan ke-10) 13",
        ),
        (
            "no head",
            head.replace("KEPALA KELUARGA", "ANAK"),
            child.into(),
            3,
            "tidak punya KEPALA KELUARGA",
        ),
        (
            "two heads",
            head.into(),
            child.replace(",ANAK,", ",KEPALA KELUARGA,").into(),
            5,
            "sudah punya KEPALA KELUARGA di baris 3",
        ),
        (
            "unknown SHDK",
            head.into(),
            child.replace(",ANAK,", ",KEPONAKAN,").into(),
            5,
            "shdk \"KEPONAKAN\" tidak dikenal",
        ),
        (
            "malformed date",
            head.into(),
            child.replace("2010-02-25", "25/02/2010").into(),
            5,
            "tanggal_lahir \"25/02/2010\" bukan tanggal yang benar",
        ),
        (
            "impossible date",
            head.into(),
            child.replace("2010-02-25", "2010-02-30").into(),
            5,
            "tanggal_lahir \"2010-02-30\" bukan tanggal yang benar",
        ),
        (
            "future date",
            head.into(),
            child.replace("2010-02-25", "2027-02-25").into(),
            5,
            "masa depan",
        ),
        (
            "sex",
            head.into(),
            child.replace(",P,", ",W,").into(),
            5,
            "jenis_kelamin harus L atau P",
        ),
        (
            "residence",
            head.into(),
            child.replace("TETAP", "KONTRAK").into(),
            5,
            "status_tinggal harus TETAP atau NON_PERMANEN",
        ),
        (
            "rt/rw differ",
            head.into(),
            child.replace(",2,3,", ",4,3,").into(),
            5,
            "RT 004 / RW 03 berbeda dengan baris 3",
        ),
        (
            "bad phone",
            head.replace("081299990000", "0812-99"),
            child.into(),
            3,
            "no_hp bukan nomor HP",
        ),
        (
            "too many columns",
            head.into(),
            format!("{child},extra").into(),
            5,
            "jumlah kolom 11 padahal harus 10",
        ),
        (
            "too few columns",
            head.into(),
            child.replace(",TETAP,", ",").into(),
            5,
            "jumlah kolom 9 padahal harus 10",
        ),
    ];
    for (what, b_head, b_child, bad_line, words) in cases {
        let input = interleaved(b_head.as_bytes(), &b_child);
        let report = dry_run(db, &input).await;
        assert_eq!(lines(&report.rejected), vec![3, 5], "{what}: {report:?}");
        let reason = reason_of(&report.rejected, bad_line);
        assert!(reason.contains(words), "{what}: {reason}");
        let other = if bad_line == 3 { 5 } else { 3 };
        assert!(
            reason_of(&report.rejected, other).contains(&format!("lihat baris {bad_line}")),
            "{what}: {report:?}"
        );
        assert_eq!(
            (report.households, report.persons),
            (1, 3),
            "{what}: A is kept"
        );
    }

    // A malformed no_kk cannot be grouped with its household: that row alone is rejected.
    let typo = child.replace("3174050101200002,", "317405010120002,");
    let report = dry_run(db, &interleaved(head.as_bytes(), typo.as_bytes())).await;
    assert_eq!(lines(&report.rejected), vec![5]);
    assert!(reason_of(&report.rejected, 5).contains("no_kk harus 16 angka, tertulis 15 angka"));
    assert_eq!((report.households, report.persons), (2, 4));

    // Bytes that are not UTF-8 (a Latin-1 é): the line is reported, the rest imported.
    let (before, after) = child.split_once("Putri").expect("name");
    let b_child = [before.as_bytes(), b"Putr\xE9", after.as_bytes()].concat();
    let report = import(db, &interleaved(head.as_bytes(), &b_child)).await;
    assert_eq!(lines(&report.rejected), vec![3, 5]);
    assert!(reason_of(&report.rejected, 5).contains("bukan UTF-8"));
    assert_eq!((report.households, report.persons), (1, 3));
    let stats = db.registry_stats(None).await.expect("stats");
    assert_eq!(
        (stats.households, stats.persons),
        (1, 3),
        "only A was written"
    );
}

async fn duplicate_nik_in_the_file_rejects_each_household_where_it_appears(db: &Db) {
    // B's child carries A's wife's NIK: the file cannot say which is right.
    let child = HOUSEHOLD_B[1].replace("3174056502100005", "3174054507920002");
    let mut input = interleaved(HOUSEHOLD_B[0].as_bytes(), child.as_bytes());
    input.extend_from_slice(
        b"3174050101200009,3174052001800010,Joko,1980-01-20,L,KEPALA KELUARGA,5,3,TETAP,\n",
    );
    let report = import(db, &input).await;
    assert_eq!(lines(&report.rejected), vec![2, 3, 4, 5, 6]);
    assert!(reason_of(&report.rejected, 4)
        .contains("nik ************0002 muncul lebih dari sekali di file (juga di baris 5)"));
    assert!(reason_of(&report.rejected, 5).contains("(juga di baris 4)"));
    assert_eq!(
        (report.households, report.persons),
        (1, 1),
        "the third household is kept"
    );
}

async fn nik_registered_under_another_kk_is_rejected(db: &Db) {
    import(db, FIXTURE.as_bytes()).await;
    let input = format!(
        "{HEADER}\n\
         3174050101200009,3174052001800010,Joko,1980-01-20,L,KEPALA KELUARGA,5,3,TETAP,\n\
         3174050101200009,3174054507920002,Siti Aminah,1992-07-05,P,ISTRI,5,3,TETAP,\n\
         3174050101200010,3174052001800011,Hadi,1980-01-20,L,KEPALA KELUARGA,5,3,TETAP,\n"
    );
    let report = import(db, input.as_bytes()).await;
    assert_eq!(lines(&report.rejected), vec![2, 3]);
    assert!(reason_of(&report.rejected, 3)
        .contains("nik ************0002 sudah terdaftar di KK lain (no_kk …0001)"));
    assert_eq!((report.households, report.persons), (1, 1));
}

async fn legacy_nik_is_imported_with_a_warning_and_listed_by_data_quality(db: &Db) {
    let report = import(db, FIXTURE.as_bytes()).await;
    assert_eq!((report.households, report.persons), (3, 8));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(lines(&report.warnings), vec![8]);
    assert!(reason_of(&report.warnings, 8).contains("nik ************0007 tidak cocok"));

    let members = db.registry_members(DEFAULT).await.expect("members");
    let sri = members
        .iter()
        .find(|m| m.person.name == "Sri Rahayu")
        .expect("imported");
    assert!(sri.person.nik_mismatch);
    assert_eq!(sri.person.line, Some(8));
    let budi = members
        .iter()
        .find(|m| m.person.name == "Budi Santoso")
        .expect("imported");
    assert_eq!(budi.person.phone.as_deref(), Some("+6281234567890"));
    assert_eq!((budi.rt.as_str(), budi.rw.as_str()), ("001", "03"));

    let findings = db.data_quality(DEFAULT, today()).await.expect("quality");
    let kinds: Vec<(&str, FindingKind)> = findings
        .iter()
        .map(|f| (f.nik_masked.as_str(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("************0007", FindingKind::NikMismatch),
            ("************0008", FindingKind::Over100),
        ]
    );
    assert_eq!(findings[0].no_kk, "3174050101200003");
    let json = serde_json::to_string(&findings).expect("json");
    assert!(!json.contains("3174055203580007"), "full NIK: {json}");
    assert!(json.contains("\"kind\":\"nik_mismatch\""));
}

async fn data_quality_finds_households_without_phone_and_children_older_than_parents(db: &Db) {
    let input = format!(
        "{HEADER}\n\
         3174050101200001,3174050512890001,Budi,1989-12-05,L,KEPALA KELUARGA,1,3,TETAP,\n\
         3174050101200001,3174054507920002,Siti,1992-07-05,P,ISTRI,1,3,TETAP,\n\
         3174050101200001,3174055010910003,Ani,1991-10-10,P,ANAK,1,3,TETAP,\n"
    );
    import(db, input.as_bytes()).await;
    let findings = db.data_quality(DEFAULT, today()).await.expect("quality");
    let kinds: Vec<(&str, FindingKind)> = findings
        .iter()
        .map(|f| (f.nik_masked.as_str(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("************0001", FindingKind::HouseholdWithoutPhone),
            ("************0003", FindingKind::ChildOlderThanParent),
        ]
    );
    assert!(
        findings[1].detail.contains("istri"),
        "{}",
        findings[1].detail
    );
}

async fn reimporting_the_same_file_changes_nothing(db: &Db) {
    let first = import(db, FIXTURE.as_bytes()).await;
    assert_eq!(
        (first.households, first.persons, first.unchanged),
        (3, 8, 0)
    );
    let before = registry(&db.registry_members(DEFAULT).await.expect("members"));

    let again = import(db, FIXTURE.as_bytes()).await;
    assert_eq!(
        (again.households, again.persons, again.unchanged),
        (0, 0, 3)
    );
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    assert_eq!(
        registry(&db.registry_members(DEFAULT).await.expect("members")),
        before
    );

    // Changed data for a registered household: a correction, recorded as a mutation.
    let changed = FIXTURE.replace("Rizki Santoso", "Rizky Santoso");
    let report = import(db, changed.as_bytes()).await;
    assert_eq!(
        (report.households, report.persons, report.unchanged),
        (0, 0, 2)
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.mutations.len(), 1);
    assert_eq!(report.mutations[0].line, 4);
    assert_eq!(report.mutations[0].kind.to_string(), "koreksi");
    assert_eq!(
        report.mutations[0].detail,
        "nama: \"Rizki Santoso\" → \"Rizky Santoso\""
    );
    let now = registry(&db.registry_members(DEFAULT).await.expect("members"));
    assert_ne!(now, before);
    assert_eq!(
        now.join("\n").replace("Rizky", "Rizki"),
        before.join("\n"),
        "only the name changed"
    );

    let audits = db.audit_entries("registry.import").await.expect("audit");
    assert_eq!(audits.len(), 3, "one audit row per import");
    assert_eq!(audits[0].actor, "test");
    assert!(audits[0]
        .after
        .as_deref()
        .unwrap_or_default()
        .contains("\"persons\":8"));
}

async fn dry_run_writes_nothing_and_reports_the_same(db: &Db) {
    let mut input = FIXTURE.as_bytes().to_vec();
    input.extend_from_slice(
        b"3174050101200009,3174052001800010,Joko,1980-01-20,L,ANAK,5,3,TETAP,\n",
    );
    let dry = dry_run(db, &input).await;
    assert!(dry.dry_run);
    let stats = db.registry_stats(None).await.expect("stats");
    assert_eq!((stats.households, stats.persons), (0, 0));
    assert!(db
        .audit_entries("registry.import")
        .await
        .expect("audit")
        .is_empty());

    let real = import(db, &input).await;
    assert!(!real.dry_run);
    assert_eq!(
        ImportReport {
            dry_run: false,
            ..dry.clone()
        },
        real
    );
    assert_eq!((dry.households, dry.persons), (3, 8));
    assert_eq!(lines(&dry.rejected), vec![10]);

    // A dry run sees the database too.
    let again = dry_run(db, &input).await;
    assert_eq!(
        (again.households, again.persons, again.unchanged),
        (0, 0, 3)
    );
}

async fn export_then_import_gives_the_same_registry(db: &Db) {
    let csv = synthetic_registry_csv(40, 3);
    let mut input = csv.into_bytes();
    input.extend_from_slice(
        FIXTURE
            .as_bytes()
            .splitn(2, |&b| b == b'\n')
            .nth(1)
            .unwrap_or_default(),
    );
    let report = import(db, &input).await;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    let mut exported = Vec::new();
    let summary = export_registry_csv(db, DEFAULT, &mut exported)
        .await
        .expect("export");
    assert_eq!(summary.households, report.households);
    assert_eq!(summary.persons, report.persons);
    let text = String::from_utf8(exported.clone()).expect("utf-8");
    assert!(text.starts_with(&format!("{HEADER},verified_at\n")));
    assert!(text.contains("\"Karto, Mbah\""), "quoted as CSV");

    let fresh = fresh_db_like(db).await;
    let again = import(&fresh.db, &exported).await;
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert_eq!(
        (again.households, again.persons),
        (report.households, report.persons)
    );
    assert_eq!(
        registry(&fresh.db.registry_members(DEFAULT).await.expect("members")),
        registry(&db.registry_members(DEFAULT).await.expect("members"))
    );
    fresh.drop_db().await;
}

async fn synthetic_kelurahan_imports_without_rejections(db: &Db) {
    let csv = synthetic_registry_csv(200, 42);
    let rows = csv.lines().count() as u64 - 1;
    let report = import(db, csv.as_bytes()).await;
    assert!(
        report.rejected.is_empty(),
        "{:?}",
        &report.rejected[..3.min(report.rejected.len())]
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!((report.households, report.persons), (200, rows));
    let stats = db.registry_stats(None).await.expect("stats");
    assert_eq!(stats.households, 200);
    assert_eq!(stats.persons as u64, rows);
    assert_eq!((stats.households_verified, stats.linked_phones), (0, 0));
}

/// A file is checked and written a round of households at a time (4,000): a household whose
/// rows are far apart, and a NIK written in the first household and in the last, are still one
/// household and one duplicate, whichever rounds they fall in.
async fn a_large_file_keeps_its_households_whole_across_rounds(db: &Db) {
    let csv = synthetic_registry_csv(4_300, 9);
    let mut rows: Vec<&str> = csv.lines().collect();
    let header = rows.remove(0);
    let kk_of = |row: &str| row.split(',').next().unwrap_or_default().to_string();
    let nik_of = |row: &str| row.split(',').nth(1).unwrap_or_default().to_string();
    // The first household with more than one person: its last member moves to the end of the file.
    let first = kk_of(rows[0]);
    let split_kk = rows
        .iter()
        .map(|r| kk_of(r))
        .find(|kk| rows.iter().filter(|r| kk_of(r) == *kk).count() > 1 && *kk != first)
        .expect("a household of two");
    let at = rows
        .iter()
        .rposition(|r| kk_of(r) == split_kk)
        .expect("its last row");
    let moved = rows.remove(at);
    rows.push(moved);
    // A new household at the very end whose head carries the first household's head's NIK.
    let first_head = rows[0].to_string();
    let copy = first_head.replacen(&first, &format!("{}9999", &first[..12]), 1);
    assert_eq!(nik_of(&copy), nik_of(&first_head));
    rows.push(&copy);
    let mut input = format!("{header}\n");
    for r in &rows {
        input.push_str(r);
        input.push('\n');
    }
    let first_lines: Vec<u64> = (0..rows.len())
        .filter(|&i| kk_of(rows[i]) == first)
        .map(|i| i as u64 + 2)
        .collect();
    let copy_line = rows.len() as u64 + 1;

    let report = import(db, input.as_bytes()).await;
    let mut expected = first_lines.clone();
    expected.push(copy_line);
    assert_eq!(lines(&report.rejected), expected);
    assert!(
        reason_of(&report.rejected, first_lines[0]).contains(&format!(
            "muncul lebih dari sekali di file (juga di baris {copy_line})"
        ))
    );
    assert_eq!(report.households, 4_300 - 1);
    assert_eq!(
        report.persons,
        (rows.len() - first_lines.len() - 1) as u64,
        "every other row imported, the moved one with its household"
    );
    let mut tx = db.begin(DEFAULT).await.expect("tx");
    let members = tx
        .members_of_households(std::slice::from_ref(&split_kk))
        .await
        .expect("members");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        members.len(),
        csv.lines().filter(|r| kk_of(r) == split_kk).count()
    );
    // The same file again changes nothing.
    let again = import(db, input.as_bytes()).await;
    assert_eq!((again.households, again.persons), (0, 0));
    assert_eq!(again.unchanged, 4_300 - 1);
}

async fn stats_and_export_follow_what_happened_after_the_import(db: &Db) {
    import(db, FIXTURE.as_bytes()).await;
    // What other parts of the system record later: a verification, a link, a death.
    for sql in [
        "UPDATE households SET verified_at = 1767286800000 WHERE no_kk = '3174050101200001'",
        "UPDATE persons SET died_on = '2026-03-01' WHERE nik = '3174050101200008'",
    ] {
        db.execute_admin(sql).await.expect("set-up statement");
    }
    gotong::testing::kelurahan::link_at(
        db,
        [0; 32],
        "+6281234567890",
        "3174050512890001",
        "482915",
        1,
    )
    .await
    .expect("link");
    let stats = db.registry_stats(None).await.expect("stats");
    assert_eq!(
        (
            stats.households,
            stats.households_verified,
            stats.persons,
            stats.linked_phones
        ),
        (3, 1, 7, 1)
    );
    let findings = db.data_quality(DEFAULT, today()).await.expect("quality");
    assert!(
        findings.iter().all(|f| f.kind != FindingKind::Over100),
        "the dead are not checked for age: {findings:?}"
    );

    let mut out = Vec::new();
    let summary = export_registry_csv(db, DEFAULT, &mut out)
        .await
        .expect("export");
    assert_eq!(
        (summary.households, summary.persons, summary.left_out),
        (3, 7, 1)
    );
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!text.contains("Karto"), "the dead are left out: {text}");
    let budi = text
        .lines()
        .find(|l| l.contains("Budi Santoso"))
        .expect("exported");
    assert!(budi.ends_with(",+6281234567890,2026-01-02"), "{budi}");
    let sri = text
        .lines()
        .find(|l| l.contains("Sri Rahayu"))
        .expect("exported");
    assert!(sri.ends_with(",TETAP,,"), "not verified: {sri}");
}

/// `gotong import registry FILE --kelurahan CODE` imports into that kelurahan; an unknown code
/// is an error that says so, and imports nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_imports_into_the_kelurahan_named() {
    let t = TestDb::sqlite().await;
    let mojo =
        t.db.create_kelurahan("3577011002", "Mojo", &[], 0)
            .await
            .unwrap()
            .id;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mojo.csv");
    std::fs::write(&file, FIXTURE).unwrap();
    let run = |code: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gotong"))
            .args(["import", "registry"])
            .arg(&file)
            .args(["--kelurahan", code, "--json"])
            .env("DATABASE_URL", &t.url)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let unknown = run("9999999999");
    assert!(!unknown.status.success());
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        said.contains("no kelurahan with code \"9999999999\""),
        "{said}"
    );
    let out = run("3577011002");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let imported = report["households"].as_i64().unwrap();
    assert!(imported > 0);
    assert_eq!(
        t.db.registry_stats(Some(mojo)).await.unwrap().households,
        imported
    );
    assert_eq!(
        t.db.registry_stats(Some(DEFAULT)).await.unwrap().households,
        0
    );
    t.drop_db().await;
}

async fn an_opensid_export_imports_as_it_comes_csv_or_xlsx(db: &Db) {
    let report = import(db, OPENSID_CSV.as_bytes()).await;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!((report.households, report.persons), (2, 5));
    assert_eq!(lines(&report.warnings), vec![1]);
    assert!(reason_of(&report.warnings, 1).contains("\"keterangan\" tidak dikenal"));
    let members = db.registry_members(DEFAULT).await.expect("members");
    let wati = members
        .iter()
        .find(|m| m.person.name == "WATI RAHMAWATI")
        .expect("imported");
    assert_eq!(wati.person.no_kk, "3174050101300001");
    assert_eq!(
        (wati.person.birth_date.to_string(), wati.person.sex.as_str()),
        ("1978-08-22".to_string(), "P")
    );
    assert_eq!(wati.person.shdk, gotong::registry::Shdk::Istri);
    assert_eq!((wati.rt.as_str(), wati.rw.as_str()), ("003", "02"));
    let d = wati.person.demographics;
    assert_eq!(d.religion.map(|c| c.name()), Some("ISLAM"));
    assert_eq!(d.education.map(|c| c.name()), Some("DIPLOMA IV/STRATA I"));
    assert_eq!(
        d.occupation.map(|c| c.name()),
        Some("MENGURUS RUMAH TANGGA")
    );
    assert_eq!(d.marital_status.map(|c| c.name()), Some("KAWIN"));
    assert_eq!(d.blood_type.map(|c| c.name()), Some("O"));
    assert_eq!(d.disability.map(|c| c.name()), Some("TIDAK CACAT"));
    assert_eq!(d.pregnant, Some(true));
    let sarinah = members
        .iter()
        .find(|m| m.person.name == "SARINAH")
        .expect("imported");
    assert_eq!(sarinah.person.shdk, gotong::registry::Shdk::OrangTua);
    assert_eq!(
        sarinah.person.demographics.disability.map(|c| c.name()),
        Some("CACAT NETRA/BUTA")
    );

    // The workbook holds the same people: on a fresh database it gives the same registry, and
    // here it is the same file again.
    let fresh = fresh_db_like(db).await;
    let from_xlsx = import(&fresh.db, OPENSID_XLSX).await;
    assert!(from_xlsx.rejected.is_empty(), "{:?}", from_xlsx.rejected);
    assert_eq!((from_xlsx.households, from_xlsx.persons), (2, 5));
    let both = |m: &[RegistryMember]| {
        let mut v: Vec<String> = m
            .iter()
            .map(|m| {
                format!(
                    "{} {:?}",
                    registry(std::slice::from_ref(m))[0],
                    m.person.demographics
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        both(&fresh.db.registry_members(DEFAULT).await.expect("members")),
        both(&members)
    );
    fresh.drop_db().await;

    // An unknown code rejects its household, line by line.
    let bad = OPENSID_CSV.replacen(",2,2,3,1,-,KARDI", ",2,2,12,1,-,KARDI", 1);
    let fresh = fresh_db_like(db).await;
    let report = import(&fresh.db, bad.as_bytes()).await;
    assert_eq!(lines(&report.rejected), vec![2, 3, 4]);
    assert!(reason_of(&report.rejected, 3).contains("kode kk_level \"12\" tidak dikenal"));
    assert_eq!((report.households, report.persons), (1, 2));
    fresh.drop_db().await;
}

/// The OpenSID fixture a month later: Wati's occupation corrected, Sarinah died, Dewi left out of
/// the file, a baby born after the first import and a relative come to household A.
fn a_month_later() -> String {
    let mut next = OPENSID_CSV
        .replacen(",1,8,18,2,2,3,", ",1,8,18,15,2,3,", 1)
        .replacen(
            ",2,1,17,1,4,7,1,-,-,-,-,13,-,2,0,2,8,-,1,",
            ",2,1,17,1,4,7,1,-,-,-,-,13,-,2,0,2,8,-,2,",
            1,
        );
    next = next
        .lines()
        .filter(|l| !l.contains("DEWI"))
        .collect::<Vec<_>>()
        .join("\n");
    next.push_str(
        "\nJl. Kenanga 7,-,002,003,PUTRI KECIL,'3174050101300001,'3174057005260009,2,Jakarta,30-05-2026,1,1,1,1,1,4,1,-,-,-,-,13,-,7,0,1,1,-,1,\n\
         Jl. Kenanga 7,-,002,003,JONO,'3174050101300001,'3174050102900010,1,Jakarta,01-02-1990,1,5,18,19,1,9,1,-,-,-,-,13,-,7,0,2,3,-,1,\n",
    );
    next
}

async fn a_reimport_is_an_upsert_by_nik_with_mutations(db: &Db) {
    let first = import(db, OPENSID_CSV.as_bytes()).await;
    assert!(
        first.mutations.is_empty(),
        "the first import is the baseline"
    );
    let again = import(db, OPENSID_CSV.as_bytes()).await;
    assert_eq!(
        (again.households, again.persons, again.unchanged),
        (0, 0, 2)
    );
    assert!(again.mutations.is_empty(), "{:?}", again.mutations);
    assert!(db
        .mutations(DEFAULT, "")
        .await
        .expect("mutations")
        .is_empty());

    let next = a_month_later();
    let before = registry(&db.registry_members(DEFAULT).await.expect("members"));
    let dry = dry_run(db, next.as_bytes()).await;
    let kinds = |r: &ImportReport| -> Vec<(u64, String)> {
        r.mutations
            .iter()
            .map(|m| (m.line, m.kind.to_string()))
            .collect()
    };
    assert_eq!(
        kinds(&dry),
        vec![
            (3, "koreksi".to_string()),
            (5, "mati".to_string()),
            (6, "lahir".to_string()),
            (7, "datang".to_string())
        ]
    );
    assert_eq!(
        dry.mutations[0].detail,
        "pekerjaan_id: \"MENGURUS RUMAH TANGGA\" → \"KARYAWAN SWASTA\""
    );
    assert!(dry
        .mutations
        .iter()
        .all(|m| m.nik_masked.starts_with("************")));
    assert_eq!(
        registry(&db.registry_members(DEFAULT).await.expect("members")),
        before,
        "a dry run writes nothing"
    );
    assert!(db
        .mutations(DEFAULT, "")
        .await
        .expect("mutations")
        .is_empty());

    let real = import(db, next.as_bytes()).await;
    assert_eq!(kinds(&real), kinds(&dry));
    assert_eq!((real.households, real.persons), (0, 2));
    let dewi_kept = real.warnings.iter().any(|w| {
        w.line == 2
            && w.reason
                .contains("1 anggota KK ini yang tersimpan tidak ada di file: tidak dihapus")
    });
    assert!(dewi_kept, "{:?}", real.warnings);

    let members = db.registry_members(DEFAULT).await.expect("members");
    let by_name = |n: &str| members.iter().find(|m| m.person.name == n).expect(n);
    assert_eq!(
        by_name("WATI RAHMAWATI")
            .person
            .demographics
            .occupation
            .map(|c| c.name()),
        Some("KARYAWAN SWASTA")
    );
    assert_eq!(by_name("SARINAH").died_on.as_deref(), Some("2026-06-01"));
    assert!(
        by_name("DEWI FAUZIAH").is_present(),
        "never silently deleted"
    );
    assert!(by_name("PUTRI KECIL").is_present());
    let rows = db.mutations(DEFAULT, "2026-06").await.expect("mutations");
    let stored: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|m| {
            (
                m.kind.to_string(),
                m.source.to_string(),
                m.approved_by.clone(),
                format!("{}/{}", m.rt, m.rw),
            )
        })
        .collect();
    assert_eq!(stored.len(), 4);
    assert!(stored
        .iter()
        .all(|(_, source, by, area)| source == "import" && by == "test" && area.ends_with("/02")));
    assert!(rows[0]
        .changes
        .as_deref()
        .unwrap_or_default()
        .contains("pekerjaan_id"));

    // The same file again changes nothing.
    let after = registry(&db.registry_members(DEFAULT).await.expect("members"));
    let third = import(db, next.as_bytes()).await;
    assert!(third.mutations.is_empty(), "{:?}", third.mutations);
    assert_eq!(
        registry(&db.registry_members(DEFAULT).await.expect("members")),
        after
    );
    assert_eq!(db.mutations(DEFAULT, "").await.expect("mutations").len(), 4);
}

/// A person with money or a loan is not ended by an import: an officer decides.
async fn an_import_never_ends_a_member_with_money_without_an_officer(db: &Db) {
    import(db, OPENSID_CSV.as_bytes()).await;
    gotong::testing::kelurahan::top_up(db, "3174050101300002", 5_000, "test:topup")
        .await
        .expect("top up");
    // Both members of household B gone according to the file: Slamet would be the last.
    let gone = OPENSID_CSV
        .replacen(
            ",4,1,1,-,-,-,-,13,-,1,0,2,4,-,1,",
            ",4,1,1,-,-,-,-,13,-,1,0,2,4,-,3,",
            1,
        )
        .replacen(
            ",2,1,17,1,4,7,1,-,-,-,-,13,-,2,0,2,8,-,1,",
            ",2,1,17,1,4,7,1,-,-,-,-,13,-,2,0,2,8,-,3,",
            1,
        );
    assert_ne!(gone, OPENSID_CSV);
    let report = import(db, gone.as_bytes()).await;
    let held: Vec<u64> = report
        .warnings
        .iter()
        .filter(|w| w.reason.contains("perlu keputusan petugas"))
        .map(|w| w.line)
        .collect();
    assert_eq!(held, vec![5, 6], "{:?}", report.warnings);
    assert!(report.mutations.is_empty(), "{:?}", report.mutations);
    let members = db.registry_members(DEFAULT).await.expect("members");
    assert!(members.iter().all(RegistryMember::is_present));

    // With the money spent, or one member staying, the file is followed.
    let one_gone = OPENSID_CSV.replacen(
        ",2,1,17,1,4,7,1,-,-,-,-,13,-,2,0,2,8,-,1,",
        ",2,1,17,1,4,7,1,-,-,-,-,13,-,2,0,2,8,-,3,",
        1,
    );
    let report = import(db, one_gone.as_bytes()).await;
    let kinds: Vec<(u64, String)> = report
        .mutations
        .iter()
        .map(|m| (m.line, m.kind.to_string()))
        .collect();
    assert_eq!(kinds, vec![(6, "pindah".to_string())]);
}

/// `gotong import registry FILE.xlsx --dry-run` lists what would change; `gotong report mutasi`
/// writes the month's Buku Mutasi.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_mutations_and_writes_the_buku_mutasi() {
    let t = TestDb::sqlite().await;
    import(&t.db, OPENSID_CSV.as_bytes()).await;
    let dir = tempfile::tempdir().unwrap();
    let next = dir.path().join("bulan_depan.csv");
    std::fs::write(&next, a_month_later()).unwrap();
    let gotong = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gotong"))
            .args(args)
            .env("DATABASE_URL", &t.url)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let path = next.to_str().unwrap();
    let dry = gotong(&["import", "registry", path, "--dry-run"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let said = String::from_utf8_lossy(&dry.stdout);
    assert!(said.contains("Mutasi (4):"), "{said}");
    assert!(said.contains("baris 5: mati ************0005"), "{said}");
    assert!(t.db.mutations(DEFAULT, "").await.unwrap().is_empty());

    let real = gotong(&["import", "registry", path]);
    assert!(real.status.success());
    let month = t.db.mutations(DEFAULT, "").await.unwrap()[0].occurred_on[..7].to_string();
    let book = gotong(&["report", "mutasi", "--month", &month]);
    assert!(
        book.status.success(),
        "{}",
        String::from_utf8_lossy(&book.stderr)
    );
    let text = String::from_utf8_lossy(&book.stdout);
    // RW 02 / RT 001: Sarinah died; RT 003: a girl born, a man come.
    assert!(
        text.contains(&format!("{month},02,001,0,0,0,0,1,1,0,0,0,0,0,0")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{month},02,003,0,1,1,0,0,0,1,0,1,0,0,0")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{month},JUMLAH,,0,1,1,0,1,1,1,0,1,0,0,0")),
        "{text}"
    );
    let bad = gotong(&["report", "mutasi", "--month", "juni"]);
    assert!(!bad.status.success());

    // The Buku Induk: everyone ever registered, the OpenSID codes by their names, the dead
    // still listed with the day.
    let induk = gotong(&["report", "induk", "induk.csv"]);
    assert!(
        induk.status.success(),
        "{}",
        String::from_utf8_lossy(&induk.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("induk.csv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "no_urut,nik,no_kk,nama,jenis_kelamin,tanggal_lahir,shdk,rt,rw,status_tinggal,\
         agama,pendidikan_kk,pendidikan_sedang,pekerjaan,status_kawin,warganegara,\
         golongan_darah,cacat,hamil,status_dasar,tanggal_status"
    );
    let members = t.db.registry_members(DEFAULT).await.unwrap();
    assert_eq!(rows.len(), members.len() + 1, "{text}");
    let wati = rows.iter().find(|r| r.contains("WATI RAHMAWATI")).unwrap();
    assert!(
        wati.contains(",ISLAM,DIPLOMA IV/STRATA I,")
            && wati.ends_with(",KAWIN,WNI,O,TIDAK CACAT,ya,HIDUP,"),
        "{wati}"
    );
    let sarinah = rows.iter().find(|r| r.contains("SARINAH")).unwrap();
    let died = members
        .iter()
        .find(|m| m.person.name == "SARINAH")
        .and_then(|m| m.died_on.clone())
        .expect("died");
    assert!(sarinah.ends_with(&format!(",MATI,{died}")), "{sarinah}");
    t.drop_db().await;
}

/// An OpenSID export without `status_tinggal` says nothing of the residence: a resident the
/// kelurahan recorded as `NON_PERMANEN` stays so (no correction, no stimulus gained by a re-import).
async fn an_opensid_file_without_residence_keeps_the_stored_one(db: &Db) {
    import(db, OPENSID_CSV.as_bytes()).await;
    let slamet = "3174053011600004";
    let gotong_csv = format!(
        "{HEADER}\n3174050101300002,{slamet},SLAMET RIYADI,1960-11-30,L,KEPALA KELUARGA,1,2,NON_PERMANEN,\n"
    );
    let set = import(db, gotong_csv.as_bytes()).await;
    assert_eq!(set.mutations.len(), 1, "{:?}", set.mutations);
    assert!(
        set.mutations[0].detail.contains("NON_PERMANEN"),
        "{:?}",
        set.mutations
    );
    let again = import(db, OPENSID_CSV.as_bytes()).await;
    assert!(again.mutations.is_empty(), "{:?}", again.mutations);
    let mut tx = db.begin(DEFAULT).await.expect("begin");
    let person = tx
        .person(slamet)
        .await
        .expect("person")
        .expect("registered");
    tx.commit().await.expect("commit");
    assert_eq!(person.residence.to_string(), "NON_PERMANEN");
}

async fn the_problem_map_counts_what_the_registry_codes_say(db: &Db) {
    import(db, OPENSID_CSV.as_bytes()).await;
    let aid = "nik,program,periode\n3174053011600004,PKH,2026\n3174054205400005,BPNT,2026\n";
    let opts = gotong::registry::aid::AidOptions {
        kelurahan: DEFAULT,
        dry_run: false,
        actor: "test".into(),
        now_ms: 0,
    };
    gotong::registry::aid::import_aid(db, aid.as_bytes(), &opts)
        .await
        .expect("aid list");
    let map = db.rw_table(DEFAULT, "2026-06-01").await.expect("map");
    assert_eq!(map.len(), 1, "one RW: {map:?}");
    let rw = &map[0];
    assert_eq!((rw.rw.as_str(), rw.households, rw.persons), ("02", 2, 5));
    // Slamet (cacat_id 1) and Sarinah (2) have a disability; the others are 7, "TIDAK CACAT".
    assert_eq!(rw.disabled, 2);
    // Sarinah is "BELUM/TIDAK BEKERJA" but 86: not counted among the adults not working.
    assert_eq!(rw.unemployed, 0);
    // Both elderly live together: nobody lives alone.
    assert_eq!(rw.elderly_alone, 0);
    assert_eq!(rw.occupation_known, 5);
    assert_eq!(rw.on_aid, 1, "two flags, one household");
    assert_eq!(rw.unverified(), 2);
}

gotong::backend_tests!(
    the_problem_map_counts_what_the_registry_codes_say,
    an_opensid_file_without_residence_keeps_the_stored_one,
    a_reimport_is_an_upsert_by_nik_with_mutations,
    an_import_never_ends_a_member_with_money_without_an_officer,
    an_opensid_export_imports_as_it_comes_csv_or_xlsx,
    every_rejection_names_its_line_and_rejects_the_whole_household,
    duplicate_nik_in_the_file_rejects_each_household_where_it_appears,
    nik_registered_under_another_kk_is_rejected,
    legacy_nik_is_imported_with_a_warning_and_listed_by_data_quality,
    data_quality_finds_households_without_phone_and_children_older_than_parents,
    reimporting_the_same_file_changes_nothing,
    dry_run_writes_nothing_and_reports_the_same,
    export_then_import_gives_the_same_registry,
    synthetic_kelurahan_imports_without_rejections,
    a_large_file_keeps_its_households_whole_across_rounds,
    stats_and_export_follow_what_happened_after_the_import,
);
