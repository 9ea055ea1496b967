//! Where mail goes: an SMTP server (STARTTLS, implicit TLS, or plain for
//! localhost; pooled; with a timeout) or `.eml` files in a folder.
//! `AVAIN_MAIL_URL` overrides the configuration.

use crate::config::{MailConfig, MailTransport};
use lettre::message::Message;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        shown: String,
        timeout: Duration,
    },
    File {
        transport: AsyncFileTransport<Tokio1Executor>,
        folder: PathBuf,
    },
}

/// Why a send failed, and whether trying again later may help.
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub transient: bool,
    pub answer: String,
}

impl Transport {
    /// From `AVAIN_MAIL_URL` if set, else from `[mail]`.
    pub fn from_config(mail: &MailConfig, mail_folder: &Path) -> Result<Transport, String> {
        let timeout = Duration::from_secs(mail.timeout_seconds);
        if let Some(url) = std::env::var("AVAIN_MAIL_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            return Transport::from_url(&url, timeout);
        }
        match mail.transport {
            MailTransport::File => Transport::file(mail_folder),
            MailTransport::Smtp => {
                let url = mail
                    .url
                    .as_deref()
                    .ok_or("mail.url: transport = \"smtp\" needs an SMTP URL")?;
                Transport::from_url(url, timeout)
            }
        }
    }

    /// `smtp://…`, `smtps://…` or `file:///folder`.
    pub fn from_url(url: &str, timeout: Duration) -> Result<Transport, String> {
        if let Some(folder) = url.strip_prefix("file://") {
            return Transport::file(Path::new(folder));
        }
        let shown = crate::config::redact_url_password(url);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("mail URL {shown}: {e}"))?
            .timeout(Some(timeout))
            .build();
        Ok(Transport::Smtp {
            transport,
            shown,
            timeout,
        })
    }

    fn file(folder: &Path) -> Result<Transport, String> {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("mail folder {}: {e}", folder.display()))?;
        Ok(Transport::File {
            transport: AsyncFileTransport::new(folder),
            folder: folder.to_path_buf(),
        })
    }

    /// For logs and the console header.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => shown.clone(),
            Transport::File { folder, .. } => format!("file://{}", folder.display()),
        }
    }

    /// Sends one message; the answer is what the server said.
    pub async fn send(&self, message: Message) -> Result<String, SendFailure> {
        match self {
            // lettre's own timeout guards connecting and single reads; a
            // server that goes quiet after DATA needs a bound on the whole send.
            Transport::Smtp {
                transport, timeout, ..
            } => match tokio::time::timeout(*timeout * 2, transport.send(message)).await {
                Ok(Ok(response)) => Ok(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                // 5xx is final; 4xx, refused connections, timeouts and TLS
                // trouble may pass, so they are retried.
                Ok(Err(e)) => Err(SendFailure {
                    transient: !e.is_permanent(),
                    answer: e.to_string(),
                }),
                Err(_) => Err(SendFailure {
                    transient: true,
                    answer: format!(
                        "timed out after {} s waiting for the mail server",
                        (*timeout * 2).as_secs()
                    ),
                }),
            },
            Transport::File { transport, folder } => match transport.send(message).await {
                Ok(id) => Ok(format!(
                    "written to {}",
                    folder.join(format!("{id}.eml")).display()
                )),
                Err(e) => Err(SendFailure {
                    transient: true,
                    answer: e.to_string(),
                }),
            },
        }
    }
}
