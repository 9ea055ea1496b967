//! Mail delivery against a real SMTP server on loopback (aiosmtpd, driven
//! by tests/support/smtp_server.py): delivered with the right link and
//! headers, 421 retried, 550 failed with the answer kept, connection
//! refused and a hanging server retried, and a batch sent exactly once
//! after an outage. Skipped with a note when aiosmtpd is missing, unless
//! AVAIN_TEST_REQUIRE_ALL=1.

mod common;

use avain::domain::OutboxStatus;
use avain::domain::link::LinkPurpose;
use avain::mail::Transport;
use avain::service::Delivery;
use common::smtp::{SmtpPeer, smtp_available};
use common::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

const TIMEOUT: Duration = Duration::from_secs(2);

fn mailer(h: &Harness, url: &str) -> Delivery {
    Delivery::new(
        h.services.clone(),
        Transport::from_url(url, TIMEOUT).unwrap(),
    )
}

/// Captures everything logged on this thread.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, from a global subscriber: a
/// thread-scoped one can miss events when other tests' threads settle the
/// callsite cache first.
fn captured_logs() -> LogBuffer {
    static LOGS: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = LogBuffer::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
    .clone()
}

#[tokio::test]
async fn a_link_mail_arrives_with_link_language_headers_and_expiry() {
    if !smtp_available() {
        return;
    }
    let logs = captured_logs();
    on_every_backend(async |h: &Harness| {
        let mut peer = SmtpPeer::new();
        peer.start();
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let sent = h
            .services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
        let report = mailer(h, &peer.url()).deliver_due(10).await.unwrap();
        assert_eq!(report.sent, 1, "{}: {report:?}", h.backend);
        let messages = peer.messages();
        assert_eq!(messages.len(), 1);
        let (rcpt, raw) = &messages[0];
        assert_eq!(rcpt, "aino.virtanen@example.fi");
        let mail = mail_parser::MessageParser::default().parse(raw).unwrap();
        assert_eq!(
            mail.subject(),
            Some("PIN-koodin vaihtaminen – Test Library")
        );
        assert_eq!(
            mail.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
        assert!(mail.message_id().is_some_and(|id| id.starts_with("avain.")));
        let text = mail.body_text(0).unwrap();
        // 2026-01-01 00:00 UTC + 12 h = 14.00 in Helsinki.
        assert!(text.contains("1.1.2026 klo 14.00"), "{text}");
        assert!(text.contains("tasan 4 numeroa"));
        assert!(mail.body_html(0).unwrap().contains("<a href="));
        let link = text
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:8080/link/"))
            .expect("a link");
        let token = link.rsplit('/').next().unwrap();
        // The outbox keeps the server's answer and forgets the link.
        let row = h
            .services
            .outbox_message(&h.desk_library, sent.outbox_id, true)
            .await
            .unwrap();
        assert_eq!(row.mail.status, OutboxStatus::Sent);
        assert!(
            row.mail.last_answer.as_deref().unwrap().starts_with("250"),
            "{:?}",
            row.mail.last_answer
        );
        assert_eq!(row.link, None);
        // The mailed link works.
        let done = h
            .services
            .redeem(
                token,
                Zeroizing::new("4831".into()),
                Zeroizing::new("4831".into()),
                None,
            )
            .await
            .unwrap();
        assert!(done.is_ok(), "{}", h.backend);
        // A "PIN changed" notice follows.
        assert_eq!(
            mailer(h, &peer.url()).deliver_due(10).await.unwrap().sent,
            1
        );
        let notice = mail_parser::MessageParser::default()
            .parse(&peer.messages()[1].1)
            .unwrap()
            .subject()
            .unwrap()
            .to_string();
        assert!(
            notice.starts_with("PIN-koodisi tai salasanasi vaihdettiin"),
            "{notice}"
        );
        let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("mail sent"), "the log is captured: {log}");
        assert!(
            !log.contains(token) && !log.contains("/link/") && !log.contains("klo 14.00"),
            "secrets or bodies in the log"
        );
    })
    .await;
}

#[tokio::test]
async fn a_421_is_retried_later_and_then_delivered() {
    if !smtp_available() {
        return;
    }
    on_every_backend(async |h: &Harness| {
        let mut peer = SmtpPeer::new();
        peer.start();
        peer.mode("421");
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let sent = h
            .services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
        let m = mailer(h, &peer.url());
        assert_eq!(m.deliver_due(10).await.unwrap().retrying, 1);
        let row = h
            .services
            .outbox_message(&h.desk_library, sent.outbox_id, false)
            .await
            .unwrap();
        assert_eq!(row.mail.status, OutboxStatus::Queued);
        assert!(
            row.mail.last_answer.as_deref().unwrap().contains("421"),
            "{:?}",
            row.mail.last_answer
        );
        assert!(row.mail.next_attempt_at.unwrap() > h.services.now());
        // Not due yet: nothing happens.
        peer.mode("ok");
        assert_eq!(m.deliver_due(10).await.unwrap().sent, 0);
        h.clock.advance_ms(60_000);
        assert_eq!(m.deliver_due(10).await.unwrap().sent, 1, "{}", h.backend);
        assert_eq!(peer.messages().len(), 1);
        let row = h
            .services
            .outbox_message(&h.desk_library, sent.outbox_id, false)
            .await
            .unwrap();
        assert_eq!(
            (row.mail.status, row.mail.attempts),
            (OutboxStatus::Sent, 2)
        );
    })
    .await;
}

