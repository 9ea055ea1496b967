//! One SSH connection: a staff member's key is checked after its
//! signature, one session channel with a terminal becomes a console, and
//! everything else (commands, subsystems, forwarding, agents, X11) is
//! refused.

use super::input::InputParser;
use super::keys::fingerprint;
use super::server::{SessionSlot, Shared};
use super::session::{self, SessionStart};
use crate::config::Language;
use crate::service::Staff;
use crossterm::event::Event;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// Key presses and resizes waiting for the console (a client pasting a
/// book waits here, it does not grow memory).
const INPUT_QUEUE: usize = 4096;
/// The most columns or rows a terminal may claim.
const MAX_SIZE: u32 = 1000;

/// What a pty request told.
struct Terminal {
    term: String,
    cols: u16,
    rows: u16,
}

pub struct Connection {
    shared: Arc<Shared>,
    addr: SocketAddr,
    staff: Option<Staff>,
    fingerprint: String,
    channel: Option<ChannelId>,
    terminal: Option<Terminal>,
    /// LANG, LC_ALL, LC_MESSAGES and NO_COLOR as the client sent them.
    env: Vec<(String, String)>,
    input: Option<mpsc::Sender<std::io::Result<Event>>>,
    parser: InputParser,
    has_console: Arc<AtomicBool>,
}

fn clamp(n: u32) -> u16 {
    n.clamp(1, MAX_SIZE) as u16
}

impl Connection {
    pub fn new(shared: Arc<Shared>, addr: SocketAddr) -> Connection {
        Connection {
            shared,
            addr,
            staff: None,
            fingerprint: String::new(),
            channel: None,
            terminal: None,
            env: Vec::new(),
            input: None,
            parser: InputParser::default(),
            has_console: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Turns true once this connection runs a console.
    pub fn has_console(&self) -> Arc<AtomicBool> {
        self.has_console.clone()
    }

    fn client(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The language the client's locale asks for, else the configured one.
    fn language(&self) -> Language {
        let var = |name: &str| {
            self.env
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.as_str())
        };
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(var)
            .and_then(Language::from_locale)
            .or(self.shared.services.config.ui.language)
            .unwrap_or(Language::En)
    }

    fn no_color(&self) -> bool {
        self.env
            .iter()
            .any(|(k, v)| k == "NO_COLOR" && !v.is_empty())
    }

    /// Says one line and closes the channel with exit status 1.
    /// (From a task: the session loop is busy running this handler.)
    async fn refuse_channel(&self, channel: ChannelId, session: &mut Session, line: &str) {
        let handle = session.handle();
        let line = format!("avain: {line}\r\n");
        tokio::spawn(async move {
            let _ = handle.data(channel, line.into_bytes()).await;
            let _ = handle.exit_status_request(channel, 1).await;
            let _ = handle.eof(channel).await;
            let _ = handle.close(channel).await;
        });
    }
}

impl Handler for Connection {
    type Error = anyhow::Error;

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        // Called only after the client proved it holds the key.
        let fp = fingerprint(key.public_key);
        match self
            .shared
            .services
            .ssh_login(user, &fp, &self.client())
            .await
        {
            Ok(Ok(staff)) => {
                self.staff = Some(staff);
                self.fingerprint = fp;
                Ok(Auth::Accept)
            }
            Ok(Err(_)) => Ok(Auth::reject()),
            Err(e) => {
                tracing::error!("ssh: checking a login: {e}");
                Ok(Auth::reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // One console per connection.
        if self.staff.is_none() || self.channel.is_some() {
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        self.channel = Some(channel.id());
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.terminal = Some(Terminal {
            term: term.chars().take(60).collect(),
            cols: clamp(cols),
            rows: clamp(rows),
        });
        session.channel_success(channel)?;
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let wanted = ["LANG", "LC_ALL", "LC_MESSAGES", "NO_COLOR"].contains(&name);
        if wanted && value.len() <= 64 && self.env.len() < 8 {
            self.env.push((name.to_string(), value.to_string()));
            session.channel_success(channel)?;
        } else {
            session.channel_failure(channel)?;
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (Some(staff), Some(terminal)) = (self.staff.clone(), self.terminal.as_ref()) else {
            // Accepted, so the client shows the line before the channel closes.
            session.channel_success(channel)?;
            if let Some(staff) = &self.staff {
                let _ = self
                    .shared
                    .services
                    .ssh_session_refused(staff, &self.client(), "no_terminal")
                    .await;
            }
            let line = "the console needs a terminal: connect with `ssh -t`";
            self.refuse_channel(channel, session, line).await;
            return Ok(());
        };
        let Some(slot) = SessionSlot::take(&self.shared) else {
            session.channel_success(channel)?;
            let _ = self
                .shared
                .services
                .ssh_session_refused(&staff, &self.client(), "too_many_sessions")
                .await;
            let line = "too many consoles are open: try again in a moment";
            self.refuse_channel(channel, session, line).await;
            return Ok(());
        };
        session.channel_success(channel)?;
        let (tx, rx) = mpsc::channel(INPUT_QUEUE);
        self.input = Some(tx);
        self.has_console.store(true, Ordering::SeqCst);
        let start = SessionStart {
            shared: self.shared.clone(),
            staff,
            fingerprint: self.fingerprint.clone(),
            client: self.client(),
            term: terminal.term.clone(),
            size: (terminal.cols, terminal.rows),
            lang: self.language(),
            no_color: self.no_color(),
            handle: session.handle(),
            channel,
            input: rx,
            slot,
        };
        tokio::spawn(session::run(start));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _command: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Refused: the client says "exec request failed" and exits 255.
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _protocol: &str,
        _cookie: &str,
        _screen: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel != Some(channel) {
            return Ok(());
        }
        if let Some(input) = &self.input {
            for event in self.parser.feed(data) {
                // A full queue drops keys rather than memory.
                let _ = input.try_send(Ok(event));
            }
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel == Some(channel)
            && let Some(input) = &self.input
        {
            let _ = input.try_send(Ok(Event::Resize(clamp(cols), clamp(rows))));
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel == Some(channel) {
            // The console sees its input end.
            self.input = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel == Some(channel) {
            self.input = None;
        }
        Ok(())
    }
}
