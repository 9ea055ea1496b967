//! Importing accounts from CSV. Every row is checked first; any error names
//! its line and column and nothing is written, unless asked to skip bad
//! rows (each still reported with its line and column). Rows update the account with
//! the same external id, else the same card, else the same login.

use super::{ServiceResult, Services, Staff};
use crate::domain::normalize::{card_key, email_key};
use crate::domain::verdict::CardStatus;
use crate::store::entities::account;
use crate::store::{Tx, accounts};
use sea_orm::TransactionTrait;
use serde_json::json;
use std::collections::HashMap;

mod csv_rows;

pub use csv_rows::{
    ImportError, ImportOptions, ImportReport, MAX_NAME_CHARS, ParsedCsv, parse_csv,
};
use csv_rows::{MAX_ERRORS_SHOWN, Row, read_csv};

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
        let options = ImportOptions {
            dry_run,
            skip_bad_rows: false,
        };
        self.import_accounts_with(staff, org, bytes, options, progress)
            .await
    }

    /// Imports a CSV file into one organisation: all or nothing, or with
    /// `skip_bad_rows` every good row and a list of the bad ones.
    pub async fn import_accounts_with(
        &self,
        staff: &Staff,
        org: &str,
        bytes: &[u8],
        options: ImportOptions,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> ServiceResult<Result<ImportReport, Vec<ImportError>>> {
        staff.require_admin()?;
        self.org(org)?;
        let ImportOptions {
            dry_run,
            skip_bad_rows,
        } = options;
        let (ParsedCsv { rows, columns }, bad_rows) = match read_csv(bytes, skip_bad_rows) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(Err(errors)),
        };
        if !skip_bad_rows && !bad_rows.is_empty() {
            return Ok(Err(bad_rows));
        }
        let total = rows.len() as u64;
        let tx = self.store.begin_write().await?;
        let mut report = ImportReport {
            rows: total + bad_rows.len() as u64,
            dry_run,
            skipped: bad_rows,
            ..Default::default()
        };
        let mut errors = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            // When skipping, a row that conflicts with the database is
            // undone on its own savepoint; the others stay.
            let outcome = if skip_bad_rows {
                let savepoint = tx.begin().await?;
                let outcome = self.import_row(&savepoint, org, row, &columns).await?;
                if outcome.is_ok() {
                    savepoint.commit().await?;
                } else {
                    savepoint.rollback().await?;
                }
                outcome
            } else {
                self.import_row(&tx, org, row, &columns).await?
            };
            match outcome {
                Ok(true) => report.created += 1,
                Ok(false) => report.updated += 1,
                Err(e) if skip_bad_rows => report.skipped.push(e),
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
        report.skipped.sort_by_key(|e| e.line);
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
            json!({ "rows": report.rows, "created": report.created, "updated": report.updated, "skipped": report.skipped.len() }),
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
                // The old system does not say when an address stopped being used.
                accounts::add_previous_email(
                    tx,
                    &account,
                    e,
                    accounts::UNKNOWN_TIME,
                    Some("import".into()),
                )
                .await?;
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
                .filter(|c| c.status == CardStatus::Active && c.number_key != key)
            {
                accounts::set_card_status(tx, c.id, CardStatus::Replaced, now).await?;
            }
            match cards.iter().find(|c| c.number_key == key) {
                Some(c) if c.status != CardStatus::Active => {
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
