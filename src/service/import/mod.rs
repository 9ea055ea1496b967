//! Importing accounts from CSV. Every row is checked first (one pass over
//! the file); any error names its line and column and nothing is written,
//! unless asked to skip bad rows (each still reported with its line and
//! column). A second pass writes the rows in batches, in one transaction. Rows update the account with
//! the same external id, else the same card, else the same login; a row
//! found by card or login that would rename its account is refused unless
//! name changes are allowed.

use super::{ServiceResult, Services, Staff};
use sea_orm::TransactionTrait;
use serde_json::json;

mod batch;
mod csv_rows;
mod digest;
mod report;
mod row_check;
mod write_row;

use batch::{Batcher, RowResult};
pub use csv_rows::{CsvInput, ImportError, ImportOptions, MAX_NAME_CHARS};
use csv_rows::{CsvStream, MAX_ERRORS_SHOWN, Row};
pub use report::{ImportReport, RowChanges};
use report::{MAX_CHANGES_SHOWN, capitals_warning, has_capitals};
use std::collections::{HashMap, HashSet};
pub use write_row::FieldChange;

/// Rows decided and written together: large enough that a batch's reads
/// and inserts are a few statements, small enough that memory stays flat.
const BATCH_ROWS: usize = 1000;

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
        self.import_accounts_with(staff, org, CsvInput::Bytes(bytes), options, progress)
            .await
    }

    /// Imports a CSV file into one organisation: all or nothing, or with
    /// `skip_bad_rows` every good row and a list of the bad ones.
    pub async fn import_accounts_with(
        &self,
        staff: &Staff,
        org: &str,
        input: CsvInput<'_>,
        options: ImportOptions,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> ServiceResult<Result<ImportReport, Vec<ImportError>>> {
        staff.require_admin()?;
        staff.require_known_org(org)?;
        let exact = self.org(org)?.email_match() == crate::domain::verdict::EmailMatch::Exact;
        let checked = match check_file(input, options.skip_bad_rows) {
            Ok(checked) => checked,
            Err(errors) => return Ok(Err(errors)),
        };
        if !options.skip_bad_rows && !checked.bad.is_empty() {
            return Ok(Err(checked.bad));
        }
        let total = checked.good;
        let mut report = ImportReport {
            rows: total + checked.bad.len() as u64,
            dry_run: options.dry_run,
            skipped: checked.bad,
            warnings: exact
                .then(|| capitals_warning(&checked.capital_lines))
                .flatten()
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let mut stream = match CsvStream::open(input, false) {
            Ok(stream) => stream,
            Err(errors) => return Ok(Err(errors)),
        };
        let columns = stream.columns();
        let tx = self.store.begin_write().await?;
        let deferred = crate::store::bulk_load::defer_for_import(&tx, total).await?;
        let mut errors = Vec::new();
        let mut done = 0;
        // The tables grow inside this transaction; their statistics are
        // refreshed as they quadruple, so lookups keep using the indexes.
        let mut analyzed_at = BATCH_ROWS as u64 * 4;
        loop {
            let rows = match next_batch(&mut stream, &checked.bad_lines) {
                Ok(rows) if rows.is_empty() => break,
                Ok(rows) => rows,
                Err(changed) => {
                    errors.push(changed);
                    break;
                }
            };
            let results = if options.row_by_row {
                self.write_one_by_one(&tx, org, &rows, &columns, options)
                    .await?
            } else {
                let batcher = Batcher {
                    org,
                    columns: &columns,
                    allow_name_changes: options.allow_name_changes,
                    now: self.now(),
                };
                batcher.write(&tx, &rows).await?
            };
            for (row, result) in rows.iter().zip(results) {
                tally(&mut report, &mut errors, row, result, options);
            }
            done += rows.len() as u64;
            progress(done, total);
            if done >= analyzed_at * 4 {
                crate::store::import_rows::refresh_planner_statistics(&tx).await?;
                analyzed_at = done;
            }
            if errors.len() >= MAX_ERRORS_SHOWN {
                break;
            }
        }
        if errors.is_empty() && done != total {
            errors.push(file_changed(done));
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            return Ok(Err(errors));
        }
        report.skipped.sort_by_key(|e| e.line);
        if !options.dry_run {
            crate::store::bulk_load::build_after_import(&tx, deferred).await?;
        }
        self.audit_staff(
            &tx,
            staff,
            if options.dry_run {
                "import.dry_run"
            } else {
                "import.accounts"
            },
            Some(org),
            None,
            json!({ "rows": report.rows, "created": report.created, "updated": report.updated, "skipped": report.skipped.len() }),
        )
        .await?;
        if options.dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(Ok(report))
    }

    /// Writes each row with its own queries (the reference path). When
    /// skipping, a row that conflicts with the database is undone on its
    /// own savepoint; the others stay.
    async fn write_one_by_one(
        &self,
        tx: &crate::store::Tx,
        org: &str,
        rows: &[Row],
        columns: &HashMap<String, usize>,
        options: ImportOptions,
    ) -> ServiceResult<Vec<RowResult>> {
        let mut results = Vec::with_capacity(rows.len());
        for row in rows {
            let savepoint = tx.begin().await?;
            let outcome = self
                .import_row(&savepoint, org, row, columns, options.allow_name_changes)
                .await?;
            if outcome.is_ok() {
                savepoint.commit().await?;
            } else {
                savepoint.rollback().await?;
            }
            results.push(match outcome {
                Ok(written) => RowResult::Written(written),
                Err(refused) => RowResult::Refused(refused),
            });
        }
        Ok(results)
    }
}

/// The first pass: every row checked, nothing kept but counts, errors and
/// the lines to mention.
struct CheckedFile {
    good: u64,
    bad: Vec<ImportError>,
    /// Lines with errors (when skipping them).
    bad_lines: HashSet<u64>,
    capital_lines: Vec<u64>,
}

/// Reads and checks the whole file. Unless `keep_going`, stops after
/// [`MAX_ERRORS_SHOWN`] errors; a bad header is an error for the file.
fn check_file(input: CsvInput<'_>, keep_going: bool) -> Result<CheckedFile, Vec<ImportError>> {
    let mut stream = CsvStream::open(input, true)?;
    let mut checked = CheckedFile {
        good: 0,
        bad: Vec::new(),
        bad_lines: HashSet::new(),
        capital_lines: Vec::new(),
    };
    while let Some(row) = stream.next_row() {
        match row {
            Ok(row) => {
                checked.good += 1;
                if has_capitals(&row.email) {
                    checked.capital_lines.push(row.line);
                }
            }
            Err(mut errors) => {
                if keep_going {
                    checked.bad_lines.extend(errors.iter().map(|e| e.line));
                }
                checked.bad.append(&mut errors);
            }
        }
        if !keep_going && checked.bad.len() >= MAX_ERRORS_SHOWN {
            break;
        }
    }
    Ok(checked)
}

/// The next rows to write, leaving out the lines the first pass found bad.
/// A row that is bad now but was not then means the file changed between
/// the passes.
fn next_batch(stream: &mut CsvStream, bad_lines: &HashSet<u64>) -> Result<Vec<Row>, ImportError> {
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    while rows.len() < BATCH_ROWS {
        match stream.next_row() {
            None => break,
            Some(Ok(row)) => rows.push(row),
            Some(Err(errors)) => {
                let line = errors.first().map_or(0, |e| e.line);
                if !bad_lines.contains(&line) {
                    return Err(file_changed(line));
                }
            }
        }
    }
    Ok(rows)
}

fn file_changed(line: u64) -> ImportError {
    ImportError {
        line,
        column: None,
        message: "the file changed while it was imported; nothing was written".into(),
    }
}

/// Counts one row's result into the report, or its error.
fn tally(
    report: &mut ImportReport,
    errors: &mut Vec<ImportError>,
    row: &Row,
    result: RowResult,
    options: ImportOptions,
) {
    match result {
        RowResult::Written(o) if o.created => report.created += 1,
        RowResult::Written(o) => {
            report.updated += 1;
            if o.changes.is_empty() {
                report.unchanged += 1;
            } else if options.dry_run && report.changes.len() < MAX_CHANGES_SHOWN {
                report.changes.push(RowChanges {
                    line: row.line,
                    account_id: o.account_id,
                    fields: o.changes,
                });
            }
        }
        RowResult::Refused(e) if options.skip_bad_rows => report.skipped.push(e),
        RowResult::Refused(e) => errors.push(e),
    }
}
