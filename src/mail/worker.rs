//! The outbox worker: claims one due mail at a time, renders it, sends it,
//! and records the outcome. Transient failures come back later with
//! exponential backoff and jitter; permanent ones are marked failed with
//! the server's answer. Nothing here logs a body, a link or a token.

use super::local_time;
use super::templates;
use super::transport::{SendFailure, Transport};
use crate::domain::link::LinkState;
use crate::service::Services;
use crate::store::entities::{outbox, reset_token};
use crate::store::{outbox_rows, tokens};
use lettre::message::{Mailbox, Message, MultiPart, header};
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

pub struct Mailer {
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

impl Mailer {
    pub fn new(services: Services, transport: Transport) -> Self {
        Mailer {
            services,
            transport,
        }
    }

    /// The configured transport for these services.
    pub fn from_services(
        services: &Services,
        mail_folder: &std::path::Path,
    ) -> Result<Mailer, String> {
        let transport = Transport::from_config(&services.config.mail, mail_folder)?;
        Ok(Mailer::new(services.clone(), transport))
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

    /// Runs until `stop` turns true, polling every `idle` when nothing is due.
    pub async fn run(
        &self,
        idle: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        loop {
            let report = self.deliver_due(100).await?;
            if report != DeliveryReport::default() {
                tracing::info!(?report, "outbox pass");
            }
            if report.sent + report.retrying + report.failed + report.cancelled == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(idle) => {}
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
                    outbox_rows::mark_final(&tx, row.id, "cancelled", &why).await?;
                    Outcome::Cancelled
                }
                Attempt::Unsendable(why) => {
                    tracing::warn!(outbox_id = row.id, problem = %why, "cannot compose mail");
                    outbox_rows::mark_final(&tx, row.id, "failed", &why).await?;
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
                    outbox_rows::mark_final(&tx, row.id, "failed", &why).await?;
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
                crate::service::link_state_of(t, now),
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

    /// Renders the row into a message. Errors are plain sentences.
    fn compose(&self, row: &outbox::Model, token_hash: Option<&str>) -> Result<Message, String> {
        let s = &self.services;
        let mail = &s.config.mail;
        let mut context: serde_json::Value = serde_json::from_str(&row.params)
            .map_err(|e| format!("the mail's values are unreadable: {e}"))?;
        let tz = &mail.time_zone;
        for key in ["expires_at", "at"] {
            if let Some(ms) = context[key].as_i64() {
                let name = if key == "expires_at" { "expires" } else { "at" };
                context[name] = local_time::format(ms, &row.language, tz).into();
            }
        }
        let digits = match s.config.org(&row.org).map(|o| o.credential) {
            Some(crate::domain::policy::CredentialPolicy::Pin { digits }) => digits,
            _ => 4,
        };
        context["digits"] = digits.into();
        if let (Some(sealed), Some(hash)) = (&row.sealed_link, token_hash) {
            let link = s
                .open_sealed_link(sealed, hash)
                .ok_or("the link cannot be unsealed (was the pepper replaced?)")?;
            context["link"] = link.as_str().into();
        } else if row.token_id.is_some() {
            return Err("the link is no longer kept".into());
        }
        let rendered =
            templates::render(&row.template, &row.language, &context).map_err(|e| e.to_string())?;
        let from: Mailbox = mail
            .sender
            .parse()
            .map_err(|e| format!("mail.sender {:?}: {e}", mail.sender))?;
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| format!("the recipient address is not valid: {e}"))?;
        let domain = from.email.domain().to_string();
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| e.to_string())?;
        let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
        Message::builder()
            .from(from)
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(format!("<avain.{}.{id}@{domain}>", row.id)))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies, please.
#[derive(Clone)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), "auto-generated".into())
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
