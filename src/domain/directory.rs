//! What can go wrong when avain asks a system of record to change
//! something: plain data, so every door can word it.

use super::DirectoryRefusal;

/// Why a call to the system of record did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DirectoryError {
    /// It answered, and said no (its password policy, history, a lock).
    #[error("refused ({reason}): {text}")]
    Refused {
        reason: DirectoryRefusal,
        /// The system's own words, for staff.
        text: String,
    },
    /// No answer in time, or no connection: nothing changed.
    #[error("no answer: {0}")]
    Unavailable(String),
    /// The entry is not there.
    #[error("the entry is not in the directory")]
    NotFound,
    /// avain's own access does not work (password, permission, address).
    #[error("avain's access does not work: {0}")]
    Setup(String),
}

/// How current the mirror's copy of an account is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Freshness {
    /// avain itself holds the account.
    Local,
    /// Read from the directory just now.
    Fresh { at: i64 },
    /// Not read again this time: the mirror as of the last sync or refresh.
    Mirror { read_at: Option<i64> },
    /// The directory did not answer in time: this is the mirror as of
    /// `read_at` (never, if `None`).
    Stale {
        read_at: Option<i64>,
        reason: String,
    },
}
