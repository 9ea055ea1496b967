//! Mail: templates per purpose and language, the transports (SMTP or
//! files), and the outbox worker that delivers what services queued.

pub mod local_time;
pub mod templates;
pub mod transport;
pub mod worker;

pub use transport::Transport;
pub use worker::{DeliveryReport, Mailer};
