//! `gotong chat`: talk to the bot in the terminal, one line of stdin per message, through the same
//! path as a webhook (record → handle → outbox), with replies printed instead of sent.

use crate::app::App;
use crate::engine::render::transcript_text;
use crate::error::StoreResult;
use crate::inbox::handle_phone;
use crate::message::{Body, Channel, Content, Inbound};
use crate::store::KelurahanId;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};

/// Sends one line as `phone` to the default kelurahan's number and returns the replies.
pub async fn say(
    app: &App,
    channel: Channel,
    phone: &str,
    content: Content,
) -> StoreResult<Vec<Body>> {
    say_to(app, KelurahanId::DEFAULT, channel, phone, content).await
}

/// Sends one line as `phone` to `kelurahan`'s number and returns the replies.
pub async fn say_to(
    app: &App,
    kelurahan: KelurahanId,
    channel: Channel,
    phone: &str,
    content: Content,
) -> StoreResult<Vec<Body>> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let now = app.now();
    let msg = Inbound {
        channel,
        phone: Some(phone.to_string()),
        provider_id: format!(
            "terminal-{}-{}-{}",
            std::process::id(),
            now,
            SEQ.fetch_add(1, Ordering::SeqCst)
        ),
        content,
        sent_at: now,
        to: None,
        kelurahan,
    };
    app.db.record_inbound(&msg, now).await?;
    handle_phone(app, phone).await?;
    app.db
        .take_outbox_for_phone(kelurahan, phone, app.now())
        .await
}

/// Reads stdin until it ends, printing each reply. Piped input is echoed as `> line`, so the
/// output reads like a transcript.
pub async fn run(app: &App, channel: Channel, phone: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let echo = !stdin.is_terminal();
    let mut out = std::io::stdout();
    if !echo {
        print!("> ");
        out.flush()?;
    }
    for line in stdin.lock().lines() {
        let line = line?;
        if echo {
            writeln!(out, "> {line}")?;
        }
        let replies = say(app, channel, phone, Content::Text { text: line }).await?;
        for r in &replies {
            writeln!(out, "{}\n", transcript_text(r))?;
        }
        if !echo {
            print!("> ");
        }
        out.flush()?;
    }
    Ok(())
}
