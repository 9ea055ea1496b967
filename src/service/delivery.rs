//! Delivering the outbox: claims due mails, has `mail` compose and send
//! each, and records the outcome. Transient failures come back later with
//! exponential backoff and jitter; permanent ones are marked failed with
//! the server's answer. Nothing here logs a body, a link or a token.

use super::Services;
use crate::domain::OutboxStatus;
use crate::domain::link::LinkState;
use crate::domain::policy::CredentialPolicy;
use crate::mail::{OutgoingMail, SendFailure, Transport, compose};
use crate::store::entities::{outbox, reset_token};
use crate::store::{outbox_rows, tokens};
use rand::RngExt;
use serde::Serialize;
use std::time::Duration;

/// How long a claimed row is ours before another worker may take it over.
const LEASE_MS: i64 = 120_000;
/// First retry delay; doubled per attempt up to [`MAX_BACKOFF_MS`].
const BASE_BACKOFF_MS: i64 = 30_000;
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// What one pass delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
    pub cancelled: u32,
}

/// Mails claimed per transaction, and sent at once.
const BATCH: usize = 20;

/// What happened to one claimed mail, before it is recorded.
enum Attempt {
    Sent {
        answer: String,
        message_id: String,
    },
    /// Its link died after it was queued.
    Dead(String),
    /// It cannot be put together (bad address, unsealable link).
    Unsendable(String),
    Refused(SendFailure),
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
    Cancelled,
}

/// The outbox and a transport: what the console, `serve` and the command
/// line run to send what services queued.
pub struct Delivery {
    services: Services,
    transport: Transport,
}

/// The delay before attempt `attempts + 1`: 30 s, 1 min, 2 min … 1 h, ±20 %.
pub fn backoff_ms(attempts: i32) -> i64 {
    let exp = BASE_BACKOFF_MS.saturating_mul(1i64 << attempts.clamp(1, 20).saturating_sub(1));
    let base = exp.min(MAX_BACKOFF_MS);
    let jitter = rand::rng().random_range(-(base / 5)..=base / 5);
    base + jitter
}

/// How consoles sharing one outbox worker (the SSH door's sessions) wake
/// it after queuing mail, and hear that it did something.
#[derive(Clone)]
pub struct MailSignal {
    pub wake: std::sync::Arc<tokio::sync::Notify>,
    pub progressed: tokio::sync::broadcast::Sender<()>,
}

impl Default for MailSignal {
    fn default() -> Self {
        MailSignal {
            wake: std::sync::Arc::new(tokio::sync::Notify::new()),
            progressed: tokio::sync::broadcast::channel(16).0,
        }
    }
}

impl Delivery {
    pub fn new(services: Services, transport: Transport) -> Self {
        Delivery {
            services,
            transport,
        }
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends due mails until none is due or `max` were handled.
    pub async fn deliver_due(&self, max: usize) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        let mut handled = 0;
        while handled < max {
            let outcomes = self.deliver_batch((max - handled).min(BATCH)).await?;
            if outcomes.is_empty() {
                break;
            }
            handled += outcomes.len();
            for outcome in outcomes {
                match outcome {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Retrying => report.retrying += 1,
                    Outcome::Failed => report.failed += 1,
                    Outcome::Cancelled => report.cancelled += 1,
                }
            }
        }
        Ok(report)
    }

