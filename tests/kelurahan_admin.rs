//! Many kelurahan on one deployment, the operators' side (issue 18): adding a kelurahan and its
//! numbers (`POST /api/kelurahan`, `gotong kelurahan add`), listing them, and the KPIs of one
//! kelurahan or of the whole deployment (`GET /api/stats?kelurahan=…`). Each test runs on SQLite
//! and PostgreSQL.

mod common;

use clap::Parser;
use common::*;
use gotong::kelurahan::cli::{run, KelurahanCommand};
use gotong::ledger::accounts::{social_fund, wallet};
use gotong::ledger::transfer::{apply_transfer, NewTransfer, TransferKind};
use gotong::message::Channel;
use gotong::store::{Db, KelurahanId, Leg};
use gotong::testing::kelurahan::{credit, household_in, nik_for, person};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);
const B_CODE: &str = "3577011002";
const B_WHATSAPP: &str = "207651463353033";
const B_SMS: &str = "+6281100000002";

fn new_b() -> Value {
    json!({
        "code": B_CODE,
        "name": "Oro-oro Ombo",
        "whatsapp_phone_number_id": B_WHATSAPP,
        "sms_numbers": ["0811-0000-0002"],
    })
}

async fn an_officer_adds_a_kelurahan_and_its_residents_reach_it_at_once(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let (status, b) = admin_post(&server, "/api/kelurahan", new_b()).await;
    assert_eq!(status, 201, "{b}");
    assert_eq!(
        b,
        json!({
            "code": B_CODE,
            "name": "Oro-oro Ombo",
            "whatsapp_phone_number_ids": [B_WHATSAPP],
            "sms_numbers": [B_SMS],
        })
    );
    // This server knows the number at once: no wait for a reload.
    server
        .whatsapp(&fixture("whatsapp/text_second_number.json"))
        .await;
    eventually("the reply", WAIT, || async {
        !server.provider.accepted().is_empty()
    })
    .await;
    assert_eq!(
        server.provider.accepted()[0].path,
        format!("/v21.0/{B_WHATSAPP}/messages")
    );

    let (status, all) = admin_get(&server, "/api/kelurahan").await;
    assert_eq!(status, 200);
    assert_eq!(
        all,
        json!([
            {
                "code": "0000000000",
                "name": "Kelurahan",
                "whatsapp_phone_number_ids": [PHONE_NUMBER_ID],
                "sms_numbers": [TWILIO_FROM],
            },
            b,
        ])
    );
    let audit = db.audit_entries("kelurahan.create").await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "admin-api");
    assert_eq!(audit[0].subject.as_deref(), Some(B_CODE));
    // Its treasury, social fund and clearing account exist.
    let k = db.kelurahan_by_code(B_CODE).await.unwrap().unwrap().id;
    let mut tx = db.begin(k).await.unwrap();
    for kind in [
        gotong::store::AccountKind::Treasury,
        gotong::store::AccountKind::SocialFund,
        gotong::store::AccountKind::Clearing,
    ] {
        assert!(
            tx.account_by_owner(kind, "").await.unwrap().is_some(),
            "{kind:?}"
        );
    }
    tx.rollback().await.unwrap();
    server.shutdown().await;
}

