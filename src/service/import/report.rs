//! What an import did, or in a dry run would do: counts, the rows left
//! out, each updated row's changed fields, and warnings about the file.

use super::ImportError;
use super::write_row::FieldChange;
use serde::Serialize;

/// Updated rows listed field by field in a dry run; beyond this, counted.
pub(super) const MAX_CHANGES_SHOWN: usize = 500;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    /// Rows that matched an existing account (changed or not).
    pub updated: u64,
    /// Of those, rows that change nothing.
    pub unchanged: u64,
    pub dry_run: bool,
    /// Rows left out (only with `skip_bad_rows`), each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<ImportError>,
    /// In a dry run: each updated row's changes (the first
    /// `MAX_CHANGES_SHOWN`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RowChanges>,
    /// Things in the file that will not fail now but will at the desk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The fields one row changes on the account it matched.
#[derive(Debug, Clone, Serialize)]
pub struct RowChanges {
    pub line: u64,
    pub account_id: i64,
    pub fields: Vec<FieldChange>,
}

/// Whether an address has capital letters (which an exact-match
/// organisation's patrons must then type).
pub(super) fn has_capitals(email: &str) -> bool {
    email.chars().any(char::is_uppercase)
}

/// The warning about rows (at most ten named by line) whose email has
/// capital letters, for an organisation whose form compares emails
/// exactly: those patrons must type the capitals too, which is the most
/// common failed reset.
pub(super) fn capitals_warning(lines: &[u64]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let named: Vec<String> = lines.iter().take(10).map(u64::to_string).collect();
    let more = if lines.len() > 10 { ", …" } else { "" };
    Some(format!(
        "{} rows have capital letters in the email (lines {}{more}); this organisation's \
         form compares emails exactly, so those patrons must type the capitals too",
        lines.len(),
        named.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_are_named_by_line() {
        let rows = [(2, "a@b.fi"), (3, "Aino@b.fi"), (4, "x@B.fi")];
        let lines: Vec<u64> = rows
            .iter()
            .filter(|(_, e)| has_capitals(e))
            .map(|(l, _)| *l)
            .collect();
        let w = capitals_warning(&lines).unwrap();
        assert!(
            w.starts_with("2 rows have capital letters in the email (lines 3, 4);"),
            "{w}"
        );
        assert_eq!(capitals_warning(&[]), None);
        let many: Vec<u64> = (1..=12).collect();
        assert!(capitals_warning(&many).unwrap().contains("9, 10, …)"));
    }
}
