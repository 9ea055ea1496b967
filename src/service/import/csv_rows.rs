//! Reading and checking an import CSV: every problem is found before
//! anything is written, each with its line and column.

use crate::domain::normalize::{card_key, is_plausible_email};
use serde::Serialize;
use std::collections::HashMap;

/// Longest name accepted (longer ones are refused, not cut).
pub const MAX_NAME_CHARS: usize = 1024;
/// Errors listed before the rest are only counted.
pub(super) const MAX_ERRORS_SHOWN: usize = 50;

const COLUMNS: &[&str] = &[
    "full_name",
    "email",
    "card_number",
    "login",
    "phone",
    "previous_emails",
    "old_cards",
    "credential_set_at",
    "legacy_credential",
    "must_set_credential",
    "external_id",
];

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub line: u64,
    /// 1-based column number and header name, when the error is in one field.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some((n, name)) => write!(
                f,
                "line {}, column {} ({}): {}",
                self.line, n, name, self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Check and count, write nothing.
    pub dry_run: bool,
    /// Import the good rows and report the bad ones, instead of nothing.
    pub skip_bad_rows: bool,
    /// Let a row found by its card or login rename the account it found
    /// (refused by default: more often another patron's card typed into
    /// the wrong row than a real change of name).
    pub allow_name_changes: bool,
}

/// A checked row.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) full_name: String,
    pub(super) email: String,
    pub(super) card: Option<String>,
    pub(super) login: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) previous_emails: Vec<String>,
    pub(super) old_cards: Vec<String>,
    pub(super) credential_set_at: Option<i64>,
    pub(super) legacy: bool,
    pub(super) must_set: bool,
    pub(super) external_id: Option<String>,
}

/// A checked file: its rows and where each known column is (1-based).
#[derive(Debug)]
pub struct ParsedCsv {
    pub(super) rows: Vec<Row>,
    pub(super) columns: HashMap<String, usize>,
}

/// Reads and checks the whole file. Returns rows or every error found.
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedCsv, Vec<ImportError>> {
    match read_csv(bytes, false)? {
        (parsed, errors) if errors.is_empty() => Ok(parsed),
        (_, errors) => Err(errors),
    }
}

/// Reads the file. A bad header is an error for the whole file; bad rows
/// are returned beside the good ones. Unless `keep_going`, reading stops
/// after [`MAX_ERRORS_SHOWN`] errors.
pub(super) fn read_csv(
    bytes: &[u8],
    keep_going: bool,
) -> Result<(ParsedCsv, Vec<ImportError>), Vec<ImportError>> {
    let separator = separator(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(separator)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![csv_error(&e, 1)]),
    };
    let index = read_header(&headers, separator)?;
    let mut checker = Checker {
        index: &index,
        seen_cards: HashMap::new(),
        seen_ids: HashMap::new(),
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => rows.extend(checker.row(&record, &mut errors)),
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(csv_error(&e, line));
            }
        }
        if !keep_going && errors.len() >= MAX_ERRORS_SHOWN {
            break;
        }
    }
    let columns = index.iter().map(|(k, v)| (k.to_string(), v + 1)).collect();
    Ok((ParsedCsv { rows, columns }, errors))
}

/// The separator the header line uses: comma, or semicolon (what a
/// spreadsheet saves as CSV where the comma is the decimal mark, as in
/// Finland), or tab: whichever the header has most of; comma on a tie.
fn separator(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |sep: u8| header.iter().filter(|b| **b == sep).count();
    [b';', b'\t']
        .into_iter()
        .map(|sep| (count(sep), sep))
        .filter(|(n, _)| *n > count(b','))
        .max()
        .map_or(b',', |(_, sep)| sep)
}

/// How a separator is named in a message.
fn separator_name(separator: u8) -> &'static str {
    match separator {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    }
}

/// Where each known column is; every unknown, repeated or missing column
/// is an error on line 1.
fn read_header(
    headers: &csv::StringRecord,
    separator: u8,
) -> Result<HashMap<&'static str, usize>, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}');
        let mut err = |message: String| {
            errors.push(ImportError {
                line: 1,
                column: Some((i + 1, name.into())),
                message,
            })
        };
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if index.contains_key(c) => err("this column appears twice".into()),
            Some(c) => {
                index.insert(c, i);
            }
            None => err(format!(
                "unknown column (the header was read as separated by {}); known columns are {}",
                separator_name(separator),
                COLUMNS.join(", ")
            )),
        }
    }
    for required in ["full_name", "email"] {
        if !index.contains_key(required) {
            errors.push(ImportError {
                line: 1,
                column: None,
                message: format!("the column {required:?} is missing"),
            });
        }
    }
    if errors.is_empty() {
        Ok(index)
    } else {
        Err(errors)
    }
}

