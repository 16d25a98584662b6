//! `TANYA <text>` / `ADUAN <text>`: the words after the keyword (or the text asked for) become a
//! numbered ticket for the kelurahan ([`crate::tickets`]); the keyword alone lists one's open
//! tickets first.

use super::{refused_text, Action, Contract, Ctx, Outcome};
use crate::engine::runner::ARGS_KEY;
use crate::error::StoreResult;
use crate::tickets::{self, Kind, Status, TicketError};
use async_trait::async_trait;

/// How much of a ticket's text its line in the list shows.
const PREVIEW: usize = 40;

/// Opens the ticket and says its number, or the refusal as the step's outcome.
async fn open(ctx: &mut Ctx<'_>, kind: Kind, text: &str) -> StoreResult<Outcome> {
    match tickets::open(ctx.tx, ctx.phone, kind, text, ctx.now).await {
        Ok(number) => {
            let id = match kind {
                Kind::Question => "ticket-opened-question",
                Kind::Complaint => "ticket-opened-complaint",
            };
            ctx.say(id, &[("number", number.to_string())]);
            Ok(Outcome::Finish)
        }
        Err(TicketError::Store(e)) => Err(e),
        Err(TicketError::Text(e)) => Ok(refused_text(e)),
        Err(e) => {
            tracing::error!(error = %e, "a new ticket refused");
            ctx.say("engine-error", &[]);
            Ok(Outcome::Finish)
        }
    }
}

/// The keyword: with words after it, they are the ticket; alone, one's open tickets are listed
/// and the text asked for.
pub struct Start(pub Kind);

#[async_trait]
impl Action for Start {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ARGS_KEY],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if let Some(text) = ctx.value(ARGS_KEY).map(str::to_string) {
            return match open(ctx, self.0, &text).await? {
                Outcome::Reject(id, args) => {
                    ctx.say(id, &args);
                    Ok(Outcome::Finish)
                }
                other => Ok(other),
            };
        }
        let mine = ctx.tx.open_tickets_of(ctx.phone).await?;
        if !mine.is_empty() {
            ctx.say("ticket-list-header", &[]);
            for t in mine {
                let mut preview: String = t.body.chars().take(PREVIEW).collect();
                if t.body.chars().count() > PREVIEW {
                    preview.push_str("...");
                }
                let state = match t.status {
                    Status::Answered => "ticket-status-answered",
                    _ => "ticket-status-open",
                };
                let state = ctx.texts.render(&ctx.lang, state, &[]);
                ctx.say(
                    "ticket-list-line",
                    &[
                        ("number", t.number.to_string()),
                        ("state", state),
                        ("text", preview),
                    ],
                );
            }
        }
        Ok(Outcome::Next)
    }
}

/// The text asked for becomes the ticket.
pub struct Open(pub Kind);

#[async_trait]
impl Action for Open {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let text = ctx.input.clone().unwrap_or_default();
        open(ctx, self.0, &text).await
    }
}
