//! The conversation engine: declarative flows (`flows/*.toml`) run over Fluent texts, one step per
//! inbound message, with the session kept in the database.
//!
//! Precedence of what a resident types (first match wins):
//! 1. content that is not text (sticker, audio, location): "only text is understood", step kept;
//!    a photo counts as text only at a photo step, or by its caption;
//! 2. empty text: a short hint, step kept;
//! 3. `BATAL` / `CANCEL`: leave the current flow, nothing half-done kept; at a money action's
//!    PIN step (a PIN step with `no`: the PIN is the yes, DESIGN §4) it is that step's no, so the
//!    action undoes what it holds (an order let go, a bill declined);
//! 4. a flow keyword (`MENU`, `BAHASA`, `BERHENTI`, `BAYAR`…; read without the punctuation at
//!    the end, `saldo?`; SMS abbreviations such as `BYR`, `SLD`, `CR` are keywords in the flow
//!    files; a keyword of 5+ letters with one letter wrong, missing or extra counts when only one
//!    flow's keywords are that close, `sldo`). Typed alone it counts anywhere (a typo of one not
//!    at a free-text step). With words after it, it counts only when they are its arguments as
//!    its `args` steps would accept them (a `code = true` step only a code such as `W001`; a flow
//!    without `args` only if its actions read `_args`): `DUKUNG 5` during `USUL`, `PINJAM B001`
//!    at the item step. Otherwise it is not that keyword (`Terima kasih`, `Pesan saya belum
//!    dibalas`). It leaves the current flow and starts that one. A keyword alone that is also a
//!    yes/no answer (`BUKAN`) is that answer at a Ya/Tidak step. A keyword may be two words
//!    (`BATAL SIARAN`, tried before the one-word ones): so `BATAL` alone cancels (rule 3) while
//!    `BATAL SIARAN 5` cancels broadcast 5;
//! 5. a courtesy (`terima kasih`, `ok`, `siap`): a short friendly answer, step kept (unless the
//!    step is free text, or a yes/no step that takes `ok` as yes);
//! 6. inside a flow: the answer to the current step (a number with its unit, `3 hari`, is that
//!    number; a menu is not resent after a wrong answer on SMS, nor a list on WhatsApp: the
//!    error says the numbers);
//! 7. anything else: a short "not understood, type MENU" (or "type BAHASA alone" after a keyword
//!    followed by a word or two that are not its arguments; a sentence of 3 words or more is
//!    offered `TANYA`, a question for the kelurahan), never the whole menu.
//!
//! A message that may be a PIN (4–8 digits alone) is never echoed (a menu says "reply 1 to N",
//! a free-text or code step refuses it) and is stored masked unless a step accepted it (an amount,
//! a quantity, a NIK): DESIGN §6.

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
