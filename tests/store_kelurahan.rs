//! Two kelurahan on one deployment (issue 18), on both backends: the registry, links, change
//! requests, admins and broadcasts of one are invisible from the other; an import keeps each NIK
//! and KK in one kelurahan, moves a person recorded as moved out (`datang`), and settles two
//! imports running at the same time by the database's keys.

use gotong::broadcast::{self, BroadcastError, Scope};
use gotong::config::Config;
use gotong::message::Channel;
use gotong::registry::change::{self, ChangeError, Kind, Status};
use gotong::registry::{import_registry, ImportOptions, ImportReport};
use gotong::store::{Db, KelurahanId, NewChangeRequest, Target};
use gotong::testing::kelurahan::{
    another_kelurahan, contacts, household_in, link_at, nik_for, person,
};

const KEY: [u8; 32] = [7; 32];
const HEAD: &str = "KEPALA KELUARGA";
const HEADER: &str = "no_kk,nik,nama,tanggal_lahir,jenis_kelamin,shdk,rt,rw,status_tinggal,no_hp";
/// 2026-11-25 08:00 in Jakarta.
const NOW: i64 = 1_795_568_400_000;

struct Two {
    a: KelurahanId,
    b: KelurahanId,
    /// (no_kk, head's NIK, head's phone) in A and in B.
    in_a: (String, String, String),
    in_b: (String, String, String),
}

/// Kelurahan Sukamaju (A) and Mojo (B) of one kecamatan, one household each, the head linked.
async fn two(db: &Db) -> Two {
    let a = another_kelurahan(db, "3577011001", "Sukamaju")
        .await
        .unwrap();
    let b = another_kelurahan(db, "3577011002", "Mojo").await.unwrap();
    let mut made = Vec::new();
    for (k, serial, kk, phone) in [
        (a, 1, "3577010101000001", "+6281300000001"),
        (b, 2, "3577010101000002", "+6281300000002"),
    ] {
        let head = nik_for("1980-05-12", false, serial);
        household_in(
            db,
            k,
            kk,
            &[person(kk, &head, "Kepala", "1980-05-12", "KEPALA KELUARGA")],
        )
        .await
        .unwrap();
        link_at(db, KEY, phone, &head, "482915", 0).await.unwrap();
        made.push((kk.to_string(), head, phone.to_string()));
    }
    let in_b = made.pop().unwrap();
    let in_a = made.pop().unwrap();
    Two { a, b, in_a, in_b }
}

