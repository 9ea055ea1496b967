//! A database server's own floor for an import: the rows an import left in
//! the account, card, earlier-address and search-term tables, copied by
//! the server itself (`INSERT … SELECT`, one transaction) into empty tables
//! of the same shape: the same columns, indexes and foreign keys. Nothing
//! crosses the network and nothing is parsed per row, so no caller can
//! write those rows faster on that server.

use crate::store::Store;
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
use std::time::{Duration, Instant};

/// The import's tables, parents first.
const TABLES: [&str; 4] = ["account", "card", "email_history", "search_term"];

/// Copies the import's rows inside the server; returns how long the copy
/// took (the empty tables are made before the clock starts and dropped
/// after it stops).
pub async fn copy_time(store: &Store) -> anyhow::Result<Duration> {
    let db = store.connection();
    let backend = db.get_database_backend();
    for table in TABLES.iter().rev() {
        db.execute_unprepared(&format!("DROP TABLE IF EXISTS floor_{table}"))
            .await?;
    }
    for table in TABLES {
        for sql in empty_copy(backend, table) {
            db.execute_unprepared(&sql).await?;
        }
    }
    let start = Instant::now();
    let tx = db.begin().await?;
    for table in TABLES {
        tx.execute_unprepared(&format!("INSERT INTO floor_{table} SELECT * FROM {table}"))
            .await?;
    }
    tx.commit().await?;
    let took = start.elapsed();
    for table in TABLES.iter().rev() {
        db.execute_unprepared(&format!("DROP TABLE floor_{table}"))
            .await?;
    }
    Ok(took)
}

/// Statements that make an empty `floor_<table>` shaped like `table`, its
/// foreign key to the account pointing at `floor_account`.
fn empty_copy(backend: DbBackend, table: &str) -> Vec<String> {
    let copy = format!("floor_{table}");
    let mut sql = match backend {
        DbBackend::Postgres => vec![format!("CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")],
        _ => vec![format!("CREATE TABLE {copy} LIKE {table}")],
    };
    if table != "account" {
        sql.push(format!(
            "ALTER TABLE {copy} ADD CONSTRAINT fk_{copy} FOREIGN KEY (account_id) \
             REFERENCES floor_account (id) ON DELETE CASCADE"
        ));
    }
    sql
}
