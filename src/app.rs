//! The running application: configuration, database, clock, texts and the conversation handler,
//! shared by the HTTP server, the workers, the daily jobs and the terminal chat.
//!
//! The texts are loaded once at start-up and reach whoever renders from here (a notice queued by
//! the admin API, the stimulus credit notices, the market reminders): there is no global copy.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::i18n::Texts;
use crate::inbox::Conversation;
use crate::kelurahan::NumberDirectory;
use crate::store::Db;
use std::sync::Arc;

/// A shipped directory (`flows`, `locales`): `./<name>` when run from a checkout or a deployment
/// that carries it, else the crate's own.
pub fn asset_dir(name: &str) -> std::path::PathBuf {
    let local = std::path::Path::new(name);
    if local.is_dir() {
        local.to_path_buf()
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }
}

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The texts loaded at start-up, the same the engine renders with.
    pub texts: Arc<Texts>,
    pub conversation: Arc<dyn Conversation>,
    /// Which kelurahan a number belongs to and which number each sends from (loaded at `serve`
    /// start, and again when an unknown number comes).
    pub numbers: Arc<NumberDirectory>,
}

impl App {
    pub fn new(
        config: Config,
        db: Db,
        texts: Arc<Texts>,
        conversation: Arc<dyn Conversation>,
    ) -> Self {
        let numbers = Arc::new(NumberDirectory::new(db.clone(), &config));
        App {
            config: Arc::new(config),
            numbers,
            db,
            clock: Arc::new(SystemClock),
            texts,
            conversation,
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