async fn bad_or_taken_codes_and_numbers_are_refused_and_leave_nothing(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    assert_eq!(admin_post(&server, "/api/kelurahan", new_b()).await.0, 201);
    let cases = [
        (json!({"code": "35770", "name": "X"}), 422, "10 digits"),
        (
            json!({"code": "3577011003", "name": "  "}),
            422,
            "needs a name",
        ),
        (
            json!({"code": "3577011003", "name": "X", "sms_numbers": ["12"]}),
            422,
            "not a number for sms",
        ),
        (
            json!({"code": "3577011003", "name": "X", "whatsapp_phone_number_id": "+62 811"}),
            422,
            "phone_number_id",
        ),
        (
            json!({"code": B_CODE, "name": "Lagi"}),
            409,
            "already exists",
        ),
        (
            json!({"code": "3577011003", "name": "X", "sms_numbers": [TWILIO_FROM]}),
            409,
            "already belongs to kelurahan 0000000000",
        ),
        (
            json!({"code": "3577011003", "name": "X", "whatsapp_phone_number_id": B_WHATSAPP}),
            409,
            "already belongs to kelurahan 3577011002",
        ),
        (json!({"name": "no code"}), 400, "code"),
    ];
    for (body, want, says) in cases {
        let (status, answer) = admin_post(&server, "/api/kelurahan", body.clone()).await;
        assert_eq!(status, want, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{body}: {error}");
    }
    // Nothing of a refused kelurahan is left: not the kelurahan, not a number, not an account.
    assert!(db.kelurahan_by_code("3577011003").await.unwrap().is_none());
    assert_eq!(db.kelurahan_list().await.unwrap().len(), 2);
    assert_eq!(db.kelurahan_numbers().await.unwrap().len(), 4);
    assert_eq!(db.audit_entries("kelurahan.create").await.unwrap().len(), 1);
    let (status, _) = admin_post(
        &server,
        "/api/kelurahan",
        json!({"code": "3577011003", "name": "Penanggungan"}),
    )
    .await;
    assert_eq!(status, 201, "the code is free after the refusals");
    server.shutdown().await;
}

async fn numbers_are_added_to_a_kelurahan_later(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    assert_eq!(admin_post(&server, "/api/kelurahan", new_b()).await.0, 201);
    let (status, b) = admin_post(
        &server,
        &format!("/api/kelurahan/{B_CODE}/numbers"),
        json!({"sms_numbers": ["+6281100000003", B_SMS]}),
    )
    .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["sms_numbers"], json!([B_SMS, "+6281100000003"]));
    assert_eq!(b["whatsapp_phone_number_ids"], json!([B_WHATSAPP]));
    assert_eq!(
        db.audit_entries("kelurahan.numbers").await.unwrap().len(),
        1
    );
    for (path, body, want) in [
        (
            "/api/kelurahan/3577099999/numbers",
            json!({"sms_numbers": ["+6281100000004"]}),
            404,
        ),
        (
            &format!("/api/kelurahan/{B_CODE}/numbers") as &str,
            json!({}),
            422,
        ),
        (
            &format!("/api/kelurahan/{B_CODE}/numbers"),
            json!({"sms_numbers": [TWILIO_FROM]}),
            409,
        ),
    ] {
        let (status, answer) = admin_post(&server, path, body.clone()).await;
        assert_eq!(status, want, "{path} {body}: {answer}");
    }
    // A message to the new number is B's.
    let form = String::from_utf8(fixture("twilio/inbound_sms_second_number.form"))
        .unwrap()
        .replace("To=%2B6281100000002", "To=%2B6281100000003");
    assert_eq!(
        server
            .twilio("/webhooks/sms", form.as_bytes())
            .await
            .status(),
        200
    );
    let b_id = db.kelurahan_by_code(B_CODE).await.unwrap().unwrap().id;
    assert_eq!(db.inbound_count(Some(b_id)).await.unwrap(), 1);
    eventually("the reply", WAIT, || async {
        !server.provider.accepted().is_empty()
    })
    .await;
    let from = server.provider.accepted()[0].form()["From"].clone();
    assert!(
        [B_SMS, "+6281100000003"].contains(&from.as_str()),
        "from one of B's numbers: {from}"
    );
    server.shutdown().await;
}

/// Credits `amount` of stimulus to `no_kk`'s wallet, and pays `paid` of it to its kelurahan's
/// social fund (a payment).
async fn ledger(db: &Db, kelurahan: KelurahanId, no_kk: &str, amount: i64, paid: i64) {
    let key = format!("test-stimulus:{no_kk}");
    credit(db, no_kk, amount, &key, TransferKind::Stimulus)
        .await
        .unwrap();
    let mut tx = db.begin(kelurahan).await.unwrap();
    let legs = vec![
        Leg {
            account_id: wallet(&mut tx, no_kk, 0).await.unwrap(),
            amount: -paid,
        },
        Leg {
            account_id: social_fund(&mut tx).await.unwrap(),
            amount: paid,
        },
    ];
    let key = format!("test-payment:{no_kk}");
    let payment = NewTransfer {
        key: &key,
        kind: TransferKind::Payment,
        memo: "test",
        legs,
        now: 0,
    };
    apply_transfer(&mut tx, &payment).await.unwrap();
    tx.commit().await.unwrap();
}

