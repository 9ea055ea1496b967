//! Work a page promised and does after answering (a self-service request:
//! the lookup, the link, the mail). A few run at once so a flood of forms
//! waits its turn instead of taking every database connection; when the
//! queue is full the page says "busy, try again" instead of promising work
//! that would be dropped. Work that fails on the database is tried again,
//! and work that still fails is logged as not done.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Tries of one piece of work before it is logged as not done.
const TRIES: u32 = 3;

#[derive(Clone)]
pub struct WorkQueue {
    at_once: usize,
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl WorkQueue {
    pub fn new(at_once: usize, max_waiting: usize) -> WorkQueue {
        WorkQueue {
            at_once,
            running: Arc::new(Semaphore::new(at_once)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
        }
    }

    /// Queues `work` (called again, up to three times, while it fails with
    /// an error `retry` accepts). False, and nothing queued, when full.
    pub fn submit<W, F, E>(&self, what: &'static str, work: W, retry: fn(&E) -> bool) -> bool
    where
        W: Fn() -> F + Send + 'static,
        F: Future<Output = Result<(), E>> + Send,
        E: std::fmt::Display + Send + 'static,
    {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        let queue = self.clone();
        tokio::spawn(async move {
            let permit = queue.running.acquire().await;
            queue.waiting.fetch_sub(1, Ordering::SeqCst);
            let Ok(_permit) = permit else { return };
            for attempt in 1..=TRIES {
                match work().await {
                    Ok(()) => return,
                    Err(e) if attempt < TRIES && retry(&e) => {
                        tracing::warn!("{what}: try {attempt} failed, trying again: {e}");
                        tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                    }
                    Err(e) => {
                        tracing::error!("{what}: not done: {e}");
                        return;
                    }
                }
            }
        });
        true
    }

    /// Pieces of work waiting for their turn.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Waits (up to `limit`) until everything queued is done: a stopping
    /// server keeps the promises its pages made.
    pub async fn finish(&self, limit: Duration) {
        let all_done = async {
            loop {
                if self.waiting() == 0 && self.running.available_permits() == self.at_once {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        if tokio::time::timeout(limit, all_done).await.is_err() {
            let left = self.waiting() + self.at_once - self.running.available_permits();
            tracing::error!("stopping with {left} self-service requests not done");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[tokio::test]
    async fn a_full_queue_refuses_and_failures_are_tried_again() {
        let queue = WorkQueue::new(1, 2);
        let gate = Arc::new(tokio::sync::Notify::new());
        let started = Arc::new(AtomicU32::new(0));
        let hold = |gate: Arc<tokio::sync::Notify>, started: Arc<AtomicU32>| {
            move || {
                let gate = gate.clone();
                let started = started.clone();
                async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    gate.notified().await;
                    Ok::<(), String>(())
                }
            }
        };
        let never = |_: &String| false;
        // One runs, two wait; the fourth is refused.
        for _ in 0..3 {
            assert!(queue.submit("test", hold(gate.clone(), started.clone()), never));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(started.load(Ordering::SeqCst), 1);
        assert_eq!(queue.waiting(), 2);
        assert!(!queue.submit("test", hold(gate.clone(), started.clone()), never));
        for _ in 0..3 {
            gate.notify_one();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(started.load(Ordering::SeqCst), 3);
        assert_eq!(queue.waiting(), 0);

        let tries = Arc::new(AtomicU32::new(0));
        let counted = tries.clone();
        let flaky = move || {
            let counted = counted.clone();
            async move {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Err("pool timed out".to_string())
                } else {
                    Ok(())
                }
            }
        };
        assert!(queue.submit("test", flaky, |_| true));
        tokio::time::sleep(Duration::from_millis(1_700)).await;
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }
}
