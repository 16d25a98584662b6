//! The flow's collected values as an action sees them: read and written only through these
//! accessors, each checked against the running action's [`Contract`](super::Contract), so the
//! contract cannot drift from what the code does.

use super::contract::Running;
use crate::i18n::Texts;
use std::collections::BTreeMap;

/// The session's values, lent to the running action (the runner takes them back after it).
pub struct Values<'a> {
    map: &'a mut BTreeMap<String, String>,
    running: Running<'a>,
}

impl<'a> Values<'a> {
    pub(in crate::engine) fn new(
        map: &'a mut BTreeMap<String, String>,
        running: Running<'a>,
    ) -> Values<'a> {
        Values { map, running }
    }

    pub fn running(&self) -> &Running<'a> {
        &self.running
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.running.check_read(key);
        self.map.get(key).map(String::as_str)
    }

    pub fn set(&mut self, key: &str, value: String) {
        self.running.check_write(key);
        self.map.insert(key.to_string(), value);
    }

    /// Reads and removes a value (a secret kept only until it is used).
    pub fn take(&mut self, key: &str) -> Option<String> {
        self.running.check_read(key);
        self.map.remove(key)
    }

    /// Renders message `id` with every value as an argument, `args` taking precedence. A value
    /// the message shows is a read too: checked in debug builds (finding a message's variables
    /// walks its syntax, which release builds need not pay for).
    pub fn render(&self, texts: &Texts, lang: &str, id: &str, args: &[(&str, String)]) -> String {
        if cfg!(debug_assertions) {
            for name in texts.placeholders(lang, id) {
                if self.map.contains_key(&name) && !args.iter().any(|(a, _)| *a == name) {
                    self.running.check_read(&name);
                }
            }
        }
        texts.render_with(lang, id, self.map, args)
    }
}