async fn stats_answer_for_one_kelurahan_or_the_whole_deployment(db: &Db) {
    let b = db
        .create_kelurahan(B_CODE, "Oro-oro Ombo", &[(Channel::Sms, B_SMS.into())], 0)
        .await
        .unwrap()
        .id;
    let family = |no_kk: &str, n: u32| -> Vec<_> {
        (0..n)
            .map(|i| {
                let shdk = if i == 0 { "KEPALA KELUARGA" } else { "ANAK" };
                let nik = nik_for("1980-05-17", false, i + 10 * n);
                person(no_kk, &nik, &format!("WARGA {n}{i}"), "1980-05-17", shdk)
            })
            .collect()
    };
    household_in(
        db,
        KelurahanId::DEFAULT,
        "3201010000000001",
        &family("3201010000000001", 2),
    )
    .await
    .unwrap();
    household_in(db, b, "3577010000000001", &family("3577010000000001", 3))
        .await
        .unwrap();
    let key = "test-stimulus:3201010000000001";
    credit(db, "3201010000000001", 2_000, key, TransferKind::Stimulus)
        .await
        .unwrap();
    ledger(db, b, "3577010000000001", 3_000, 500).await;

    let server = TestServer::start(db, Setup::default()).await;
    server.whatsapp(&fixture("whatsapp/text.json")).await;
    server
        .twilio(
            "/webhooks/sms",
            &fixture("twilio/inbound_sms_second_number.form"),
        )
        .await;
    eventually("both replies recorded", WAIT, || async {
        db.outbox_stats(None).await.unwrap().sent == 2
    })
    .await;

    let (status, default) = admin_get(&server, "/api/stats").await;
    assert_eq!(status, 200);
    let (_, default_by_code) = admin_get(&server, "/api/stats?kelurahan=0000000000").await;
    assert_eq!(default, default_by_code);
    let (_, of_b) = admin_get(&server, &format!("/api/stats?kelurahan={B_CODE}")).await;
    let (status, all) = admin_get(&server, "/api/stats?kelurahan=all").await;
    assert_eq!(status, 200);
    let figures = |v: &Value| {
        [
            "households",
            "persons",
            "stimulus_issued",
            "payments",
            "payments_amount",
            "social_fund_balance",
            "messages_in",
            "messages_out",
        ]
        .map(|k| v[k].as_i64().unwrap_or(-1))
    };
    assert_eq!(figures(&default), [1, 2, 2_000, 0, 0, 0, 1, 1]);
    assert_eq!(figures(&of_b), [1, 3, 3_000, 1, 500, 500, 1, 1]);
    assert_eq!(
        figures(&all["deployment"]),
        [2, 5, 5_000, 1, 500, 500, 2, 2]
    );
    let entries = all["kelurahan"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["code"], "0000000000");
    assert_eq!(entries[1]["code"], B_CODE);
    assert_eq!(entries[1]["name"], "Oro-oro Ombo");
    assert_eq!(figures(&entries[0]), figures(&default));
    assert_eq!(figures(&entries[1]), figures(&of_b));
    assert_eq!(
        admin_get(&server, "/api/stats?kelurahan=3577099999")
            .await
            .0,
        404
    );

    // /metrics: messages in and out, and the backlog, per kelurahan (code).
    let metrics = server
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        format!("gotong_inbound_messages_total{{channel=\"sms\",kelurahan=\"{B_CODE}\"}}"),
        format!(
            "gotong_outbound_messages_total{{channel=\"sms\",kelurahan=\"{B_CODE}\",status=\"sent\"}}"
        ),
        format!("gotong_kelurahan_outbox_depth{{kelurahan=\"{B_CODE}\"}} 0"),
        "gotong_kelurahan_outbox_depth{kelurahan=\"0000000000\"} 0".to_string(),
    ] {
        assert!(metrics.contains(&needle), "/metrics lacks {needle}:\n{metrics}");
    }
    server.shutdown().await;
}

