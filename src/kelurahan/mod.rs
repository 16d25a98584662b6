//! Kelurahan as tenants of one deployment (issue 18), the part that is not a domain's rows:
//!
//! - [`numbers`]: which kelurahan a message belongs to (the number it was sent to) and which
//!   number a kelurahan's messages go out from, held in memory by the [`crate::app::App`];
//! - [`setup`]: what `serve` takes from the environment for a deployment of one (its numbers,
//!   the default kelurahan's code and name);
//! - [`create`]: adding a kelurahan and numbers, listing them (CLI and admin API);
//! - [`stats`]: the KPIs of one kelurahan or of the whole deployment (`/api/stats`);
//! - [`cli`]: `gotong kelurahan add/numbers/list`.
//!
//! The rows themselves, and the scoping of every query by the unit of work's kelurahan, are in
//! the store (`store/kelurahan.rs` and each domain's file).

pub mod boundaries;
pub mod cli;
pub mod create;
pub mod numbers;
pub mod setup;
pub mod stats;

pub use numbers::NumberDirectory;
