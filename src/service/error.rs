//! What a service can answer instead of a result. Every variant says, in
//! plain words, what happened; the doors map them to exit codes and popups.

use crate::domain::policy::PolicyRefusal;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such thing, or not in the caller's organisations (the two are
    /// deliberately indistinguishable to desk staff).
    #[error("{0}")]
    NotFound(String),
    /// The caller's role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The action cannot be done in the current state.
    #[error("{0}")]
    Refused(String),
    /// A new PIN or password breaks the organisation's policy.
    #[error("refused: {}", .0.explain())]
    Policy(PolicyRefusal),
    /// Too many links for this account in the last hour.
    #[error("refused: the limit of {limit} links an hour is reached; the next is allowed at {}", crate::clock::format_utc(*.next_allowed_at))]
    RateLimited { limit: u32, next_allowed_at: i64 },
    /// Input that can never be right (malformed email, empty reason).
    #[error("{0}")]
    BadInput(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// Exit code for the command line: 1 refused or not found, 2 bad input
    /// or a broken environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServiceError::BadInput(_) | ServiceError::Store(_) => 2,
            _ => 1,
        }
    }

    /// A stable code for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::Refused(_) => "refused",
            ServiceError::Policy(_) => "policy",
            ServiceError::RateLimited { .. } => "rate_limited",
            ServiceError::BadInput(_) => "bad_input",
            ServiceError::Store(_) => "database",
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
