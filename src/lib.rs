//! Gotong: the chatbot of the Pasar Gotong Royong Kelurahan.
//!
//! See `ARCHITECTURE.md` for the map of modules and the path of a message.
//!
//! With the cargo feature `testkit` (on for the project's own tests, off in the product binary)
//! the library also has its test kit, [`testing`], and the load scenarios of `gotong bench`,
//! [`bench`].

pub mod accounts;
pub mod app;
#[cfg(feature = "testkit")]
pub mod bench;
pub mod broadcast;
pub mod calendar;
pub mod channels;
pub mod chat;
pub mod clock;
pub mod config;
pub mod demo;
pub mod dispatch;
pub mod engine;
pub mod error;
pub mod events;
pub mod http;
pub mod i18n;
pub mod inbox;
pub mod jobs;
pub mod kelurahan;
pub mod kindness;
pub mod ledger;
pub mod letters;
pub mod market;
pub mod message;
pub mod notices;
pub mod officer_login;
pub mod outbox;
pub mod parse;
pub mod proposals;
pub mod recorder;
pub mod registry;
pub mod server;
pub mod services;
pub mod shutdown;
pub mod store;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testing;
pub mod text;
pub mod tickets;
pub mod web;
