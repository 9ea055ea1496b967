//! Checking one CSV row: each field against its rules, and cards and
//! external ids against the lines before it.

use super::csv_rows::{ImportError, MAX_NAME_CHARS, Row};
use crate::domain::normalize::{card_key, is_plausible_email};
use std::collections::HashMap;
use std::collections::hash_map::{Entry, RandomState};
use std::hash::BuildHasher;

/// Checks rows one by one, remembering cards and ids seen on earlier lines
/// (unless told the file was checked already).
pub(super) struct Checker {
    index: HashMap<&'static str, usize>,
    seen_cards: Option<SeenKeys>,
    seen_ids: Option<SeenKeys>,
}

/// Keys seen on earlier lines, kept as keyed 64-bit hashes with their line:
/// a million rows' cards and ids take ~70 MB this way instead of ~200 MB
/// as strings. Two different keys share a hash with odds of about one in
/// ten million at a million rows; the error then names both lines, and a
/// second try (with new hash keys) passes.
struct SeenKeys {
    hasher: RandomState,
    lines: HashMap<u64, u64>,
}

impl SeenKeys {
    fn new() -> SeenKeys {
        SeenKeys {
            hasher: RandomState::new(),
            lines: HashMap::new(),
        }
    }

    /// Remembers `key` on `line`; the earlier line if it was seen before.
    fn insert(&mut self, key: &str, line: u64) -> Option<u64> {
        let hash = self.hasher.hash_one(key);
        match self.lines.entry(hash) {
            Entry::Occupied(first) => Some(*first.get()),
            Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
        }
    }
}

/// One record being checked: its fields, and the errors found in it.
pub(super) struct Fields<'a> {
    record: &'a csv::StringRecord,
    index: &'a HashMap<&'static str, usize>,
    line: u64,
    errors: Vec<ImportError>,
}

impl Fields<'_> {
    fn get(&self, col: &str) -> Option<String> {
        self.index
            .get(col)
            .and_then(|i| self.record.get(*i))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn err(&mut self, col: &str, message: String) {
        self.errors.push(ImportError {
            line: self.line,
            column: self.index.get(col).map(|i| (i + 1, col.to_string())),
            message,
        });
    }

    /// A field that may not be longer than `max` characters.
    fn bounded(&mut self, col: &str, max: usize) -> Option<String> {
        let value = self.get(col);
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            self.err(col, format!("longer than {max} characters"));
        }
        value
    }

    fn flag(&mut self, col: &str) -> bool {
        match self.get(col).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("0" | "false" | "no" | "n") => false,
            Some("1" | "true" | "yes" | "y") => true,
            Some(other) => {
                let message = format!("{other:?} is not true/false");
                self.err(col, message);
                false
            }
        }
    }

    fn time(&mut self, col: &str) -> Option<i64> {
        let text = self.get(col)?;
        let parsed = parse_time(&text);
        if parsed.is_none() {
            self.err(
                col,
                format!("{text:?} is not a date (use 2024-05-31 or RFC 3339)"),
            );
        }
        parsed
    }
}

impl Checker {
    pub(super) fn new(index: HashMap<&'static str, usize>, check_duplicates: bool) -> Checker {
        Checker {
            index,
            seen_cards: check_duplicates.then(SeenKeys::new),
            seen_ids: check_duplicates.then(SeenKeys::new),
        }
    }

    /// Where each known column is (0-based).
    pub(super) fn index(&self) -> &HashMap<&'static str, usize> {
        &self.index
    }

    /// The row, or `None` after adding its errors.
    pub(super) fn row(
        &mut self,
        record: &csv::StringRecord,
        errors: &mut Vec<ImportError>,
    ) -> Option<Row> {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut f = Fields {
            record,
            index: &self.index,
            line,
            errors: Vec::new(),
        };
        let full_name = f.get("full_name").unwrap_or_default();
        if full_name.is_empty() {
            f.err("full_name", "the name is empty".into());
        } else if full_name.chars().count() > MAX_NAME_CHARS {
            f.err(
                "full_name",
                format!("longer than {MAX_NAME_CHARS} characters"),
            );
        }
        let email = f.get("email").unwrap_or_default();
        if !is_plausible_email(&email) {
            let shown = crate::domain::sanitize::sanitize_line(&email, 80);
            f.err("email", format!("{shown:?} is not an email address"));
        }
        let (card, old_cards) = cards(&mut self.seen_cards, &mut f);
        let mut previous_emails = Vec::new();
        for e in split_list(f.get("previous_emails")) {
            if is_plausible_email(&e) {
                previous_emails.push(e);
            } else {
                f.err("previous_emails", format!("{e:?} is not an email address"));
            }
        }
        let login = f.bounded("login", 128);
        let phone = f.bounded("phone", 32);
        let external_id = f.bounded("external_id", 128);
        if let Some(x) = &external_id
            && let Some(first) = self.seen_ids.as_mut().and_then(|s| s.insert(x, line))
        {
            f.err(
                "external_id",
                format!("the same external id is on line {first}"),
            );
        }
        let row = Row {
            line,
            full_name,
            email,
            card,
            login,
            phone,
            previous_emails,
            old_cards,
            credential_set_at: f.time("credential_set_at"),
            legacy: f.flag("legacy_credential"),
            must_set: f.flag("must_set_credential"),
            external_id,
        };
        let ok = f.errors.is_empty();
        errors.append(&mut f.errors);
        ok.then_some(row)
    }
}

/// The active card and the old ones; a number seen on an earlier line
/// (as either) is an error.
fn cards(seen: &mut Option<SeenKeys>, f: &mut Fields) -> (Option<String>, Vec<String>) {
    let card = f.get("card_number");
    if let Some(c) = &card {
        let key = card_key(c);
        if key.is_empty() || c.chars().count() > 64 {
            f.err("card_number", "not a card number".into());
        } else if let Some(first) = seen.as_mut().and_then(|s| s.insert(&key, f.line)) {
            f.err(
                "card_number",
                format!("the same card number is on line {first}"),
            );
        }
    }
    let mut old_cards = Vec::new();
    for c in split_list(f.get("old_cards")) {
        let key = card_key(&c);
        if key.is_empty() || c.chars().count() > 64 {
            f.err("old_cards", format!("{c:?} is not a card number"));
        } else if let Some(first) = seen.as_mut().and_then(|s| s.insert(&key, f.line)) {
            f.err(
                "old_cards",
                format!("the card {c:?} is also on line {first}"),
            );
        } else {
            old_cards.push(c);
        }
    }
    (card, old_cards)
}

pub(super) fn csv_error(e: &csv::Error, line: u64) -> ImportError {
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            let column = err.field() + 1;
            return ImportError {
                line,
                column: Some((column, format!("field {column}"))),
                message: "not valid UTF-8 text".into(),
            };
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} columns where the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    ImportError {
        line,
        column: None,
        message,
    }
}

fn split_list(value: Option<String>) -> Vec<String> {
    value
        .map(|v| {
            v.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn parse_time(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}
