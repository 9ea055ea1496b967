//! A large import builds the search terms' prefix index (and on
//! PostgreSQL the account foreign keys of the rows it writes) once at the
//! end instead of row by row. Whatever happens to the import, the index
//! and keys are there afterwards with the definitions the migrations gave
//! them: after a dry run, after a file refused half-way through the write
//! (rolled back), and after a real import, whose accounts search then
//! finds. A key made again still refuses a row without its account.

mod common;

use avain::service::import::ImportOptions;
use avain::store::bulk_load::{self, MIN_ROWS};
use common::*;
use sea_orm::{ConnectionTrait, Statement};

/// The prefix index's definition and the account foreign keys of the
/// tables an import writes, as the database reports them (None when the
/// index or every key is missing).
async fn prefix_index(h: &Harness) -> (Option<String>, Option<String>) {
    let tx = h.services.store.begin_read().await.unwrap();
    let index = prefix_index_seen_by(&tx, h.backend).await;
    let keys = foreign_keys_seen_by(&tx, h.backend).await;
    tx.rollback().await.unwrap();
    (index, keys)
}

/// The account foreign keys of card, email_history and search_term as
/// `tx` sees them: name, table, target and delete rule.
async fn foreign_keys_seen_by(tx: &avain::store::Tx, name: &str) -> Option<String> {
    let sql = match name {
        "sqlite" => {
            "SELECT group_concat(sql, '; ') AS d FROM (SELECT sql FROM sqlite_master \
             WHERE type = 'table' AND name IN ('card', 'email_history', 'search_term') \
             ORDER BY name)"
        }
        "postgres" => {
            "SELECT string_agg(conname || ' ' || conrelid::regclass::text || ' ' || \
             pg_get_constraintdef(oid), '; ' ORDER BY conname) AS d FROM pg_constraint \
             WHERE contype = 'f' AND conrelid::regclass::text IN \
             ('card', 'email_history', 'search_term')"
        }
        _ => {
            "SELECT GROUP_CONCAT(CONCAT_WS(' ', constraint_name, table_name, \
             referenced_table_name, delete_rule) ORDER BY constraint_name SEPARATOR '; ') AS d \
             FROM information_schema.referential_constraints \
             WHERE constraint_schema = DATABASE() \
             AND table_name IN ('card', 'email_history', 'search_term') HAVING COUNT(*) > 0"
        }
    };
    query_text(tx, sql).await
}

/// The one text column `d` of `sql`'s row, if it returns one.
async fn query_text(tx: &avain::store::Tx, sql: &str) -> Option<String> {
    let backend = tx.get_database_backend();
    let row = tx
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    row.and_then(|r| r.try_get::<Option<String>>("", "d").unwrap())
}

/// The prefix index's definition as `tx` sees it.
async fn prefix_index_seen_by(tx: &avain::store::Tx, name: &str) -> Option<String> {
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
    query_text(tx, sql).await
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
            made.0.is_some(),
            "{}: no prefix index after migrating",
            h.backend
        );
        // Three keys to the account, deleted with it (SQLite keeps no
        // names for them).
        let keys = made.1.clone().unwrap_or_default();
        let cascades = keys.matches("CASCADE").count();
        assert_eq!(cascades, 3, "{}: {keys}", h.backend);
        if h.backend != "sqlite" {
            for table in ["card", "email_history", "search_term"] {
                let name = format!("fk_{table}_account_id");
                assert!(keys.contains(&name), "{}: {name} not in {keys}", h.backend);
            }
        }
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
            let deferred = bulk_load::defer_for_import(&tx, rows).await.unwrap();
            let inside = prefix_index_seen_by(&tx, h.backend).await;
            assert_eq!(inside.is_none(), deferred.prefix_index(), "{}", h.backend);
            let keys = foreign_keys_seen_by(&tx, h.backend).await;
            assert_eq!(keys.is_none(), deferred.foreign_keys(), "{}", h.backend);
            // Only PostgreSQL drops the keys, and only with the index.
            let postgres = h.backend == "postgres";
            assert_eq!(
                deferred.foreign_keys(),
                postgres && deferred.prefix_index(),
                "{}",
                h.backend
            );
            // Rolled back, as a failed import is: index and keys are back.
            tx.rollback().await.unwrap();
            assert_eq!(prefix_index(h).await, made, "{}", h.backend);
            deferred.prefix_index()
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

#[tokio::test]
async fn a_term_without_its_account_is_refused_whether_or_not_the_keys_were_deferred() {
    on_every_backend(async |h: &Harness| {
        let tx = h.services.store.begin_write().await.unwrap();
        let deferred = bulk_load::defer_for_import(&tx, MIN_ROWS).await.unwrap();
        let backend = tx.get_database_backend();
        let orphan = Statement::from_string(
            backend,
            "INSERT INTO search_term (account_id, org, term, kind) \
             VALUES (987654321, 'kirjasto', 'orphan', 'name')",
        );
        let inserted = tx.execute_raw(orphan).await;
        if deferred.foreign_keys() {
            assert!(inserted.is_ok(), "{}: {inserted:?}", h.backend);
            let built = bulk_load::build_after_import(&tx, deferred).await;
            let error = built.expect_err("the key made again accepted an orphan term");
            assert!(
                error.to_string().contains("fk_search_term_account_id"),
                "{}: {error}",
                h.backend
            );
        } else {
            assert!(inserted.is_err(), "{}: orphan term stored", h.backend);
        }
        tx.rollback().await.unwrap();
        let (index, keys) = prefix_index(h).await;
        assert!(index.is_some() && keys.is_some(), "{}", h.backend);
    })
    .await;
}

#[tokio::test]
async fn a_foreign_key_renamed_by_hand_is_left_alone() {
    on_every_backend(async |h: &Harness| {
        if h.backend != "postgres" {
            // Only PostgreSQL ever drops the keys (see the test above).
            return;
        }
        h.services
            .store
            .execute_unprepared(
                "ALTER TABLE card RENAME CONSTRAINT fk_card_account_id TO card_owner_fk",
            )
            .await
            .unwrap();
        let tx = h.services.store.begin_write().await.unwrap();
        let deferred = bulk_load::defer_for_import(&tx, MIN_ROWS).await.unwrap();
        assert!(deferred.prefix_index() && !deferred.foreign_keys());
        let keys = foreign_keys_seen_by(&tx, h.backend).await.unwrap();
        assert_eq!(keys.matches("CASCADE").count(), 3, "{keys}");
        tx.rollback().await.unwrap();

        assert_eq!(import(h, &csv(MIN_ROWS, false), false).await, Ok(MIN_ROWS));
        let (index, keys) = prefix_index(h).await;
        assert!(index.is_some());
        assert!(keys.unwrap().contains("card_owner_fk"));
    })
    .await;
}
