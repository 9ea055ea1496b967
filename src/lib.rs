//! avain: a helpdesk console for people who cannot log in. The library
//! crate holds everything testable; `main.rs` only parses and hands over.

pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod directory;
pub mod domain;
pub mod logging;
pub mod mail;
pub mod secrets;
pub mod service;
pub mod setup;
pub mod ssh;
pub mod store;
pub mod text;
pub mod tui;
pub mod web;
