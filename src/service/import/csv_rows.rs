//! Reading and checking an import CSV: every problem is found before
//! anything is written, each with its line and column. Rows are read one
//! at a time, so a file of any size is checked in bounded memory.

use super::row_check::{Checker, csv_error};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

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
    /// Write each row with its own queries instead of in batches: slower,
    /// kept as the reference the batched path is checked against.
    pub row_by_row: bool,
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

/// Where the CSV comes from. A file is read twice (once to check every
/// row, once to write them in batches) and never held whole in memory.
#[derive(Debug, Clone, Copy)]
pub enum CsvInput<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl<'a> CsvInput<'a> {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match *self {
            CsvInput::Bytes(bytes) => Box::new(bytes),
            CsvInput::File(path) => Box::new(std::fs::File::open(path)?),
        })
    }

    /// The header line (its first 64 KiB), for the separator.
    fn header_line(&self) -> std::io::Result<Vec<u8>> {
        let mut head = Vec::new();
        self.open()?.take(64 * 1024).read_to_end(&mut head)?;
        let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
        head.truncate(end);
        Ok(head)
    }
}

/// Checked rows, one at a time, from the start of the file.
pub(super) struct CsvStream<'a> {
    reader: csv::Reader<Box<dyn Read + Send + 'a>>,
    checker: Checker,
    record: csv::StringRecord,
    ended: bool,
}

impl<'a> CsvStream<'a> {
    /// Opens the input and reads its header. `check_duplicates`: remember
    /// cards and ids to refuse the same one on a later line (not needed
    /// when reading a file a second time).
    pub(super) fn open(
        input: CsvInput<'a>,
        check_duplicates: bool,
    ) -> Result<CsvStream<'a>, Vec<ImportError>> {
        let unreadable = |e: std::io::Error| {
            vec![ImportError {
                line: 0,
                column: None,
                message: format!("the file cannot be read: {e}"),
            }]
        };
        let separator = separator(&input.header_line().map_err(unreadable)?);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .delimiter(separator)
            .buffer_capacity(64 * 1024)
            .from_reader(input.open().map_err(unreadable)?);
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(vec![csv_error(&e, 1)]),
        };
        let index = read_header(&headers, separator)?;
        Ok(CsvStream {
            reader,
            checker: Checker::new(index, check_duplicates),
            record: csv::StringRecord::new(),
            ended: false,
        })
    }

    /// Where each known column is (1-based).
    pub(super) fn columns(&self) -> HashMap<String, usize> {
        let index = self.checker.index();
        index.iter().map(|(k, v)| (k.to_string(), v + 1)).collect()
    }

    /// The next row, or its errors; `None` at the end of the file.
    pub(super) fn next_row(&mut self) -> Option<Result<Row, Vec<ImportError>>> {
        if self.ended {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let mut errors = Vec::new();
                Some(self.checker.row(&self.record, &mut errors).ok_or(errors))
            }
            Err(e) => {
                // A file that stops being readable ends here; a bad record
                // is reported and reading goes on.
                self.ended = matches!(e.kind(), csv::ErrorKind::Io(_));
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Some(Err(vec![csv_error(&e, line)]))
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of the file, or every error.
    fn parse_csv(bytes: &[u8]) -> Result<Vec<Row>, Vec<ImportError>> {
        let mut stream = CsvStream::open(CsvInput::Bytes(bytes), true)?;
        let (mut rows, mut errors) = (Vec::new(), Vec::new());
        while let Some(row) = stream.next_row() {
            match row {
                Ok(row) => rows.push(row),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(rows)
        } else {
            Err(errors)
        }
    }

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
        .unwrap();
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
            let rows = parse_csv(csv.as_bytes()).unwrap();
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
