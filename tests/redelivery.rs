//! Every webhook delivered three times during payment conversations (MENU, SALDO, BAYAR with the
//! confirmation and the PIN): twice at the same moment, once more after the phone's next message.
//! No double effect: one inbound row per provider id, one reply per message, one payment, one
//! receipt and one merchant notice per confirmed payment, exact balances.

mod common;

use common::fast_options;
use common::load::*;
use gotong::store::Db;
use std::time::Duration;

const PAYERS: usize = 6;
const ROUNDS: usize = 2;

async fn every_webhook_three_times_has_one_effect(db: &Db) {
    let server = engine_server(db, fast_options()).await;
    let config = common::config(&common::Setup::default(), &server.provider);
    let k = kelurahan(db, &config, PAYERS, 100_000).await;
    let scripts = scripts(&k, ROUNDS);
    let total: usize = scripts.iter().map(Vec::len).sum();
    let progress = Progress::default();
    drive(
        vec![server.base.clone()],
        scripts,
        DriveOptions {
            pause: Duration::from_millis(10),
            redeliver: true,
            deadline: Duration::from_secs(60),
        },
        progress.clone(),
    )
    .await;
    wait_idle(db, Duration::from_secs(30)).await;
    let accepted = progress.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), total);
    let verdict = check_exactly_once(db, &k, &server.provider, &accepted, ROUNDS, &[]).await;
    eprintln!("{}: {verdict:?}", db.backend_name());
    server.shutdown().await;
}

gotong::backend_tests!(every_webhook_three_times_has_one_effect);
