//! Shared by the fault tests: a small kelurahan of linked residents with credit and a merchant, a
//! driver posting signed webhooks over real HTTP (retrying each message with the same provider id
//! until it is answered 200, as Meta and Twilio redeliver), a real `gotong serve` process, and the
//! exactly-once checks made afterwards.

use super::{FakeProvider, Recorded, ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, TWILIO_FROM};
use gotong::channels::{twilio, whatsapp};
use gotong::config::Config;
use gotong::message::Channel;
use gotong::outbox::Status as OutboxStatus;
use gotong::store::{AccountKind, Db};
use gotong::testing::kelurahan::{household, link, merchant, nik_for, person, top_up};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PIN: &str = "482915";
pub const MERCHANT_CODE: &str = "W001";
/// Replies each payer gets per round: MENU, SALDO, the confirmation, the PIN prompt, the receipt.
pub const REPLIES_PER_ROUND: usize = 5;

/// A linked resident who pays.
#[derive(Clone, Debug)]
pub struct Payer {
    pub phone: String,
    pub channel: Channel,
    pub kk: String,
}

pub struct Kelurahan {
    pub payers: Vec<Payer>,
    pub merchant_phone: String,
    pub merchant_kk: String,
    /// What each payer's household was topped up with.
    pub credit: i64,
}

