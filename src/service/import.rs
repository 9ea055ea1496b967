//! Importing accounts from CSV. Every row is checked first; any error names
//! its line and column and nothing is written. Rows update the account with
//! the same external id, else the same card, else the same login.

use super::{ServiceResult, Services, Staff};
use crate::domain::normalize::{card_key, email_key, is_plausible_email};
use crate::domain::verdict::CardStatus;
use crate::store::entities::account;
use crate::store::{Tx, accounts};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// Longest name accepted (longer ones are refused, not cut).
pub const MAX_NAME_CHARS: usize = 1024;
/// Errors listed before the rest are only counted.
const MAX_ERRORS_SHOWN: usize = 50;

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

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub dry_run: bool,
}

/// A checked row.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    full_name: String,
    email: String,
    card: Option<String>,
    login: Option<String>,
    phone: Option<String>,
    previous_emails: Vec<String>,
    old_cards: Vec<String>,
    credential_set_at: Option<i64>,
    legacy: bool,
    must_set: bool,
    external_id: Option<String>,
}

/// A checked file: its rows and where each known column is (1-based).
#[derive(Debug)]
pub struct ParsedCsv {
    rows: Vec<Row>,
    columns: HashMap<String, usize>,
}

/// Reads and checks the whole file. Returns rows or every error found.
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedCsv, Vec<ImportError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![csv_error(&e, 1)]),
    };
    let mut errors = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}');
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if index.contains_key(c) => errors.push(ImportError {
                line: 1,
                column: Some((i + 1, name.into())),
                message: "this column appears twice".into(),
            }),
            Some(c) => {
                index.insert(c, i);
            }
            None => errors.push(ImportError {
                line: 1,
                column: Some((i + 1, name.into())),
                message: format!("unknown column; known columns are {}", COLUMNS.join(", ")),
            }),
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
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen_cards: HashMap<String, u64> = HashMap::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(csv_error(&e, line));
                if errors.len() >= MAX_ERRORS_SHOWN {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut err = |col: &str, message: String| {
            errors.push(ImportError {
                line,
                column: index.get(col).map(|i| (i + 1, col.to_string())),
                message,
            });
        };
        let field = |col: &str| -> Option<String> {
            index
                .get(col)
                .and_then(|i| record.get(*i))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let full_name = field("full_name").unwrap_or_default();
        if full_name.is_empty() {
            err("full_name", "the name is empty".into());
        } else if full_name.chars().count() > MAX_NAME_CHARS {
            err(
                "full_name",
                format!("longer than {MAX_NAME_CHARS} characters"),
            );
        }
        let email = field("email").unwrap_or_default();
        if !is_plausible_email(&email) {
            err(
                "email",
                format!(
                    "{:?} is not an email address",
                    crate::domain::sanitize::sanitize_line(&email, 80)
                ),
            );
        }
        let card = field("card_number");
        if let Some(c) = &card {
            let key = card_key(c);
            if key.is_empty() || c.chars().count() > 64 {
                err("card_number", "not a card number".into());
            } else if let Some(first) = seen_cards.insert(key, line) {
                err(
                    "card_number",
                    format!("the same card number is on line {first}"),
                );
            }
        }
        let mut old_cards = Vec::new();
        for c in split_list(field("old_cards")) {
            let key = card_key(&c);
            if key.is_empty() || c.chars().count() > 64 {
                err("old_cards", format!("{c:?} is not a card number"));
            } else if let Some(first) = seen_cards.insert(key, line) {
                err(
                    "old_cards",
                    format!("the card {c:?} is also on line {first}"),
                );
            } else {
                old_cards.push(c);
            }
        }
        let mut previous_emails = Vec::new();
        for e in split_list(field("previous_emails")) {
            if is_plausible_email(&e) {
                previous_emails.push(e);
            } else {
                err("previous_emails", format!("{e:?} is not an email address"));
            }
        }
        let login = field("login");
        if login.as_ref().is_some_and(|l| l.chars().count() > 128) {
            err("login", "longer than 128 characters".into());
        }
        let phone = field("phone");
        if phone.as_ref().is_some_and(|p| p.chars().count() > 32) {
            err("phone", "longer than 32 characters".into());
        }
        let external_id = field("external_id");
        if let Some(x) = &external_id {
            if x.chars().count() > 128 {
                err("external_id", "longer than 128 characters".into());
            } else if let Some(first) = seen_ids.insert(x.clone(), line) {
                err(
                    "external_id",
                    format!("the same external id is on line {first}"),
                );
            }
        }
        let credential_set_at = match field("credential_set_at") {
            None => None,
            Some(t) => match parse_time(&t) {
                Some(ms) => Some(ms),
                None => {
                    err(
                        "credential_set_at",
                        format!("{t:?} is not a date (use 2024-05-31 or RFC 3339)"),
                    );
                    None
                }
            },
        };
        let mut flag = |col: &str| match field(col)
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("0" | "false" | "no" | "n") => false,
            Some("1" | "true" | "yes" | "y") => true,
            Some(other) => {
                err(col, format!("{other:?} is not true/false"));
                false
            }
        };
        let legacy = flag("legacy_credential");
        let must_set = flag("must_set_credential");
        if errors.len() >= MAX_ERRORS_SHOWN {
            break;
        }
        rows.push(Row {
            line,
            full_name,
            email,
            card,
            login,
            phone,
            previous_emails,
            old_cards,
            credential_set_at,
            legacy,
            must_set,
            external_id,
        });
    }
    let columns = index
        .into_iter()
        .map(|(k, v)| (k.to_string(), v + 1))
        .collect();
    if errors.is_empty() {
        Ok(ParsedCsv { rows, columns })
    } else {
        Err(errors)
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

impl Services {
    /// Imports a CSV file into one organisation, all or nothing.
    pub async fn import_accounts(
        &self,
        staff: &Staff,
        org: &str,
        bytes: &[u8],
        dry_run: bool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> ServiceResult<Result<ImportReport, Vec<ImportError>>> {
        staff.require_admin()?;
        self.org(org)?;
        let ParsedCsv { rows, columns } = match parse_csv(bytes) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(Err(errors)),
        };
        let total = rows.len() as u64;
        let tx = self.store.begin_write().await?;
        let mut report = ImportReport {
            rows: total,
            dry_run,
            ..Default::default()
        };
        let mut errors = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            match self.import_row(&tx, org, row, &columns).await? {
                Ok(true) => report.created += 1,
                Ok(false) => report.updated += 1,
                Err(e) => errors.push(e),
            }
            if i % 256 == 0 || i as u64 + 1 == total {
                progress(i as u64 + 1, total);
            }
            if errors.len() >= MAX_ERRORS_SHOWN {
                break;
            }
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            return Ok(Err(errors));
        }
        self.audit_staff(
            &tx,
            staff,
            if dry_run {
                "import.dry_run"
            } else {
                "import.accounts"
            },
            Some(org),
            None,
            json!({ "rows": report.rows, "created": report.created, "updated": report.updated }),
        )
        .await?;
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(Ok(report))
    }

    /// Writes one checked row. `Ok(true)` created, `Ok(false)` updated,
    /// `Err` a conflict with data already in the database.
    async fn import_row(
        &self,
        tx: &Tx,
        org: &str,
        row: &Row,
        columns: &HashMap<String, usize>,
    ) -> ServiceResult<Result<bool, ImportError>> {
        let now = self.now();
        let conflict = |col: &str, message: String| {
            let column = columns.get(col).map(|n| (*n, col.to_string()));
            ImportError {
                line: row.line,
                column,
                message,
            }
        };
        let existing = match (&row.external_id, &row.card, &row.login) {
            (Some(x), _, _) => accounts::find_by_external_id(tx, org, x).await?,
            (None, Some(c), _) => match accounts::find_card(tx, org, c).await? {
                Some(card) => accounts::get(tx, card.account_id).await?,
                None => None,
            },
            (None, None, Some(l)) => accounts::find_by_login(tx, org, l).await?,
            _ => None,
        };
        // A card may belong to one account only.
        for number in row.card.iter().chain(row.old_cards.iter()) {
            if let Some(card) = accounts::find_card(tx, org, number).await?
                && existing.as_ref().is_none_or(|a| a.id != card.account_id)
            {
                let col = if row.card.as_deref() == Some(number.as_str()) {
                    "card_number"
                } else {
                    "old_cards"
                };
                return Ok(Err(conflict(
                    col,
                    format!("card {number:?} belongs to account #{}", card.account_id),
                )));
            }
        }
        if let Some(login) = &row.login
            && let Some(other) = accounts::find_by_login(tx, org, login).await?
            && existing.as_ref().is_none_or(|a| a.id != other.id)
        {
            return Ok(Err(conflict(
                "login",
                format!("login {login:?} belongs to account #{}", other.id),
            )));
        }
        let (account, created) = match existing {
            None => {
                let a = accounts::insert(
                    tx,
                    accounts::NewAccount {
                        org: org.to_string(),
                        login: row.login.clone(),
                        external_id: row.external_id.clone(),
                        full_name: row.full_name.clone(),
                        email: row.email.clone(),
                        phone: row.phone.clone(),
                        credential_hash: None,
                        credential_set_at: row.credential_set_at,
                        legacy_credential: row.legacy,
                        must_set_credential: row.must_set,
                    },
                    now,
                )
                .await?;
                (a, true)
            }
            Some(a) => {
                if a.email != row.email {
                    accounts::add_previous_email(tx, &a, &a.email, now, Some("import".into()))
                        .await?;
                }
                accounts::update_from_import(
                    tx,
                    a.id,
                    accounts::ImportedFields {
                        login: row.login.clone(),
                        full_name: row.full_name.clone(),
                        email: row.email.clone(),
                        phone: row.phone.clone(),
                        legacy_credential: row.legacy,
                        must_set_credential: row.must_set,
                    },
                    now,
                )
                .await?;
                (accounts::get(tx, a.id).await?.expect("exists"), false)
            }
        };
        self.apply_cards(tx, &account, row, now).await?;
        let known: Vec<String> = accounts::email_history_of(tx, &[account.id])
            .await?
            .into_iter()
            .map(|h| h.email_key)
            .collect();
        for e in &row.previous_emails {
            if !known.contains(&email_key(e)) && email_key(e) != account.email_key {
                accounts::add_previous_email(tx, &account, e, now, Some("import".into())).await?;
            }
        }
        accounts::refresh_terms(tx, &account).await?;
        Ok(Ok(created))
    }

    async fn apply_cards(
        &self,
        tx: &Tx,
        account: &account::Model,
        row: &Row,
        now: i64,
    ) -> ServiceResult<()> {
        let cards = accounts::cards_of(tx, &[account.id]).await?;
        if let Some(number) = &row.card {
            let key = card_key(number);
            for c in cards
                .iter()
                .filter(|c| c.status == "active" && c.number_key != key)
            {
                accounts::set_card_status(tx, c.id, CardStatus::Replaced, now).await?;
            }
            match cards.iter().find(|c| c.number_key == key) {
                Some(c) if c.status != "active" => {
                    accounts::set_card_status(tx, c.id, CardStatus::Active, now).await?
                }
                Some(_) => {}
                None => {
                    accounts::add_card(tx, account, number, CardStatus::Active, now).await?;
                }
            }
        }
        for number in &row.old_cards {
            if !cards.iter().any(|c| c.number_key == card_key(number)) {
                accounts::add_card(tx, account, number, CardStatus::Replaced, now).await?;
            }
        }
        Ok(())
    }
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
