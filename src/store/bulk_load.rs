//! What a large import builds once at the end instead of row by row.
//!
//! - **The search terms' prefix index.** Inserting millions of terms one
//!   at a time into a B-tree ordered by term touches a random page for
//!   each; building the index once from the finished table sorts instead
//!   (3M terms into SQLite here: 25.8 s through the index, 11.1 s with the
//!   index built after).
//! - **PostgreSQL's foreign keys** from the cards, earlier addresses and
//!   search terms to their account. PostgreSQL checks each inserted row's
//!   key with a trigger and a probe of the account table; adding the
//!   constraint afterwards checks every row in one join (3M terms in psql
//!   here: 22.0 s with the key in place, 9.7 s + 0.7 s without it and then
//!   adding it). Added back, the constraint checks every row as it always
//!   did: a row without its account fails the import.
//!
//! Both are dropped and made again inside the import's own transaction, so
//! an import that fails, is rolled back or is cut off by a crash leaves
//! the schema exactly as it was. Only where that is safe for the desks
//! meanwhile: SQLite's readers keep their snapshot (with its index) until
//! the import commits; PostgreSQL's DROP locks the tables against every
//! reader until commit, so there only while no account is stored at all
//! (a first import). MariaDB commits at any DDL, which would break
//! all-or-nothing: never there.

use super::Tx;
use sea_orm::sea_query::{
    Alias, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, ForeignKeyDropStatement, Index,
    IndexCreateStatement, IndexDropStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// The index's name (migration m0008 made it).
const PREFIX_INDEX: &str = "ix_search_term_prefix";
/// Its columns, as m0008 made it: a prefix range of terms, filtered by
/// organisation, answered from the index alone.
const PREFIX_COLUMNS: [&str; 4] = ["term", "org", "account_id", "kind"];

/// The tables an import writes whose `account_id` refers to the account,
/// each with the key migration m0001 gave it (`fk_{table}_account_id`,
/// deleted with the account).
const ACCOUNT_CHILDREN: [&str; 3] = ["card", "email_history", "search_term"];

/// Rows below which an import keeps the schema as it is: a small import's
/// terms fit the page cache anyway. (The rebuild reads the whole table;
/// the rule that the import brings at least twice the stored accounts
/// keeps that within a few times the import's own terms.)
pub const MIN_ROWS: u64 = 5_000;

/// What the import dropped (and must make again before commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deferred {
    prefix_index: bool,
    foreign_keys: bool,
}

impl Deferred {
    /// Whether the prefix index was dropped.
    pub fn prefix_index(self) -> bool {
        self.prefix_index
    }

    /// Whether the account foreign keys of the import's tables were dropped.
    pub fn foreign_keys(self) -> bool {
        self.foreign_keys
    }
}

/// Drops inside `tx` what an import of `rows` rows is worth building
/// afresh: the prefix index when the rows at least double the accounts
/// already stored (SQLite), and the index and foreign keys when nothing
/// is stored yet (PostgreSQL).
pub async fn defer_for_import(tx: &Tx, rows: u64) -> Result<Deferred, DbErr> {
    let backend = tx.get_database_backend();
    let most_stored = match backend {
        _ if rows < MIN_ROWS => return Ok(Deferred::default()),
        DbBackend::Sqlite => rows / 2,
        DbBackend::Postgres => 0,
        _ => return Ok(Deferred::default()),
    };
    if stored_accounts_over(tx, most_stored).await? {
        return Ok(Deferred::default());
    }
    tx.execute(&drop_index()).await?;
    let foreign_keys = backend == DbBackend::Postgres && foreign_keys_as_migrated(tx).await?;
    if foreign_keys {
        for table in ACCOUNT_CHILDREN {
            tx.execute(&drop_foreign_key(table)).await?;
        }
    }
    Ok(Deferred {
        prefix_index: true,
        foreign_keys,
    })
}

/// Makes again what `defer_for_import` dropped. PostgreSQL gets more sort
/// memory for these statements (its default 64 MiB spills a million
/// accounts' terms to disk several times over).
pub async fn build_after_import(tx: &Tx, deferred: Deferred) -> Result<(), DbErr> {
    if deferred == Deferred::default() {
        return Ok(());
    }
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
            .await?;
    }
    if deferred.prefix_index {
        tx.execute(&create_index()).await?;
    }
    if deferred.foreign_keys {
        for table in ACCOUNT_CHILDREN {
            tx.execute(&create_foreign_key(table)).await?;
        }
    }
    Ok(())
}

/// Whether more than `most` accounts are stored (a count that stops there).
async fn stored_accounts_over(tx: &Tx, most: u64) -> Result<bool, DbErr> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM account LIMIT {}) AS stored",
        most + 1
    );
    Ok(count(tx, sql).await? as u64 > most)
}

/// Whether each table in `ACCOUNT_CHILDREN` has its account key under the
/// name the migrations gave it (PostgreSQL). A key renamed or replaced by
/// hand is left alone, checked row by row as before.
async fn foreign_keys_as_migrated(tx: &Tx) -> Result<bool, DbErr> {
    let names: Vec<String> = ACCOUNT_CHILDREN
        .iter()
        .map(|t| format!("'{}'", foreign_key_name(t)))
        .collect();
    let tables: Vec<String> = ACCOUNT_CHILDREN
        .iter()
        .map(|t| format!("'{t}'::regclass"))
        .collect();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM pg_constraint WHERE contype = 'f' \
         AND confrelid = 'account'::regclass AND conrelid IN ({}) AND conname IN ({})",
        tables.join(", "),
        names.join(", ")
    );
    Ok(count(tx, sql).await? as usize == ACCOUNT_CHILDREN.len())
}

/// The `n` of a `SELECT COUNT(*) AS n …`.
async fn count(tx: &Tx, sql: String) -> Result<i64, DbErr> {
    let row = tx
        .query_one_raw(Statement::from_string(tx.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom("a count returned no row".into()))?;
    row.try_get("", "n")
}

fn drop_index() -> IndexDropStatement {
    Index::drop()
        .name(PREFIX_INDEX)
        .table(Alias::new("search_term"))
        .to_owned()
}

fn create_index() -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(PREFIX_INDEX).table(Alias::new("search_term"));
    for column in PREFIX_COLUMNS {
        index.col(Alias::new(column));
    }
    index.to_owned()
}

fn foreign_key_name(table: &str) -> String {
    format!("fk_{table}_account_id")
}

fn drop_foreign_key(table: &str) -> ForeignKeyDropStatement {
    ForeignKey::drop()
        .name(foreign_key_name(table))
        .table(Alias::new(table))
        .to_owned()
}

fn create_foreign_key(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(foreign_key_name(table))
        .from(Alias::new(table), Alias::new("account_id"))
        .to(Alias::new("account"), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}
