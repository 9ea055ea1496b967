//! The store: the only code that knows SeaORM or SQL. Opens SQLite,
//! PostgreSQL or MariaDB by URL, migrates on open, and hands out read and
//! write transactions; query modules hold one function per question.

mod account_flags;
pub mod accounts;
pub mod attempts;
pub mod audit_log;
pub mod bulk;
pub mod bulk_load;
mod cards;
mod codes;
pub mod consistency;
pub mod entities;
pub mod import_rows;
mod insert_rows;
mod migration;
pub mod mirror;
pub mod notes;
pub mod org_rows;
pub mod outbox_rows;
pub mod rate_limits;
pub mod search;
pub mod ssh_rows;
pub mod staff_rows;
pub mod stats_rows;
pub mod tokens;

use rand::RngExt;
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

pub use sea_orm::DbErr as StoreError;

/// An open transaction; services pass it to query functions and commit it.
pub type Tx = DatabaseTransaction;

/// The reading pool, for a read that is one statement (its own snapshot).
pub type Pool = DatabaseConnection;

/// Which database is behind the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// A connection pool plus what we know about it. SQLite gets a second,
/// one-connection pool for writing: SQLite takes one writer at a time, so
/// writers wait their turn in that pool instead of holding reading
/// connections while they wait for the lock (readers never queue behind
/// writers).
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    writer: Option<DatabaseConnection>,
    backend: Backend,
}

/// How long a writer waits for SQLite's lock before `BEGIN` reports busy.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Most memory one SQLite connection's page cache takes (negative: KiB).
const SQLITE_CACHE_KIB: &str = "-16384";
/// Bytes SQLite's caches take together in one process, beyond which
/// least-recently used pages are reused: a desk's console stays small,
/// and a search's pages come from the operating system's cache at once.
const SQLITE_HEAP_LIMIT: &str = "4194304";
/// Extra attempts to begin a write transaction when the database says busy.
const BEGIN_RETRIES: u32 = 8;

impl Store {
    /// Connects and runs pending migrations.
    pub async fn open(url: &str) -> Result<Store, DbErr> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating (for `avain migrate` to report first).
    pub async fn connect(url: &str) -> Result<Store, DbErr> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
            Backend::MySql
        } else {
            return Err(DbErr::Custom(format!(
                "unsupported database URL (expected sqlite:, postgres: or mysql:): {}",
                crate::domain::mask::redact_url_password(url)
            )));
        };
        let url = url.replacen("mariadb:", "mysql:", 1);
        let options = |max: u32| {
            let mut options = ConnectOptions::new(url.clone());
            options
                .sqlx_logging(false)
                .connect_timeout(Duration::from_secs(10))
                .max_connections(max)
                .min_connections(1);
            if backend == Backend::Sqlite {
                // A local file does not drop connections: no ping before
                // every statement (a round trip to the connection's
                // thread, as long as the search itself at the desk).
                options.test_before_acquire(false);
                options.map_sqlx_sqlite_opts(move |o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                        .foreign_keys(true)
                        .busy_timeout(SQLITE_BUSY_TIMEOUT)
                        // Pages are read through the operating system's
                        // cache, not mapped: a mapped page counts in the
                        // process's memory, and the kernel maps 16 pages
                        // around each one a search touches. SQLite's own
                        // caches together stay under one process-wide
                        // limit (they share one pool in this build).
                        .pragma("mmap_size", "0")
                        .pragma("cache_size", SQLITE_CACHE_KIB)
                        .pragma("soft_heap_limit", SQLITE_HEAP_LIMIT)
                });
            }
            options
        };
        let db = Database::connect(options(8)).await?;
        let writer = if backend == Backend::Sqlite {
            Some(Database::connect(options(1)).await?)
        } else {
            None
        };
        Ok(Store {
            db,
            writer,
            backend,
        })
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        migration::Migrator::up(&self.db, None).await
    }

    /// Applies only the next `steps` migrations (tests that write data as
    /// an older version would, then upgrade).
    pub async fn migrate_steps(&self, steps: u32) -> Result<(), DbErr> {
        migration::Migrator::up(&self.db, Some(steps)).await
    }

    /// Runs one raw SQL statement (tests only write old-schema rows this
    /// way; avain's own code goes through the query modules).
    #[doc(hidden)]
    pub async fn execute_unprepared(&self, sql: &str) -> Result<(), DbErr> {
        use sea_orm::ConnectionTrait;
        self.db.execute_unprepared(sql).await.map(|_| ())
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(migration::Migrator::get_pending_migrations(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_string())
            .collect())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn connection(&self) -> &Pool {
        &self.db
    }

    /// A transaction for reading a consistent picture.
    pub async fn begin_read(&self) -> Result<Tx, DbErr> {
        let options = TransactionOptions {
            access_mode: (self.backend != Backend::Sqlite).then_some(AccessMode::ReadOnly),
            ..Default::default()
        };
        self.db.begin_with_options(options).await
    }

    /// A transaction for writing: `BEGIN IMMEDIATE` on SQLite so two
    /// writers queue at the start instead of failing at commit. A busy
    /// database is retried a few times with jitter before giving up.
    pub async fn begin_write(&self) -> Result<Tx, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let pool = self.writer.as_ref().unwrap_or(&self.db);
        let mut attempt = 0;
        loop {
            match pool.begin_with_options(options).await {
                Err(e) if is_busy(&e) && attempt < BEGIN_RETRIES => {
                    attempt += 1;
                    let jitter = rand::rng().random_range(10..50u64 * u64::from(attempt));
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                other => return other,
            }
        }
    }

    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(writer) = self.writer {
            writer.close().await?;
        }
        self.db.close().await
    }
}

/// `n` placeholders for an `IN (…)` list of `statement`'s SQL.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// `sql` with `?` placeholders, as `backend` writes them (PostgreSQL
/// numbers them).
pub(crate) fn statement(
    backend: sea_orm::DbBackend,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = if backend == sea_orm::DbBackend::Postgres {
        numbered(sql)
    } else {
        sql.to_string()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// `sql` with its `?` placeholders numbered as PostgreSQL writes them
/// (`$1`, `$2`, …).
pub(crate) fn numbered(sql: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(sql.len() + sql.len() / 2);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            let _ = write!(out, "${n}");
        } else {
            out.push(c);
        }
    }
    out
}

/// SQLite's "database is locked" / "busy", or a serialisation failure.
pub fn is_busy(e: &DbErr) -> bool {
    let text = e.to_string();
    text.contains("database is locked") || text.contains("SQLITE_BUSY") || text.contains("busy")
}
