//! Dates and times as people read them: in the organisation's time zone,
//! in the reader's language. Machine output (JSON) keeps milliseconds.

use crate::config::Language;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A time zone, resolved once.
#[derive(Debug, Clone)]
pub struct Zone(TimeZone);

impl Zone {
    /// An IANA name ("Europe/Helsinki"); unknown names fall back to UTC.
    pub fn new(name: &str) -> Zone {
        Zone(TimeZone::get(name).unwrap_or(TimeZone::UTC))
    }

    fn zoned(&self, ms: i64) -> Option<jiff::Zoned> {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.to_zoned(self.0.clone()))
    }

    fn format(&self, ms: i64, pattern: &str) -> String {
        self.zoned(ms)
            .map(|z| z.strftime(pattern).to_string())
            .unwrap_or_else(|| ms.to_string())
    }

    /// "22.11.2026 16.30" (fi, sv) or "2026-11-22 16:30" (en).
    pub fn short(&self, lang: Language, ms: i64) -> String {
        let pattern = match lang {
            Language::En => "%Y-%m-%d %H:%M",
            _ => "%-d.%-m.%Y %H.%M",
        };
        self.format(ms, pattern)
    }

    /// "22.11.2026 klo 16.30", "22.11.2026 kl. 16.30",
    /// "22 November 2026 at 16:30 (EET)".
    pub fn long(&self, lang: Language, ms: i64) -> String {
        let pattern = match lang {
            Language::Sv => "%-d.%-m.%Y kl. %H.%M",
            Language::En => "%-d %B %Y at %H:%M (%Z)",
            Language::Fi => "%-d.%-m.%Y klo %H.%M",
        };
        self.format(ms, pattern)
    }

    /// "3/2025".
    pub fn month_year(&self, ms: i64) -> String {
        self.format(ms, "%-m/%Y")
    }

    /// The day (YYYY-MM-DD) of `ms` in this zone.
    pub fn day(&self, ms: i64) -> String {
        self.format(ms, "%Y-%m-%d")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helsinki_times_in_three_languages() {
        // 2026-11-22T14:30:00Z is 16.30 in Helsinki (UTC+2 in winter).
        let ms = 1_795_357_800_000;
        let z = Zone::new("Europe/Helsinki");
        assert_eq!(z.long(Language::Fi, ms), "22.11.2026 klo 16.30");
        assert_eq!(z.long(Language::Sv, ms), "22.11.2026 kl. 16.30");
        assert_eq!(z.long(Language::En, ms), "22 November 2026 at 16:30 (EET)");
        assert_eq!(z.short(Language::Fi, ms), "22.11.2026 16.30");
        assert_eq!(z.short(Language::En, ms), "2026-11-22 16:30");
        // Summer time.
        assert_eq!(
            z.long(Language::Fi, 1_783_348_200_000),
            "6.7.2026 klo 17.30"
        );
        assert_eq!(z.month_year(ms), "11/2026");
        assert_eq!(
            Zone::new("No/Such").short(Language::En, 0),
            "1970-01-01 00:00"
        );
    }
}
