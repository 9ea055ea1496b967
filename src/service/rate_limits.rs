//! The patron pages' limits, kept in the database so every `avain serve`
//! on it shares them and a restart keeps them. What is counted is stored
//! only as a MAC (no card number, address or client address at rest).
//!
//! The limits slow an attacker without locking the patron out: a client
//! address is limited in what it sends; one card-and-email pair in how
//! often it is asked for; and a card only in how many *mismatching*
//! requests name it, past which those requests stop reaching the
//! directory, while the patron's own exact request still gets its link.

use super::{ServiceResult, Services};
use crate::store::rate_limits;

/// The counted window.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// What a limit counts, and how many in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Request forms sent from one client address.
    FormClient,
    /// Requests naming one card and email (or one email) in one organisation.
    FormPair,
    /// Refused requests naming one card in one organisation.
    CardMismatch,
    /// Link pages sent from one client address (bounds the hashing work).
    LinkClient,
}

impl Limit {
    pub fn max(self) -> u64 {
        match self {
            Limit::FormClient => 20,
            Limit::FormPair => 5,
            Limit::CardMismatch => 5,
            Limit::LinkClient => 60,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Limit::FormClient => "form-client",
            Limit::FormPair => "form-pair",
            Limit::CardMismatch => "card-mismatch",
            Limit::LinkClient => "link-client",
        }
    }
}

impl Services {
    /// The bucket of one limit and what it counts.
    pub(super) fn rate_bucket(&self, limit: Limit, what: &str) -> String {
        use hmac::{KeyInit, Mac};
        let mut m = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(self.rate_key())
            .expect("any key length");
        m.update(limit.name().as_bytes());
        m.update(b"\0");
        m.update(what.as_bytes());
        m.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Counts one event against each limit, unless one is already full
    /// (then nothing is counted). True when allowed.
    pub async fn take_rate(&self, events: &[(Limit, &str)]) -> ServiceResult<bool> {
        let buckets: Vec<(String, u64)> = events
            .iter()
            .map(|(limit, what)| (self.rate_bucket(*limit, what), limit.max()))
            .collect();
        let now = self.now();
        let tx = self.store.begin_write().await?;
        let taken = rate_limits::take(&tx, &buckets, now - WINDOW_MS, now).await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Is this limit full for `what` (nothing counted)?
    pub(crate) async fn rate_full(&self, limit: Limit, what: &str) -> ServiceResult<bool> {
        let bucket = self.rate_bucket(limit, what);
        let tx = self.store.begin_read().await?;
        let n = rate_limits::count_since(&tx, &bucket, self.now() - WINDOW_MS).await?;
        tx.commit().await?;
        Ok(n >= limit.max())
    }

    /// Forgets events older than the window (run now and then by `serve`).
    pub async fn forget_old_rate_events(&self) -> ServiceResult<u64> {
        let tx = self.store.begin_write().await?;
        let n = rate_limits::forget_before(&tx, self.now() - WINDOW_MS).await?;
        tx.commit().await?;
        Ok(n)
    }
}
