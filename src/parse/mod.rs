//! Parsers for what residents type: phone numbers, amounts, NIK, PIN, choices.

pub mod phone;

pub use phone::{mask_phone, normalize_phone};
