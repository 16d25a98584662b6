//! The registry's admin API as an officer uses it: import, activation codes, change requests,
//! households, data quality, stats, and the audit trail of each change.

mod common;

use common::officer::{fixture_csv, Officer};
use common::ADMIN_TOKEN;
use gotong::store::Db;
use serde_json::{json, Value};

async fn import_over_http_reports_and_is_idempotent(db: &Db) {
    let o = Officer::start(db).await;
    let (status, dry) = o.import(fixture_csv(), true).await;
    assert_eq!(status, 200);
    assert_eq!(
        (dry["households"].clone(), dry["persons"].clone()),
        (json!(2), json!(9))
    );
    assert_eq!(
        o.call(reqwest::Method::GET, "/stats", None).await.1["households"],
        0,
        "dry run wrote nothing"
    );

    let (_, report) = o.import(fixture_csv(), false).await;
    assert_eq!(report["households"], 2);
    assert_eq!(report["persons"], 9);
    assert_eq!(report["rejected"], json!([]));
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["line"], 6, "SUMARNI's legacy NIK");

    let (_, again) = o.import(fixture_csv(), false).await;
    assert_eq!(
        (again["households"].clone(), again["unchanged"].clone()),
        (json!(0), json!(2))
    );

    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(
        (stats["households"].clone(), stats["persons"].clone()),
        (json!(2), json!(9))
    );

    let (_, findings) = o.call(reqwest::Method::GET, "/data-quality", None).await;
    let kinds: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["nik_mismatch"], "{findings}");
    assert!(
        !findings.to_string().contains("3201015002490005"),
        "no full NIK in findings"
    );
    o.server.shutdown().await;
}

