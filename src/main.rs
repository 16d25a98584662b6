//! The `gotong` command line.

use clap::{Parser, Subcommand};
use gotong::app::App;
use gotong::config::Config;
use gotong::engine::Engine;
use gotong::i18n::Texts;
use gotong::message::Channel;
use gotong::parse::normalize_phone;
use gotong::store::Db;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "gotong",
    version,
    about = "Chatbot of the Pasar Gotong Royong Kelurahan"
)]
#[cfg_attr(
    not(feature = "testkit"),
    command(
        after_help = "The load benchmarks are in a binary built with the test kit: \
                      cargo run --release --features testkit -- bench --help"
    )
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the webhook server (migrations are applied at start).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Validate flows and locales; non-zero exit on any problem.
    Check,
    /// Talk to the bot in the terminal as the given phone (reads stdin line by line).
    Chat {
        #[arg(long)]
        phone: String,
        /// Which channel to behave as: menus render as numbered text on sms, buttons on whatsapp.
        #[arg(long, value_enum, default_value = "sms")]
        channel: ChatChannel,
    },
    /// Create (or reuse) a demo kelurahan and open the chat as one of its residents.
    Demo,
    /// Import data: `gotong import registry FILE.csv [--kelurahan CODE] [--dry-run] [--json]`;
    /// `gotong import aid FILE.csv` (a DTKS/DTSEN or bansos list: nik, program, periode).
    /// Rejected rows are reported, not a failure; the exit status is non-zero only if the file
    /// cannot be read.
    Import {
        what: String,
        file: std::path::PathBuf,
        /// The kelurahan whose registry this is (its 10-digit code); the default one if absent.
        #[arg(long)]
        kelurahan: Option<String>,
        #[arg(long)]
        dry_run: bool,
        /// Print the full report as JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Export data: `gotong export registry [FILE]` (stdout if no file), in the import format
    /// plus `verified_at`.
    Export {
        what: String,
        file: Option<std::path::PathBuf>,
        /// The kelurahan whose registry to export (its 10-digit code); the default one if absent.
        #[arg(long)]
        kelurahan: Option<String>,
    },
    /// Reports: `gotong report mutasi --month YYYY-MM [FILE] [--kelurahan CODE]`, the Buku
    /// Mutasi (births, deaths, moves in and out per RW/RT) as CSV (stdout if no file);
    /// `gotong report bulanan --month YYYY-MM [FILE]`, the monthly report for the kecamatan
    /// (population at the start and end of the month, births, deaths, moves, per RW);
    /// `gotong report quality [FILE]`, completeness per RW and the data-quality findings.
    /// `gotong report induk [FILE] [--kelurahan CODE]`, the Buku Induk (one row per person).
    Report {
        what: String,
        file: Option<std::path::PathBuf>,
        /// The month of the Buku Mutasi or the monthly report.
        #[arg(long)]
        month: Option<String>,
        /// The kelurahan (its 10-digit code); the default one if absent.
        #[arg(long)]
        kelurahan: Option<String>,
    },
    /// The kelurahan of this deployment: `gotong kelurahan add <code> <name>
    /// [--whatsapp-phone-number-id ID] [--sms-number +62…]…`, `numbers <code> …`, `list`.
    Kelurahan {
        #[command(subcommand)]
        command: gotong::kelurahan::cli::KelurahanCommand,
    },
    /// Credit the daily stimulus: `gotong stimulus run [--date YYYY-MM-DD] [--kelurahan CODE]`
    /// (every kelurahan without `--kelurahan`).
    Stimulus {
        action: String,
        #[arg(long)]
        date: Option<String>,
        /// Only this kelurahan (its 10-digit Kemendagri code).
        #[arg(long)]
        kelurahan: Option<String>,
    },
    /// Load benchmarks on loopback against a fake provider: `gotong bench [--backend both]`
    /// (in a binary built with `--features testkit`).
    #[cfg(feature = "testkit")]
    Bench(gotong::bench::BenchArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ChatChannel {
    Sms,
    Whatsapp,
}

impl From<ChatChannel> for Channel {
    fn from(c: ChatChannel) -> Channel {
        match c {
            ChatChannel::Sms => Channel::Sms,
            ChatChannel::Whatsapp => Channel::WhatsApp,
        }
    }
}

/// Connects the database (migrating it) and loads the engine, whose texts the whole app shares.
async fn build_app(config: Config) -> anyhow::Result<App> {
    let db = Db::connect(&config.database_url).await?;
    let engine = Engine::load_default(Arc::new(config.clone())).map_err(|problems| {
        anyhow::anyhow!("flows or locales are broken:\n{}", problems.join("\n"))
    })?;
    let texts = engine.texts().clone();
    Ok(App::new(config, db, texts, Arc::new(engine)))
}

/// Logs go to stderr: with colours only when stderr is a terminal (a log written to a file or a
/// pipe has no ANSI codes, for every command). A conversation in the terminal (`demo`, `chat`)
/// logs only warnings unless `RUST_LOG` asks for more, so the chat is all it shows.
fn init_tracing(json: bool, conversation: bool) {
    use std::io::IsTerminal;
    let default = if conversation {
        "warn"
    } else {
        "info,sqlx=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let conversation = matches!(cli.command, Command::Demo | Command::Chat { .. });
    init_tracing(config.log_json, conversation);
    match run(cli.command, config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            println!("migrations applied ({})", db.backend_name());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let problems = match Engine::load_default(Arc::new(config)) {
                Ok(engine) => engine.check(),
                Err(problems) => problems,
            };
            for p in &problems {
                println!("{p}");
            }
            if problems.is_empty() {
                println!("flows and locales: ok");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{} problem(s)", problems.len());
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Chat { phone, channel } => {
            let Some(phone) = normalize_phone(&phone) else {
                eprintln!("not a phone number: {phone}");
                return Ok(ExitCode::from(2));
            };
            let app = build_app(config).await?;
            gotong::chat::run(&app, channel.into(), &phone).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            gotong::server::require_secret_key(&config)?;
            let app = build_app(config).await?;
            gotong::server::serve(app).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            what,
            file,
            kelurahan,
            dry_run,
            json,
        } if what == "registry" => {
            let db = Db::connect(&config.database_url).await?;
            let kelurahan = kelurahan.as_deref();
            gotong::registry::cli::import_command(&db, &file, kelurahan, dry_run, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            what,
            file,
            kelurahan,
            dry_run,
            json,
        } if what == "aid" => {
            let db = Db::connect(&config.database_url).await?;
            let kelurahan = kelurahan.as_deref();
            gotong::registry::cli::import_aid_command(&db, &file, kelurahan, dry_run, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            what,
            file,
            kelurahan,
        } if what == "registry" => {
            let db = Db::connect(&config.database_url).await?;
            let (file, kelurahan) = (file.as_deref(), kelurahan.as_deref());
            gotong::registry::cli::export_command(&db, file, kelurahan).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            what,
            file,
            month,
            kelurahan,
        } => {
            use gotong::registry::cli::{induk_command, month_report_command, quality_command};
            if !["mutasi", "bulanan", "quality", "induk"].contains(&what.as_str()) {
                eprintln!(
                    "unknown report {what:?}: only `mutasi`, `bulanan`, `quality` and `induk` are known"
                );
                return Ok(ExitCode::from(2));
            }
            let month = match (what.as_str(), month) {
                ("mutasi" | "bulanan", None) => {
                    eprintln!("gotong report {what} needs --month YYYY-MM");
                    return Ok(ExitCode::from(2));
                }
                (_, month) => month,
            };
            let db = Db::connect(&config.database_url).await?;
            let (file, kelurahan) = (file.as_deref(), kelurahan.as_deref());
            match (what.as_str(), month) {
                ("mutasi" | "bulanan", Some(month)) => {
                    month_report_command(&db, &what, file, kelurahan, &month).await?
                }
                ("quality", _) => quality_command(&db, file, kelurahan).await?,
                _ => induk_command(&db, file, kelurahan).await?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { what, .. } | Command::Export { what, .. } => {
            eprintln!("unknown data {what:?}: `registry` (import, export) or `aid` (import)");
            Ok(ExitCode::from(2))
        }
        Command::Kelurahan { command } => {
            let db = Db::connect(&config.database_url).await?;
            gotong::kelurahan::cli::run(&db, command, &mut std::io::stdout()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            gotong::demo::run(config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stimulus {
            action,
            date,
            kelurahan,
        } => {
            if action != "run" {
                eprintln!("usage: gotong stimulus run [--date YYYY-MM-DD] [--kelurahan CODE]");
                return Ok(ExitCode::from(2));
            }
            let date = match date {
                None => gotong::calendar::jakarta_date(chrono::Utc::now().timestamp_millis()),
                Some(d) => match gotong::calendar::parse_date(&d) {
                    Some(d) => d,
                    None => {
                        eprintln!("not a date (YYYY-MM-DD): {d}");
                        return Ok(ExitCode::from(2));
                    }
                },
            };
            if let Err(e) =
                gotong::ledger::stimulus::check_date(date, chrono::Utc::now().timestamp_millis())
            {
                eprintln!("{e}");
                return Ok(ExitCode::from(2));
            }
            let texts = Texts::load_shipped()?;
            let db = Db::connect(&config.database_url).await?;
            let which = match kelurahan {
                None => gotong::ledger::stimulus::RunFor::Every,
                Some(code) => match db.kelurahan_by_code(code.trim()).await? {
                    Some(k) => gotong::ledger::stimulus::RunFor::One(k.id),
                    None => {
                        eprintln!("no kelurahan with code {code}");
                        return Ok(ExitCode::from(2));
                    }
                },
            };
            let t = gotong::ledger::stimulus::run_with_progress_bar(
                &db,
                &texts,
                which,
                date,
                config.stimulus_per_day,
            )
            .await?;
            println!(
                "stimulus {date}: {} households, {} persons, {} newly credited",
                t.households,
                t.persons,
                gotong::text::money::format_rupiah(t.amount)
            );
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "testkit")]
        Command::Bench(args) => {
            gotong::bench::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