/// Checks rows one by one, remembering cards and ids seen on earlier lines.
struct Checker<'a> {
    index: &'a HashMap<&'static str, usize>,
    seen_cards: HashMap<String, u64>,
    seen_ids: HashMap<String, u64>,
}

/// One record being checked: its fields, and the errors found in it.
struct Fields<'a> {
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

impl Checker<'_> {
    /// The row, or `None` after adding its errors.
    fn row(&mut self, record: &csv::StringRecord, errors: &mut Vec<ImportError>) -> Option<Row> {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut f = Fields {
            record,
            index: self.index,
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
        let (card, old_cards) = self.cards(&mut f);
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
            && let Some(first) = self.seen_ids.insert(x.clone(), line)
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

    /// The active card and the old ones; a number seen on an earlier line
    /// (as either) is an error.
    fn cards(&mut self, f: &mut Fields) -> (Option<String>, Vec<String>) {
        let card = f.get("card_number");
        if let Some(c) = &card {
            let key = card_key(c);
            if key.is_empty() || c.chars().count() > 64 {
                f.err("card_number", "not a card number".into());
            } else if let Some(first) = self.seen_cards.insert(key, f.line) {
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
            } else if let Some(first) = self.seen_cards.insert(key, f.line) {
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
}

fn csv_error(e: &csv::Error, line: u64) -> ImportError {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(csv: &str) -> Vec<String> {
        parse_csv(csv.as_bytes())
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn good_rows_parse() {
        let rows = parse_csv(
            b"full_name,email,card_number,old_cards,previous_emails,legacy_credential\nAnna A,a@x.fi,1234,999;998,old@x.fi,yes\nBo B,b@x.fi,,,,\n",
        )
        .unwrap()
        .rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].old_cards, ["999", "998"]);
        assert!(rows[0].legacy && !rows[1].legacy);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn semicolons_and_tabs_are_read_as_separators() {
        for csv in [
            "full_name;email;old_cards\nAnna A;a@x.fi;\"999;998\"\n",
            "full_name\temail\told_cards\nAnna A\ta@x.fi\t999;998\n",
        ] {
            let rows = parse_csv(csv.as_bytes()).unwrap().rows;
            assert_eq!(rows[0].full_name, "Anna A", "{csv:?}");
            assert_eq!(rows[0].old_cards, ["999", "998"], "{csv:?}");
        }
        let e = errors_of("full_name;e-mail\nA;a@x.fi\n");
        assert!(
            e[0].starts_with("line 1, column 2 (e-mail): unknown column (the header was read as separated by semicolons); known columns are full_name, email,"),
            "{e:?}"
        );
    }

    #[test]
    fn each_error_names_line_and_column() {
        let e = errors_of("full_name,email\nAnna,not-an-email\n");
        assert_eq!(
            e,
            ["line 2, column 2 (email): \"not-an-email\" is not an email address"]
        );
        let e = errors_of("full_name,email,card_number\nA,a@x.fi,1\nB,b@x.fi,1\n");
        assert_eq!(
            e,
            ["line 3, column 3 (card_number): the same card number is on line 2"]
        );
        let e = errors_of("full_name,email\nA,a@x.fi,extra\n");
        assert_eq!(e, ["line 2: 3 columns where the header has 2"]);
        let mut bytes = b"full_name,email\nA\xff\xfe,a@x.fi\n".to_vec();
        let e: Vec<String> = parse_csv(&bytes)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(e, ["line 2, column 1 (field 1): not valid UTF-8 text"]);
        bytes.clear();
        let e = errors_of("full_name,mail\nA,a@x.fi\n");
        assert!(
            e[0].starts_with("line 1, column 2 (mail): unknown column"),
            "{e:?}"
        );
        assert!(e[1].contains("\"email\" is missing"), "{e:?}");
        let e = errors_of(&format!("full_name,email\n{},a@x.fi\n", "x".repeat(2000)));
        assert_eq!(
            e,
            ["line 2, column 1 (full_name): longer than 1024 characters"]
        );
    }
}
