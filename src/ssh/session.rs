//! One console drawn into an SSH channel: the same app and loop as
//! `avain` in a terminal, its screen sized by the client's pty (never by
//! the server's own terminal), its input from the channel. The session is
//! recorded, renewed every few seconds with the others (and ended if its staff
//! member is disabled or its key removed), and ended with a word to staff
//! when the server stops.

use super::server::{SessionSlot, Shared};
use crate::config::Language;
use crate::service::{SshOrigin, Staff};
use crate::tui::event_loop::{self, Ended};
use crate::tui::runner::Runner;
use crate::tui::view::theme::Theme;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::ChannelId;
use russh::server::Handle;
use std::sync::Arc;
use tokio::sync::mpsc;

pub struct SessionStart {
    pub shared: Arc<Shared>,
    pub staff: Staff,
    pub fingerprint: String,
    pub client: String,
    pub term: String,
    pub size: (u16, u16),
    pub lang: Language,
    pub no_color: bool,
    pub handle: Handle,
    pub channel: ChannelId,
    pub input: mpsc::Receiver<std::io::Result<Event>>,
    pub slot: SessionSlot,
}

/// Bytes for the client: gathered while a frame is drawn, sent on flush.
struct ChannelWriter {
    frames: mpsc::UnboundedSender<Vec<u8>>,
    pending: Vec<u8>,
}

impl ChannelWriter {
    fn new(handle: Handle, channel: ChannelId) -> ChannelWriter {
        let (frames, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                if handle.data(channel, bytes).await.is_err() {
                    return;
                }
            }
        });
        ChannelWriter {
            frames,
            pending: Vec::new(),
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.frames
            .send(std::mem::take(&mut self.pending))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "channel closed"))
    }
}

/// Runs the console until staff quit, the client goes, or the door ends it.
pub async fn run(start: SessionStart) {
    let services = start.shared.services.clone();
    let origin = SshOrigin {
        fingerprint: &start.fingerprint,
        client: &start.client,
        term: &start.term,
        owner: &start.shared.owner,
    };
    let session_id = match services.open_ssh_session(&start.staff, &origin).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!("ssh: recording a session: {e}");
            let _ = start.handle.close(start.channel).await;
            return;
        }
    };
    tracing::info!(
        login = start.staff.login,
        client = start.client,
        term = start.term,
        session = session_id,
        "ssh: console opened"
    );
    let handle = start.handle.clone();
    let channel = start.channel;
    let ended = console(start, session_id).await;
    let (reason, farewell) = match &ended {
        Ok(Ended::Quit) => ("quit", None),
        Ok(Ended::Closed) => ("closed", None),
        Ok(Ended::Told(why)) => ("ended", Some(why.clone())),
        Err(e) => {
            tracing::error!(session = session_id, "ssh: console failed: {e:#}");
            ("failed", None)
        }
    };
    if let Err(e) = services.end_ssh_session(session_id, reason).await {
        tracing::error!("ssh: recording a session's end: {e}");
    }
    if let Some(line) = farewell {
        let _ = handle
            .data(channel, format!("{line}\r\n").into_bytes())
            .await;
    }
    let status = if ended.is_ok() { 0 } else { 1 };
    let _ = handle.exit_status_request(channel, status).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}

/// The console itself; the screen is given back to the client at the end.
async fn console(start: SessionStart, session_id: i64) -> anyhow::Result<Ended> {
    let SessionStart {
        shared,
        staff,
        size,
        lang,
        no_color,
        handle,
        channel,
        mut input,
        slot,
        ..
    } = start;
    let services = shared.services.clone();
    let theme = Theme { color: !no_color };
    let mut app = crate::tui::build_app(&services, &staff, lang, size, theme)?;
    app.session.database = "SSH".into();
    let words = app.words.clone();
    let (tx, mut actions) = mpsc::unbounded_channel();
    let mut runner = Runner::new(services.clone(), staff, words.clone(), tx);
    runner.share_mailer(&shared.mail);

    let mut writer = ChannelWriter::new(handle, channel);
    crossterm::execute!(
        writer,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        Clear(ClearType::All)
    )?;
    let viewport = Viewport::Fixed(Rect::new(0, 0, size.0, size.1));
    let mut terminal =
        Terminal::with_options(CrosstermBackend::new(writer), TerminalOptions { viewport })?;
    let clock = services.clock.clone();
    let now = move || clock.now_ms();
    let events = futures_util::stream::poll_fn(move |cx| input.poll_recv(cx));
    let end = ended_by_door(&shared, session_id, &words);
    let console = event_loop::Console {
        app: &mut app,
        runner: &runner,
        actions: &mut actions,
        terminal: &mut terminal,
        now: &now,
    };
    let ended = event_loop::drive(console, events, end).await;
    let out = terminal.backend_mut();
    let _ = crossterm::execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    drop(slot);
    ended
}

/// Completes when the door ends the session: the server stops, or the
/// staff member may no longer come in (see `renewal`).
async fn ended_by_door(shared: &Shared, session_id: i64, words: &crate::text::Words) -> String {
    let mut stop = shared.stop.clone();
    let mut renewed = shared.renewal.join(session_id);
    tokio::select! {
        _ = stop.changed() => words.t("ssh.stopping").to_string(),
        _ = &mut renewed.withdrawn => words.t("ssh.withdrawn").to_string(),
    }
}
