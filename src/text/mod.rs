//! Words for every door: the loaded texts (fi, sv, en), the wording of
//! reason codes, link states and policy refusals, and every date and time
//! written for a person, in the organisation's time zone. The console, the
//! patron pages, the command line and the mails all speak through here.

mod reasons;
mod texts;
mod time;

pub use texts::{Texts, choose_language, flatten, source};
pub use time::Zone;

use crate::config::Language;
use crate::domain::sanitize::sanitize_line;

/// Longest value from the database or from typing written in one place
/// (names, emails, server answers).
pub const MAX_SHOWN_CHARS: usize = 200;

/// Every string from the database or from typing goes through here before
/// it is shown: controls, escapes and bidi overrides become visible
/// placeholders, and very long values are cut.
pub fn safe(text: &str) -> String {
    sanitize_line(text, MAX_SHOWN_CHARS)
}

/// The texts of one language and the time zone times are written in.
#[derive(Debug, Clone)]
pub struct Words {
    texts: Texts,
    zone: Zone,
}

impl std::ops::Deref for Words {
    type Target = Texts;
    fn deref(&self) -> &Texts {
        &self.texts
    }
}

impl Words {
    /// `time_zone` is an IANA name; an unknown one falls back to UTC (the
    /// configuration check refuses it long before).
    pub fn new(lang: Language, time_zone: &str) -> Words {
        Words {
            texts: Texts::new(lang),
            zone: Zone::new(time_zone),
        }
    }

    pub fn lang(&self) -> Language {
        self.texts.lang
    }

    pub fn texts(&self) -> &Texts {
        &self.texts
    }

    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// "22.11.2026 16.30" (fi, sv) or "2026-11-22 16:30" (en), local time.
    pub fn time(&self, ms: i64) -> String {
        self.zone.short(self.lang(), ms)
    }

    /// "22.11.2026 klo 16.30", "22 November 2026 at 16:30 (EET)": for mails
    /// and pages a patron reads.
    pub fn long_time(&self, ms: i64) -> String {
        self.zone.long(self.lang(), ms)
    }

    /// "3/2025": the month something ended.
    pub fn month_year(&self, ms: i64) -> String {
        self.zone.month_year(ms)
    }

    /// "2 d 3 h", "5 h 12 min", "4 min 09 s".
    pub fn countdown(&self, ms: i64) -> String {
        let secs = (ms.max(0) + 999) / 1000;
        let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
        if d > 0 {
            self.f(
                "time.days_hours",
                &[("d", &d.to_string()), ("h", &h.to_string())],
            )
        } else if h > 0 {
            self.f(
                "time.hours_minutes",
                &[("h", &h.to_string()), ("m", &m.to_string())],
            )
        } else {
            self.f(
                "time.minutes_seconds",
                &[("m", &m.to_string()), ("s", &format!("{s:02}"))],
            )
        }
    }

    /// "12 min", "3 h", "2 d": how old something is, coarsely (a minute
    /// at least).
    pub fn age(&self, ms: i64) -> String {
        let minutes = (ms.max(0) + 59_999) / 60_000;
        let (key, n) = match minutes {
            0..60 => ("time.age_minutes", minutes.max(1)),
            60..2880 => ("time.age_hours", minutes / 60),
            _ => ("time.age_days", minutes / 1440),
        };
        self.f(key, &[("n", &n.to_string())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_round_up_and_pick_units() {
        let w = Words::new(Language::En, "UTC");
        assert_eq!(w.countdown(86_400_000 * 2 + 3_600_000 * 3), "2 d 3 h");
        assert_eq!(w.countdown(3_600_000 * 5 + 60_000 * 12), "5 h 12 min");
        assert_eq!(w.countdown(4 * 60_000 + 8_001), "4 min 09 s");
        assert_eq!(w.countdown(-5), "0 min 00 s");
        assert_eq!(w.age(5_000), "1 min");
        assert_eq!(w.age(12 * 60_000), "12 min");
        assert_eq!(w.age(3 * 3_600_000 + 1), "3 h");
        assert_eq!(w.age(3 * 86_400_000), "3 d");
    }

    #[test]
    fn hostile_text_is_made_harmless() {
        let clean = safe("Eve\u{1b}]52;c;aGk=\u{7}\u{202e}evil");
        assert!(!clean.chars().any(crate::domain::sanitize::is_unsafe));
        assert!(!clean.contains('\u{1b}'));
    }
}
