//! Upgrading a database written by an older avain: rows made under the
//! first schema (m0001) read correctly after the directory migration
//! (m0002); an audit chain written before the head was keyed (m0003) still
//! verifies, and its head is keyed by the next audited action; stored
//! names get their pair search terms (m0009); on every configured database.

mod common;

use avain::domain::AccountStatus;
use avain::store::{Store, Tx, accounts, tokens};

async fn read<T>(store: &Store, f: impl AsyncFnOnce(&Tx) -> T) -> T {
    let tx = store.begin_read().await.unwrap();
    let v = f(&tx).await;
    tx.commit().await.unwrap();
    v
}

#[tokio::test]
async fn rows_written_by_the_first_schema_survive_the_directory_migration() {
    for (backend, server) in common::backends() {
        let (url, _guard) = match &server {
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = avain::config::sqlite_url(&dir.path().join("old.db"));
                (url, common::DbGuard::File(dir))
            }
            Some(admin) => common::fresh_server_database(admin).await,
        };
        let store = Store::connect(&url).await.unwrap();
        store.migrate_steps(1).await.unwrap();
        // Every later migration is still to run.
        assert_eq!(
            store.pending_migrations().await.unwrap().len(),
            9,
            "{backend}"
        );
        // What avain before the directory connectors wrote.
        store
            .execute_unprepared(
                "INSERT INTO account (id, org, login, external_id, full_name, email, email_key, phone, status, \
                 credential_hash, credential_key_id, credential_set_at, legacy_credential, must_set_credential, \
                 failed_attempts, locked_at, lock_reason, created_at, updated_at) VALUES \
                 (7, 'kirjasto', 'p7', 'X7', 'Old Patron', 'old@example.org', 'old@example.org', NULL, 'active', \
                 NULL, NULL, NULL, false, false, 2, NULL, NULL, 1000, 1000)",
            )
            .await
            .unwrap();
        store
            .execute_unprepared(
                "INSERT INTO reset_token (id, account_id, org, purpose, origin, token_hash, sent_to, created_at, \
                 expires_at, used_at, revoked_at, revoke_reason, created_by_staff) VALUES \
                 (3, 7, 'kirjasto', 'reset', 'staff', 'abc', 'old@example.org', 1000, 999999999999999, NULL, NULL, NULL, NULL)",
            )
            .await
            .unwrap();
        // Two self-service attempts, before attempts had a reason.
        for (id, outcome, verdict) in [
            (
                1,
                "refused",
                r#"{"accepted":false,"card":{"reasons":[{"code":"exact"}]},"email":{"reasons":[{"code":"case_differs"}]}}"#,
            ),
            (
                2,
                "link_sent",
                r#"{"accepted":true,"card":{"reasons":[{"code":"exact"}]},"email":{"reasons":[{"code":"exact"}]}}"#,
            ),
        ] {
            store
                .execute_unprepared(&format!(
                    "INSERT INTO selfservice_attempt (id, org, account_id, card_typed, email_typed, accepted, \
                     verdict, outcome, client, created_at) VALUES ({id}, 'kirjasto', 7, NULL, NULL, false, \
                     '{verdict}', '{outcome}', NULL, 1000)"
                ))
                .await
                .unwrap();
        }
        store.migrate().await.unwrap();
        assert!(store.pending_migrations().await.unwrap().is_empty());
        // The name-pair migration gave the stored account its pair terms.
        let pairs = read(&store, async |tx| {
            use avain::store::entities::search_term;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
            search_term::Entity::find()
                .filter(search_term::Column::AccountId.eq(7))
                .filter(search_term::Column::Term.starts_with(" "))
                .order_by_asc(search_term::Column::Term)
                .all(tx)
                .await
                .unwrap()
        })
        .await;
        let pairs: Vec<&str> = pairs.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(pairs, [" old patron", " patron old"], "{backend}");
        // The statistics migration gave them their reasons.
        let attempts = read(&store, async |tx| {
            avain::store::attempts::for_account(tx, 7, 10)
                .await
                .unwrap()
        })
        .await;
        let mut reasons: Vec<(i64, Option<String>)> =
            attempts.into_iter().map(|a| (a.id, a.reason)).collect();
        reasons.sort();
        assert_eq!(
            reasons,
            [
                (1, Some("email_case_differs".to_string())),
                (2, Some("accepted".to_string()))
            ],
            "{backend}"
        );
        let account = read(&store, async |tx| {
            accounts::get(tx, 7).await.unwrap().unwrap()
        })
        .await;
        assert_eq!(account.status, AccountStatus::Active, "{backend}");
        assert_eq!(account.failed_attempts, 2);
        assert_eq!(account.directory_synced_at, None);
        assert!(!account.directory_locked);
        let link = read(&store, async |tx| {
            tokens::get(tx, 3).await.unwrap().unwrap()
        })
        .await;
        assert_eq!(link.claimed_until, None, "{backend}");
        assert_eq!(link.purpose, avain::domain::link::LinkPurpose::Reset);
        // The new columns work: a claim can be taken once.
        let tx = store.begin_write().await.unwrap();
        assert!(tokens::claim(&tx, 3, 2000, 9000).await.unwrap());
        assert!(!tokens::claim(&tx, 3, 2000, 9000).await.unwrap());
        tx.commit().await.unwrap();
        store.close().await.unwrap();
    }
}

