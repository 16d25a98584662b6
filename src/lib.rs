//! Gotong: the chatbot of the Pasar Gotong Royong Kelurahan.
//!
//! See `ARCHITECTURE.md` for the map of modules and the path of a message.

pub mod app;
pub mod chat;
pub mod clock;
pub mod config;
pub mod engine;
pub mod error;
pub mod i18n;
pub mod inbox;
pub mod message;
pub mod parse;
pub mod registry;
pub mod store;
pub mod testing;
pub mod text;
