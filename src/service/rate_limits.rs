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
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The counted window.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// How long counted events wait in memory before they are written.
pub const FLUSH_AFTER: std::time::Duration = std::time::Duration::from_millis(25);

/// This process's own rate-limit events: every one in the window (to
/// count, exactly), and those not yet written.
pub struct RateBook {
    /// Names this process's rows, so it does not count them twice.
    owner: String,
    recent: Mutex<HashMap<String, VecDeque<i64>>>,
    unwritten: Mutex<Vec<(String, i64)>>,
    flush_scheduled: AtomicBool,
}

impl Default for RateBook {
    fn default() -> Self {
        let mut id = [0u8; 12];
        getrandom::fill(&mut id).expect("the OS random source is available");
        RateBook {
            owner: id.iter().map(|b| format!("{b:02x}")).collect(),
            recent: Mutex::default(),
            unwritten: Mutex::default(),
            flush_scheduled: AtomicBool::new(false),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RateBook {
    /// With `checks` of (bucket, max, counted by others): counts one event
    /// in each bucket at `now`, unless one would go over (then none).
    fn count_unless_full(&self, checks: &[(String, u64, u64)], now: i64, since: i64) -> bool {
        let mut recent = lock(&self.recent);
        // Forget old buckets now and then, so the map stays small.
        if recent.len() > 100_000 {
            recent.retain(|_, times| times.back().is_some_and(|t| *t > since));
        }
        for (bucket, max, others) in checks {
            let mine = recent.get_mut(bucket).map_or(0, |times| {
                while times.front().is_some_and(|t| *t <= since) {
                    times.pop_front();
                }
                times.len() as u64
            });
            if mine + others >= *max {
                return false;
            }
        }
        let mut unwritten = lock(&self.unwritten);
        for (bucket, _, _) in checks {
            recent.entry(bucket.clone()).or_default().push_back(now);
            unwritten.push((bucket.clone(), now));
        }
        true
    }
}

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
    ///
    /// Answering must not wait for a write: this process counts its own
    /// events in memory, exactly, and writes them in batches a moment
    /// later ([`FLUSH_AFTER`]); from the database it adds only what other
    /// processes counted (they see this one's within the batch delay, and
    /// a restarted process sees all of them).
    pub async fn take_rate(&self, events: &[(Limit, &str)]) -> ServiceResult<bool> {
        let book = self.rate_book();
        let now = self.now();
        let since = now - WINDOW_MS;
        let mut checks = Vec::with_capacity(events.len());
        let tx = self.store.begin_read().await?;
        for (limit, what) in events {
            let bucket = self.rate_bucket(*limit, what);
            let others = rate_limits::count_since(&tx, &bucket, since, Some(&book.owner)).await?;
            checks.push((bucket, limit.max(), others));
        }
        tx.commit().await?;
        if !book.count_unless_full(&checks, now, since) {
            return Ok(false);
        }
        self.schedule_rate_flush();
        Ok(true)
    }

    /// The name this process's rate-limit rows carry.
    pub(super) fn rate_owner(&self) -> &str {
        &self.rate_book().owner
    }

    /// Writes the counted events soon, once per batch.
    fn schedule_rate_flush(&self) {
        if self
            .rate_book()
            .flush_scheduled
            .swap(true, Ordering::SeqCst)
        {
            return;
        }
        let services = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(FLUSH_AFTER).await;
            if let Err(e) = services.flush_rate_events().await {
                tracing::warn!("writing rate-limit events: {e}");
            }
        });
    }

    /// Writes every counted event now (also before a server stops). On a
    /// failure they stay in memory, still counted, for the next batch.
    pub async fn flush_rate_events(&self) -> ServiceResult<()> {
        let book = self.rate_book();
        book.flush_scheduled.store(false, Ordering::SeqCst);
        let batch = std::mem::take(&mut *lock(&book.unwritten));
        if batch.is_empty() {
            return Ok(());
        }
        let written = async {
            let tx = self.store.begin_write().await?;
            for (bucket, at) in &batch {
                rate_limits::record(&tx, bucket, &book.owner, *at).await?;
            }
            tx.commit().await?;
            ServiceResult::Ok(())
        }
        .await;
        if written.is_err() {
            lock(&book.unwritten).extend(batch);
        }
        written
    }

    /// Is this limit full for `what` (nothing counted)?
    pub(crate) async fn rate_full(&self, limit: Limit, what: &str) -> ServiceResult<bool> {
        let bucket = self.rate_bucket(limit, what);
        let tx = self.store.begin_read().await?;
        let n = rate_limits::count_since(&tx, &bucket, self.now() - WINDOW_MS, None).await?;
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