async fn kelurahan_see_only_their_own_registry_links_and_requests(db: &Db) {
    let t = two(db).await;
    let (kk_b, nik_b, phone_b) = &t.in_b;
    let mut tx = db.begin(t.b).await.unwrap();
    let request = tx
        .insert_change_request(
            &NewChangeRequest {
                no_kk: kk_b,
                nik: Some(nik_b),
                kind: Kind::MoveOut,
                details: "pindah ke Surabaya",
                reported_by: nik_b,
            },
            NOW,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin(t.a).await.unwrap();
    assert!(tx.person(nik_b).await.unwrap().is_none());
    assert!(tx.household(kk_b).await.unwrap().is_none());
    assert!(tx.household_members(kk_b).await.unwrap().is_empty());
    assert!(tx.link_of_phone(phone_b).await.unwrap().is_none());
    assert!(tx.phone_of_person(nik_b).await.unwrap().is_none());
    assert!(tx.change_request(request).await.unwrap().is_none());
    // Deciding it from A is "no such request", and changes nothing.
    assert!(matches!(
        change::decide(
            &mut tx,
            None,
            request,
            Status::Approved,
            None,
            "officer-a",
            NOW
        )
        .await,
        Err(ChangeError::Unknown)
    ));
    // Marking B's household verified from A does nothing.
    tx.mark_household_verified(kk_b, NOW).await.unwrap();
    // The one deployment-wide lookup says where the phone is registered.
    let (link, there) = tx
        .link_of_phone_in_deployment(phone_b)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (link.nik.as_str(), there.code.as_str()),
        (nik_b.as_str(), "3577011002")
    );
    assert_eq!(there.title(), "Kelurahan Mojo");
    // A sees its own.
    let (kk_a, nik_a, phone_a) = &t.in_a;
    assert_eq!(tx.person(nik_a).await.unwrap().unwrap().no_kk, *kk_a);
    assert_eq!(tx.household_members(kk_a).await.unwrap().len(), 1);
    assert_eq!(
        tx.link_of_phone(phone_a).await.unwrap().unwrap().nik,
        *nik_a
    );
    tx.commit().await.unwrap();

    assert!(db.change_requests(t.a, None).await.unwrap().is_empty());
    let in_b = db
        .change_requests(t.b, Some(Status::Pending))
        .await
        .unwrap();
    assert_eq!(in_b.iter().map(|r| r.id).collect::<Vec<_>>(), vec![request]);
    let mut tx = db.begin(t.b).await.unwrap();
    assert!(tx
        .household(kk_b)
        .await
        .unwrap()
        .unwrap()
        .verified_at
        .is_none());
    tx.rollback().await.unwrap();

    // Figures, the registry listing and data quality are per kelurahan.
    let stats = db.registry_stats(Some(t.a)).await.unwrap();
    assert_eq!(
        (stats.households, stats.persons, stats.linked_phones),
        (1, 1, 1)
    );
    let all = db.registry_stats(None).await.unwrap();
    assert_eq!((all.households, all.persons, all.linked_phones), (2, 2, 2));
    let members = db.registry_members(t.a).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].person.nik, *nik_a);
    assert!(db
        .registry_members(KelurahanId::DEFAULT)
        .await
        .unwrap()
        .is_empty());
    let findings = db.data_quality(t.b, chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    assert!(findings.await.unwrap().iter().all(|f| f.no_kk == *kk_b));
}

