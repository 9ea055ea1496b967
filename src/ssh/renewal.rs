//! Renewal of the open consoles: one task checks every few seconds, in one
//! transaction, that each session's staff member may still come in, and
//! tells the sessions that must end. A check per session would cost a
//! write (and on SQLite a disk sync) per open desk every few seconds;
//! idle desks should cost the server next to nothing.

use crate::service::Services;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// How often the open sessions are checked.
pub const RECHECK: Duration = Duration::from_secs(3);

/// The open sessions, each with the word that ends it.
#[derive(Default)]
pub struct Renewal {
    open: Mutex<HashMap<i64, oneshot::Sender<()>>>,
}

/// A session's place in the renewal; leaves it when dropped.
pub struct Renewed<'a> {
    renewal: &'a Renewal,
    session_id: i64,
    /// Completes when the session must end.
    pub withdrawn: oneshot::Receiver<()>,
}

impl Drop for Renewed<'_> {
    fn drop(&mut self) {
        self.renewal.lock().remove(&self.session_id);
    }
}

impl Renewal {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, oneshot::Sender<()>>> {
        // A panic elsewhere cannot leave the map half-changed: every use is
        // one insert, remove or copy of keys.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn join(&self, session_id: i64) -> Renewed<'_> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(session_id, tx);
        Renewed {
            renewal: self,
            session_id,
            withdrawn: rx,
        }
    }

    /// Checks the open sessions every `RECHECK` until `stop` turns true.
    pub async fn run(&self, services: &Services, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep(RECHECK) => {}
            }
            self.check(services).await;
        }
    }

    /// One round: ends the sessions that may no longer run.
    pub async fn check(&self, services: &Services) {
        let ids: Vec<i64> = self.lock().keys().copied().collect();
        if ids.is_empty() {
            return;
        }
        match services.ssh_sessions_withdrawn(&ids).await {
            Ok(withdrawn) => {
                let mut open = self.lock();
                for id in withdrawn {
                    if let Some(end) = open.remove(&id) {
                        let _ = end.send(());
                    }
                }
            }
            // The database is away: keep the consoles; the next round decides.
            Err(e) => tracing::warn!("ssh: session check: {e}"),
        }
    }
}
