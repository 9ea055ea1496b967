//! The console: four panes for a busy desk (search, verify, links, act),
//! drawn with ratatui, driven by keys, calling the service layer only.
//! State and `update` live in `app`; drawing in `view`; slow work in
//! `runner`; the terminal's care in `terminal`.

pub mod action;
pub mod app;
mod app_actions;
mod app_jobs;
pub mod event_loop;
pub mod keymap;
pub mod pane;
pub mod popup;
pub mod runner;
pub mod terminal;
pub mod view;

#[cfg(test)]
mod app_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod opening_tests;
#[cfg(test)]
mod screen_tests;
#[cfg(test)]
mod stats_tests;
#[cfg(test)]
mod verdict_tests;

use crate::config::{AuthMode, Paths};
use crate::service::{Services, Staff};
use action::Action;
use app::{App, OrgInfo, Session};
use crossterm::event::EventStream;
use tokio::sync::{mpsc, watch};

/// Everything the console needs to start.
pub struct ConsoleStart {
    pub services: Services,
    pub staff: Staff,
    pub paths: Paths,
    pub lang: crate::config::Language,
}

/// The header's database label, without user or password.
pub fn database_label(url: &str) -> String {
    let (scheme, rest) = url
        .split_once("://")
        .or_else(|| url.split_once(':'))
        .unwrap_or(("", url));
    let kind = match scheme {
        "sqlite" => "SQLite",
        "postgres" | "postgresql" => "PostgreSQL",
        "mysql" | "mariadb" => "MariaDB",
        _ => "database",
    };
    if kind == "SQLite" {
        let path = rest.split('?').next().unwrap_or(rest);
        let file = std::path::Path::new(path)
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_else(|| path.to_string());
        return format!("{kind} {file}");
    }
    let host_db = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    format!("{kind} {}", host_db.split('?').next().unwrap_or(host_db))
}

/// The app for a staff member, before the terminal is involved.
pub fn build_app(
    services: &Services,
    staff: &Staff,
    lang: crate::config::Language,
    size: (u16, u16),
    theme: view::theme::Theme,
) -> anyhow::Result<App> {
    let config = &services.config;
    let keymap = keymap::Keymap::with_overrides(&config.keys).map_err(anyhow::Error::msg)?;
    let orgs = config
        .orgs
        .iter()
        .filter(|o| staff.can_see(o.slug.as_str()))
        .map(|o| OrgInfo {
            slug: o.slug.as_str().to_string(),
            name: o.name.clone(),
            uses_cards: o.uses_cards(),
            credential_kind: o.credential.kind(),
            system: o.directory.kind(),
        })
        .collect();
    let session = Session {
        staff_name: staff.name.clone(),
        orgs,
        database: String::new(),
        password_login: config.auth.mode == AuthMode::Password,
        idle_lock_ms: config.security.idle_lock_minutes as i64 * 60_000,
    };
    Ok(App::new(
        crate::text::Words::new(lang, &config.mail.time_zone),
        keymap,
        theme,
        session,
        services.now(),
        size,
    ))
}

/// Runs the console until staff quit. The terminal is restored however it ends.
pub async fn run(start: ConsoleStart) -> anyhow::Result<Option<String>> {
    let ConsoleStart {
        services,
        staff,
        paths,
        lang,
    } = start;
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    let mut app = build_app(
        &services,
        &staff,
        lang,
        size,
        view::theme::Theme::from_env(),
    )?;
    app.session.database = database_label(&paths.database_url);
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let runner = runner::Runner::new(services.clone(), staff, app.words.clone(), tx);
    let (stop_mail, stop_rx) = watch::channel(false);
    match services.delivery(&paths.mail_folder) {
        Ok(mailer) => runner.spawn_mailer(mailer, stop_rx),
        Err(e) => {
            app.status = Some(app::Status::Error(
                app.words.f("status.mail_off", &[("why", &e)]),
            ));
        }
    }

    let mut guard = terminal::TerminalGuard::take_over()?;
    let events = EventStream::new();
    let clock = services.clock.clone();
    let now = move || clock.now_ms();
    let console = event_loop::Console {
        app: &mut app,
        runner: &runner,
        actions: &mut rx,
        terminal: &mut guard.terminal,
        now: &now,
    };
    // Nothing but staff or the terminal ends a local console.
    let result = event_loop::drive(console, events, std::future::pending()).await;
    let _ = stop_mail.send(true);
    drop(guard);
    result.map(|_| app.exit_message.take())
}
