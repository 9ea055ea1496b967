//! A large import builds the search terms' prefix index once at the end
//! instead of inserting into it term by term. Whatever happens to the
//! import, the index is there afterwards with the definition the
//! migrations gave it: after a dry run, after a file refused half-way
//! through the write (rolled back), and after a real import, whose
//! accounts search then finds.

mod common;

use avain::service::import::ImportOptions;
use avain::store::term_index::{self, MIN_ROWS};
use common::*;
use sea_orm::{ConnectionTrait, Statement};

/// The prefix index's definition as the database reports it (None when
/// the index is missing).
async fn prefix_index(h: &Harness) -> Option<String> {
    let tx = h.services.store.begin_read().await.unwrap();
    let definition = prefix_index_seen_by(&tx, h.backend).await;
    tx.rollback().await.unwrap();
    definition
}

/// The prefix index's definition as `tx` sees it.
async fn prefix_index_seen_by(tx: &avain::store::Tx, name: &str) -> Option<String> {
    let backend = tx.get_database_backend();
    let sql = match name {
        "sqlite" => "SELECT sql AS d FROM sqlite_master WHERE name = 'ix_search_term_prefix'",
        "postgres" => {
            "SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'ix_search_term_prefix'"
        }
        _ => {
            "SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index) AS d \
             FROM information_schema.statistics WHERE table_schema = DATABASE() \
             AND index_name = 'ix_search_term_prefix' HAVING COUNT(*) > 0"
        }
    };
    let row = tx
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    row.map(|r| r.try_get::<String>("", "d").unwrap())
}

/// `rows` generated rows; with `conflict_at_end`, the last row carries the
/// first row's card under another name, which the write pass refuses.
fn csv(rows: u64, conflict_at_end: bool) -> String {
    let mut text = String::from("external_id,full_name,email,card_number\n");
    for i in 0..rows {
        text.push_str(&format!(
            "G{i},Ilmari Testinen{i},ilmari{i}@example.fi,29{i:08}\n"
        ));
    }
    if conflict_at_end {
        text.push_str("G-last,Someone Else,else@example.fi,2900000000\n");
    }
    text
}

async fn import(h: &Harness, csv: &str, dry_run: bool) -> Result<u64, String> {
    let options = ImportOptions {
        dry_run,
        ..Default::default()
    };
    import_csv(h, csv, options)
        .await
        .map(|report| report.created)
        .map_err(|errors| format!("{errors:?}"))
}

#[tokio::test]
async fn a_large_import_leaves_the_prefix_index_as_the_migrations_made_it() {
    on_every_backend(async |h: &Harness| {
        let made = prefix_index(h).await;
        assert!(
            made.is_some(),
            "{}: no prefix index after migrating",
            h.backend
        );
        let file = csv(MIN_ROWS, false);

        assert_eq!(import(h, &file, true).await, Ok(MIN_ROWS), "{}", h.backend);
        assert_eq!(
            prefix_index(h).await,
            made,
            "{}: after a dry run",
            h.backend
        );

        let refused = import(h, &csv(MIN_ROWS, true), false).await;
        assert!(refused.is_err(), "{}: {refused:?}", h.backend);
        assert_eq!(
            prefix_index(h).await,
            made,
            "{}: after a refused file",
            h.backend
        );

        assert_eq!(import(h, &file, false).await, Ok(MIN_ROWS), "{}", h.backend);
        assert_eq!(
            prefix_index(h).await,
            made,
            "{}: after the import",
            h.backend
        );
        let found = h
            .services
            .search(&h.desk_library, "testinen4999", 20)
            .await
            .unwrap();
        let names: Vec<&str> = found.iter().map(|a| a.full_name.as_str()).collect();
        assert_eq!(names, ["Ilmari Testinen4999"], "{}", h.backend);
        let pair = h
            .services
            .search(&h.desk_library, "ilmari testinen499", 20)
            .await
            .unwrap();
        assert_eq!(pair.len(), 11, "{}: Testinen499 and 4990-4999", h.backend);
    })
    .await;
}

#[tokio::test]
async fn the_index_is_dropped_only_where_and_when_it_is_safe_and_worth_it() {
    on_every_backend(async |h: &Harness| {
        let made = prefix_index(h).await;
        let defer = async |rows: u64| {
            let tx = h.services.store.begin_write().await.unwrap();
            let index = term_index::defer_for_import(&tx, rows).await.unwrap();
            let inside = prefix_index_seen_by(&tx, h.backend).await;
            assert_eq!(inside.is_none(), index.dropped(), "{}", h.backend);
            // Rolled back, as a failed import is: the index is there again.
            tx.rollback().await.unwrap();
            assert_eq!(prefix_index(h).await, made, "{}", h.backend);
            index.dropped()
        };
        let empty = h.backend != "mysql";
        assert!(!defer(MIN_ROWS - 1).await, "{}: a small import", h.backend);
        assert_eq!(
            defer(MIN_ROWS).await,
            empty,
            "{}: empty database",
            h.backend
        );
        seed(h).await;
        // SQLite's readers keep their snapshot, so a few stored accounts do
        // not stop it; PostgreSQL's readers would wait for the import.
        let sqlite = h.backend == "sqlite";
        assert_eq!(defer(MIN_ROWS).await, sqlite, "{}: seeded", h.backend);
        assert!(!defer(12).await, "{}: seeded, few rows", h.backend);
    })
    .await;
}