async fn kelurahan_see_only_their_own_admins_and_broadcasts(db: &Db) {
    let t = two(db).await;
    let (_, nik_a, phone_a) = &t.in_a;
    let (_, nik_b, phone_b) = &t.in_b;
    contacts(db, &[phone_a.clone(), phone_b.clone()], |_| {
        (Channel::Sms, NOW)
    })
    .await
    .unwrap();
    let config = Config::for_database("sqlite::memory:");
    let mut tx = db.begin(t.b).await.unwrap();
    broadcast::grant_admin(&mut tx, nik_b, &Scope::Kelurahan, "test", NOW)
        .await
        .unwrap();
    let sent = broadcast::create(&mut tx, "test", &Target::default(), "Rapat", &config, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Only B's resident was reached, from B's number.
    assert_eq!(sent.plan.recipients, 1);

    let mut tx = db.begin(t.a).await.unwrap();
    assert!(tx.admin(nik_b).await.unwrap().is_none());
    assert!(tx.broadcast(sent.id).await.unwrap().is_none());
    assert!(matches!(
        broadcast::cancel(&mut tx, sent.id, "test", |_| true, NOW).await,
        Err(BroadcastError::NotFound)
    ));
    // A resident of B cannot be made an admin of A.
    assert!(matches!(
        broadcast::grant_admin(&mut tx, nik_b, &Scope::Kelurahan, "test", NOW).await,
        Err(BroadcastError::NotLinked)
    ));
    assert!(broadcast::admin_of_phone(&mut tx, phone_b)
        .await
        .unwrap()
        .is_none());
    let reach = tx.broadcast_reach(&Target::default(), 0).await.unwrap();
    assert_eq!(reach.sms, 1, "A reaches its own resident only");
    broadcast::grant_admin(&mut tx, nik_a, &Scope::Kelurahan, "test", NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(db.broadcast_counts(t.a, sent.id).await.unwrap().is_none());
    assert_eq!(
        db.broadcast_counts(t.b, sent.id)
            .await
            .unwrap()
            .unwrap()
            .recipients,
        1
    );
    let mut tx = db.begin(t.b).await.unwrap();
    assert!(tx.admin(nik_a).await.unwrap().is_none());
    assert!(tx.admin(nik_b).await.unwrap().is_some());
    assert_eq!(
        broadcast::cancel(&mut tx, sent.id, "test", |_| true, NOW)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    assert_eq!(
        db.audit_entries_in(t.a, "admin.grant").await.unwrap().len(),
        1
    );
    assert_eq!(
        db.audit_entries_in(t.b, "broadcast.cancel")
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(db
        .audit_entries_in(t.a, "broadcast.cancel")
        .await
        .unwrap()
        .is_empty());
}

/// Sukamaju (A) and Mojo (B) of kecamatan 357701, Tegal (C) of another: one household each,
/// the head linked, having written by SMS; A's head is a kecamatan admin, B's a kelurahan admin.
async fn three(db: &Db) -> ([KelurahanId; 3], [(String, String); 3]) {
    let t = two(db).await;
    let c = another_kelurahan(db, "3578021001", "Tegal").await.unwrap();
    let (kk, head) = ("3578020101000003", nik_for("1980-05-12", false, 3));
    household_in(
        db,
        c,
        kk,
        &[person(kk, &head, "Kepala", "1980-05-12", "KEPALA KELUARGA")],
    )
    .await
    .unwrap();
    link_at(db, KEY, "+6281300000003", &head, "482915", 0)
        .await
        .unwrap();
    let people = [
        (t.in_a.1, t.in_a.2),
        (t.in_b.1, t.in_b.2),
        (head, "+6281300000003".to_string()),
    ];
    let phones: Vec<String> = people.iter().map(|(_, p)| p.clone()).collect();
    contacts(db, &phones, |_| (Channel::Sms, NOW))
        .await
        .unwrap();
    for (k, (nik, _), scope) in [
        (t.a, &people[0], Scope::Kecamatan),
        (t.b, &people[1], Scope::Kelurahan),
    ] {
        let mut tx = db.begin(k).await.unwrap();
        broadcast::grant_admin(&mut tx, nik, &scope, "test", NOW)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    ([t.a, t.b, c], people)
}

async fn a_kecamatan_admin_broadcasts_in_each_kelurahan_of_the_kecamatan(db: &Db) {
    let ([a, b, c], people) = three(db).await;
    let config = Config::for_database("sqlite::memory:");
    let mut tx = db.begin(a).await.unwrap();
    let (nik, scope) = broadcast::admin_of_phone(&mut tx, &people[0].1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scope, Scope::Kecamatan);
    let home = tx.this_kelurahan().await.unwrap();
    let mine = scope.kelurahan(&mut tx, &home).await.unwrap();
    assert_eq!(
        mine.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![a, b],
        "Tegal is of another kecamatan"
    );
    let actor = broadcast::admin_actor(&nik);
    let all = scope.destination(&mine, None, None, None, None).unwrap();
    let made = broadcast::create_in(
        &mut tx,
        &actor,
        &all.kelurahan,
        &all.target,
        "Posyandu",
        &config,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        tx.kelurahan(),
        a,
        "the unit of work acts for the admin's kelurahan again"
    );
    let one = scope
        .destination(&mine, Some("1002"), None, None, None)
        .unwrap();
    let only_b = broadcast::create_in(
        &mut tx,
        &actor,
        &one.kelurahan,
        &one.target,
        "Rapat",
        &config,
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let ids: Vec<(KelurahanId, i64, i64)> = made
        .iter()
        .map(|(k, c)| (k.id, c.unwrap().id, c.unwrap().plan.recipients))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|(_, _, n)| *n == 1));
    let (id_a, id_b) = (ids[0].1, ids[1].1);
    assert_eq!(only_b.len(), 1);
    let id_b2 = only_b[0].1.unwrap().id;
    // Each is B's or A's own: counted, listed and audited there, sent from there.
    assert!(db.broadcast_counts(a, id_b).await.unwrap().is_none());
    assert_eq!(
        db.broadcast_counts(b, id_b)
            .await
            .unwrap()
            .unwrap()
            .recipients,
        1
    );
    assert_eq!(
        db.broadcast_counts(a, id_a)
            .await
            .unwrap()
            .unwrap()
            .recipients,
        1
    );
    assert_eq!(
        db.audit_entries_in(b, "broadcast.create")
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(db
        .audit_entries_in(c, "broadcast.create")
        .await
        .unwrap()
        .is_empty());
    let to_b = db
        .take_outbox_for_phone(b, &people[1].1, NOW)
        .await
        .unwrap();
    let texts: Vec<&str> = to_b.iter().map(|b| b.main_text()).collect();
    assert_eq!(texts, vec!["Posyandu", "Rapat"]);
    assert!(db
        .take_outbox_for_phone(a, &people[1].1, NOW)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .take_outbox_for_phone(c, &people[2].1, NOW)
        .await
        .unwrap()
        .is_empty());

    // The kecamatan admin cancels in B; B's kelurahan admin cannot reach A, nor cancel there.
    let mut tx = db.begin(a).await.unwrap();
    let home_a = tx.this_kelurahan().await.unwrap();
    assert!(matches!(
        broadcast::cancel_as_admin(&mut tx, id_b2, &actor, &scope, &home_a, NOW).await,
        Err(BroadcastError::Finished)
    ));
    tx.rollback().await.unwrap();
    let mut tx = db.begin(b).await.unwrap();
    let (_, scope_b) = broadcast::admin_of_phone(&mut tx, &people[1].1)
        .await
        .unwrap()
        .unwrap();
    let home_b = tx.this_kelurahan().await.unwrap();
    let reach_b = scope_b.kelurahan(&mut tx, &home_b).await.unwrap();
    assert_eq!(reach_b.len(), 1);
    assert!(matches!(
        scope_b.destination(&reach_b, Some("1001"), None, None, None),
        Err(BroadcastError::OutOfScope(_))
    ));
    assert!(matches!(
        broadcast::cancel_as_admin(&mut tx, id_a, "x", &scope_b, &home_b, NOW).await,
        Err(BroadcastError::NotFound)
    ));
    tx.rollback().await.unwrap();
    // A broadcast of Tegal is out of the kecamatan admin's reach.
    let mut tx = db.begin(c).await.unwrap();
    let tegal = broadcast::create(&mut tx, "test", &Target::default(), "Tegal", &config, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin(a).await.unwrap();
    assert!(matches!(
        broadcast::cancel_as_admin(&mut tx, tegal.id, &actor, &scope, &home_a, NOW).await,
        Err(BroadcastError::NotFound)
    ));
    assert!(matches!(
        broadcast::cancel_as_admin(&mut tx, id_a, &actor, &scope, &home_a, NOW).await,
        Ok(1)
    ));
    tx.commit().await.unwrap();
}

fn options(kelurahan: KelurahanId) -> ImportOptions {
    ImportOptions {
        dry_run: false,
        actor: "test".into(),
        subject: None,
        now_ms: NOW,
        today: gotong::calendar::jakarta_date(NOW),
        kelurahan,
    }
}

async fn import(db: &Db, kelurahan: KelurahanId, rows: &[String]) -> ImportReport {
    let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
    import_registry(db, csv.as_bytes(), &options(kelurahan), &|_| {})
        .await
        .expect("the import runs")
}

/// The birth date of test person `serial`: a head born in 1980, a child in 2010, the day set by
/// the serial's ten-thousands (NIK serials have 4 digits).
fn born(serial: u32, head: bool) -> String {
    let year = if head { 1980 } else { 2010 };
    format!("{year}-01-{:02}", 1 + (serial / 10_000) % 28)
}

fn nik_of(serial: u32, head: bool) -> String {
    nik_for(&born(serial, head), false, serial % 10_000)
}

/// A CSV row: KK `kk`, the head or a child, test person `serial`.
fn row(kk: &str, serial: u32, head: bool) -> String {
    row_as(
        kk,
        serial,
        head,
        if head { "KEPALA KELUARGA" } else { "ANAK" },
    )
}

/// A CSV row of test person `serial` (born as a head or as a child) with relation `shdk`.
fn row_as(kk: &str, serial: u32, born_as_head: bool, shdk: &str) -> String {
    format!(
        "{kk},{},Warga {serial},{},L,{shdk},001,01,TETAP,",
        nik_of(serial, born_as_head),
        born(serial, born_as_head)
    )
}

fn reason_of(report: &ImportReport, line: u64) -> &str {
    report
        .rejected
        .iter()
        .find(|i| i.line == line)
        .map(|i| i.reason.as_str())
        .unwrap_or_else(|| panic!("line {line} not rejected: {:?}", report.rejected))
}

async fn an_import_rejects_a_nik_or_kk_of_another_kelurahan(db: &Db) {
    let a = another_kelurahan(db, "3577011001", "Sukamaju")
        .await
        .unwrap();
    let b = another_kelurahan(db, "3577011002", "Mojo").await.unwrap();
    let first = import(
        db,
        a,
        &[
            row("3577010000000001", 1, true),
            row("3577010000000001", 2, false),
        ],
    )
    .await;
    assert_eq!((first.households, first.persons), (1, 2));
    let second = import(
        db,
        b,
        &[
            // line 2: a new KK listing A's child: rejected, both places named.
            row("3577010000000002", 3, true),
            row("3577010000000002", 2, false),
            // line 4: A's KK itself.
            row("3577010000000001", 1, true),
            // line 5: a household of its own.
            row("3577010000000003", 4, true),
        ],
    )
    .await;
    assert_eq!((second.households, second.persons), (1, 1));
    let nik = reason_of(&second, 3);
    for words in [
        "************0002",
        "Kelurahan Sukamaju (3577011001)",
        "Kelurahan Mojo (3577011002)",
        "pindah",
    ] {
        assert!(nik.contains(words), "{words:?} in {nik}");
    }
    assert!(reason_of(&second, 2).contains("lihat baris 3"));
    let kk = reason_of(&second, 4);
    assert!(
        kk.contains("…0001") && kk.contains("Kelurahan Sukamaju (3577011001)"),
        "{kk}"
    );
    // Nothing of A moved, and no reason shows a whole NIK.
    let mut tx = db.begin(a).await.unwrap();
    assert_eq!(
        tx.household_members("3577010000000001")
            .await
            .unwrap()
            .len(),
        2
    );
    tx.rollback().await.unwrap();
    for i in &second.rejected {
        assert!(!i.reason.contains(&nik_of(2, false)), "{}", i.reason);
    }
}

async fn a_person_moved_out_of_one_kelurahan_arrives_in_another(db: &Db) {
    let a = another_kelurahan(db, "3577011001", "Sukamaju")
        .await
        .unwrap();
    let b = another_kelurahan(db, "3577011002", "Mojo").await.unwrap();
    import(
        db,
        a,
        &[
            row("3577010000000001", 1, true),
            row("3577010000000001", 2, false),
        ],
    )
    .await;
    let child = nik_of(2, false);
    link_at(db, KEY, "+6281300000009", &child, "482915", 0)
        .await
        .unwrap();
    // Before the move out is approved, B's import is refused.
    let refused = import(db, b, &[row_as("3577010000000002", 2, false, HEAD)]).await;
    assert_eq!(refused.households, 0);
    let mut tx = db.begin(a).await.unwrap();
    let id = tx
        .insert_change_request(
            &NewChangeRequest {
                no_kk: "3577010000000001",
                nik: Some(&child),
                kind: Kind::MoveOut,
                details: "pindah ke Mojo",
                reported_by: &child,
            },
            NOW,
        )
        .await
        .unwrap();
    change::decide(&mut tx, None, id, Status::Approved, None, "officer-a", NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A dry run says so and moves nothing.
    let csv = format!("{HEADER}\n{}\n", row_as("3577010000000002", 2, false, HEAD));
    let mut dry = options(b);
    dry.dry_run = true;
    let planned = import_registry(db, csv.as_bytes(), &dry, &|_| {})
        .await
        .unwrap();
    assert_eq!(
        (planned.households, planned.persons, planned.arrived),
        (1, 1, 1)
    );

    let arrived = import(db, b, &[row_as("3577010000000002", 2, false, HEAD)]).await;
    assert_eq!(
        (arrived.households, arrived.persons, arrived.arrived),
        (1, 1, 1)
    );
    assert!(arrived.rejected.is_empty(), "{:?}", arrived.rejected);
    assert!(arrived.warnings[0]
        .reason
        .contains("datang dari Kelurahan Sukamaju"));
    let mut tx = db.begin(b).await.unwrap();
    let p = tx.person(&child).await.unwrap().unwrap();
    assert_eq!(p.no_kk, "3577010000000002");
    assert!(p.is_current());
    assert_eq!(p.shdk, gotong::registry::Shdk::KepalaKeluarga);
    // Their phone came along.
    assert_eq!(
        tx.link_of_phone("+6281300000009")
            .await
            .unwrap()
            .unwrap()
            .nik,
        child
    );
    let moved = tx
        .persons_in_deployment(std::slice::from_ref(&child))
        .await
        .unwrap();
    assert_eq!(moved[0].arrived_on.as_deref(), Some("2026-11-25"));
    assert_eq!(moved[0].kelurahan.id, b);
    tx.rollback().await.unwrap();
    let mut tx = db.begin(a).await.unwrap();
    assert!(tx.person(&child).await.unwrap().is_none());
    assert_eq!(
        tx.household_members("3577010000000001")
            .await
            .unwrap()
            .len(),
        1
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        db.audit_entries_in(b, "registry.datang")
            .await
            .unwrap()
            .len(),
        1
    );
    let pindah = db.audit_entries_in(a, "registry.pindah").await.unwrap();
    assert_eq!(pindah.len(), 1);
    assert!(pindah[0].after.as_deref().unwrap().contains("3577011002"));
    // Once arrived, importing them again anywhere else is refused.
    let again = import(db, a, &[row_as("3577010000000003", 2, false, HEAD)]).await;
    assert!(reason_of(&again, 2).contains("Kelurahan Mojo (3577011002)"));
}

async fn a_person_arrives_once_when_two_kelurahan_import_them_at_once(db: &Db) {
    let a = another_kelurahan(db, "3577011001", "Sukamaju")
        .await
        .unwrap();
    let b = another_kelurahan(db, "3577011002", "Mojo").await.unwrap();
    let c = another_kelurahan(db, "3577011003", "Kauman").await.unwrap();
    import(
        db,
        a,
        &[
            row("3577010000000001", 1, true),
            row("3577010000000001", 2, false),
        ],
    )
    .await;
    let child = nik_of(2, false);
    let mut tx = db.begin(a).await.unwrap();
    tx.end_membership(
        &child,
        gotong::registry::change::Ending::MoveOut,
        "2026-11-20",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let into_b = [row_as("3577010000000002", 2, false, HEAD)];
    let into_c = [row_as("3577010000000003", 2, false, HEAD)];
    let (rb, rc) = tokio::join!(import(db, b, &into_b), import(db, c, &into_c));
    assert_eq!(rb.arrived + rc.arrived, 1);
    let (winner, loser) = if rb.arrived == 1 {
        ("Mojo", &rc)
    } else {
        ("Kauman", &rb)
    };
    assert!(reason_of(loser, 2).contains(&format!("Kelurahan {winner}")));
    let mut tx = db.begin(a).await.unwrap();
    let now_in = tx.persons_in_deployment(&[child]).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(now_in.len(), 1);
    assert_eq!(now_in[0].kelurahan.id, if rb.arrived == 1 { b } else { c });
}

/// Households `0..n` of kelurahan `tag`; household `i` shares its head's NIK with the other
/// file when `i % 5 == 0`, and its KK number when `i % 7 == 0`.
fn overlapping_file(tag: u32, n: u32) -> Vec<String> {
    let mut rows = Vec::new();
    for i in 0..n {
        let kk = if i % 7 == 0 {
            format!("357799{i:010}")
        } else {
            format!("35770{tag}{i:010}")
        };
        let head = if i % 5 == 0 { i } else { tag * 100_000 + i };
        rows.push(row(&kk, head, true));
        rows.push(row(&kk, tag * 100_000 + 50_000 + i, false));
    }
    rows
}

async fn two_imports_at_once_keep_each_nik_in_one_kelurahan(db: &Db) {
    let a = another_kelurahan(db, "3577011001", "Sukamaju")
        .await
        .unwrap();
    let b = another_kelurahan(db, "3577011002", "Mojo").await.unwrap();
    const N: u32 = 600;
    let (file_a, file_b) = (overlapping_file(1, N), overlapping_file(2, N));
    let (ra, rb) = tokio::join!(import(db, a, &file_a), import(db, b, &file_b));
    // Every contested household is in exactly one of the two kelurahan.
    let contested = (0..N).filter(|i| i % 5 == 0 || i % 7 == 0).count() as u64;
    assert_eq!(ra.households + rb.households, 2 * N as u64 - contested);
    let rejected_households = (ra.rejected.len() + rb.rejected.len()) as u64 / 2;
    assert_eq!(rejected_households, contested);
    for r in ra.rejected.iter().chain(&rb.rejected) {
        assert!(
            r.reason.contains("sudah terdaftar") || r.reason.contains("lihat baris"),
            "{}",
            r.reason
        );
    }
    let niks: Vec<String> = file_a
        .iter()
        .chain(&file_b)
        .map(|r| r.split(',').nth(1).unwrap().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut tx = db.begin(a).await.unwrap();
    let registered = tx.persons_in_deployment(&niks).await.unwrap();
    tx.rollback().await.unwrap();
    let mut seen = std::collections::HashSet::new();
    for p in &registered {
        assert!(seen.insert(p.nik.clone()), "NIK registered twice");
    }
    let stats = (
        db.registry_stats(Some(a)).await.unwrap(),
        db.registry_stats(Some(b)).await.unwrap(),
    );
    assert_eq!(
        (stats.0.persons + stats.1.persons) as usize,
        registered.len()
    );
    assert_eq!(
        (stats.0.households + stats.1.households) as u64,
        ra.households + rb.households
    );
}

/// A NIK registered by a unit of work that commits while the import is writing: the import's
/// insert waits for it, finds the NIK taken, and rejects that household (not an error).
async fn an_import_that_loses_a_race_rejects_the_household(db: &Db) {
    let a = another_kelurahan(db, "3577011001", "Sukamaju")
        .await
        .unwrap();
    let b = another_kelurahan(db, "3577011002", "Mojo").await.unwrap();
    let nik = nik_of(1, true);
    let mut first = db.begin(a).await.unwrap();
    first
        .insert_households(
            &[gotong::store::HouseholdRecord {
                no_kk: "3577010000000001".into(),
                rt: "001".into(),
                rw: "01".into(),
            }],
            NOW,
        )
        .await
        .unwrap();
    let record = gotong::store::PersonRecord {
        nik,
        no_kk: "3577010000000001".into(),
        name: "Warga".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
        sex: gotong::parse::Sex::L,
        shdk: gotong::registry::Shdk::KepalaKeluarga,
        residence: gotong::registry::Residence::Tetap,
        phone: None,
        nik_mismatch: false,
        line: None,
        demographics: Default::default(),
    };
    first.insert_persons(&[record], NOW).await.unwrap();
    let db2 = db.clone();
    let racing = tokio::spawn(async move {
        import(
            &db2,
            b,
            &[
                row("3577010000000002", 1, true),
                row("3577010000000003", 7, true),
            ],
        )
        .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    let report = racing.await.unwrap();
    assert_eq!(report.households, 1);
    assert!(reason_of(&report, 2).contains("Kelurahan Sukamaju (3577011001)"));
    let mut tx = db.begin(b).await.unwrap();
    assert!(tx.household("3577010000000002").await.unwrap().is_none());
    assert!(tx.household("3577010000000003").await.unwrap().is_some());
    tx.rollback().await.unwrap();
}

gotong::backend_tests!(
    kelurahan_see_only_their_own_registry_links_and_requests,
    kelurahan_see_only_their_own_admins_and_broadcasts,
    a_kecamatan_admin_broadcasts_in_each_kelurahan_of_the_kecamatan,
    an_import_rejects_a_nik_or_kk_of_another_kelurahan,
    a_person_moved_out_of_one_kelurahan_arrives_in_another,
    two_imports_at_once_keep_each_nik_in_one_kelurahan,
    a_person_arrives_once_when_two_kelurahan_import_them_at_once,
    an_import_that_loses_a_race_rejects_the_household,
);
