//! The web pages over real HTTP, on both backends (issue 15): the public pages show figures and
//! proposals but no person; officers log in with a code the bot sends to their phone, act within
//! their scope through CSRF-protected forms, and a refused form says why beside it.

mod common;

use common::web::{kelurahan, login_code, sent_to, Visitor, OFFICER, RESIDENT, RW_OFFICER, TITLE};
use gotong::backend_tests;
use gotong::letters::{self, NewLetter, Requested};
use gotong::store::{Db, KelurahanId};
use std::time::Duration;

async fn public_pages_show_figures_not_persons(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    // Today's stimulus shows as today's bar and in the figures (kept for a minute from the first
    // page on, so it runs first).
    let today =
        gotong::calendar::jakarta_date(gotong::clock::Clock::now_ms(&gotong::clock::SystemClock))
            .format("%Y-%m-%d")
            .to_string();
    let (status, run) = common::admin_post(
        &k.server,
        "/api/stimulus/run",
        serde_json::json!({ "date": today }),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    let home = v.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.html.contains("KK terverifikasi"), "{}", home.html);
    assert!(home.html.contains("Usulan warga"));
    assert!(home.html.len() < 200 * 1024, "{} bytes", home.html.len());
    assert_eq!(
        home.html.matches("Belum ada data").count(),
        3,
        "only the stimulus has figures: {}",
        home.html
    );
    let amount = run["amount"].as_i64().unwrap();
    let bar = format!("{today}: {}", gotong::text::money::format_rupiah(amount));
    assert!(home.html.contains(&bar), "the last bar is today's: {bar}");
    assert!(home.html.contains("<svg"));
    let list = v.get("/usulan").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains(TITLE), "{}", list.html);
    assert!(list.html.contains("Diterima"), "the status label");
    let one = v.get(&format!("/usulan/{}", k.proposal)).await;
    assert_eq!(one.status, 200);
    assert!(one.html.contains("Gang 5 gelap setiap malam"));
    assert!(
        one.html.contains("Diajukan"),
        "the history starts with the submission"
    );
    for page in [&home, &list, &one] {
        assert!(!page.html.contains(&k.resident_name), "no resident named");
        assert!(!page.html.contains(&k.resident_nik), "no NIK");
        assert!(
            !page.html.contains(&k.resident_nik[12..]),
            "not even a NIK's tail"
        );
    }
    let missing = v.get("/usulan/999").await;
    assert_eq!(missing.status, 404);
    assert!(missing.html.contains("Halaman tidak ditemukan"));
    assert_eq!(v.get("/?kelurahan=9999999999").await.status, 404);

    // The language switch goes back to the page, and the page speaks English from then on.
    let switch = v.get("/bahasa/en?back=/usulan").await;
    assert_eq!(switch.status, 303);
    assert_eq!(switch.location.as_deref(), Some("/usulan"));
    assert!(v.get("/usulan").await.html.contains("Residents' proposals"));
    let away = v.get("/bahasa/id?back=//evil.example/").await;
    assert_eq!(away.location.as_deref(), Some("/"), "never another site");
    k.server.shutdown().await;
}

async fn officers_log_in_with_a_code_sent_to_their_phone(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    let no_session = v.get("/admin").await;
    assert_eq!(
        (no_session.status, no_session.location.as_deref()),
        (303, Some("/admin/login"))
    );
    let form = v.get("/admin/login").await;
    let csrf = form.csrf();
    assert!(!csrf.is_empty(), "{}", form.html);

    // A form without the login cookie's token is refused.
    let forged = v
        .post("/admin/login", &[("phone", OFFICER), ("csrf", "00")])
        .await;
    assert_eq!(forged.status, 403);
    // A bad number is said beside the field.
    let bad = v
        .post("/admin/login", &[("phone", "nomor saya"), ("csrf", &csrf)])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("Nomor HP tidak dikenali"), "{}", bad.html);
    // A resident's number gets the same answer as an officer's, and no message.
    let before = sent_to(&k, RESIDENT);
    let resident = v
        .post("/admin/login", &[("phone", RESIDENT), ("csrf", &csrf)])
        .await;
    assert_eq!(resident.status, 200);
    assert!(resident.html.contains("Jika nomor ini milik petugas"));

    let dashboard = v.log_in(&k, OFFICER).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.html);
    assert!(dashboard.html.contains("Dasbor"));
    assert!(dashboard.html.contains("Per RW"));
    assert!(dashboard
        .html
        .contains("Pesan per saluran, 30 hari terakhir"));
    assert!(dashboard.html.contains("Pinjaman barang") && dashboard.html.contains("Terlambat"));
    assert!(!dashboard.html.contains(&k.resident_nik), "NIKs masked");
    let cookie = v.cookies.get("gotong_session").cloned().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent_to(&k, RESIDENT), before, "no code to a resident");

    // Logging out needs the session's CSRF token, and ends the session for good.
    let csrf = dashboard.csrf();
    assert_eq!(
        v.post("/admin/logout", &[("csrf", "bad")]).await.status,
        403
    );
    let out = v.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    v.cookies.insert("gotong_session".into(), cookie);
    assert_eq!(v.get("/admin").await.status, 303, "the old cookie is dead");
    k.server.shutdown().await;
}

