//! The console's one loop, whatever the terminal is (this process's own,
//! or an SSH channel): draw when something changed, then wait for a key,
//! a finished piece of work, a tick, the idle lock, or the door ending the
//! session. Work under way when the door ends it is finished first, so a
//! stop never leaves an action half-done.

use super::action::Action;
use super::app::App;
use super::runner::Runner;
use super::view;
use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Staff quit.
    Quit,
    /// The input ended (the terminal or connection went away).
    Closed,
    /// The door ended it, with what to tell staff.
    Told(String),
}

/// How long work under way may run on after the door ends a session.
const FINISH_WORK: Duration = Duration::from_secs(30);

/// What the loop drives.
pub struct Console<'a, B: Backend> {
    pub app: &'a mut App,
    pub runner: &'a Runner,
    pub actions: &'a mut mpsc::UnboundedReceiver<Action>,
    pub terminal: &'a mut Terminal<B>,
    pub now: &'a (dyn Fn() -> i64 + Send + Sync),
}

/// Runs until staff quit, the input ends, or `end` says why the door ends it.
pub async fn drive<B, S, E>(c: Console<'_, B>, mut events: S, end: E) -> anyhow::Result<Ended>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
    E: Future<Output = String>,
{
    let Console {
        app,
        runner,
        actions,
        terminal,
        now,
    } = c;
    let idle = (app.session.idle_lock_ms > 0)
        .then(|| Duration::from_millis(app.session.idle_lock_ms as u64));
    let mut last_input = Instant::now();
    let mut end = std::pin::pin!(end);
    let mut ending: Option<(String, Instant)> = None;
    loop {
        if app.dirty {
            app.dirty = false;
            terminal
                .draw(|f| view::render(app, f))
                .map_err(|e| anyhow::anyhow!("drawing: {e}"))?;
            // Lets the end-to-end test prove the panic hook restores the terminal.
            #[cfg(debug_assertions)]
            if std::env::var_os("AVAIN_TEST_PANIC_AFTER_FRAME").is_some() {
                panic!("panic requested by AVAIN_TEST_PANIC_AFTER_FRAME");
            }
        }
        if app.quit {
            return Ok(Ended::Quit);
        }
        if let Some((why, since)) = &ending
            && (app.busy.is_none() || since.elapsed() > FINISH_WORK)
        {
            return Ok(Ended::Told(why.clone()));
        }
        let tick = app.tick_interval_ms().map(Duration::from_millis);
        let idle_at = idle.map(|d| last_input + d);
        let action = tokio::select! {
            event = events.next(), if ending.is_none() => match event {
                Some(Ok(Event::Resize(w, h))) => {
                    terminal
                        .resize(Rect::new(0, 0, w, h))
                        .map_err(|e| anyhow::anyhow!("resizing: {e}"))?;
                    Action::Resize(w, h)
                }
                Some(Ok(event)) => {
                    last_input = Instant::now();
                    match event {
                        Event::Key(k) => Action::Key(k),
                        Event::Mouse(m) => Action::Mouse(m),
                        Event::Paste(p) => Action::Paste(p),
                        _ => continue,
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(Ended::Closed),
            },
            Some(action) = actions.recv() => action,
            why = &mut end, if ending.is_none() => {
                ending = Some((why, Instant::now()));
                continue;
            }
            _ = tokio::time::sleep(tick.unwrap_or(Duration::ZERO)), if tick.is_some() => Action::Tick,
            _ = sleep_until_opt(idle_at), if idle_at.is_some() && app.lock.is_none() => Action::IdleTimeout,
        };
        app.now_ms = now();
        for effect in app.update(action) {
            runner.start(effect);
        }
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
