//! Printing for the command line: JSON for machines, sanitised text for
//! people (nothing from the database reaches the terminal unfiltered).

use crate::domain::sanitize::sanitize_line;
use crate::setup::stdout::outln;
use serde::Serialize;

/// Longest value printed on one line.
const MAX_VALUE_CHARS: usize = 200;

/// A value from the database or from input, safe for the terminal.
pub fn safe(text: &str) -> String {
    sanitize_line(text, MAX_VALUE_CHARS)
}

pub fn json<T: Serialize>(value: &T) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).expect("values serialise")
    );
}

/// A progress bar on an interactive terminal (none for pipes and --json).
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn new(json: bool, unit: &str) -> Progress {
        use std::io::IsTerminal;
        Progress((std::io::stderr().is_terminal() && !json).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} {{rate}} eta {{eta}}");
            bar.set_style(style(&template));
            bar
        }))
    }

    /// A counter for work of unknown size ("1,234 entries 5,000/s").
    pub fn counter(json: bool, unit: &str) -> Progress {
        use std::io::IsTerminal;
        Progress((std::io::stderr().is_terminal() && !json).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            let template = format!("{{spinner}} {{pos}} {unit} {{rate}} {{elapsed}}");
            bar.set_style(style(&template));
            bar
        }))
    }

    /// The callback services report to (a total of 0: unknown).
    pub fn update(&self, done: u64, total: u64) {
        if let Some(bar) = &self.0 {
            if total > 0 {
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    }

    /// Work counted by the bar is done but the command is not: the bar
    /// turns into a spinner saying what it waits for (the line would be
    /// too long for 80 columns with the bar kept).
    pub fn finishing(&self, what: &str) {
        if let Some(bar) = &self.0 {
            let style = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .expect("valid template");
            bar.set_style(style);
            bar.set_message(what.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// A bar's style from its template, with `{rate}`: whole units per second
/// ("20,461/s"; indicatif's own `{per_sec}` prints four decimals).
fn style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .expect("valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let rate = indicatif::HumanCount(state.per_sec().round() as u64);
                let _ = write!(w, "{rate}/s");
            },
        )
}
