//! `avain bench console`: how fast the console is where staff feel it.
//! Cold start: opening the database, identifying the staff member,
//! building the app and drawing the first frame. Keystroke: a key into
//! the app, its frame drawn, the search it asks for run through the
//! service layer, the results applied and drawn again. Frames go to a
//! `TestBackend` (the cell diff is measured; the terminal's own write is not).

use super::{open_services, prepare};
use crate::bench::ConsoleBenchArgs;
use crate::config::Language;
use crate::setup::stdout::out;
use crate::tui::action::{Action, Effect};
use crate::tui::app::SEARCH_LIMIT;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::fmt::Write;
use std::time::{Duration, Instant};

const COLD_STARTS: usize = 15;

fn percentile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub async fn run(args: &ConsoleBenchArgs) -> anyhow::Result<()> {
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => super::tempfile_dir()?,
    };
    let (services, staff, kinds) = prepare(&dir, args.size).await?;
    services.store.close().await?;
    let file = dir.join(format!("bench-{}.db", args.size));

    // Cold start, as `avain` does it after parsing its arguments.
    let mut starts = Vec::new();
    for _ in 0..COLD_STARTS {
        let begin = Instant::now();
        let services = open_services(&file).await?;
        let staff = services.identify_os_user(&staff.login).await?;
        let app = crate::tui::build_app(
            &services,
            &staff,
            Language::Fi,
            (100, 30),
            crate::tui::view::theme::Theme::from_env(),
        )?;
        let mut terminal = Terminal::new(TestBackend::new(100, 30))?;
        terminal.draw(|f| crate::tui::view::render(&app, f))?;
        starts.push(begin.elapsed());
        services.store.close().await?;
    }

    // Keystrokes: each query typed key by key.
    let services = open_services(&file).await?;
    let mut app = crate::tui::build_app(
        &services,
        &staff,
        Language::Fi,
        (140, 40),
        crate::tui::view::theme::Theme::from_env(),
    )?;
    let mut terminal = Terminal::new(TestBackend::new(140, 40))?;
    let mut report = String::new();
    writeln!(report, "### Console at {} accounts (SQLite)\n", args.size)?;
    let mut starts_sorted = starts.clone();
    writeln!(
        report,
        "- cold start to first frame ({COLD_STARTS} runs): median {}, worst {}, first {}",
        ms(percentile(&mut starts_sorted, 0.5)),
        ms(percentile(&mut starts_sorted, 1.0)),
        ms(starts[0])
    )?;
    writeln!(report, "\n| query kind | keystrokes | p50 | p99 | max |")?;
    writeln!(report, "| --- | ---: | ---: | ---: | ---: |")?;
    let mut all = Vec::new();
    for kind in &kinds {
        let mut samples = Vec::new();
        let per_kind = (args.queries / kinds.len()).max(1);
        for query in kind.queries.iter().cycle().take(per_kind) {
            app.forget_patron_data();
            for c in query.chars() {
                let begin = Instant::now();
                let effects = app.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
                terminal.draw(|f| crate::tui::view::render(&app, f))?;
                for effect in effects {
                    if let Effect::Search { request, query } = effect {
                        let result = services
                            .search(&staff, &query, SEARCH_LIMIT)
                            .await
                            .map_err(|e| e.to_string());
                        app.update(Action::SearchFinished { request, result });
                        terminal.draw(|f| crate::tui::view::render(&app, f))?;
                    }
                }
                samples.push(begin.elapsed());
            }
        }
        all.extend_from_slice(&samples);
        writeln!(
            report,
            "| {} | {} | {} | {} | {} |",
            kind.name,
            samples.len(),
            ms(percentile(&mut samples, 0.5)),
            ms(percentile(&mut samples, 0.99)),
            ms(percentile(&mut samples, 1.0)),
        )?;
    }
    writeln!(
        report,
        "| all | {} | {} | {} | {} |",
        all.len(),
        ms(percentile(&mut all, 0.5)),
        ms(percentile(&mut all, 0.99)),
        ms(percentile(&mut all, 1.0)),
    )?;
    out!("{report}");
    if let Some(path) = &args.report {
        std::fs::write(path, &report)?;
    }
    Ok(())
}
