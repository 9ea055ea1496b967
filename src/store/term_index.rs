//! The search terms' prefix index during a large import. Inserting
//! millions of terms one at a time into a B-tree ordered by term touches a
//! random page for each; building the index once from the finished table
//! sorts instead (3M terms into SQLite here: 25.8 s through the index, 11.1 s
//! with the index built after). The index is dropped and built again inside
//! the import's own transaction, so an import that fails, is rolled back or
//! is cut off by a crash leaves the index exactly as it was.
//!
//! Only where that is safe for the desks searching meanwhile: SQLite's
//! readers keep their snapshot (with its index) until the import commits;
//! PostgreSQL's DROP INDEX locks the table against every reader until
//! commit, so there only while no account is stored at all (a first
//! import). MariaDB commits at any DDL, which would break all-or-nothing:
//! never there.

use super::Tx;
use sea_orm::sea_query::{Alias, Index, IndexCreateStatement, IndexDropStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// The index's name (migration m0008 made it).
const PREFIX_INDEX: &str = "ix_search_term_prefix";
/// Its columns, as m0008 made it: a prefix range of terms, filtered by
/// organisation, answered from the index alone.
const PREFIX_COLUMNS: [&str; 4] = ["term", "org", "account_id", "kind"];

/// Rows below which an import keeps the index as it is: a small import's
/// terms fit the page cache anyway. (The rebuild reads the whole table;
/// the rule that the import brings at least twice the stored accounts
/// keeps that within a few times the import's own terms.)
pub const MIN_ROWS: u64 = 5_000;

/// Whether the import dropped the index (and must build it before commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixIndex {
    dropped: bool,
}

impl PrefixIndex {
    pub fn dropped(self) -> bool {
        self.dropped
    }
}

/// Drops the prefix index inside `tx` when an import of `rows` rows is
/// worth building it afresh: the rows at least double the accounts already
/// stored (SQLite), or nothing is stored yet (PostgreSQL).
pub async fn defer_for_import(tx: &Tx, rows: u64) -> Result<PrefixIndex, DbErr> {
    let backend = tx.get_database_backend();
    let most_stored = match backend {
        _ if rows < MIN_ROWS => return Ok(PrefixIndex { dropped: false }),
        DbBackend::Sqlite => rows / 2,
        DbBackend::Postgres => 0,
        _ => return Ok(PrefixIndex { dropped: false }),
    };
    if stored_accounts_over(tx, most_stored).await? {
        return Ok(PrefixIndex { dropped: false });
    }
    tx.execute(&drop_statement()).await?;
    Ok(PrefixIndex { dropped: true })
}

/// Builds the index again if `defer_for_import` dropped it. PostgreSQL
/// gets more sort memory for this one statement (its default 64 MiB spills
/// a million accounts' terms to disk several times over).
pub async fn build_after_import(tx: &Tx, index: PrefixIndex) -> Result<(), DbErr> {
    if !index.dropped {
        return Ok(());
    }
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
            .await?;
    }
    tx.execute(&create_statement()).await.map(|_| ())
}

/// Whether more than `most` accounts are stored (a count that stops there).
async fn stored_accounts_over(tx: &Tx, most: u64) -> Result<bool, DbErr> {
    let backend = tx.get_database_backend();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM account LIMIT {}) AS stored",
        most + 1
    );
    let row = tx
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::Custom("count of stored accounts returned no row".into()))?;
    let n: i64 = row.try_get("", "n")?;
    Ok(n as u64 > most)
}

fn drop_statement() -> IndexDropStatement {
    Index::drop()
        .name(PREFIX_INDEX)
        .table(Alias::new("search_term"))
        .to_owned()
}

fn create_statement() -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(PREFIX_INDEX).table(Alias::new("search_term"));
    for column in PREFIX_COLUMNS {
        index.col(Alias::new(column));
    }
    index.to_owned()
}