#[tokio::test]
async fn an_audit_chain_from_before_keyed_heads_is_keyed_by_the_next_action() {
    use avain::store::audit_log;
    let key = [9u8; 32];
    for (backend, server) in common::backends() {
        let (url, _guard) = match &server {
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = avain::config::sqlite_url(&dir.path().join("old.db"));
                (url, common::DbGuard::File(dir))
            }
            Some(admin) => common::fresh_server_database(admin).await,
        };
        let store = Store::connect(&url).await.unwrap();
        store.migrate_steps(2).await.unwrap();
        // One audit row and its head, as avain before m0003 wrote them.
        let entry = audit_log::Entry {
            at: 1000,
            actor: "staff:admin".into(),
            staff_id: Some(1),
            action: "staff.add".into(),
            org: None,
            account_id: None,
            detail: "{}".into(),
        };
        let mac = audit_log::mac(&key, 1, &entry, "");
        store
            .execute_unprepared(&format!(
                "INSERT INTO audit (seq, at, actor, staff_id, action, org, account_id, detail, prev_mac, mac) \
                 VALUES (1, 1000, 'staff:admin', 1, 'staff.add', NULL, NULL, '{{}}', '', '{mac}')"
            ))
            .await
            .unwrap();
        store
            .execute_unprepared(&format!(
                "UPDATE audit_head SET seq = 1, mac = '{mac}' WHERE id = 1"
            ))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let (checked, problems) = read(&store, async |tx| {
            audit_log::verify(tx, &key).await.unwrap()
        })
        .await;
        assert_eq!(checked, 1, "{backend}");
        assert_eq!(problems.len(), 1, "{backend}: {problems:?}");
        assert!(problems[0].what.contains("not keyed yet"), "{problems:?}");
        let tx = store.begin_write().await.unwrap();
        audit_log::append(&tx, &key, audit_log::Entry { at: 2000, ..entry })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (checked, problems) = read(&store, async |tx| {
            audit_log::verify(tx, &key).await.unwrap()
        })
        .await;
        assert_eq!((checked, problems.len()), (2, 0), "{backend}: {problems:?}");
        // The shared rate limits' table works.
        let tx = store.begin_write().await.unwrap();
        use avain::store::rate_limits;
        rate_limits::record(&tx, "b", "p1", 10).await.unwrap();
        rate_limits::record(&tx, "b", "p1", 20).await.unwrap();
        rate_limits::record(&tx, "b", "p2", 30).await.unwrap();
        let count = async |except| {
            rate_limits::count_since(&tx, "b", 15, except)
                .await
                .unwrap()
        };
        assert_eq!(count(None).await, 2, "{backend}");
        assert_eq!(count(Some("p2")).await, 1, "{backend}");
        assert_eq!(rate_limits::forget_before(&tx, 15).await.unwrap(), 1);
        tx.commit().await.unwrap();
        store.close().await.unwrap();
    }
}
