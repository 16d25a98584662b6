//! WhatsApp Cloud API (Meta Graph API): webhook signature, webhook payloads, sending.

pub mod inbound;
pub mod send;
pub mod signature;
