//! Times written in mails: the recipient's language and the configured
//! time zone ("22.11.2026 klo 16.30").

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Formats Unix milliseconds for a mail in `lang`, in time zone `tz`.
pub fn format(ms: i64, lang: &str, tz: &str) -> String {
    let zone = TimeZone::get(tz).unwrap_or(TimeZone::UTC);
    let Ok(ts) = Timestamp::from_millisecond(ms) else {
        return ms.to_string();
    };
    let local = ts.to_zoned(zone);
    let pattern = match lang {
        "sv" => "%-d.%-m.%Y kl. %H.%M",
        "en" => "%-d %B %Y at %H:%M (%Z)",
        _ => "%-d.%-m.%Y klo %H.%M",
    };
    local.strftime(pattern).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helsinki_times_in_three_languages() {
        // 2026-11-22T14:30:00Z is 16.30 in Helsinki (UTC+2 in winter).
        let ms = 1_795_357_800_000;
        assert_eq!(format(ms, "fi", "Europe/Helsinki"), "22.11.2026 klo 16.30");
        assert_eq!(format(ms, "sv", "Europe/Helsinki"), "22.11.2026 kl. 16.30");
        assert_eq!(
            format(ms, "en", "Europe/Helsinki"),
            "22 November 2026 at 16:30 (EET)"
        );
        // Summer time.
        assert_eq!(
            format(1_783_348_200_000, "fi", "Europe/Helsinki"),
            "6.7.2026 klo 17.30"
        );
    }
}