/// `gotong kelurahan …` as the binary parses it.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Kelurahan {
        #[command(subcommand)]
        command: KelurahanCommand,
    },
}

async fn cli(db: &Db, args: &str) -> anyhow::Result<String> {
    let words = std::iter::once("gotong").chain(args.split_whitespace());
    let Command::Kelurahan { command } = Cli::try_parse_from(words)?.command;
    let mut out = Vec::new();
    run(db, command, &mut out).await?;
    Ok(String::from_utf8(out)?)
}

async fn the_command_line_adds_and_lists_kelurahan(db: &Db) {
    assert_eq!(
        cli(
            db,
            "kelurahan add 3577011002 Oro-oro Ombo --sms-number 0811-0000-0002"
        )
        .await
        .unwrap(),
        "kelurahan added: 3577011002 Oro-oro Ombo (whatsapp: none; sms: +6281100000002)\n"
    );
    assert_eq!(
        cli(
            db,
            "kelurahan numbers 3577011002 --whatsapp-phone-number-id 207651463353033"
        )
        .await
        .unwrap(),
        "numbers added: 3577011002 Oro-oro Ombo (whatsapp: 207651463353033; sms: +6281100000002)\n"
    );
    assert_eq!(
        cli(db, "kelurahan list").await.unwrap(),
        "0000000000 Kelurahan (whatsapp: none; sms: none)\n\
         3577011002 Oro-oro Ombo (whatsapp: 207651463353033; sms: +6281100000002)\n"
    );
    let listed: Value =
        serde_json::from_str(&cli(db, "kelurahan list --json").await.unwrap()).unwrap();
    assert_eq!(listed[1]["sms_numbers"], json!([B_SMS]));
    let audit = db.audit_entries("kelurahan.create").await.unwrap();
    assert_eq!(audit[0].actor, "cli");
    for (args, says) in [
        ("kelurahan add 3577011002 Lagi", "already exists"),
        ("kelurahan add 357701 Pendek", "10 digits"),
        (
            "kelurahan add 3577011003 X --sms-number +6281100000002",
            "already belongs",
        ),
        ("kelurahan numbers 3577011002", "name a number"),
        (
            "kelurahan numbers 3577099999 --sms-number +6281100000009",
            "no kelurahan",
        ),
    ] {
        let e = cli(db, args).await.unwrap_err().to_string();
        assert!(e.contains(says), "{args}: {e}");
    }
}

/// The binary itself: `gotong kelurahan add` then `list`, against a database file.
#[tokio::test]
async fn the_binary_adds_a_kelurahan() {
    let t = gotong::testing::TestDb::sqlite().await;
    let gotong = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gotong"))
            .args(args)
            .env("DATABASE_URL", &t.url)
            .env_remove("GOTONG_KELURAHAN_CODE")
            .output()
            .unwrap()
    };
    let out = gotong(&[
        "kelurahan",
        "add",
        B_CODE,
        "Oro-oro",
        "Ombo",
        "--sms-number",
        B_SMS,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gotong(&["kelurahan", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("3577011002 Oro-oro Ombo (whatsapp: none; sms: +6281100000002)"));
    let out = gotong(&["kelurahan", "add", "12", "X"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("10 digits"));
    t.drop_db().await;
}

gotong::backend_tests!(
    an_officer_adds_a_kelurahan_and_its_residents_reach_it_at_once,
    bad_or_taken_codes_and_numbers_are_refused_and_leave_nothing,
    numbers_are_added_to_a_kelurahan_later,
    stats_answer_for_one_kelurahan_or_the_whole_deployment,
    the_command_line_adds_and_lists_kelurahan,
);
