//! Parsers for what residents type: phone numbers, amounts, NIK, PIN, choices.

pub mod amount;
pub mod choice;
pub mod free_text;
pub mod nik;
pub mod phone;
pub mod pin;
pub mod words;

pub use amount::{parse_amount, AmountError, MAX_AMOUNT};
pub use choice::{
    parse_choice, parse_whole_number, parse_yes_no, ChoiceError, NumberError, YesNoError,
};
pub use free_text::{free_text, FreeTextError};
pub use nik::{parse_nik, Nik, NikError, Sex};
pub use phone::{mask_phone, normalize_phone};
pub use pin::{is_trivial, parse_new_pin, parse_pin, Pin, PinError, PIN_LEN};
