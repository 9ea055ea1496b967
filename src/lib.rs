//! avain: a helpdesk console for people who cannot log in. The library
//! crate holds everything testable; `main.rs` only parses and hands over.

pub mod domain;
pub mod config;
pub mod secrets;
