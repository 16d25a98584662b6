//! `gotong kelurahan add <code> <name> [--whatsapp-phone-number-id ID] [--sms-number +62…]…`,
//! `gotong kelurahan numbers <code> […]` and `gotong kelurahan list [--json]`.
//!
//! A running `serve` finds a kelurahan or number added here by itself (its directory loads again
//! when a message comes to a number it does not know).

use super::create::{self, KelurahanEntry, NewKelurahan, NewNumbers};
use crate::clock::{Clock, SystemClock};
use crate::store::Db;
use std::io::Write;

/// The audit log's actor for what the command line does.
const ACTOR: &str = "cli";

#[derive(Clone, Debug, clap::Subcommand)]
pub enum KelurahanCommand {
    /// Add a kelurahan to this deployment, with the numbers its residents write to.
    Add {
        /// Its 10-digit Kemendagri code, e.g. 3577011002.
        code: String,
        /// Its name (several words need no quotes).
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
        #[command(flatten)]
        numbers: NumberArgs,
    },
    /// Add numbers to a kelurahan.
    Numbers {
        /// The kelurahan's code.
        code: String,
        #[command(flatten)]
        numbers: NumberArgs,
    },
    /// List the kelurahan of this deployment with their numbers.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Debug, clap::Args)]
pub struct NumberArgs {
    /// The WhatsApp phone_number_id its residents write to (Meta's id, not the phone number).
    #[arg(long)]
    whatsapp_phone_number_id: Option<String>,
    /// An SMS number its residents write to (+62…); may be given more than once.
    #[arg(long = "sms-number")]
    sms_numbers: Vec<String>,
}

impl From<NumberArgs> for NewNumbers {
    fn from(a: NumberArgs) -> Self {
        NewNumbers {
            whatsapp_phone_number_id: a.whatsapp_phone_number_id,
            sms_numbers: a.sms_numbers,
        }
    }
}

/// Runs one `gotong kelurahan` command, writing what it did to `out`.
pub async fn run(db: &Db, command: KelurahanCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let now = SystemClock.now_ms();
    match command {
        KelurahanCommand::Add {
            code,
            name,
            numbers,
        } => {
            let new = NewKelurahan {
                code,
                name: name.join(" "),
                numbers: numbers.into(),
            };
            let entry = create::create(db, ACTOR, &new, now).await?;
            writeln!(out, "kelurahan added: {}", describe(&entry))?;
        }
        KelurahanCommand::Numbers { code, numbers } => {
            let numbers: NewNumbers = numbers.into();
            anyhow::ensure!(
                !numbers.is_empty(),
                "name a number: --whatsapp-phone-number-id ID or --sms-number +62…"
            );
            let entry = create::add_numbers(db, ACTOR, &code, &numbers, now).await?;
            writeln!(out, "numbers added: {}", describe(&entry))?;
        }
        KelurahanCommand::List { json } => {
            let all = create::list(db).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
            } else {
                for entry in &all {
                    writeln!(out, "{}", describe(entry))?;
                }
            }
        }
    }
    Ok(())
}

/// `3577011002 Oro-oro Ombo (whatsapp: 1065…; sms: +6281…, +6282…)`.
fn describe(k: &KelurahanEntry) -> String {
    let list = |numbers: &[String]| {
        if numbers.is_empty() {
            "none".to_string()
        } else {
            numbers.join(", ")
        }
    };
    format!(
        "{} {} (whatsapp: {}; sms: {})",
        k.code,
        k.name,
        list(&k.whatsapp_phone_number_ids),
        list(&k.sms_numbers)
    )
}
