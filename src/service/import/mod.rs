//! Importing accounts from CSV. Every row is checked first; any error names
//! its line and column and nothing is written, unless asked to skip bad
//! rows (each still reported with its line and column). Rows update the account with
//! the same external id, else the same card, else the same login; a row
//! found by card or login that would rename its account is refused unless
//! name changes are allowed.

use super::{ServiceResult, Services, Staff};
use sea_orm::TransactionTrait;
use serde_json::json;

mod csv_rows;
mod report;
mod write_row;

pub use csv_rows::{ImportError, ImportOptions, MAX_NAME_CHARS, ParsedCsv, parse_csv};
use csv_rows::{MAX_ERRORS_SHOWN, Row, read_csv};
pub use report::{ImportReport, RowChanges};
use report::{MAX_CHANGES_SHOWN, capitals_warning};
pub use write_row::FieldChange;

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
            ..Default::default()
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
        staff.require_known_org(org)?;
        self.org(org)?;
        let ImportOptions {
            dry_run,
            skip_bad_rows,
            allow_name_changes,
        } = options;
        let (ParsedCsv { rows, columns }, bad_rows) = match read_csv(bytes, skip_bad_rows) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(Err(errors)),
        };
        if !skip_bad_rows && !bad_rows.is_empty() {
            return Ok(Err(bad_rows));
        }
        let total = rows.len() as u64;
        let exact = self.org(org)?.email_match() == crate::domain::verdict::EmailMatch::Exact;
        let warnings = exact
            .then(|| capitals_warning(rows.iter().map(|r| (r.line, r.email.as_str()))))
            .flatten()
            .into_iter()
            .collect();
        let tx = self.store.begin_write().await?;
        let mut report = ImportReport {
            rows: total + bad_rows.len() as u64,
            dry_run,
            skipped: bad_rows,
            warnings,
            ..Default::default()
        };
        let mut errors = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            // When skipping, a row that conflicts with the database is
            // undone on its own savepoint; the others stay.
            let outcome = if skip_bad_rows {
                let savepoint = tx.begin().await?;
                let outcome = self
                    .import_row(&savepoint, org, row, &columns, allow_name_changes)
                    .await?;
                if outcome.is_ok() {
                    savepoint.commit().await?;
                } else {
                    savepoint.rollback().await?;
                }
                outcome
            } else {
                self.import_row(&tx, org, row, &columns, allow_name_changes)
                    .await?
            };
            match outcome {
                Ok(o) if o.created => report.created += 1,
                Ok(o) => {
                    report.updated += 1;
                    if o.changes.is_empty() {
                        report.unchanged += 1;
                    } else if dry_run && report.changes.len() < MAX_CHANGES_SHOWN {
                        report.changes.push(RowChanges {
                            line: row.line,
                            account_id: o.account_id,
                            fields: o.changes,
                        });
                    }
                }
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
}
