//! What the server logs, captured for tests that check what an operator reads (a provider's
//! error is logged as a warning; a phone never appears in it).
//!
//! [`capture`] runs a closure under its own subscriber; [`global`] installs one subscriber for
//! the whole test binary (a server's tasks log from any thread), whose lines every test of that
//! binary searches for its own marks.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Log lines written so far.
#[derive(Clone, Debug, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything logged so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The lines logged so far that contain `mark`.
    pub fn lines_with(&self, mark: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(mark))
            .map(String::from)
            .collect()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn subscriber(into: Captured) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || into.clone())
        .finish()
}

/// What `f` logs (on this thread).
pub fn capture(f: impl FnOnce()) -> String {
    let logs = Captured::default();
    tracing::subscriber::with_default(subscriber(logs.clone()), f);
    logs.text()
}

/// The one subscriber of this process, installed on first use; `None` when another one was
/// installed first.
pub fn global() -> Option<&'static Captured> {
    static LOGS: OnceLock<Option<Captured>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        tracing::subscriber::set_global_default(subscriber(logs.clone()))
            .ok()
            .map(|()| logs)
    })
    .as_ref()
}
