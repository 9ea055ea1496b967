//! Renaming and retiring an organisation in the database itself, on every
//! backend: every table's rows move, staff lists follow, retirement
//! revokes only live links and is recorded once.

mod common;

use avain::domain::link::LinkPurpose;
use avain::store::org_rows;
use common::*;
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn rename_moves_every_row_and_retire_revokes_live_links() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let b = h.backend;
        let kaisa = id_of(h, "T1").await;
        h.services
            .send_link(&h.desk_town, kaisa, Some(LinkPurpose::FirstLogin))
            .await
            .unwrap();
        let store = &h.services.store;
        let now = h.services.now();

        let tx = store.begin_write().await.unwrap();
        let before = org_rows::account_counts(&tx).await.unwrap();
        assert_eq!(before.get("kaupunki"), Some(&2), "{b}");
        let moved = org_rows::rename(&tx, "kaupunki", "town").await.unwrap();
        assert_eq!(moved, 2, "{b}");
        let after = org_rows::account_counts(&tx).await.unwrap();
        assert_eq!(
            (after.get("kaupunki"), after.get("town")),
            (None, Some(&2)),
            "{b}"
        );
        assert_eq!(after.get("kirjasto"), before.get("kirjasto"));
        let live = org_rows::live_link_counts(&tx, now).await.unwrap();
        assert_eq!(
            live.get("town"),
            Some(&1),
            "{b}: the link moved with its account"
        );
        // Every table that names an organisation holds no "kaupunki" now.
        for table in [
            "account",
            "selfservice_attempt",
            "card",
            "directory_push",
            "directory_sync",
            "email_history",
            "note",
            "outbox",
            "reset_token",
            "search_term",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE org = 'kaupunki'");
            let row = tx
                .query_one_raw(sea_orm::Statement::from_string(
                    tx.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0, "{b}: {table}");
        }

        let done = org_rows::retire(&tx, "town", now, Some(h.admin.id))
            .await
            .unwrap();
        assert_eq!(done.links_revoked, 1, "{b}");
        assert!(done.staff_changed >= 1, "{b}: the town's desk loses it");
        assert_eq!(
            org_rows::live_link_counts(&tx, now)
                .await
                .unwrap()
                .get("town"),
            None
        );
        assert!(
            org_rows::retired(&tx).await.unwrap().contains_key("town"),
            "{b}"
        );
        assert!(
            org_rows::retire(&tx, "town", now, None).await.is_err(),
            "{b}: retired once"
        );
        tx.rollback().await.unwrap();
    })
    .await;
}
