//! The pure text layer: GSM-7 and SMS segments, money formatting.

pub mod gsm7;
pub mod money;

pub use gsm7::{
    gsm7_septets, is_gsm7, non_gsm7_chars, sms_encoding, sms_segments, to_gsm7_lossy, SmsEncoding,
    MAX_SMS_SEGMENTS,
};
pub use money::format_rupiah;
