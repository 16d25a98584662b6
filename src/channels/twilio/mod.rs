//! Twilio Programmable Messaging (SMS): webhook signature, inbound and status webhooks, sending.

pub mod inbound;
pub mod send;
pub mod signature;
