//! The SSH door: desks log in with their own keys (`avain staff key add`)
//! and each connection gets its own console, drawn into the channel, in
//! the same process as the patron pages and the outbox worker.

mod handler;
pub mod input;
pub mod keys;
mod renewal;
mod server;
mod session;

pub use server::serve_ssh;