/// `payers` households of one linked adult each (every fourth on SMS, the others on WhatsApp),
/// each topped up with `credit`, and a merchant `W001` whose owner's phone is linked (so the
/// payment notices go out too). Set up through the library, before any server runs.
pub async fn kelurahan(db: &Db, config: &Config, payers: usize, credit: i64) -> Kelurahan {
    let merchant_kk = "3201010101099999".to_string();
    let owner = nik_for("1975-04-04", true, 9000);
    household(
        db,
        &merchant_kk,
        &[person(
            &merchant_kk,
            &owner,
            "Sri",
            "1975-04-04",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let m = merchant(db, &owner, "Warung Bu Sri", now).await.unwrap();
    assert_eq!(m.code, MERCHANT_CODE);
    let merchant_phone = "+6281299009999".to_string();
    link(db, config, &merchant_phone, &owner, PIN)
        .await
        .unwrap();
    let mut all = Vec::new();
    for i in 0..payers {
        let kk = format!("32010101010{:05}", i + 1);
        let nik = nik_for("1985-03-03", false, i as u32 + 10);
        household(
            db,
            &kk,
            &[person(&kk, &nik, "Budi", "1985-03-03", "KEPALA KELUARGA")],
        )
        .await
        .unwrap();
        let phone = format!("+628129900{:04}", i + 1);
        link(db, config, &phone, &nik, PIN).await.unwrap();
        top_up(db, &kk, credit, &format!("topup:load:{i}"))
            .await
            .unwrap();
        let channel = if i % 4 == 3 {
            Channel::Sms
        } else {
            Channel::WhatsApp
        };
        all.push(Payer { phone, channel, kk });
    }
    Kelurahan {
        payers: all,
        merchant_phone,
        merchant_kk,
        credit,
    }
}

/// One inbound message as a provider would post it.
#[derive(Clone, Debug)]
pub struct Msg {
    pub id: String,
    pub channel: Channel,
    pub phone: String,
    pub text: String,
}

/// The amount payer `p` pays in round `r` (distinct, so a doubled payment shows in the balance).
pub fn amount(p: usize, r: usize) -> i64 {
    1_000 + 10 * p as i64 + r as i64
}

/// Each payer's messages, in order: `rounds` × (MENU, SALDO, BAYAR W001 <amount>, 1, PIN).
pub fn scripts(k: &Kelurahan, rounds: usize) -> Vec<Vec<Msg>> {
    k.payers
        .iter()
        .enumerate()
        .map(|(p, payer)| {
            let mut n = 0;
            let mut msg = |text: String| {
                n += 1;
                let digits = payer.phone.trim_start_matches('+');
                Msg {
                    id: match payer.channel {
                        Channel::WhatsApp => format!("wamid.load.{digits}.{n}"),
                        Channel::Sms => format!("SM{digits:0>16}{n:016}"),
                    },
                    channel: payer.channel,
                    phone: payer.phone.clone(),
                    text,
                }
            };
            (0..rounds)
                .flat_map(|r| {
                    vec![
                        msg("MENU".into()),
                        msg("SALDO".into()),
                        msg(format!("BAYAR {MERCHANT_CODE} {}", amount(p, r))),
                        msg("1".into()),
                        msg(PIN.into()),
                    ]
                })
                .collect()
        })
        .collect()
}

/// The webhook request for `msg`: path, content type, body and signature header.
pub fn request(msg: &Msg) -> (&'static str, &'static str, Vec<u8>, (&'static str, String)) {
    match msg.channel {
        Channel::WhatsApp => {
            let digits = msg.phone.trim_start_matches('+');
            let body = serde_json::to_vec(&serde_json::json!({
                "object": "whatsapp_business_account",
                "entry": [{
                    "id": "102290129340398",
                    "changes": [{
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "6282100000000",
                                "phone_number_id": super::PHONE_NUMBER_ID
                            },
                            "contacts": [{ "profile": { "name": "Warga" }, "wa_id": digits }],
                            "messages": [{
                                "from": digits,
                                "id": msg.id,
                                "timestamp": "1764238453",
                                "type": "text",
                                "text": { "body": msg.text }
                            }]
                        }
                    }]
                }]
            }))
            .unwrap();
            let sig = whatsapp::signature::sign(super::APP_SECRET, &body);
            (
                "/webhooks/whatsapp",
                "application/json",
                body,
                ("x-hub-signature-256", sig),
            )
        }
        Channel::Sms => {
            let params = vec![
                ("MessageSid".to_string(), msg.id.clone()),
                ("SmsMessageSid".to_string(), msg.id.clone()),
                ("AccountSid".to_string(), ACCOUNT_SID.to_string()),
                ("From".to_string(), msg.phone.clone()),
                ("To".to_string(), TWILIO_FROM.to_string()),
                ("Body".to_string(), msg.text.clone()),
                ("NumMedia".to_string(), "0".to_string()),
            ];
            let body = serde_urlencoded::to_string(&params).unwrap().into_bytes();
            let sig =
                twilio::signature::sign(AUTH_TOKEN, &format!("{PUBLIC_URL}/webhooks/sms"), &params);
            (
                "/webhooks/sms",
                "application/x-www-form-urlencoded",
                body,
                ("x-twilio-signature", sig),
            )
        }
    }
}

/// Posts `msg` once to the server at `base`; the status, or None when the connection failed.
pub async fn post_once(http: &reqwest::Client, base: &str, msg: &Msg) -> Option<u16> {
    let (path, content_type, body, (header, sig)) = request(msg);
    http.post(format!("{base}{path}"))
        .header("content-type", content_type)
        .header(header, sig)
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// How the driver posts.
#[derive(Clone, Debug)]
pub struct DriveOptions {
    /// Pause between one phone's messages (spreads the load over time).
    pub pause: Duration,
    /// Post every message twice at once, and once more after the phone's next message.
    pub redeliver: bool,
    /// Give up (and fail) after this.
    pub deadline: Duration,
}

/// What the driver saw.
#[derive(Clone, Default)]
pub struct Progress {
    /// Provider ids answered 200 at least once.
    pub accepted: Arc<Mutex<HashSet<String>>>,
    /// Messages answered 200 so far (for "kill at half the load").
    pub done: Arc<AtomicUsize>,
    /// Posts that failed (connection refused or reset, 5xx) and were tried again.
    pub retried: Arc<AtomicUsize>,
    /// Server errors (5xx) seen.
    pub server_errors: Arc<AtomicUsize>,
}

/// Posts every script, each phone in its own task, its messages in order; a message is posted
/// until it is answered 200 (to the servers in `bases`, in turn), bounded by the deadline.
pub async fn drive(
    bases: Vec<String>,
    scripts: Vec<Vec<Msg>>,
    options: DriveOptions,
    progress: Progress,
) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (p, script) in scripts.into_iter().enumerate() {
        let (http, bases, options, progress) = (
            http.clone(),
            bases.clone(),
            options.clone(),
            progress.clone(),
        );
        tasks.spawn(async move {
            let mut turn = p;
            let mut previous: Option<Msg> = None;
            for msg in script {
                let mut ok = false;
                while !ok {
                    assert!(
                        started.elapsed() < options.deadline,
                        "the load did not finish within {:?}",
                        options.deadline
                    );
                    turn += 1;
                    let base = &bases[turn % bases.len()];
                    let answers = if options.redeliver {
                        let other = &bases[(turn + 1) % bases.len()];
                        let (a, b) = tokio::join!(
                            post_once(&http, base, &msg),
                            post_once(&http, other, &msg)
                        );
                        vec![a, b]
                    } else {
                        vec![post_once(&http, base, &msg).await]
                    };
                    for a in &answers {
                        match a {
                            Some(200) => ok = true,
                            Some(s) if *s >= 500 => {
                                progress.server_errors.fetch_add(1, Ordering::SeqCst);
                            }
                            Some(s) => panic!("webhook for {} answered {s}", msg.id),
                            None => {}
                        }
                    }
                    if !ok {
                        progress.retried.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                progress.accepted.lock().unwrap().insert(msg.id.clone());
                progress.done.fetch_add(1, Ordering::SeqCst);
                if options.redeliver {
                    // The previous message once more, later: it is already handled by now.
                    if let Some(prev) = previous.take() {
                        let base = &bases[(turn + 1) % bases.len()];
                        let status = post_once(&http, base, &prev).await;
                        assert!(
                            matches!(status, Some(200) | None),
                            "a late redelivery answered {status:?}"
                        );
                    }
                    previous = Some(msg.clone());
                }
                tokio::time::sleep(options.pause).await;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.expect("a sender task failed");
    }
}

/// Waits until every recorded message is handled and the outbox is empty.
pub async fn wait_idle(db: &Db, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let pending = db.phones_with_pending_inbound(10).await.unwrap();
        let depth = db.outbox_stats(None).await.unwrap().depth;
        if pending.is_empty() && depth == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not idle after {timeout:?}: {} phones with waiting messages, {depth} outbox rows waiting",
            pending.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What [`check_exactly_once`] found besides the failures it asserts.
#[derive(Debug, Default)]
pub struct Verdict {
    pub inbound: usize,
    pub replies: usize,
    pub payments: i64,
    /// Requests the provider accepted twice for one outbox row, each inside the documented
    /// at-least-once window of a kill (accepted before the kill, not recorded).
    pub resent_in_crash_window: usize,
}

/// The guarantees after a load: every accepted inbound handled once, every reply sent once (or
/// twice only inside the crash window of one of `kills`), one transfer per confirmed payment,
/// one receipt and one merchant notice per payment, balances exact, ledger invariants.
pub async fn check_exactly_once(
    db: &Db,
    k: &Kelurahan,
    provider: &FakeProvider,
    accepted: &HashSet<String>,
    rounds: usize,
    kills: &[Instant],
) -> Verdict {
    // Inbound: every accepted message recorded once and handled.
    assert!(db.phones_with_pending_inbound(10).await.unwrap().is_empty());
    let inbound = db.inbound_count(None).await.unwrap();
    assert_eq!(
        inbound as usize,
        accepted.len(),
        "inbound rows vs webhooks answered 200"
    );

    // The outbox: exactly the replies of each handled message, all sent.
    let mut rows = Vec::new();
    for (p, payer) in k.payers.iter().enumerate() {
        let records = db.outbox_records(&payer.phone).await.unwrap();
        let texts: Vec<&str> = records.iter().map(|r| r.body.main_text()).collect();
        assert_eq!(
            records.len(),
            REPLIES_PER_ROUND * rounds,
            "replies to {}: {texts:#?}",
            payer.phone
        );
        let receipts = texts.iter().filter(|t| t.starts_with("Berhasil:")).count();
        assert_eq!(receipts, rounds, "receipts of {}: {texts:#?}", payer.phone);
        let paid: i64 = (0..rounds).map(|r| amount(p, r)).sum();
        let stimulus = db.ledger_stats(None).await.unwrap().stimulus_issued;
        if stimulus == 0 {
            assert_eq!(
                db.balance_of(AccountKind::Wallet, &payer.kk).await.unwrap(),
                k.credit - paid,
                "wallet of {}",
                payer.kk
            );
        }
        rows.extend(records);
    }
    let notices = db.outbox_records(&k.merchant_phone).await.unwrap();
    let expected_payments = (k.payers.len() * rounds) as i64;
    assert_eq!(notices.len() as i64, expected_payments, "merchant notices");
    assert!(notices
        .iter()
        .all(|r| r.body.main_text().starts_with("W001: diterima")));
    rows.extend(notices);
    for r in &rows {
        assert!(
            matches!(r.status, OutboxStatus::Sent | OutboxStatus::Delivered),
            "outbox row {} is {} ({:?})",
            r.id,
            r.status,
            r.error
        );
    }

    // The provider: each row's recorded id accepted exactly once; any other accepted request is a
    // resend of a row inside the crash window.
    let recorded: HashMap<String, i64> = rows
        .iter()
        .map(|r| (r.provider_id.clone().expect("a sent row has its id"), r.id))
        .collect();
    assert_eq!(recorded.len(), rows.len(), "provider ids are unique");
    let accepted_requests = provider.accepted();
    let by_id: HashMap<&str, &Recorded> = accepted_requests
        .iter()
        .map(|r| (r.provider_id.as_deref().unwrap(), r))
        .collect();
    for id in recorded.keys() {
        assert!(
            by_id.contains_key(id.as_str()),
            "{id} recorded but not at the provider"
        );
    }
    let mut resent = 0;
    for extra in accepted_requests
        .iter()
        .filter(|r| !recorded.contains_key(r.provider_id.as_deref().unwrap()))
    {
        let answered = extra.answered_at.unwrap();
        // The nearest kill: answered shortly before it (the outcome not yet recorded; on SQLite
        // the update may wait behind a unit of work holding the write lock) or just as it
        // happened (the fake provider finishing a request whose sender was being killed).
        let gap = |k: &Instant| {
            if *k >= answered {
                k.duration_since(answered).as_millis() as i64
            } else {
                -(answered.duration_since(*k).as_millis() as i64)
            }
        };
        let kill = kills
            .iter()
            .min_by_key(|k| gap(k).abs())
            .filter(|k| (-50..1_000).contains(&gap(k)));
        let Some(kill) = kill else {
            panic!(
                "request {:?} to {} accepted but not recorded, and not in the moment before a kill: a duplicate",
                extra.provider_id,
                extra.to()
            );
        };
        let again = accepted_requests.iter().find(|r| {
            r.body == extra.body
                && r.path == extra.path
                && r.at > *kill
                && recorded.contains_key(r.provider_id.as_deref().unwrap())
        });
        assert!(
            again.is_some(),
            "an unrecorded acceptance just before a kill with no resend after it"
        );
        let when = if *kill >= answered {
            format!("{:?} before", kill.duration_since(answered))
        } else {
            format!("{:?} after", answered.duration_since(*kill))
        };
        eprintln!(
            "at-least-once window: a reply to {} was accepted by the provider {when} the kill \
             (not recorded) and sent again after the restart",
            extra.to()
        );
        resent += 1;
    }
    assert_eq!(accepted_requests.len(), rows.len() + resent);

    // The ledger: one transfer per confirmed payment, invariants.
    let payments = db.ledger_stats(None).await.unwrap().payments;
    assert_eq!(payments, expected_payments, "payment transfers");
    assert_eq!(
        db.transfers_with_prefix("pay:").await.unwrap(),
        expected_payments
    );
    let audit = db.ledger_audit().await.unwrap();
    assert_eq!(audit.balance_sum, 0, "{audit:?}");
    assert_eq!(audit.negative_accounts, 0, "{audit:?}");
    assert_eq!(audit.balance_mismatches, 0, "{audit:?}");
    assert_eq!(audit.unbalanced_transfers, 0, "{audit:?}");
    Verdict {
        inbound: inbound as usize,
        replies: rows.len(),
        payments,
        resent_in_crash_window: resent,
    }
}

// ---------------------------------------------------------------------------------------------
// A real `gotong serve` process

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The environment of `gotong serve` against `database_url`, sending to `provider`.
pub fn serve_env(database_url: &str, provider: &FakeProvider, port: u16) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = vec![
        ("DATABASE_URL", database_url.into()),
        ("GOTONG_LISTEN", format!("127.0.0.1:{port}")),
        ("GOTONG_PUBLIC_URL", PUBLIC_URL.into()),
        ("GOTONG_SECRET_KEY", "00".repeat(32)),
        ("WHATSAPP_APP_SECRET", super::APP_SECRET.into()),
        ("WHATSAPP_VERIFY_TOKEN", super::VERIFY_TOKEN.into()),
        ("WHATSAPP_ACCESS_TOKEN", super::ACCESS_TOKEN.into()),
        ("WHATSAPP_PHONE_NUMBER_ID", super::PHONE_NUMBER_ID.into()),
        ("WHATSAPP_API_BASE", format!("{}/v21.0", provider.base)),
        ("WHATSAPP_MPS", "1000".into()),
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
        ("TWILIO_FROM", TWILIO_FROM.into()),
        ("TWILIO_API_BASE", provider.base.clone()),
        ("SMS_MPS", "1000".into()),
        // A crashed server's claimed rows are claimed again after 3 × this.
        ("GOTONG_SEND_TIMEOUT_SECONDS", "1".into()),
        // Not due during the test (unless it runs in the last minute of a Jakarta day, when
        // the balance check makes room for the stimulus).
        ("GOTONG_STIMULUS_HOUR", "23:59".into()),
        ("RUST_LOG", "info,sqlx=warn".into()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A running `gotong serve`.
pub struct ServeProcess {
    child: Option<Child>,
    pub base: String,
    pub log: PathBuf,
}

impl ServeProcess {
    /// Starts `gotong serve` with `env` (in `dir`, logging to `dir/<name>.log`) and waits until
    /// `/healthz` answers.
    pub async fn start(env: &[(String, String)], dir: &Path, name: &str) -> ServeProcess {
        let listen = env
            .iter()
            .find(|(k, _)| k == "GOTONG_LISTEN")
            .map(|(_, v)| v.clone())
            .unwrap();
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_gotong"))
            .arg("serve")
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("gotong serve starts");
        let mut p = ServeProcess {
            child: Some(child),
            base: format!("http://{listen}"),
            log,
        };
        p.wait_healthy(Duration::from_secs(30)).await;
        p
    }

    async fn wait_healthy(&mut self, timeout: Duration) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            let ok = http
                .get(format!("{}/healthz", self.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("gotong serve exited with {status}:\n{}", self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "gotong serve not healthy after {timeout:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush; returns when the process is gone.
    pub fn kill9(&mut self) -> Instant {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        let at = Instant::now();
        child.wait().unwrap();
        at
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Lines of the log containing `needle` (errors, panics).
    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(needle))
            .map(String::from)
            .collect()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The in-process server with the real engine, sending to a fresh fake provider.
pub async fn engine_server(db: &Db, options: gotong::server::ServeOptions) -> super::TestServer {
    let provider = FakeProvider::start().await;
    let setup = super::Setup {
        options,
        whatsapp_mps: 1000,
        sms_mps: 1000,
        ..super::Setup::default()
    };
    let config = super::config(&setup, &provider);
    let engine = gotong::engine::Engine::load_default(Arc::new(config)).expect("flows load");
    super::TestServer::start_conversing(db, setup, provider, Arc::new(engine)).await
}

// ---------------------------------------------------------------------------------------------
// Sends at the cap

/// Queues `per_phone` WhatsApp replies to each of `phones` phones (before any server runs), each
/// with its own text (`pesan <phone> <n>`, n from 1), so the provider's requests say which row
/// each was. Returns the texts, in each phone's order.
pub async fn queue_numbered(db: &Db, phones: usize, per_phone: usize) -> Vec<Vec<String>> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut texts = Vec::with_capacity(phones);
    let mut rows = Vec::with_capacity(phones * per_phone);
    for p in 0..phones {
        let phone = format!("+62813{p:08}");
        let mine: Vec<String> = (1..=per_phone)
            .map(|n| format!("pesan {phone} {n}"))
            .collect();
        for text in &mine {
            rows.push(gotong::message::Outbound {
                kelurahan: gotong::store::KelurahanId::DEFAULT,
                channel: Channel::WhatsApp,
                phone: phone.clone(),
                body: gotong::message::Body::text(text.clone()),
                priority: gotong::message::Priority::Broadcast,
            });
        }
        texts.push(mine);
    }
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.enqueue_all(&rows, now).await.unwrap();
    tx.commit().await.unwrap();
    texts
}

/// The most requests the provider received in any one-second window (from their receive times).
pub fn most_in_any_second(requests: &[Recorded]) -> usize {
    let mut times: Vec<Instant> = requests.iter().map(|r| r.at).collect();
    times.sort();
    let mut most = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= Duration::from_secs(1) {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

/// How many requests the provider received for each text.
pub fn requests_per_text(requests: &[Recorded]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in requests {
        *counts.entry(r.text()).or_insert(0) += 1;
    }
    counts
}

/// `serve_env` with `WHATSAPP_MPS` set to `mps`.
pub fn serve_env_at_cap(
    database_url: &str,
    provider: &FakeProvider,
    port: u16,
    mps: u32,
) -> Vec<(String, String)> {
    let mut env = serve_env(database_url, provider, port);
    for (k, v) in env.iter_mut() {
        if k == "WHATSAPP_MPS" {
            *v = mps.to_string();
        }
    }
    env
}