async fn an_issued_code_links_a_phone_once(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let (status, issued) = o
        .call(
            reqwest::Method::POST,
            "/activation-codes",
            Some(json!({ "nik": "3201010101900006" })),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let code = issued["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    assert_eq!(issued["nik_masked"], "************0006");

    for (nik, why) in [
        ("3201014107120004", "under 16"),
        ("3201010101990099", "unknown"),
        ("1234", "malformed"),
    ] {
        let (status, body) = o
            .call(
                reqwest::Method::POST,
                "/activation-codes",
                Some(json!({ "nik": nik })),
            )
            .await;
        assert_eq!(status, 422, "{why}: {body}");
    }

    let phone = "+6281255500001";
    o.chat(phone, "DAFTAR 3201010101900006").await;
    assert!(o.chat(phone, &code).await.starts_with("Buat PIN"));
    o.chat(phone, "735921").await;
    assert!(o
        .chat(phone, "735921")
        .await
        .starts_with("Selesai! HP ini terdaftar atas nama AHMAD YANI"));
    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(stats["linked_phones"], 1);

    // The code is spent: another phone cannot use it.
    let other = "+6281255500002";
    o.chat(other, "DAFTAR 3201010101900006").await;
    assert!(o.chat(other, &code).await.starts_with("Kode salah"));

    let entries = db.audit_entries("activation_code.issue").await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, "admin-api");
    assert!(!entries[0]
        .after
        .clone()
        .unwrap_or_default()
        .contains("3201010101900006"));
    assert_eq!(db.audit_entries("account.link").await.unwrap().len(), 1);
    o.server.shutdown().await;
}

async fn change_requests_are_decided_once_with_reasons(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let phone = "+6281200000001";
    o.chat(phone, "DAFTAR 3201011205800001").await;
    o.chat(phone, "482915").await;
    o.chat(phone, "482915").await;
    for input in ["DATA", "2", "2", "2", "Meninggal 20 November 2026"] {
        o.chat(phone, input).await;
    }
    for input in ["DATA", "2", "5", "4", "Lahir 1990-01-12, bukan 1950"] {
        o.chat(phone, input).await;
    }
    let (_, pending) = o
        .call(
            reqwest::Method::GET,
            "/change-requests?status=pending",
            None,
        )
        .await;
    let pending = pending.as_array().unwrap().clone();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(pending[0]["kind"], "death");
    assert_eq!(pending[0]["nik_masked"], "************0005");
    let death = pending[0]["id"].as_i64().unwrap();
    let correction = pending[1]["id"].as_i64().unwrap();

    let (status, _) = o
        .call(
            reqwest::Method::POST,
            &format!("/change-requests/{correction}/reject"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 422, "a rejection needs a reason");
    let (status, rejected) = o
        .call(
            reqwest::Method::POST,
            &format!("/change-requests/{correction}/reject"),
            Some(json!({ "reason": "Akta kelahiran belum dibawa" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rejected["status"], "rejected");

    let (status, approved) = o
        .call(
            reqwest::Method::POST,
            &format!("/change-requests/{death}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    let (status, _) = o
        .call(
            reqwest::Method::POST,
            &format!("/change-requests/{death}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 409, "already decided");
    let (status, _) = o
        .call(reqwest::Method::POST, "/change-requests/999/approve", None)
        .await;
    assert_eq!(status, 404);

    let (_, household) = o
        .call(reqwest::Method::GET, "/households/3201010101230001", None)
        .await;
    let sumarni = household["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "SUMARNI")
        .unwrap()
        .clone();
    assert_eq!(
        sumarni["current"], false,
        "the approved death ends the membership"
    );
    assert_eq!(household["members"][0]["linked"], true);
    assert!(!household.to_string().contains("3201011205800001"));
    assert_eq!(
        o.call(reqwest::Method::GET, "/households/0000", None)
            .await
            .0,
        404
    );

    // The approved death is a mutation of the registry, in the month's Buku Mutasi.
    let mutations = db
        .mutations(gotong::store::KelurahanId::DEFAULT, "")
        .await
        .unwrap();
    assert_eq!(mutations.len(), 1, "{mutations:?}");
    let m = &mutations[0];
    assert_eq!(
        (
            m.kind.to_string(),
            m.source.to_string(),
            m.approved_by.as_str()
        ),
        ("mati".into(), "change_request".into(), "admin-api")
    );
    let month = &m.occurred_on[..7];
    let r = o
        .server
        .http
        .get(format!(
            "{}/api/registry/mutations?month={month}",
            o.server.base
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let book = r.text().await.unwrap();
    let lines: Vec<&str> = book.lines().collect();
    assert_eq!(
        lines[0],
        "bulan,rw,rt,lahir_l,lahir_p,lahir_jumlah,mati_l,mati_p,mati_jumlah,\
         datang_l,datang_p,datang_jumlah,pindah_l,pindah_p,pindah_jumlah"
    );
    let area = format!("{month},{},{},0,0,0,0,1,1,0,0,0,0,0,0", m.rw, m.rt);
    assert_eq!(lines[1], area);
    assert_eq!(lines[2], format!("{month},JUMLAH,,0,0,0,0,1,1,0,0,0,0,0,0"));
    let (status, _) = o
        .call(
            reqwest::Method::GET,
            "/registry/mutations?month=2026-13",
            None,
        )
        .await;
    assert_eq!(status, 422);

    // The monthly report for the kecamatan: the month starts with 9 (5 men, 4 women) and ends
    // with 8; the month before starts and ends with 9.
    let monthly = |month: String| {
        let o = &o;
        async move {
            let r = o
                .server
                .http
                .get(format!(
                    "{}/api/registry/monthly?month={month}",
                    o.server.base
                ))
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let report = monthly(month.to_string()).await;
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(
        lines[0],
        "bulan,rw,awal_l,awal_p,awal_jumlah,lahir_l,lahir_p,lahir_jumlah,mati_l,mati_p,mati_jumlah,\
         datang_l,datang_p,datang_jumlah,pindah_l,pindah_p,pindah_jumlah,akhir_l,akhir_p,akhir_jumlah"
    );
    let figures = "5,4,9,0,0,0,0,1,1,0,0,0,0,0,0,5,3,8";
    assert_eq!(lines[1], format!("{month},{},{figures}", m.rw));
    assert_eq!(lines[2], format!("{month},JUMLAH,{figures}"));
    let (year, mon): (i32, u32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
    let before = if mon == 1 {
        format!("{:04}-12", year - 1)
    } else {
        format!("{year:04}-{:02}", mon - 1)
    };
    let report = monthly(before.clone()).await;
    assert_eq!(
        report.lines().nth(1),
        Some(format!("{before},{},5,4,9,0,0,0,0,0,0,0,0,0,0,0,0,5,4,9", m.rw).as_str())
    );
    let (status, _) = o
        .call(reqwest::Method::GET, "/registry/monthly?month=juni", None)
        .await;
    assert_eq!(status, 422);

    // The Buku Induk keeps her, dead since the approval's day.
    let r = o
        .server
        .http
        .get(format!("{}/api/registry/induk", o.server.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let induk = r.text().await.unwrap();
    assert_eq!(induk.lines().count(), 1 + 9, "{induk}");
    let row = induk.lines().find(|l| l.contains("SUMARNI")).unwrap();
    assert!(row.ends_with(&format!(",MATI,{}", m.occurred_on)), "{row}");

    // The household list no longer shows her.
    assert!(!o.chat(phone, "DATA").await.contains("SUMARNI"));
    assert_eq!(
        db.audit_entries("change_request.approved")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        db.audit_entries("change_request.rejected")
            .await
            .unwrap()
            .len(),
        1
    );
    o.server.shutdown().await;
}

async fn the_admin_api_needs_the_token(db: &Db) {
    let o = Officer::start(db).await;
    for path in [
        "/stats",
        "/change-requests",
        "/data-quality",
        "/locked-pins",
        "/registry/mutations?month=2026-01",
        "/registry/induk",
    ] {
        let r = o
            .server
            .http
            .get(format!("{}/api{path}", o.server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let r = o
        .server
        .http
        .post(format!("{}/api/activation-codes", o.server.base))
        .bearer_auth("wrong")
        .json(&json!({ "nik": "3201010101900006" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    o.server.shutdown().await;
}

/// Two kelurahan through the API: each import, household, change request and locked PIN is of
/// the kelurahan named by `?kelurahan=`; a NIK of one is refused by the other's import.
async fn the_registry_api_acts_on_the_kelurahan_named(db: &Db) {
    const MOJO: &str = "3577011002";
    let mojo = db.create_kelurahan(MOJO, "Mojo", &[], 0).await.unwrap().id;
    let o = Officer::start(db).await;
    let (_, report) = o.import(fixture_csv(), false).await;
    assert_eq!(report["households"], 2);
    // Mojo's file lists one of the default kelurahan's residents: that household is refused.
    let csv = "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp\n\
               3577010202230001,3577010403750001,RAHMAT HIDAYAT,1975-03-04,L,KEPALA KELUARGA,001,02,TETAP,081300000001\n\
               3577010202230002,3577012111850003,WAHYU PRATAMA,1985-11-21,L,KEPALA KELUARGA,002,02,TETAP,\n\
               3577010202230002,3201011205800001,BUDI SANTOSO,1980-05-12,L,FAMILI LAIN,002,02,TETAP,\n";
    let (status, report) = o.import_into(csv.into(), false, MOJO).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["households"].clone(), report["persons"].clone()),
        (json!(1), json!(1))
    );
    let reason = report["rejected"][1]["reason"].as_str().unwrap();
    assert!(
        reason.contains("************0001")
            && reason.contains("(0000000000)")
            && reason.contains("Kelurahan Mojo (3577011002)"),
        "{reason}"
    );
    assert!(
        !report.to_string().contains("3201011205800001"),
        "no full NIK"
    );
    let (status, _) = o.import_into(csv.into(), false, "9999999999").await;
    assert_eq!(status, 404, "an unknown kelurahan");

    let get = |path: &'static str| o.call(reqwest::Method::GET, path, None);
    assert_eq!(get("/households/3577010202230001").await.0, 404);
    let (status, h) = get("/households/3577010202230001?kelurahan=3577011002").await;
    assert_eq!(
        (status, h["members"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    assert_eq!(
        get("/households/3201010101230001?kelurahan=3577011002")
            .await
            .0,
        404
    );

    // A change request reported in Mojo is Mojo's to list and decide.
    let mut tx = db.begin(mojo).await.unwrap();
    let id = tx
        .insert_change_request(
            &gotong::store::NewChangeRequest {
                no_kk: "3577010202230001",
                nik: Some("3577010403750001"),
                kind: gotong::registry::change::Kind::Correction,
                details: "nama",
                reported_by: "3577010403750001",
            },
            0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(get("/change-requests").await.1, json!([]));
    let (_, listed) = get("/change-requests?kelurahan=3577011002").await;
    assert_eq!(listed[0]["id"], id);
    let approve = format!("/change-requests/{id}/approve");
    let (status, _) = o.call(reqwest::Method::POST, &approve, None).await;
    assert_eq!(status, 404, "not the default kelurahan's");
    let (status, decided) = o
        .call(
            reqwest::Method::POST,
            &format!("{approve}?kelurahan={MOJO}"),
            None,
        )
        .await;
    assert_eq!(
        (status, decided["status"].as_str()),
        (200, Some("approved"))
    );
    let (_, quality) = get("/data-quality?kelurahan=3577011002").await;
    assert!(quality
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["no_kk"].as_str().unwrap().starts_with("357701")));
    o.server.shutdown().await;
}

/// Issues a code for `nik` through the API.
async fn issue(o: &Officer, nik: &str) -> String {
    let (status, issued) = o
        .call(
            reqwest::Method::POST,
            "/activation-codes",
            Some(json!({ "nik": nik })),
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    issued["code"].as_str().unwrap().to_string()
}

/// DESIGN §6: wrong codes are counted per NIK across phones. 120 wrong codes from 30 phones (4
/// each, under the per-phone limit) void the NIK's code: the right code then links nothing, and
/// the kelurahan finds the NIK in its officers' queue.
async fn wrong_codes_from_many_phones_void_the_code(db: &Db) {
    use rand::{Rng, SeedableRng};
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let nik = "3201010101900006";
    let code = issue(&o, nik).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let mut voided_said = 0;
    for p in 0..30 {
        let phone = format!("+62812666{p:05}");
        for _ in 0..4 {
            let wrong = loop {
                let c = format!("{:06}", rng.gen_range(0..1_000_000u32));
                if c != code {
                    break c;
                }
            };
            o.chat(&phone, &format!("DAFTAR {nik}")).await;
            let answer = o.chat(&phone, &wrong).await;
            assert!(!answer.contains(&wrong), "a code is never echoed: {answer}");
            if answer.starts_with("Terlalu banyak kode salah untuk NIK ini") {
                voided_said += 1;
            }
        }
    }
    assert_eq!(
        voided_said,
        120 / 5,
        "every fifth wrong code for the NIK says so"
    );
    let late = "+6281266699999";
    o.chat(late, &format!("DAFTAR {nik}")).await;
    assert!(o.chat(late, &code).await.starts_with("Kode salah"));
    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(stats["linked_phones"], 0);
    let (status, queue) = o.call(reqwest::Method::GET, "/officer-notices", None).await;
    assert_eq!(status, 200);
    let voided: Vec<&Value> = queue
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "activation_codes_voided")
        .collect();
    assert_eq!(voided.len(), 1, "told once, when there was a code: {queue}");
    assert_eq!(voided[0]["subject"], "************0006");
    // A new code from the kelurahan works again.
    let fresh = issue(&o, nik).await;
    o.chat(late, &format!("DAFTAR {nik}")).await;
    assert!(o.chat(late, &fresh).await.starts_with("Buat PIN"));
    o.server.shutdown().await;
}

/// DESIGN §6: a NIK linked to one phone is not taken over by another: the old link works until
/// the kelurahan confirms the move (`POST /api/relinks/{id}/confirm`), then only the new one.
async fn a_relink_waits_for_the_kelurahan(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let nik = "3201010101900006";
    let (old, new) = ("+6281255500011", "+6281255500012");
    for (phone, pin) in [(old, "735921"), (new, "917364")] {
        let code = issue(&o, nik).await;
        o.chat(phone, &format!("DAFTAR {nik}")).await;
        assert!(o.chat(phone, &code).await.starts_with("Buat PIN"));
        o.chat(phone, pin).await;
        o.chat(phone, pin).await;
    }
    assert!(o
        .chat(new, "SALDO")
        .await
        .starts_with("HP ini belum terdaftar"));
    let told = o.chat(old, "SALDO").await;
    assert!(told.contains("Ada HP baru (+62***012)"), "{told}");
    assert!(told.ends_with("Saldo keluarga Anda: Rp0"), "{told}");

    let (status, pending) = o.call(reqwest::Method::GET, "/relinks", None).await;
    assert_eq!(status, 200);
    let pending = pending.as_array().unwrap().clone();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["nik_masked"], "************0006");
    assert_eq!(pending[0]["old_phone"], "+62***011");
    assert_eq!(pending[0]["due"], false);
    let id = pending[0]["id"].as_i64().unwrap();
    let path = format!("/relinks/{id}/confirm");
    let (status, body) = o.call(reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = o.call(reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 409, "confirmed once");
    let (status, _) = o
        .call(reqwest::Method::POST, "/relinks/999/confirm", None)
        .await;
    assert_eq!(status, 404);

    assert!(o
        .chat(new, "SALDO")
        .await
        .contains("Saldo keluarga Anda: Rp0"));
    let told = o.chat(old, "SALDO").await;
    assert!(told.contains("sekarang memakai HP +62***012"), "{told}");
    assert!(told.ends_with("HP ini belum terdaftar. Ketik DAFTAR untuk mendaftar."));
    let done = db.audit_entries("account.relink.done").await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].actor, "admin-api");
    o.server.shutdown().await;
}

/// `LUPA PIN` at the office: `POST /api/pin-resets` voids the old PIN (audited, the phone told);
/// the next PIN step sets the new one.
async fn a_forgotten_pin_is_reset_by_the_kelurahan(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let nik = "3201010101900006";
    let phone = "+6281255500021";
    let code = issue(&o, nik).await;
    o.chat(phone, &format!("DAFTAR {nik}")).await;
    o.chat(phone, &code).await;
    o.chat(phone, "735921").await;
    o.chat(phone, "735921").await;
    assert!(o
        .chat(phone, "LUPA PIN")
        .await
        .starts_with("Permintaan ganti PIN dikirim"));
    let (_, queue) = o.call(reqwest::Method::GET, "/officer-notices", None).await;
    assert_eq!(queue[0]["kind"], "pin_reset_requested", "{queue}");
    assert_eq!(queue[0]["subject"], "************0006");

    let reset = |nik: &str| json!({ "nik": nik });
    let (status, body) = o
        .call(reqwest::Method::POST, "/pin-resets", Some(reset(nik)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["phone"], "+62***021");
    let (status, _) = o
        .call(
            reqwest::Method::POST,
            "/pin-resets",
            Some(reset("3201014202920007")),
        )
        .await;
    assert_eq!(status, 404, "nobody linked");
    let (status, _) = o
        .call(reqwest::Method::POST, "/pin-resets", Some(reset("12")))
        .await;
    assert_eq!(status, 422);
    let told = o.chat(phone, "GANTI PIN").await;
    assert!(told.starts_with("PIN Gotong Anda sudah direset"), "{told}");
    assert!(
        told.ends_with("Buat PIN 6 angka. PIN dipakai untuk membayar; jangan beritahu siapa pun.")
    );
    let entries = db.audit_entries("account.pin.reset").await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, "admin-api");
    o.server.shutdown().await;
}

/// `TANYA` as the kelurahan sees it: `GET /api/tickets`, answered once to the resident's phone
/// (even after `BERHENTI`), closed once; audited.
async fn tickets_are_listed_answered_and_closed(db: &Db) {
    let o = Officer::start(db).await;
    let phone = "+6281255500031";
    let opened = o.chat(phone, "TANYA Kapan posyandu buka?").await;
    assert!(opened.contains("tiket #1"), "{opened}");
    o.chat(phone, "BERHENTI").await;
    let (status, list) = o.call(reqwest::Method::GET, "/tickets", None).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["number"], 1);
    assert_eq!(list[0]["kind"], "question");
    assert_eq!(list[0]["body"], "Kapan posyandu buka?");
    assert_eq!(list[0]["status"], "open");
    assert_eq!(list[0]["phone"], "+62***031");
    let (status, _) = o
        .call(reqwest::Method::GET, "/tickets?status=bogus", None)
        .await;
    assert_eq!(status, 422);

    let answer = |text: &str| Some(json!({ "text": text }));
    let (status, body) = o
        .call(
            reqwest::Method::POST,
            "/tickets/1/answer",
            answer("Setiap Senin jam 8."),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = o
        .call(reqwest::Method::POST, "/tickets/1/answer", answer(" "))
        .await;
    assert_eq!(status, 422);
    let (status, _) = o
        .call(reqwest::Method::POST, "/tickets/9/answer", answer("Ya"))
        .await;
    assert_eq!(status, 404);
    let told = o.chat(phone, "MENU").await;
    assert!(
        told.starts_with("Jawaban kelurahan untuk tiket #1: Setiap Senin jam 8."),
        "{told}"
    );
    let (status, _) = o
        .call(reqwest::Method::POST, "/tickets/1/close", None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = o
        .call(reqwest::Method::POST, "/tickets/1/close", None)
        .await;
    assert_eq!(status, 409);
    let (_, list) = o.call(reqwest::Method::GET, "/tickets", None).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "closed tickets are not listed"
    );
    let (_, closed) = o
        .call(reqwest::Method::GET, "/tickets?status=closed", None)
        .await;
    assert_eq!(closed[0]["answer"], "Setiap Senin jam 8.");
    assert_eq!(db.audit_entries("ticket.answer").await.unwrap().len(), 1);
    assert_eq!(
        db.audit_entries("ticket.close").await.unwrap()[0].actor,
        "admin-api"
    );
    o.server.shutdown().await;
}

/// An aid list over HTTP flags the persons it names (unknown NIKs rejected by line, masked); a
/// second import of it changes nothing; the data-quality report then names the double
/// recipient, the recipient in another KK and the dead recipient, and the completeness per RW.
async fn an_aid_list_flags_persons_and_feeds_the_quality_report(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let list = "nik,program,periode,no_kk\n\
                3201011205800001,PKH,2026,\n\
                3201011205800001,blt-dd,2026-03,\n\
                3201010101900006,BPNT,2026,3201010101239999\n\
                3201015002490005,PKH,2026,\n\
                3201011205800099,PKH,2026,\n\
                12345,PKH,2026,\n\
                3201014202920007,,2026,\n";
    let post = |dry_run: bool| {
        o.server
            .http
            .post(format!(
                "{}/api/registry/aid?dry_run={dry_run}",
                o.server.base
            ))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "text/csv")
            .body(list)
            .send()
    };
    let dry: Value = post(true).await.unwrap().json().await.unwrap();
    assert_eq!(
        (dry["flagged"].clone(), dry["dry_run"].clone()),
        (json!(4), json!(true))
    );
    let r = post(false).await.unwrap();
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(
        (report["flagged"].clone(), report["households"].clone()),
        (json!(4), json!(2)),
        "{report}"
    );
    let rejected: Vec<(u64, String)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["line"].as_u64().unwrap(),
                i["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert_eq!(
        rejected[0],
        (
            6,
            "NIK ************0099 tidak ada di registry kelurahan ini".into()
        )
    );
    assert_eq!(
        rejected[1],
        (7, "nik harus 16 angka, tertulis 5 angka".into())
    );
    assert_eq!(
        rejected[2],
        (
            8,
            "NIK ************0007: program dan periode harus diisi".into()
        )
    );
    assert!(
        !report.to_string().contains("3201011205800099"),
        "no full NIK"
    );
    let again: Value = post(false).await.unwrap().json().await.unwrap();
    assert_eq!(
        (again["flagged"].clone(), again["unchanged"].clone()),
        (json!(0), json!(4)),
        "a re-import changes nothing"
    );
    let wrong = o
        .server
        .http
        .post(format!("{}/api/registry/aid", o.server.base))
        .bearer_auth(ADMIN_TOKEN)
        .body("nik,jumlah\n3201011205800001,3\n")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422, "a list without a programme column");

    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.end_membership(
        "3201015002490005",
        gotong::registry::change::Ending::Death,
        "2026-11-20",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, findings) = o.call(reqwest::Method::GET, "/data-quality", None).await;
    let aid: Vec<(&str, &str)> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"].as_str().unwrap().contains("aid"))
        .map(|f| {
            (
                f["nik_masked"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        aid,
        vec![
            ("************0006", "aid_in_two_households"),
            ("************0001", "double_aid"),
            ("************0005", "aid_disagrees_with_registry"),
        ],
        "{findings}"
    );
    let (_, completeness) = o
        .call(reqwest::Method::GET, "/data-quality/completeness", None)
        .await;
    let rows = completeness.as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["rw"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["03", "*"]
    );
    // 8 present residents (SUMARNI is dead), 3 with a phone in the file, none linked.
    assert_eq!(rows[0]["persons"], 8);
    assert_eq!(rows[0]["phone_pct"], 37.5, "{completeness}");
    assert_eq!(rows[0]["verified_pct"], 0.0);
    o.server.shutdown().await;
}

/// An approved residence change (DATA → Status tinggal) makes the resident TETAP and is a
/// `koreksi` of the registry from the change request, approved by the officer.
async fn an_approved_residence_change_is_a_correction(db: &Db) {
    use gotong::registry::change::Kind;
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let joko = "3201011010000008";
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let id = tx
        .insert_change_request(
            &gotong::store::NewChangeRequest {
                no_kk: "3201010101230002",
                nik: Some(joko),
                kind: Kind::Residence,
                details: "NON_PERMANEN -> TETAP, surat pengantar RT/RW no. 12/2026",
                reported_by: joko,
            },
            0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (status, approved) = o
        .call(
            reqwest::Method::POST,
            &format!("/change-requests/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["kind"], "residence");
    let mutations = db
        .mutations(gotong::store::KelurahanId::DEFAULT, "")
        .await
        .unwrap();
    assert_eq!(mutations.len(), 1, "{mutations:?}");
    let m = &mutations[0];
    assert_eq!(
        (
            m.nik.as_str(),
            m.kind.to_string(),
            m.source.to_string(),
            m.approved_by.as_str(),
            (m.rt.as_str(), m.rw.as_str()),
        ),
        (
            joko,
            "koreksi".into(),
            "change_request".into(),
            "admin-api",
            ("002", "03")
        )
    );
    assert_eq!(
        m.changes.as_deref(),
        Some(r#"{"status_tinggal":["NON_PERMANEN","TETAP"]}"#)
    );
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let person = tx.person(joko).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(person.residence.to_string(), "TETAP");
    // The next registry file still says NON_PERMANEN: the officer's approval stands, and the
    // import says so on his line.
    let (status, report) = o.import(fixture_csv(), false).await;
    assert_eq!(status, 200, "{report}");
    let warned = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.to_string().contains("TETAP disetujui petugas"));
    assert!(warned, "{report}");
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let person = tx.person(joko).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        person.residence.to_string(),
        "TETAP",
        "not taken back by a file"
    );
    o.server.shutdown().await;
}

/// A resident asks for letter `kind` for `member` (their numbers in the lists): the last reply.
async fn ask_letter(o: &Officer, phone: &str, kind: &str, member: &str) -> String {
    o.chat(phone, "SURAT").await;
    o.chat(phone, kind).await;
    o.chat(phone, member).await;
    o.chat(phone, "Melamar kerja").await
}

/// `POST /api/letters/{n}/status`: the HTTP status.
async fn set_letter(o: &Officer, n: i64, status: &str, reason: Option<&str>) -> u16 {
    let body = json!({ "status": status, "reason": reason });
    let path = format!("/letters/{n}/status");
    o.call(reqwest::Method::POST, &path, Some(body)).await.0
}

/// `SURAT` as the kelurahan sees it: `GET /api/letters` serves a verified household first, then
/// an unverified one, then one waiting for its change request (NIK and phone masked); a request
/// moves forward only, a refusal needs its reason, the same status twice tells the resident once;
/// each move reaches the resident, is audited, and counts in `/api/stats`.
async fn letters_are_queued_verified_first_and_move_forward(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let config = &o.app.config;
    // Three households: 0001 unverified, 0002 verified, 0003 with a change reported.
    let (budi, ahmad) = ("+6281255500041", "+6281255500042");
    gotong::testing::kelurahan::link(db, config, budi, "3201011205800001", "482915")
        .await
        .unwrap();
    gotong::testing::kelurahan::link(db, config, ahmad, "3201010101900006", "135790")
        .await
        .unwrap();
    let first = ask_letter(&o, budi, "2", "1").await;
    assert!(
        first.starts_with("Permintaan surat #1 (Keterangan domisili)"),
        "{first}"
    );
    o.chat(ahmad, "DATA").await;
    o.chat(ahmad, "1").await;
    let second = ask_letter(&o, ahmad, "1", "2").await;
    assert!(second.starts_with("Permintaan surat #2"), "{second}");
    o.chat(budi, "DATA").await;
    o.chat(budi, "2").await;
    o.chat(budi, "1").await;
    o.chat(budi, "Lahir anak, 1 Desember 2026").await;

    let (status, queue) = o.call(reqwest::Method::GET, "/letters", None).await;
    assert_eq!(status, 200, "{queue}");
    let order: Vec<(i64, &str)> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["number"].as_i64().unwrap(),
                l["priority"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, [(2, "verified"), (1, "waits_for_change")]);
    assert_eq!(queue[0]["kind"], "Surat pengantar RT/RW");
    assert_eq!(queue[0]["name"], "DEWI LESTARI");
    assert_eq!(queue[0]["purpose"], "Melamar kerja");
    assert_eq!(queue[0]["status"], "diajukan");
    assert_eq!(queue[0]["nik_masked"], "************0007");
    assert_eq!(queue[0]["phone"], "+62***042");
    assert!(!queue.to_string().contains("3201010101900006"));

    let set = |n: i64, status: &'static str, reason: Option<&'static str>| {
        set_letter(&o, n, status, reason)
    };
    assert_eq!(set(2, "siap_diambil", None).await, 200);
    assert_eq!(
        set(2, "siap_diambil", None).await,
        200,
        "the same status again"
    );
    assert_eq!(set(2, "diproses", None).await, 409, "never back");
    assert_eq!(
        set(2, "ditolak", Some("x")).await,
        409,
        "ready: not refused"
    );
    assert_eq!(set(1, "selesai", None).await, 409, "not ready yet");
    assert_eq!(
        set(1, "ditolak", None).await,
        422,
        "a refusal needs a reason"
    );
    assert_eq!(set(1, "hilang", None).await, 422);
    assert_eq!(set(9, "diproses", None).await, 404);
    assert_eq!(set(1, "ditolak", Some("KK belum diperbarui")).await, 200);
    assert_eq!(set(2, "selesai", None).await, 200);

    let told = o.chat(ahmad, "MENU").await;
    assert_eq!(
        told.matches("siap diambil di kantor kelurahan").count(),
        1,
        "told once: {told}"
    );
    assert!(
        told.contains("Surat #2 (Surat pengantar RT/RW) sudah diambil."),
        "{told}"
    );
    let told = o.chat(budi, "MENU").await;
    assert!(
        told.starts_with("Permintaan surat #1 (Keterangan domisili) ditolak: KK belum diperbarui"),
        "{told}"
    );
    let (_, open) = o.call(reqwest::Method::GET, "/letters", None).await;
    assert_eq!(
        open.as_array().unwrap().len(),
        0,
        "closed requests leave the queue"
    );
    let (_, refused) = o
        .call(reqwest::Method::GET, "/letters?status=ditolak", None)
        .await;
    assert_eq!(refused[0]["reason"], "KK belum diperbarui");
    let (status, _) = o
        .call(reqwest::Method::GET, "/letters?status=bogus", None)
        .await;
    assert_eq!(status, 422);
    let moves = db.audit_entries("letter.status").await.unwrap();
    assert_eq!(moves.len(), 3, "the repeated status is not audited");
    assert!(moves.iter().all(|m| m.actor == "admin-api"));
    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(
        (
            stats["letters_open"].as_i64(),
            stats["letters_done"].as_i64()
        ),
        (Some(0), Some(1))
    );
    o.server.shutdown().await;
}

gotong::backend_tests!(
    an_aid_list_flags_persons_and_feeds_the_quality_report,
    an_approved_residence_change_is_a_correction,
    import_over_http_reports_and_is_idempotent,
    the_registry_api_acts_on_the_kelurahan_named,
    an_issued_code_links_a_phone_once,
    change_requests_are_decided_once_with_reasons,
    the_admin_api_needs_the_token,
    wrong_codes_from_many_phones_void_the_code,
    a_relink_waits_for_the_kelurahan,
    a_forgotten_pin_is_reset_by_the_kelurahan,
    tickets_are_listed_answered_and_closed,
    letters_are_queued_verified_first_and_move_forward,
);