async fn five_wrong_codes_lock_the_login(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    let csrf = v.get("/admin/login").await.csrf();
    v.post("/admin/login", &[("phone", OFFICER), ("csrf", &csrf)])
        .await;
    let code = login_code(&k, OFFICER, 0).await;
    // Asking again within a minute sends nothing new: the first code stands.
    let twice = v
        .post("/admin/login", &[("phone", OFFICER), ("csrf", &csrf)])
        .await;
    assert_eq!(twice.status, 200, "{}", twice.html);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent_to(&k, OFFICER), 1, "one code a minute");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let short = v
        .post(
            "/admin/login/code",
            &[("phone", OFFICER), ("code", "12"), ("csrf", &csrf)],
        )
        .await;
    assert!(short.html.contains("Kode terdiri dari 6 angka"));
    for i in 1..=5 {
        let p = v
            .post(
                "/admin/login/code",
                &[("phone", OFFICER), ("code", wrong), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(p.status, 422);
        let locked = p.html.contains("Terlalu banyak kode salah");
        assert_eq!(locked, i == 5, "attempt {i}: {}", p.html);
    }
    let right = v
        .post(
            "/admin/login/code",
            &[("phone", OFFICER), ("code", &code), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(right.status, 422, "locked: even the right code");
    assert!(right.html.contains("Terlalu banyak kode salah"));
    let again = v
        .post("/admin/login", &[("phone", OFFICER), ("csrf", &csrf)])
        .await;
    assert!(
        again.html.contains("Terlalu banyak kode salah"),
        "no new code"
    );
    assert!(!v.cookies.contains_key("gotong_session"));
    k.server.shutdown().await;
}

async fn officers_decide_change_requests_within_their_scope(db: &Db) {
    let k = kelurahan(db).await;
    let path = format!("/admin/perubahan/{}", k.change);

    // The RW 01 officer does not see RW 02's report, nor can decide it.
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let queue = rw.get("/admin/perubahan").await;
    assert!(
        queue.html.contains("Tidak ada laporan yang menunggu"),
        "{}",
        queue.html
    );
    let csrf = queue.csrf();
    let refused = rw
        .post(&path, &[("csrf", &csrf), ("decision", "approve")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("tidak ada di wilayah Anda"));

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let queue = v.get("/admin/perubahan").await;
    assert!(
        queue.html.contains("tanggal lahir 1950-03-04"),
        "{}",
        queue.html
    );
    let csrf = queue.csrf();
    assert_eq!(
        v.post(&path, &[("decision", "approve")]).await.status,
        403,
        "no CSRF token"
    );
    let no_reason = v
        .post(
            &path,
            &[("csrf", &csrf), ("decision", "reject"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.html.contains("Penolakan perlu alasan"));
    let before = sent_to(&k, RESIDENT);
    let approved = v
        .post(&path, &[("csrf", &csrf), ("decision", "approve")])
        .await;
    assert_eq!(approved.status, 303);
    let after = v.get(approved.location.as_deref().unwrap()).await;
    assert!(after
        .html
        .contains(&format!("Laporan #{} disetujui", k.change)));
    assert!(after.html.contains("Tidak ada laporan yang menunggu"));
    let twice = v
        .post(&path, &[("csrf", &csrf), ("decision", "approve")])
        .await;
    assert_eq!(twice.status, 422, "a double submit does nothing twice");
    assert!(twice.html.contains("sudah diputuskan"));
    common::eventually("the resident told", Duration::from_secs(5), || async {
        sent_to(&k, RESIDENT) > before
    })
    .await;
    k.server.shutdown().await;
}

async fn a_rejected_proposal_shows_its_reason_in_public(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let queue = v.get("/admin/usulan").await;
    assert!(queue.html.contains(TITLE));
    assert!(
        !queue.html.contains("value=\"ditolak\""),
        "a new proposal cannot be rejected before it is processed"
    );
    let csrf = queue.csrf();
    let path = format!("/admin/usulan/{}/status", k.proposal);
    let skip = v
        .post(
            &path,
            &[("csrf", &csrf), ("status", "ditolak"), ("reason", "x")],
        )
        .await;
    assert_eq!(skip.status, 422);
    assert!(
        skip.html
            .contains("tidak bisa pindah dari Diterima ke Ditolak"),
        "{}",
        skip.html
    );
    let step = v
        .post(
            &path,
            &[("csrf", &csrf), ("status", "diproses"), ("reason", "")],
        )
        .await;
    assert_eq!(step.status, 303);
    let no_reason = v
        .post(
            &path,
            &[("csrf", &csrf), ("status", "ditolak"), ("reason", "")],
        )
        .await;
    assert!(no_reason.html.contains("Status ditolak perlu alasan"));
    let reason = "Anggaran 2027 sudah penuh, diajukan lagi tahun depan";
    let rejected = v
        .post(
            &path,
            &[("csrf", &csrf), ("status", "ditolak"), ("reason", reason)],
        )
        .await;
    assert_eq!(rejected.status, 303);
    let saved = v.get(rejected.location.as_deref().unwrap()).await;
    assert!(saved
        .html
        .contains(&format!("Usulan #{} sekarang: Ditolak", k.proposal)));

    let mut public = Visitor::new(&k.server);
    let list = public.get("/usulan").await;
    assert!(list.html.contains(reason), "{}", list.html);
    let one = public.get(&format!("/usulan/{}", k.proposal)).await;
    assert!(one.html.contains(reason));
    assert!(one.html.contains("Diproses &gt; Ditolak") || one.html.contains("Diproses > Ditolak"));
    k.server.shutdown().await;
}

async fn officers_answer_residents_questions(db: &Db) {
    let k = kelurahan(db).await;
    let path = format!("/admin/tanya/{}", k.ticket);
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let queue = rw.get("/admin/tanya").await;
    assert!(
        queue.html.contains("dijawab oleh petugas kelurahan"),
        "{}",
        queue.html
    );
    assert!(!queue.html.contains("posyandu"));

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let queue = v.get("/admin/tanya").await;
    assert!(
        queue.html.contains("Kapan posyandu RW 02 buka?"),
        "{}",
        queue.html
    );
    assert!(!queue.html.contains(RESIDENT), "the phone is masked");
    let csrf = queue.csrf();
    let empty = v
        .post(
            &path,
            &[("csrf", &csrf), ("action", "answer"), ("text", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.html.contains("Jawaban harus diisi"));
    let before = sent_to(&k, RESIDENT);
    let answer = "Setiap Sabtu pukul 08.00 di balai RW";
    let sent = v
        .post(
            &path,
            &[("csrf", &csrf), ("action", "answer"), ("text", answer)],
        )
        .await;
    assert_eq!(sent.status, 303);
    let after = v.get(sent.location.as_deref().unwrap()).await;
    assert!(after
        .html
        .contains(&format!("Jawaban tiket #{} dikirim", k.ticket)));
    let twice = v
        .post(
            &path,
            &[("csrf", &csrf), ("action", "answer"), ("text", answer)],
        )
        .await;
    assert_eq!(twice.status, 422, "a double submit is told once");
    assert!(twice.html.contains("Jawaban ini sudah dikirim"));
    common::eventually(
        "the answer reaches the resident",
        Duration::from_secs(5),
        || async {
            k.server
                .provider
                .accepted()
                .iter()
                .any(|r| r.to() == RESIDENT && r.text().contains(answer))
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent_to(&k, RESIDENT), before + 1, "told once");
    let closed = v.post(&path, &[("csrf", &csrf), ("action", "close")]).await;
    assert_eq!(closed.status, 303);
    let after = v.get("/admin/tanya").await;
    assert!(after.html.contains("Tidak ada tiket yang terbuka"));
    k.server.shutdown().await;
}

async fn a_pin_is_reset_at_the_office(db: &Db) {
    let k = kelurahan(db).await;
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let csrf = rw.get("/admin/pin").await.csrf();
    let other_rw = rw
        .post("/admin/pin", &[("csrf", &csrf), ("nik", &k.resident_nik)])
        .await;
    assert_eq!(
        other_rw.status, 422,
        "RW 02's resident is not RW 01's officer's"
    );
    assert!(other_rw.html.contains("Tidak ada HP terhubung"));

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let page = v.get("/admin/pin").await;
    assert!(page.html.contains("Tidak ada PIN yang terkunci"));
    let csrf = page.csrf();
    let bad = v
        .post("/admin/pin", &[("csrf", &csrf), ("nik", "12345")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("NIK terdiri dari 16 angka"));
    assert!(
        bad.html.contains("value=\"12345\""),
        "what was typed stays in the field"
    );
    let before = sent_to(&k, RESIDENT);
    let done = v
        .post("/admin/pin", &[("csrf", &csrf), ("nik", &k.resident_nik)])
        .await;
    assert_eq!(done.status, 303);
    let after = v.get(done.location.as_deref().unwrap()).await;
    let tail = &k.resident_nik[12..];
    assert!(
        after
            .html
            .contains(&format!("PIN warga NIK ...{tail} sudah direset")),
        "{}",
        after.html
    );
    assert!(!after.html.contains(&k.resident_nik), "never the whole NIK");
    common::eventually("the resident told", Duration::from_secs(5), || async {
        sent_to(&k, RESIDENT) > before
    })
    .await;
    let forged = v.get("/admin/pin?done=%3Cb%3Ehalo").await;
    assert!(
        !forged.html.contains("halo"),
        "only four digits come back from the address"
    );
    k.server.shutdown().await;
}

/// Posts the broadcast form with its `csrf` and one-time key.
async fn compose(
    v: &mut Visitor,
    [csrf, once]: [&str; 2],
    (text, rw, rt, action): (&str, &str, &str, &str),
) -> common::web::Page {
    let form = [
        ("csrf", csrf),
        ("once", once),
        ("text", text),
        ("rw", rw),
        ("rt", rt),
        ("role", ""),
        ("action", action),
    ];
    v.post("/admin/siaran", &form).await
}

async fn officers_broadcast_once_and_watch_it(db: &Db) {
    let k = kelurahan(db).await;
    // The resident writes by SMS: the broadcast reaches them by SMS, so its text must fit one.
    let now = chrono::Utc::now().timestamp_millis();
    gotong::testing::kelurahan::contacts(db, &[RESIDENT.to_string()], |_| {
        (gotong::message::Channel::Sms, now)
    })
    .await
    .unwrap();
    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let form = v.get("/admin/siaran").await;
    assert!(form.html.contains("Belum ada siaran"), "{}", form.html);
    let (csrf, once) = (form.csrf(), form.hidden("once"));
    assert_eq!(once.len(), 32, "a one-time key in the form");
    let rt_alone = compose(
        &mut v,
        [&csrf, &once],
        ("Kerja bakti Minggu", "", "001", "preview"),
    )
    .await;
    assert_eq!(rt_alone.status, 422);
    assert!(
        rt_alone.html.contains("Sebutkan RW-nya juga"),
        "{}",
        rt_alone.html
    );
    let emoji = compose(
        &mut v,
        [&csrf, &once],
        ("Kerja bakti Minggu 😀", "", "", "preview"),
    )
    .await;
    assert_eq!(emoji.status, 422);
    assert!(
        emoji.html.contains("tidak bisa dikirim lewat SMS: 😀"),
        "{}",
        emoji.html
    );
    assert!(
        emoji.html.contains("Kerja bakti Minggu 😀"),
        "the text stays in the form"
    );

    let text = "Kerja bakti Minggu pagi jam 7 di balai RW.";
    let preview = compose(&mut v, [&csrf, &once], (text, "", "", "preview")).await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    assert!(preview.html.contains("lewat SMS"), "{}", preview.html);
    assert!(preview.html.contains("42 huruf: 1 SMS"), "{}", preview.html);
    assert!(preview.html.contains("Kirim siaran"));
    assert_eq!(sent_to(&k, RESIDENT), 0, "a preview sends nothing");

    let sent = compose(&mut v, [&csrf, &once], (text, "", "", "send")).await;
    assert_eq!(sent.status, 303, "{}", sent.html);
    let at = sent.location.clone().unwrap();
    assert!(at.starts_with("/admin/siaran/"), "{at}");
    let twice = compose(&mut v, [&csrf, &once], (text, "", "", "send")).await;
    assert_eq!(
        twice.location.as_deref(),
        Some(at.as_str()),
        "the same broadcast"
    );
    let list = v.get("/admin/siaran").await;
    assert_eq!(
        list.html.matches("href=\"/admin/siaran/").count(),
        1,
        "queued once"
    );
    common::eventually("the resident gets it", Duration::from_secs(10), || async {
        k.server
            .provider
            .accepted()
            .iter()
            .any(|r| r.to() == RESIDENT && r.text() == text)
    })
    .await;
    let mut counted = false;
    for _ in 0..100 {
        let page = v.get(&at).await;
        if page
            .html
            .contains("<th>Terkirim</th><td class=\"num\">1</td>")
        {
            counted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(counted, "the page counts it sent");
    let watched = v.get(&at).await;
    assert!(
        !watched.html.contains("http-equiv=\"refresh\""),
        "nothing waits"
    );
    let finished = v.post(&format!("{at}/batal"), &[("csrf", &csrf)]).await;
    assert_eq!(finished.status, 422);
    assert!(
        finished.html.contains("sudah selesai terkirim"),
        "{}",
        finished.html
    );

    // The RW 01 officer sees neither the kelurahan's broadcast nor sends beyond RW 01.
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    assert_eq!(rw.get(&at).await.status, 404);
    let f = rw.get("/admin/siaran").await;
    assert!(f.html.contains("Belum ada siaran"));
    let out = rw
        .post(
            "/admin/siaran",
            &[
                ("csrf", &f.csrf()),
                ("once", &f.hidden("once")),
                ("text", "Rapat RW"),
                ("rw", "02"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(out.status, 422);
    assert!(
        out.html
            .contains("hanya bisa mengirim siaran ke wilayah itu"),
        "{}",
        out.html
    );
    // Their own broadcast to RW 01 they see, in their list and on its page.
    gotong::testing::kelurahan::contacts(db, &[OFFICER.to_string()], |_| {
        (gotong::message::Channel::Sms, now)
    })
    .await
    .unwrap();
    let once = f.hidden("once");
    let own = compose(
        &mut rw,
        [&f.csrf(), &once],
        ("Rapat RW Sabtu malam", "", "", "send"),
    )
    .await;
    assert_eq!(own.status, 303, "{}", own.html);
    let mine = own.location.unwrap();
    assert_eq!(
        rw.get(&mine).await.status,
        200,
        "an RW officer's own broadcast"
    );
    let list = rw.get("/admin/siaran").await;
    assert_eq!(
        list.html.matches("href=\"/admin/siaran/").count(),
        1,
        "only their own: {}",
        list.html
    );
    assert!(
        list.html.contains("RW01"),
        "sent within RW 01: {}",
        list.html
    );
    k.server.shutdown().await;
}

async fn officers_run_a_swadaya_campaign(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let page = format!("/admin/usulan/{}", k.proposal);
    let new = v.get(&page).await;
    assert_eq!(new.status, 200, "{}", new.html);
    assert!(new.html.contains("Buka galang dana"), "{}", new.html);
    let csrf = new.csrf();
    let open = format!("{page}/galang");
    let bad = v
        .post(&open, &[("csrf", &csrf), ("target", "banyak")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.html.contains("Target dana harus berupa angka"),
        "{}",
        bad.html
    );
    assert!(
        bad.html.contains("value=\"banyak\""),
        "what was typed stays"
    );
    let opened = v
        .post(&open, &[("csrf", &csrf), ("target", "2.500.000")])
        .await;
    assert_eq!(opened.status, 303, "{}", opened.html);
    let twice = v
        .post(&open, &[("csrf", &csrf), ("target", "2.500.000")])
        .await;
    assert_eq!(twice.status, 422);
    assert!(
        twice.html.contains("sudah punya galang dana"),
        "{}",
        twice.html
    );

    // A resident gives Rp30.000; the officer records Rp20.000 spent, once however often sent.
    let kk2 = "3201010101000202";
    gotong::testing::kelurahan::top_up(db, kk2, 50_000, "topup:web")
        .await
        .unwrap();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let texts = gotong::i18n::Texts::load_shipped().unwrap();
    let req = gotong::proposals::campaign::DonationRequest {
        donor_nik: &k.resident_nik,
        number: k.proposal,
        amount: 30_000,
        key: "donate:web:1",
        minor_limit: 50_000,
        now: chrono::Utc::now().timestamp_millis(),
    };
    gotong::proposals::campaign::donate(&mut tx, &texts, &req)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let form = v.get(&page).await;
    assert!(
        form.html.contains("dana tersedia Rp30.000"),
        "{}",
        form.html
    );
    let once = form.hidden("once");
    let spend = format!("{page}/dana");
    let memo = "Beli 2 lampu LED dan kabel";
    let too_much = v
        .post(
            &spend,
            &[
                ("csrf", &csrf),
                ("once", &once),
                ("amount", "40.000"),
                ("memo", memo),
            ],
        )
        .await;
    assert_eq!(too_much.status, 422);
    assert!(
        too_much
            .html
            .contains("melebihi dana yang tersedia (Rp30.000)"),
        "{}",
        too_much.html
    );
    let no_memo = v
        .post(
            &spend,
            &[
                ("csrf", &csrf),
                ("once", &once),
                ("amount", "20.000"),
                ("memo", " "),
            ],
        )
        .await;
    assert_eq!(no_memo.status, 422);
    assert!(
        no_memo.html.contains("Tulis keterangan penggunaan"),
        "{}",
        no_memo.html
    );
    for _ in 0..2 {
        let done = v
            .post(
                &spend,
                &[
                    ("csrf", &csrf),
                    ("once", &once),
                    ("amount", "20.000"),
                    ("memo", memo),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.html);
    }
    let after = v.get(&page).await;
    assert!(
        after.html.contains("dana tersedia Rp10.000"),
        "spent once: {}",
        after.html
    );
    let public = Visitor::new(&k.server)
        .get(&format!("/usulan/{}", k.proposal))
        .await;
    assert_eq!(public.html.matches(memo).count(), 1, "{}", public.html);
    assert!(
        public.html.contains("terkumpul Rp30.000, sisa Rp10.000"),
        "{}",
        public.html
    );

    let closed = v.post(&format!("{page}/tutup"), &[("csrf", &csrf)]).await;
    assert_eq!(closed.status, 303);
    let again = v.post(&format!("{page}/tutup"), &[("csrf", &csrf)]).await;
    assert_eq!(again.status, 422);
    assert!(again.html.contains("sudah ditutup"), "{}", again.html);

    // RW 01's officer cannot reach RW 02's proposal.
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    assert_eq!(rw.get(&page).await.status, 404);
    let csrf = rw.get("/admin").await.csrf();
    let other = rw
        .post(
            &spend,
            &[
                ("csrf", &csrf),
                ("once", "ab"),
                ("amount", "1000"),
                ("memo", "x"),
            ],
        )
        .await;
    assert_eq!(other.status, 404);
    k.server.shutdown().await;
}

async fn the_problem_map_shows_each_rw_within_scope(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let map = v.get("/admin/peta").await;
    assert_eq!(map.status, 200, "{}", map.html);
    let tile = |html: &str, rw: &str| -> String {
        let start = html
            .find(&format!("<h2>RW {rw}</h2>"))
            .expect("the RW's tile");
        let end = html[start..].find("</section>").unwrap() + start;
        html[start..end].to_string()
    };
    let rw02 = tile(&map.html, "02");
    // Mbah Sri (born 1950) is her household's only member: elderly living alone, the highest.
    assert!(
        rw02.contains("<dt>Lansia tinggal sendiri</dt><dd class=\"top\">1</dd>"),
        "{rw02}"
    );
    assert!(rw02.contains("1 KK, 1 warga"), "{rw02}");
    assert!(rw02.contains(TITLE), "RW 02's proposal ranked in its tile");
    assert!(rw02.contains("1 dukungan"), "{rw02}");
    let rw01 = tile(&map.html, "01");
    assert!(
        rw01.contains("<dt>Lansia tinggal sendiri</dt><dd>0</dd>"),
        "{rw01}"
    );
    assert!(rw01.contains("2 warga"), "{rw01}");
    assert!(!rw01.contains(TITLE));
    assert!(!map.html.contains(&k.resident_name), "no one is named");

    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let own = rw.get("/admin/peta").await;
    assert!(own.html.contains("<h2>RW 01</h2>"));
    assert!(
        !own.html.contains("<h2>RW 02</h2>"),
        "RW 01's officer sees RW 01"
    );
    k.server.shutdown().await;
}

async fn officers_serve_letter_requests_in_order(db: &Db) {
    let k = kelurahan(db).await;
    let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
    let asked = letters::request(
        &mut tx,
        &NewLetter {
            no_kk: "3201010101000202",
            nik: &k.resident_nik,
            phone: RESIDENT,
            kind: "Keterangan domisili",
            purpose: "Untuk membuka rekening bank",
        },
        gotong::testing::transcript::START_MS,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let Requested::New { number: n, .. } = asked else {
        panic!("{asked:?}")
    };
    let path = format!("/admin/surat/{n}");

    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let theirs = rw.get("/admin/surat").await;
    assert!(theirs.html.contains("dilayani petugas kelurahan"));
    assert!(!theirs.html.contains("rekening bank"));
    let csrf = theirs.csrf();
    let refused = rw
        .post(&path, &[("csrf", &csrf), ("status", "diproses")])
        .await;
    assert_eq!(refused.status, 422, "an RW officer moves no letter");

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let queue = v.get("/admin/surat").await;
    assert!(queue.html.contains("Keterangan domisili"), "{}", queue.html);
    assert!(queue.html.contains("Untuk membuka rekening bank"));
    assert!(
        queue.html.contains("menunggu laporan perubahan data"),
        "the household's change request is still open"
    );
    assert!(!queue.html.contains(&k.resident_nik), "the NIK is masked");
    let csrf = queue.csrf();
    let no_reason = v
        .post(
            &path,
            &[("csrf", &csrf), ("status", "ditolak"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.html.contains("Tulis alasan penolakan"));
    let too_early = v
        .post(&path, &[("csrf", &csrf), ("status", "selesai")])
        .await;
    assert_eq!(too_early.status, 422);
    assert!(
        too_early
            .html
            .contains("Surat yang diajukan tidak bisa menjadi selesai"),
        "{}",
        too_early.html
    );

    let before = sent_to(&k, RESIDENT);
    let ready = v
        .post(&path, &[("csrf", &csrf), ("status", "siap_diambil")])
        .await;
    assert_eq!(ready.status, 303);
    let after = v.get(ready.location.as_deref().unwrap()).await;
    assert!(
        after
            .html
            .contains(&format!("Surat #{n} sekarang siap diambil")),
        "{}",
        after.html
    );
    let twice = v
        .post(&path, &[("csrf", &csrf), ("status", "siap_diambil")])
        .await;
    assert_eq!(twice.status, 303, "the same status again changes nothing");
    common::eventually(
        "the resident hears the letter is ready",
        Duration::from_secs(5),
        || async {
            k.server
                .provider
                .accepted()
                .iter()
                .any(|r| r.to() == RESIDENT && r.text().contains(&format!("#{n}")))
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent_to(&k, RESIDENT), before + 1, "told once");
    let refuse_ready = v
        .post(
            &path,
            &[("csrf", &csrf), ("status", "ditolak"), ("reason", "Salah")],
        )
        .await;
    assert_eq!(refuse_ready.status, 422, "a ready letter is not refused");
    let done = v
        .post(&path, &[("csrf", &csrf), ("status", "selesai")])
        .await;
    assert_eq!(done.status, 303);
    let empty = v.get("/admin/surat").await;
    assert!(empty
        .html
        .contains("Tidak ada permintaan surat yang terbuka"));
    k.server.shutdown().await;
}

async fn officers_post_an_event_once_and_count_who_came(db: &Db) {
    let k = kelurahan(db).await;
    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let form = rw.get("/admin/kegiatan").await;
    assert!(
        form.html.contains(r#"name="rw" maxlength="4" value="01""#),
        "{}",
        form.html
    );
    let csrf = form.csrf();
    let once = form.hidden("once");
    let elsewhere = rw
        .post(
            "/admin/kegiatan",
            &[
                ("csrf", &csrf),
                ("once", &once),
                ("title", "Kerja bakti RW 02"),
                ("place", "Balai RW 02"),
                ("starts_at", "2027-06-06T07:00"),
                ("needed", "10"),
                ("rw", "02"),
            ],
        )
        .await;
    assert_eq!(elsewhere.status, 422);
    assert!(elsewhere
        .html
        .contains("hanya mengumumkan kegiatan untuk RW-nya sendiri"));
    assert!(
        elsewhere.html.contains("Kerja bakti RW 02"),
        "the form keeps what was typed"
    );

    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let form = v.get("/admin/kegiatan").await;
    assert!(form.html.contains("Belum ada kegiatan"));
    let csrf = form.csrf();
    let once = form.hidden("once");
    let fields = |starts: &'static str, needed: &'static str| {
        vec![
            ("title", "Kerja bakti selokan"),
            ("place", "Balai kelurahan"),
            ("starts_at", starts),
            ("needed", needed),
            ("rw", ""),
        ]
    };
    for (starts, needed, says) in [
        ("2020-01-01T07:00", "10", "Waktu mulai harus di masa depan"),
        (
            "besok pagi",
            "10",
            "Tulis waktu mulai sebagai tanggal dan jam",
        ),
        ("2027-06-06T07:00", "0", "Jumlah relawan harus 1 sampai 500"),
        (
            "2027-06-06T07:00",
            "sepuluh",
            "Jumlah relawan harus 1 sampai 500",
        ),
    ] {
        let mut form = vec![("csrf", csrf.as_str()), ("once", once.as_str())];
        form.extend(fields(starts, needed));
        let bad = v.post("/admin/kegiatan", &form).await;
        assert_eq!(bad.status, 422, "{starts} {needed}");
        assert!(bad.html.contains(says), "{says}: {}", bad.html);
    }
    let mut form = vec![("csrf", csrf.as_str()), ("once", once.as_str())];
    form.extend(fields("2027-06-06T07:00", "10"));
    let posted = v.post("/admin/kegiatan", &form).await;
    assert_eq!(posted.status, 303, "{}", posted.html);
    let twice = v.post("/admin/kegiatan", &form).await;
    assert_eq!(
        twice.location, posted.location,
        "a double submit posts one event"
    );
    let page = posted.location.clone().unwrap();
    let n: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
    assert_eq!(tx.upcoming_events(0, "").await.unwrap().len(), 1);
    let resident = tx.person(&k.resident_nik).await.unwrap().unwrap();
    gotong::events::sign_up(
        &mut tx,
        n,
        &resident,
        RESIDENT,
        gotong::testing::transcript::START_MS,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let rw_list = rw.get("/admin/kegiatan").await;
    assert!(
        !rw_list.html.contains("Kerja bakti selokan"),
        "an RW officer manages their RW's events"
    );
    assert_eq!(rw.get(&page).await.status, 404);
    let list = v.get("/admin/kegiatan").await;
    assert!(list.html.contains("Kerja bakti selokan"));
    assert!(list.html.contains("2027-06-06 07:00"));
    assert!(list.html.contains("1 / 10"), "{}", list.html);

    let one = v.get(&page).await;
    assert!(one.html.contains(&k.resident_name));
    assert!(!one.html.contains(&k.resident_nik), "the NIK is masked");
    assert!(one.html.contains("1 dari 10 relawan mendaftar; 0 hadir"));
    let csrf = one.csrf();
    let hadir = format!("{page}/hadir");
    let stranger = v
        .post(&hadir, &[("csrf", &csrf), ("nik", "3201010101010199")])
        .await;
    assert_eq!(stranger.status, 422);
    assert!(stranger.html.contains("tidak terdaftar sebagai relawan"));
    let typo = v.post(&hadir, &[("csrf", &csrf), ("nik", "12345")]).await;
    assert!(typo.html.contains("NIK harus 16 angka"));
    for _ in 0..2 {
        let came = v
            .post(&hadir, &[("csrf", &csrf), ("nik", &k.resident_nik)])
            .await;
        assert_eq!(came.status, 303);
    }
    let counted = v.get(&page).await;
    assert!(
        counted
            .html
            .contains("1 dari 10 relawan mendaftar; 1 hadir"),
        "twice is once: {}",
        counted.html
    );

    let before = sent_to(&k, RESIDENT);
    let cancelled = v.post(&format!("{page}/batal"), &[("csrf", &csrf)]).await;
    assert_eq!(cancelled.status, 303);
    let after = v.get(cancelled.location.as_deref().unwrap()).await;
    assert!(after
        .html
        .contains("warga yang mendaftar sudah diberi tahu"));
    assert!(
        !after.html.contains("Kerja bakti selokan"),
        "no longer upcoming"
    );
    common::eventually(
        "the volunteer hears of the cancellation",
        Duration::from_secs(5),
        || async { sent_to(&k, RESIDENT) > before },
    )
    .await;
    let gone = v.get(&page).await;
    assert!(gone.html.contains("Kegiatan ini dibatalkan"));
    assert!(!gone.html.contains("Batalkan kegiatan"));
    k.server.shutdown().await;
}

async fn the_public_sees_upcoming_events_and_the_market(db: &Db) {
    use gotong::testing::transcript::START_MS;
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    let none = v.get("/kegiatan").await;
    assert!(none.html.contains("Belum ada kegiatan mendatang"));
    let empty = v.get("/pasar").await;
    assert!(empty.html.contains("Belum ada barang yang dijual"));

    let warung =
        gotong::testing::kelurahan::merchant(db, &k.resident_nik, "Warung Mbah Sri", START_MS)
            .await
            .unwrap();
    let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
    let starts_at = gotong::calendar::parse_jakarta_time("2027-06-06 07:00").unwrap();
    let number = gotong::events::post(
        &mut tx,
        &gotong::events::NewEvent {
            title: "Kerja bakti selokan",
            place: "Balai RW 02",
            starts_at,
            needed: 12,
            rw: Some("02"),
            item: None,
            campaign: None,
        },
        "test",
        START_MS,
    )
    .await
    .unwrap();
    let who = tx.person(&k.resident_nik).await.unwrap().unwrap();
    gotong::events::sign_up(&mut tx, number, &who, RESIDENT, START_MS)
        .await
        .unwrap();
    let mut codes = Vec::new();
    for (name, category, price) in [
        ("Kue lapis legit", "makanan", 25_000),
        ("Es teh manis", "minuman", 3_000),
    ] {
        let sale = gotong::market::Sale {
            name,
            price,
            stock: 5,
            category,
            photo: None,
        };
        codes.push(
            gotong::market::sell(&mut tx, &warung, &sale, START_MS)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();

    let events = v.get("/kegiatan").await;
    assert!(events
        .html
        .contains(&format!("#{number} Kerja bakti selokan")));
    assert!(
        events.html.contains("2027-06-06 07:00 WIB"),
        "{}",
        events.html
    );
    assert!(events.html.contains("1 dari 12 relawan"));
    assert!(
        !events.html.contains(&k.resident_name),
        "no volunteer is named"
    );

    let market = v.get("/pasar").await;
    assert!(market.html.contains("Kue lapis legit"), "{}", market.html);
    assert!(market.html.contains("Rp25.000"));
    assert!(market.html.contains("sisa 5"));
    assert!(market.html.contains("Warung Mbah Sri (RW 02)"));
    assert!(market.html.contains(&format!("PESAN {} 1", codes[0])));
    let found = v.get("/pasar?cari=teh").await;
    assert!(found.html.contains("Es teh manis"));
    assert!(!found.html.contains("Kue lapis legit"), "{}", found.html);
    let nothing = v.get("/pasar?cari=sepeda").await;
    assert!(nothing.html.contains("Tidak ada barang yang cocok"));
    let english = v.get("/bahasa/en?back=/pasar").await;
    assert_eq!(english.status, 303);
    let en = v.get("/pasar").await;
    assert!(en.html.contains("5 left"), "{}", en.html);
    k.server.shutdown().await;
}

/// A square RW boundary feature named `name`, `x` degrees east.
fn rw_square(name: &str, x: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"nama":"{name}"}},"geometry":{{"type":"Polygon",
        "coordinates":[[[{x},-6.2],[{x1},-6.2],[{x1},-6.21],[{x},-6.21],[{x},-6.2]]]}}}}"#,
        x1 = x + 0.01
    )
}

fn rw_collection(features: &[String]) -> Vec<u8> {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
    .into_bytes()
}

async fn the_problem_map_is_drawn_from_uploaded_rw_boundaries(db: &Db) {
    let k = kelurahan(db).await;
    let mut v = Visitor::new(&k.server);
    v.log_in(&k, OFFICER).await;
    let tiles = v.get("/admin/peta").await;
    assert!(
        !tiles.html.contains("<svg class=\"map\""),
        "no boundaries, no map"
    );
    assert!(tiles.html.contains("Unggah batas RW"));
    let csrf = tiles.csrf();
    let upload = |bytes: Vec<u8>| (csrf.clone(), bytes);

    let (c, bytes) = upload(rw_collection(&[
        rw_square("RW 01", 106.8),
        rw_square("Balai", 106.81),
    ]));
    let nameless = v
        .post_file("/admin/peta/batas", &[("csrf", &c)], "rw.geojson", bytes)
        .await;
    assert_eq!(nameless.status, 422);
    assert!(
        nameless.html.contains("fitur ke-2 tidak menyebut RW-nya"),
        "{}",
        nameless.html
    );
    let (c, bytes) = upload(rw_collection(&[
        rw_square("RW 01", 106.8),
        rw_square("RW 09", 106.81),
    ]));
    let stranger = v
        .post_file("/admin/peta/batas", &[("csrf", &c)], "rw.geojson", bytes)
        .await;
    assert_eq!(stranger.status, 422);
    assert!(stranger.html.contains("tidak ada di data penduduk: 09"));
    let (c, bytes) = upload(b"<kml/>".to_vec());
    let kml = v
        .post_file("/admin/peta/batas", &[("csrf", &c)], "rw.kml", bytes)
        .await;
    assert!(kml.html.contains("bukan GeoJSON"));

    let (c, bytes) = upload(rw_collection(&[
        rw_square("RW 01", 106.8),
        rw_square("RW 02", 106.81),
    ]));
    let saved = v
        .post_file("/admin/peta/batas", &[("csrf", &c)], "rw.geojson", bytes)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let map = v.get(saved.location.as_deref().unwrap()).await;
    assert!(map.html.contains("Batas RW disimpan"));
    assert!(map.html.contains("<svg class=\"map\""), "{}", map.html);
    assert!(map.html.contains(r#"<g data-rw="01">"#) && map.html.contains(r#"<g data-rw="02">"#));
    // RW 02 has the one elderly resident living alone; RW 01 none.
    assert!(
        map.html.contains("RW 02: 1") && map.html.contains("RW 01: 0"),
        "{}",
        map.html
    );
    let by_unverified = v.get("/admin/peta?ukuran=5").await;
    assert!(by_unverified
        .html
        .contains("<strong>KK belum memeriksa data</strong>"));
    assert!(
        by_unverified.html.contains("RW 01: 1") && by_unverified.html.contains("RW 02: 1"),
        "neither household checked its data: {}",
        by_unverified.html
    );

    let mut rw = Visitor::new(&k.server);
    rw.log_in(&k, RW_OFFICER).await;
    let theirs = rw.get("/admin/peta").await;
    assert!(theirs.html.contains("RW 01: 0"));
    assert!(
        !theirs.html.contains("RW 02: 1"),
        "RW 02 is drawn blank for RW 01's officer"
    );
    assert!(!theirs.html.contains("Unggah batas RW"));
    let csrf = theirs.csrf();
    let refused = rw
        .post_file(
            "/admin/peta/batas",
            &[("csrf", &csrf)],
            "rw.geojson",
            rw_collection(&[rw_square("RW 01", 106.8)]),
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(db.audit_entries("map.boundaries").await.unwrap().len(), 1);
    k.server.shutdown().await;
}

backend_tests!(
    the_problem_map_is_drawn_from_uploaded_rw_boundaries,
    the_public_sees_upcoming_events_and_the_market,
    officers_post_an_event_once_and_count_who_came,
    officers_serve_letter_requests_in_order,
    the_problem_map_shows_each_rw_within_scope,
    officers_run_a_swadaya_campaign,
    officers_broadcast_once_and_watch_it,
    a_pin_is_reset_at_the_office,
    officers_answer_residents_questions,
    public_pages_show_figures_not_persons,
    officers_log_in_with_a_code_sent_to_their_phone,
    five_wrong_codes_lock_the_login,
    officers_decide_change_requests_within_their_scope,
    a_rejected_proposal_shows_its_reason_in_public,
);
