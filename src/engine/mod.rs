//! The conversation engine: declarative flows (`flows/*.toml`) run over Fluent texts, one step per
//! inbound message, with the session kept in the database.
//!
//! Precedence of what a resident types (first match wins):
//! 1. content that is not text (sticker, audio, location): "only text is understood", step kept;
//!    a photo counts as text only at a photo step, or by its caption;
//! 2. empty text: a short hint, step kept;
//! 3. `BATAL` / `CANCEL`: leave the current flow, nothing half-done kept;
//! 4. a flow keyword (`MENU`, `BAHASA`, `BERHENTI`, `BAYAR`…), with or without arguments: leaves
//!    the current flow and starts that one. At a free-text step only a keyword typed alone counts,
//!    so a proposal titled "Data warga" stays a title. A keyword may be two words (`BATAL SIARAN`,
//!    tried before the one-word ones): so `BATAL` alone cancels (rule 3) while `BATAL SIARAN 5`
//!    cancels broadcast 5;
//! 5. inside a flow: the answer to the current step;
//! 6. anything else: "not understood" and the main menu.

pub mod actions;
pub mod check;
mod contract_check;
pub mod flow;
pub mod input;
mod pin_ahead;
pub mod render;
mod runner;

pub use flow::{Flow, FlowProblem, InputKind, Step};
pub use runner::Engine;
