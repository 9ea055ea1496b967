//! Validated value types used in `config.toml`. Each refuses a bad value
//! while parsing, so the TOML error points at the exact key and line.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An organisation identifier: lower-case letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Slug(s))
        } else {
            Err(format!(
                "{s:?} is not a valid slug: use 1-32 lower-case letters, digits, '-' or '_'"
            ))
        }
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[keys]` values: one key or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl KeySpec {
    /// The keys as written ("ctrl-r", "f2", "s").
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeySpec::One(s) => vec![s.as_str()],
            KeySpec::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A length of time written as "90s", "30m", "12h" or "7d".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Lifetime {
    seconds: i64,
}

impl Lifetime {
    pub const fn from_seconds(seconds: i64) -> Self {
        Lifetime { seconds }
    }
    pub fn seconds(self) -> i64 {
        self.seconds
    }
    pub fn millis(self) -> i64 {
        self.seconds * 1000
    }
}

impl TryFrom<String> for Lifetime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad = || {
            format!("{s:?} is not a duration: write it like \"90s\", \"30m\", \"12h\" or \"7d\"")
        };
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (digits, unit) = s.split_at(split);
        let n: i64 = digits.parse().map_err(|_| bad())?;
        let unit_seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        let seconds = n.checked_mul(unit_seconds).ok_or_else(bad)?;
        if seconds <= 0 || seconds > 365 * 86_400 {
            return Err(format!(
                "{s:?} is out of range: a lifetime is between 1s and 365d"
            ));
        }
        Ok(Lifetime { seconds })
    }
}

impl From<Lifetime> for String {
    fn from(l: Lifetime) -> String {
        let s = l.seconds;
        if s % 86_400 == 0 {
            format!("{}d", s / 86_400)
        } else if s % 3600 == 0 {
            format!("{}h", s / 3600)
        } else if s % 60 == 0 {
            format!("{}m", s / 60)
        } else {
            format!("{s}s")
        }
    }
}

/// A base URL for links in mails: absolute http(s), no query or fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BaseUrl(String);

impl BaseUrl {
    /// The URL with `path` appended, with exactly one slash between.
    pub fn join(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.0.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }
}

impl TryFrom<String> for BaseUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !s.contains(['?', '#', ' ']) => Ok(BaseUrl(s)),
            _ => Err(format!(
                "{s:?} is not a base URL: write it like \"https://avain.example.fi\""
            )),
        }
    }
}

impl From<BaseUrl> for String {
    fn from(u: BaseUrl) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;

    #[test]
    fn lifetimes_parse_and_print() {
        for (text, secs) in [("90s", 90), ("30m", 1800), ("12h", 43_200), ("7d", 604_800)] {
            let l = Lifetime::try_from(text.to_string()).unwrap();
            assert_eq!(l.seconds(), secs);
            assert_eq!(String::from(l), text);
        }
        for bad in [
            "",
            "12",
            "h",
            "12x",
            "0m",
            "-5m",
            "400d",
            "99999999999999999999d",
        ] {
            assert!(Lifetime::try_from(bad.to_string()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_and_urls() {
        assert!(Slug::try_from("kirjasto-2".to_string()).is_ok());
        for bad in ["", "Kirjasto", "a b", "a,b", &"x".repeat(33)] {
            assert!(Slug::try_from(bad.to_string()).is_err(), "{bad:?}");
        }
        let url = BaseUrl::try_from("https://x.fi/".to_string()).unwrap();
        assert_eq!(url.join("/reset/abc"), "https://x.fi/reset/abc");
        for bad in ["x.fi", "ftp://x.fi", "https://", "https://x.fi/?a=1"] {
            assert!(BaseUrl::try_from(bad.to_string()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn languages_from_locales() {
        assert_eq!(Language::from_locale("sv_FI.UTF-8"), Some(Language::Sv));
        assert_eq!(Language::from_locale("en-GB"), Some(Language::En));
        assert_eq!(Language::from_locale("C"), None);
    }
}
