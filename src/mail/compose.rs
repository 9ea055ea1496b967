//! Putting one mail together: the template in the recipient's language,
//! times in the configured zone, the From address, a Message-ID, and the
//! headers that keep auto-replies away. Nothing here touches the outbox.

use super::templates;
use crate::config::MailConfig;
use crate::domain::{Language, MailTemplate};
use crate::text::Zone;
use lettre::message::{Mailbox, Message, MultiPart, header};

/// One mail as the outbox holds it, with its link opened (if it has one).
pub struct OutgoingMail<'a> {
    pub id: i64,
    pub template: MailTemplate,
    pub language: Language,
    pub recipient: &'a str,
    /// The template's values as stored (`expires_at`, `at` in milliseconds).
    pub params: &'a str,
    /// The link in clear, for link mails.
    pub link: Option<&'a str>,
    /// The organisation's PIN length, for the PIN templates' wording.
    pub digits: u8,
}

/// Renders a mail into a message. Errors are plain sentences.
pub fn compose(config: &MailConfig, mail: &OutgoingMail<'_>) -> Result<Message, String> {
    let mut context: serde_json::Value = serde_json::from_str(mail.params)
        .map_err(|e| format!("the mail's values are unreadable: {e}"))?;
    let zone = Zone::new(&config.time_zone);
    for (stored, shown) in [("expires_at", "expires"), ("at", "at")] {
        if let Some(ms) = context[stored].as_i64() {
            context[shown] = zone.long(mail.language, ms).into();
        }
    }
    context["digits"] = mail.digits.into();
    if let Some(link) = mail.link {
        context["link"] = link.into();
    }
    let rendered =
        templates::render(mail.template, mail.language, &context).map_err(|e| e.to_string())?;
    let from: Mailbox = config
        .sender
        .parse()
        .map_err(|e| format!("mail.sender {:?}: {e}", config.sender))?;
    let to: Mailbox = mail
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
        .message_id(Some(format!("<avain.{}.{id}@{domain}>", mail.id)))
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
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
