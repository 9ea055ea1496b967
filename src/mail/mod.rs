//! Mail: templates per purpose and language, composing a message, and the
//! transports (SMTP or files). The service layer decides what to send and
//! records what happened; this module only composes and sends.

pub mod compose;
pub mod templates;
pub mod transport;

pub use compose::{OutgoingMail, compose};
pub use transport::{SendFailure, Transport};
