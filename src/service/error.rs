//! What a service can answer instead of a result. Every variant says, in
//! plain words, what happened; the doors map them to exit codes and popups.

use crate::domain::DirectoryKind;
use crate::domain::directory::DirectoryError;
use crate::domain::policy::PolicyRefusal;
use crate::store::StoreError;
use crate::text::{Words, safe};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such thing, or not in the caller's organisations (the two are
    /// deliberately indistinguishable to desk staff).
    #[error("{0}")]
    NotFound(String),
    /// An organisation slug that is not one of the caller's (a typo, or
    /// another's): the answer names the caller's own.
    #[error("organisation {slug:?} not found (organisations: {})", known.join(", "))]
    UnknownOrg { slug: String, known: Vec<String> },
    /// The caller's role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The action cannot be done in the current state.
    #[error("{0}")]
    Refused(String),
    /// A new PIN or password breaks the organisation's policy.
    #[error("refused by the policy ({})", .0.code())]
    Policy(PolicyRefusal),
    /// Too many links for this account in the last hour.
    #[error("refused: the limit of {limit} links an hour is reached; the next is allowed at {}", crate::clock::format_utc(*.next_allowed_at))]
    RateLimited { limit: u32, next_allowed_at: i64 },
    /// Input that can never be right (malformed email, empty reason).
    #[error("{0}")]
    BadInput(String),
    /// The organisation's system of record did not take the change (or
    /// did not answer): nothing was recorded as done.
    #[error("{kind}: {error}")]
    Directory {
        kind: DirectoryKind,
        error: DirectoryError,
    },
    /// The account is gone from its directory: nothing can be done to it.
    #[error("the account was removed from its {kind} directory")]
    Removed { kind: DirectoryKind },
    /// The directory cannot check a PIN or password for avain.
    #[error("the {kind} directory cannot check a PIN or password for avain")]
    CannotCheck { kind: DirectoryKind },
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// Exit code for the command line: 1 refused or not found, 2 bad input
    /// or a broken environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServiceError::BadInput(_) | ServiceError::Store(_) => 2,
            ServiceError::Directory {
                error: DirectoryError::Setup(_),
                ..
            } => 2,
            _ => 1,
        }
    }

    /// The failure in plain words, in the reader's language: the same
    /// sentence in the console, on the patron pages and on the command line.
    pub fn describe(&self, w: &Words) -> String {
        match self {
            ServiceError::NotFound(_) => w.t("error.not_found").to_string(),
            ServiceError::UnknownOrg { slug, known } => {
                let known = if known.is_empty() {
                    w.t("error.no_orgs").to_string()
                } else {
                    known.join(", ")
                };
                w.f(
                    "error.unknown_org",
                    &[("slug", &safe(slug)), ("orgs", &known)],
                )
            }
            ServiceError::Forbidden(_) => w.t("error.forbidden").to_string(),
            ServiceError::Refused(detail) => format!("{}: {detail}", w.t("error.refused")),
            ServiceError::BadInput(detail) => format!("{}: {detail}", w.t("error.bad_input")),
            ServiceError::Store(detail) => format!("{}: {detail}", w.t("error.database")),
            ServiceError::RateLimited {
                limit,
                next_allowed_at,
            } => w.f(
                "error.rate_limited",
                &[
                    ("limit", &limit.to_string()),
                    ("at", &w.time(*next_allowed_at)),
                ],
            ),
            ServiceError::Policy(refusal) => w.policy(refusal),
            ServiceError::Directory { kind, error } => w.directory_error(*kind, error),
            ServiceError::Removed { kind } => {
                w.f("directory.removed_refused", &[("system", w.system(*kind))])
            }
            ServiceError::CannotCheck { kind } => {
                w.f("directory.cannot_check", &[("system", w.system(*kind))])
            }
        }
    }

    /// A stable code for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound(_) | ServiceError::UnknownOrg { .. } => "not_found",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::Refused(_) => "refused",
            ServiceError::Policy(_) => "policy",
            ServiceError::RateLimited { .. } => "rate_limited",
            ServiceError::BadInput(_) => "bad_input",
            ServiceError::Directory { error, .. } => match error {
                DirectoryError::Refused { .. } => "directory_refused",
                DirectoryError::Unavailable(_) => "directory_unavailable",
                DirectoryError::NotFound => "directory_not_found",
                DirectoryError::Setup(_) => "directory_setup",
            },
            ServiceError::Removed { .. } => "removed",
            ServiceError::CannotCheck { .. } => "cannot_check",
            ServiceError::Store(_) => "database",
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