#[tokio::test]
async fn a_550_fails_with_the_answer_visible_in_the_outbox() {
    if !smtp_available() {
        return;
    }
    on_every_backend(async |h: &Harness| {
        let mut peer = SmtpPeer::new();
        peer.start();
        peer.mode("550");
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        h.services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
        assert_eq!(
            mailer(h, &peer.url()).deliver_due(10).await.unwrap().failed,
            1
        );
        let failed = h
            .services
            .outbox_list(&h.desk_library, Some(OutboxStatus::Failed), 10)
            .await
            .unwrap();
        assert_eq!(failed.len(), 1, "{}", h.backend);
        assert!(
            failed[0]
                .mail
                .last_answer
                .as_deref()
                .unwrap()
                .contains("550"),
            "{:?}",
            failed[0].mail.last_answer
        );
        assert!(
            failed[0]
                .mail
                .last_answer
                .as_deref()
                .unwrap()
                .contains("No such mailbox")
        );
        let links = h.services.links(&h.desk_library, aino).await.unwrap();
        assert_eq!(
            links[0].mails[0].status,
            OutboxStatus::Failed,
            "the links pane shows it"
        );
    })
    .await;
}

#[tokio::test]
async fn refused_connections_and_hanging_servers_are_retried() {
    if !smtp_available() {
        return;
    }
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let sent = h
            .services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
        let mut peer = SmtpPeer::new();
        // Nobody listens on the port yet.
        assert_eq!(
            mailer(h, &peer.url())
                .deliver_due(10)
                .await
                .unwrap()
                .retrying,
            1,
            "{}",
            h.backend
        );
        let row = h
            .services
            .outbox_message(&h.desk_library, sent.outbox_id, false)
            .await
            .unwrap();
        assert_eq!(row.mail.status, OutboxStatus::Queued);
        // A server that takes the data and never answers.
        peer.start();
        peer.mode("hang");
        h.clock.advance_ms(3_600_000);
        let started = std::time::Instant::now();
        assert_eq!(
            mailer(h, &peer.url())
                .deliver_due(10)
                .await
                .unwrap()
                .retrying,
            1
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the timeout applies"
        );
        let row = h
            .services
            .outbox_message(&h.desk_library, sent.outbox_id, false)
            .await
            .unwrap();
        assert!(
            row.mail
                .last_answer
                .as_deref()
                .unwrap()
                .to_lowercase()
                .contains("time"),
            "{:?}",
            row.mail.last_answer
        );
        peer.mode("ok");
        h.clock.advance_ms(3_600_000);
        assert_eq!(
            mailer(h, &peer.url()).deliver_due(10).await.unwrap().sent,
            1
        );
    })
    .await;
}

#[tokio::test]
async fn a_batch_queued_while_the_server_is_down_is_delivered_exactly_once() {
    if !smtp_available() {
        return;
    }
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let mut csv = String::from("external_id,full_name,email,must_set_credential\n");
        for i in 0..100 {
            csv.push_str(&format!("B{i},Batch Person {i},batch.{i}@example.fi,yes\n"));
        }
        let quiet = |_: u64, _: u64| {};
        h.services
            .import_accounts(&h.admin, "kaupunki", csv.as_bytes(), false, &quiet)
            .await
            .unwrap()
            .unwrap();
        let invited = h
            .services
            .invite_first_login(&h.admin, "kaupunki", false, &quiet)
            .await
            .unwrap();
        assert_eq!(invited.queued, 101, "{}: 100 + T1 from the seed", h.backend);
        let again = h
            .services
            .invite_first_login(&h.admin, "kaupunki", false, &quiet)
            .await
            .unwrap();
        assert_eq!(
            (again.queued, again.skipped_active),
            (0, 101),
            "a re-run sends nothing twice"
        );

        let mut peer = SmtpPeer::new();
        let down = mailer(h, &peer.url()).deliver_due(1000).await.unwrap();
        assert_eq!(down.retrying, 101);
        peer.start();
        h.clock.advance_ms(2 * 3_600_000);
        // Two workers at once, as two consoles or servers would.
        let (first, second) = (mailer(h, &peer.url()), mailer(h, &peer.url()));
        let (a, b) = tokio::join!(first.deliver_due(1000), second.deliver_due(1000));
        assert_eq!(a.unwrap().sent + b.unwrap().sent, 101, "{}", h.backend);
        assert_eq!(
            mailer(h, &peer.url()).deliver_due(1000).await.unwrap().sent,
            0
        );
        let messages = peer.messages();
        assert_eq!(messages.len(), 101);
        let mut recipients: Vec<&str> = messages.iter().map(|(r, _)| r.as_str()).collect();
        recipients.sort();
        recipients.dedup();
        assert_eq!(recipients.len(), 101, "each mail once");
        let stats = h.services.invite_stats(&h.admin, "kaupunki").await.unwrap();
        assert_eq!(
            (stats.mail_sent, stats.mail_queued, stats.links_live),
            (101, 0, 101)
        );
    })
    .await;
}