    /// Runs until `stop` turns true, polling every `idle` when nothing is
    /// due, or at once when `signal` is woken (and telling it each pass
    /// that did something).
    pub async fn run(
        &self,
        idle: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
        signal: Option<&MailSignal>,
    ) -> anyhow::Result<()> {
        let never = std::sync::Arc::new(tokio::sync::Notify::new());
        let wake = signal.map_or(never, |s| s.wake.clone());
        loop {
            let report = self.deliver_due(100).await?;
            if report != DeliveryReport::default() {
                tracing::info!(?report, "outbox pass");
                if let Some(s) = signal {
                    let _ = s.progressed.send(());
                }
            }
            if report.sent + report.retrying + report.failed + report.cancelled == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(idle) => {}
                    _ = wake.notified() => {}
                    _ = stop.changed() => {}
                }
            }
            if *stop.borrow() {
                return Ok(());
            }
        }
    }

    /// Claims up to `n` due mails in one transaction, sends them one by
    /// one, and records every outcome in one more transaction. A crash in
    /// between leaves the rows `sending` until their lease runs out; they
    /// are then sent again (at least once, never silently lost).
    async fn deliver_batch(&self, n: usize) -> anyhow::Result<Vec<Outcome>> {
        let s = &self.services;
        let now = s.now();
        let tx = s.store.begin_write().await?;
        let mut claimed = Vec::new();
        for _ in 0..n {
            let Some(row) = outbox_rows::claim_next(&tx, now, LEASE_MS).await? else {
                break;
            };
            let token = match row.token_id {
                Some(id) => tokens::get(&tx, id).await?,
                None => None,
            };
            claimed.push((row, token));
        }
        tx.commit().await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        // Sent side by side over the pooled connections: one SMTP exchange
        // waits tens of milliseconds on the network, so a batch in series
        // would cap delivery at a few dozen mails a second.
        let results = futures_util::future::join_all(
            claimed
                .iter()
                .map(|(row, token)| self.send_one(row, token.as_ref(), now)),
        )
        .await;
        let limit = s.config.mail.retry_limit as i32;
        let tx = s.store.begin_write().await?;
        let mut outcomes = Vec::with_capacity(results.len());
        for ((row, _), result) in claimed.iter().zip(results) {
            let outcome = match result {
                Attempt::Sent { answer, message_id } => {
                    outbox_rows::mark_sent(&tx, row.id, &answer, &message_id, s.now()).await?;
                    tracing::info!(outbox_id = row.id, template = %row.template, "mail sent");
                    Outcome::Sent
                }
                Attempt::Dead(why) => {
                    outbox_rows::mark_final(&tx, row.id, OutboxStatus::Cancelled, &why).await?;
                    Outcome::Cancelled
                }
                Attempt::Unsendable(why) => {
                    tracing::warn!(outbox_id = row.id, problem = %why, "cannot compose mail");
                    outbox_rows::mark_final(&tx, row.id, OutboxStatus::Failed, &why).await?;
                    Outcome::Failed
                }
                Attempt::Refused(SendFailure { transient, answer })
                    if transient && row.attempts < limit =>
                {
                    outbox_rows::mark_retry(
                        &tx,
                        row.id,
                        &answer,
                        s.now() + backoff_ms(row.attempts),
                    )
                    .await?;
                    tracing::warn!(outbox_id = row.id, attempts = row.attempts, %answer, "mail will be retried");
                    Outcome::Retrying
                }
                Attempt::Refused(SendFailure { transient, answer }) => {
                    let why = if transient {
                        format!("gave up after {} attempts: {answer}", row.attempts)
                    } else {
                        answer
                    };
                    tracing::warn!(outbox_id = row.id, answer = %why, "mail failed");
                    outbox_rows::mark_final(&tx, row.id, OutboxStatus::Failed, &why).await?;
                    Outcome::Failed
                }
            };
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn send_one(
        &self,
        row: &outbox::Model,
        token: Option<&reset_token::Model>,
        now: i64,
    ) -> Attempt {
        if let Some(t) = token
            && !matches!(
                super::account_view::link_state(t, now),
                LinkState::Active { .. }
            )
        {
            return Attempt::Dead("the link is no longer valid".into());
        }
        let message = match self.compose(row, token.map(|t| t.token_hash.as_str())) {
            Ok(m) => m,
            Err(problem) => return Attempt::Unsendable(problem),
        };
        let message_id = message
            .headers()
            .get_raw("Message-ID")
            .map(str::to_string)
            .unwrap_or_default();
        match self.transport.send(message).await {
            Ok(answer) => Attempt::Sent { answer, message_id },
            Err(failure) => Attempt::Refused(failure),
        }
    }

    /// Renders the row into a message: the link is unsealed here, in the
    /// service layer, and handed to `mail` only for this one message.
    fn compose(
        &self,
        row: &outbox::Model,
        token_hash: Option<&str>,
    ) -> Result<lettre::Message, String> {
        let s = &self.services;
        let link = match (&row.sealed_link, token_hash) {
            (Some(sealed), Some(hash)) => Some(
                s.open_sealed_link(sealed, hash)
                    .ok_or("the link cannot be unsealed (was the pepper replaced?)")?,
            ),
            _ if row.token_id.is_some() => return Err("the link is no longer kept".into()),
            _ => None,
        };
        let digits = match s.config.org(&row.org).map(|o| o.credential) {
            Some(CredentialPolicy::Pin { digits }) => digits,
            _ => 4,
        };
        compose(
            &s.config.mail,
            &OutgoingMail {
                id: row.id,
                template: row.template,
                language: row.language,
                recipient: &row.recipient,
                params: &row.params,
                link: link.as_deref().map(|l| l.as_str()),
                digits,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps_at_an_hour() {
        for (attempts, base) in [
            (1, 30_000),
            (2, 60_000),
            (3, 120_000),
            (10, 3_600_000),
            (40, 3_600_000),
        ] {
            let d = backoff_ms(attempts);
            assert!(
                d >= base - base / 5 && d <= base + base / 5,
                "{attempts}: {d}"
            );
        }
    }
}
