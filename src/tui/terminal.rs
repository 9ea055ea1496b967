//! Taking the terminal over and always giving it back: raw mode, the
//! alternate screen, mouse and bracketed paste are undone on return, on
//! error (Drop) and on a panic of the drawing thread (panic hook).

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::sync::OnceLock;
use std::thread::ThreadId;

/// The thread that draws; only its panic tears the screen down.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

pub type ConsoleTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the console runs; dropping it restores it.
pub struct TerminalGuard {
    pub terminal: ConsoleTerminal,
}

impl TerminalGuard {
    pub fn take_over() -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = stdout();
        if let Err(e) = execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        ) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(out)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as the shell had it. Safe to call twice.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    if UI_THREAD.set(std::thread::current().id()).is_err() {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if Some(&std::thread::current().id()) == UI_THREAD.get() {
            restore();
            previous(info);
        } else {
            // A background task: its result turns into an error popup;
            // printing here would scribble over the screen.
            tracing::error!("background task panicked: {info}");
        }
    }));
}
