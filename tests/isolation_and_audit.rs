//! Desk staff of one organisation can neither read nor change another's
//! accounts through any service; the audit chain catches tampering.

mod common;

use avain::domain::link::LinkPurpose;
use avain::service::{IdentityCheck, NewCredential, RevealField, ServiceError};
use common::*;
use sea_orm::ConnectionTrait;
use zeroize::Zeroizing;

fn hidden<T: std::fmt::Debug>(what: &str, r: Result<T, ServiceError>) {
    match r {
        // Another organisation's slug is answered as unknown, naming only
        // the caller's own.
        Err(ServiceError::NotFound(_) | ServiceError::UnknownOrg { .. }) => {}
        other => panic!("{what}: expected 'not found', got {other:?}"),
    }
}

#[tokio::test]
async fn desk_staff_cannot_reach_another_organisation() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let lib = &h.desk_library;
        let town_account = id_of(h, "T1").await;
        let town_link = s
            .send_link(&h.desk_town, town_account, Some(LinkPurpose::FirstLogin))
            .await
            .unwrap();

        hidden("detail", s.account_detail(lib, town_account).await);
        hidden(
            "reveal",
            s.reveal(lib, town_account, RevealField::Email).await,
        );
        hidden("links", s.links(lib, town_account).await);
        hidden(
            "send",
            s.send_link(lib, town_account, Some(LinkPurpose::Reset))
                .await,
        );
        hidden("revoke", s.revoke_link(lib, town_link.token_id).await);
        hidden(
            "outbox",
            s.outbox_message(lib, town_link.outbox_id, true).await,
        );
        hidden(
            "set pin",
            s.set_credential(lib, town_account, NewCredential::Generate)
                .await
                .map(|_| ()),
        );
        hidden(
            "email",
            s.change_email(
                lib,
                town_account,
                "x@example.fi",
                IdentityCheck::InPerson,
                None,
            )
            .await,
        );
        hidden("unlock", s.unlock(lib, town_account, "why").await);
        hidden("note", s.add_note(lib, town_account, "hello").await);
        hidden(
            "test pin",
            s.test_credential(lib, town_account, Zeroizing::new("1234567890".into()))
                .await,
        );
        hidden(
            "verify",
            s.verify(lib, "kaupunki", None, "kaisa.lindholm@example.fi")
                .await,
        );
        hidden("resolve", s.resolve_account(lib, "T1").await.map(|a| a.id));
        hidden(
            "resolve by id",
            s.resolve_account(lib, &format!("#{town_account}"))
                .await
                .map(|a| a.id),
        );
        // The answer names only the organisations the desk may use, the
        // same for another's slug and for a typo.
        for slug in ["kaupunki", "library"] {
            match s.verify(lib, slug, None, "x@example.fi").await {
                Err(e @ ServiceError::UnknownOrg { .. }) => assert_eq!(
                    e.to_string(),
                    format!("organisation {slug:?} not found (organisations: kirjasto)")
                ),
                other => panic!("{slug}: {other:?}"),
            }
        }
        // An admin's typo lists every organisation.
        match s.invite_stats(&h.admin, "library").await {
            Err(e @ ServiceError::UnknownOrg { .. }) => {
                let m = e.to_string();
                assert!(m.ends_with("(organisations: kirjasto, kaupunki)"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        assert!(s.search(lib, "kaisa", 10).await.unwrap().is_empty());
        assert!(s.search(lib, "lindholm", 10).await.unwrap().is_empty());
        let rows = s.audit_list(lib, None, 500).await.unwrap();
        assert!(
            rows.iter().all(|r| r.org.as_deref() == Some("kirjasto")),
            "{}: desk sees only its org's audit",
            h.backend
        );
        // Admin-only services refuse desk staff outright.
        assert!(matches!(
            s.audit_verify(lib).await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.list_staff(lib).await,
            Err(ServiceError::Forbidden(_))
        ));
        let quiet = |_: u64, _: u64| {};
        assert!(matches!(
            s.import_accounts(lib, "kirjasto", TOWN_CSV.as_bytes(), true, &quiet)
                .await,
            Err(ServiceError::Forbidden(_))
        ));
        // The town's own desk and the admin do see it.
        assert!(s.account_detail(&h.desk_town, town_account).await.is_ok());
        assert!(s.account_detail(&h.admin, town_account).await.is_ok());
        assert_eq!(s.search(&h.desk_town, "kaisa", 10).await.unwrap().len(), 1);
    })
    .await;
}

async fn exec_commit(h: &Harness, sql: &str) {
    let tx = h.services.store.begin_write().await.unwrap();
    tx.execute_unprepared(sql).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_audit_chain_reports_altered_inserted_and_deleted_rows() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let aino = id_of(h, "2900100001").await;
        s.add_note(&h.desk_library, aino, "called about PIN")
            .await
            .unwrap();
        s.send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
        let clean = s.audit_verify(&h.admin).await.unwrap();
        assert!(clean.ok(), "{}: {:?}", h.backend, clean.problems);
        assert!(clean.rows_checked >= 5);

        // Altered: someone rewrites who did it.
        exec_commit(h, "UPDATE audit SET actor = 'staff:nobody' WHERE seq = 3").await;
        let v = s.audit_verify(&h.admin).await.unwrap();
        assert_eq!(v.problems.len(), 1, "{}: {:?}", h.backend, v.problems);
        assert_eq!(v.problems[0].seq, 3);
        assert!(v.problems[0].what.contains("altered"));

        // Deleted from the middle.
        exec_commit(h, "DELETE FROM audit WHERE seq = 2").await;
        let v = s.audit_verify(&h.admin).await.unwrap();
        assert!(
            v.problems.iter().any(|p| p.what.contains("missing")),
            "{}: {:?}",
            h.backend,
            v.problems
        );

        // Deleted at the end.
        let last: i64 = s.audit_list(&h.admin, None, 1).await.unwrap()[0].seq;
        exec_commit(h, &format!("DELETE FROM audit WHERE seq = {last}")).await;
        let v = s.audit_verify(&h.admin).await.unwrap();
        assert!(
            v.problems
                .iter()
                .any(|p| p.what.contains("deleted at the end")),
            "{}: {:?}",
            h.backend,
            v.problems
        );
    })
    .await;
}

#[tokio::test]
async fn only_an_admin_may_read_a_live_link_out_of_the_outbox() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let aino = id_of(h, "2900100001").await;
        let sent = s
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
        // Still queued: the mail holds the live link.
        let desk = s
            .outbox_message(&h.desk_library, sent.outbox_id, true)
            .await;
        assert!(
            matches!(desk, Err(ServiceError::Forbidden(_))),
            "{}: {desk:?}",
            h.backend
        );
        let plain = s
            .outbox_message(&h.desk_library, sent.outbox_id, false)
            .await
            .unwrap();
        assert_eq!(plain.link, None);
        let admin = s
            .outbox_message(&h.admin, sent.outbox_id, true)
            .await
            .unwrap();
        assert!(
            admin.link.as_deref().is_some_and(|l| l.contains("/link/")),
            "{:?}",
            admin.link
        );
    })
    .await;
}

#[tokio::test]
async fn cutting_the_tail_and_winding_the_head_back_is_detected() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let rows = s.audit_list(&h.admin, None, 1).await.unwrap()[0].seq;
        assert!(rows >= 4, "{}", h.backend);
        // Cut the newest two rows, and wind the head back to what the last
        // remaining row says, as one who can write to the database can.
        let keep = rows - 2;
        exec_commit(h, &format!("DELETE FROM audit WHERE seq > {keep}")).await;
        exec_commit(
            h,
            &format!(
                "UPDATE audit_head SET seq = {keep}, mac = (SELECT mac FROM (SELECT mac FROM audit WHERE seq = {keep}) AS r) WHERE id = 1"
            ),
        )
        .await;
        let v = s.audit_verify(&h.admin).await.unwrap();
        assert!(
            v.problems.iter().any(|p| p.what.contains("without the key")),
            "{}: {:?}",
            h.backend,
            v.problems
        );
    })
    .await;
}

#[tokio::test]
async fn an_emptied_chain_is_caught_by_the_anchor_outside_the_database() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let dir = tempfile::tempdir().unwrap();
        let anchor = dir.path().join("audit-anchor");
        let s = h.services.clone().with_audit_anchor(anchor.clone());
        let clean = s.audit_verify(&h.admin).await.unwrap();
        assert!(clean.ok(), "{}: {:?}", h.backend, clean.problems);
        let recorded = std::fs::read_to_string(&anchor).unwrap();
        let seq: i64 = recorded.split_whitespace().next().unwrap().parse().unwrap();
        assert_eq!(seq, clean.rows_checked as i64, "{recorded}");
        // Everything deleted and the head reset to a new database's: the
        // chain alone looks like a fresh, intact one.
        exec_commit(h, "DELETE FROM audit").await;
        exec_commit(
            h,
            "UPDATE audit_head SET seq = 0, mac = '', head_mac = '' WHERE id = 1",
        )
        .await;
        let v = s.audit_verify(&h.admin).await.unwrap();
        assert!(
            v.problems
                .iter()
                .any(|p| p.seq == seq && p.what.contains("cut off the end")),
            "{}: {:?}",
            h.backend,
            v.problems
        );
        // A tampered chain is not anchored anew: the next check still says so.
        assert!(!s.audit_verify(&h.admin).await.unwrap().ok());
        assert!(!s.anchor_audit_head().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_inserted_audit_row_breaks_the_chain() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        // Shift the last row up and put a forged row in its place.
        let last = h.services.audit_list(&h.admin, None, 1).await.unwrap()[0].seq;
        exec_commit(h, &format!("UPDATE audit SET seq = {} WHERE seq = {last}", last + 1)).await;
        exec_commit(
            h,
            &format!(
                "INSERT INTO audit (seq, at, actor, action, detail, prev_mac, mac) \
                 SELECT {last}, at, 'staff:forger', 'note.add', '{{}}', prev_mac, mac FROM audit WHERE seq = {}",
                last + 1
            ),
        )
        .await;
        let v = h.services.audit_verify(&h.admin).await.unwrap();
        assert!(!v.ok(), "{}", h.backend);
        assert!(v.problems.iter().any(|p| p.seq == last && p.what.contains("altered")), "{}: {:?}", h.backend, v.problems);
    })
    .await;
}

#[tokio::test]
async fn password_staff_are_identified_and_locked_after_failures() {
    on_every_backend(async |h: &Harness| {
        let s = &h.services;
        let z = |p: &str| Zeroizing::new(p.to_string());
        let short = s
            .add_staff(
                &h.admin,
                avain::service::NewStaffMember {
                    login: "pw".into(),
                    full_name: "Pia Password".into(),
                    role: avain::service::Role::Desk,
                    orgs: vec!["kirjasto".into()],
                    password: Some(z("short")),
                },
            )
            .await;
        assert!(matches!(short, Err(ServiceError::BadInput(_))));
        s.add_staff(
            &h.admin,
            avain::service::NewStaffMember {
                login: "pw".into(),
                full_name: "Pia Password".into(),
                role: avain::service::Role::Desk,
                orgs: vec!["kirjasto".into()],
                password: Some(z("correct horse battery")),
            },
        )
        .await
        .unwrap();
        let pia = s
            .identify_password("pw", z("correct horse battery"))
            .await
            .unwrap();
        assert_eq!(
            (pia.name.as_str(), pia.orgs.clone()),
            ("Pia Password", vec!["kirjasto".to_string()])
        );
        assert!(matches!(
            s.identify_password("nobody", z("x")).await,
            Err(ServiceError::Forbidden(_))
        ));
        for _ in 0..10 {
            assert!(matches!(
                s.identify_password("pw", z("wrong")).await,
                Err(ServiceError::Forbidden(_))
            ));
        }
        let locked = s
            .identify_password("pw", z("correct horse battery"))
            .await
            .unwrap_err();
        assert!(
            locked.to_string().contains("locked"),
            "{}: {locked}",
            h.backend
        );
        // A disabled member is refused whatever the mode.
        s.disable_staff(&h.admin, "lib").await.unwrap();
        assert!(matches!(
            s.identify_os_user("lib").await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.disable_staff(&h.admin, "admin").await,
            Err(ServiceError::Refused(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn sqlite_search_uses_the_covering_index_not_a_scan() {
    let (store, _guard) = fresh_store(None).await;
    let tx = store.begin_read().await.unwrap();
    let plan = tx
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "EXPLAIN QUERY PLAN SELECT account_id, term, kind FROM search_term \
             WHERE term >= 'virt' AND term < 'viru' AND org IN ('kirjasto', 'kaupunki') ORDER BY term LIMIT 60",
        ))
        .await
        .unwrap();
    let text: Vec<String> = plan
        .iter()
        .map(|r| r.try_get_by_index::<String>(3).unwrap())
        .collect();
    let text = text.join("\n");
    assert!(
        text.contains("COVERING INDEX ix_search_term_prefix"),
        "{text}"
    );
    assert!(!text.contains("SCAN search_term"), "{text}");
}

/// A service that fails after writing drops its transaction uncommitted;
/// the rollback must reach the server when the connection is released, or
/// its row locks (here the audit head every writer needs) would stall the
/// other writers on PostgreSQL and MariaDB.
#[tokio::test]
async fn an_abandoned_write_transaction_releases_its_locks_at_once() {
    on_every_backend(async |h: &Harness| {
        let store = &h.services.store;
        // Two connections: the reader's goes back to the pool first, so the
        // next writer gets it, not the abandoned one.
        // (SQLite has one connection per process, so there is no other.)
        let reader = match h.backend {
            "sqlite" => None,
            _ => Some(store.begin_read().await.unwrap()),
        };
        let abandoned = store.begin_write().await.unwrap();
        abandoned
            .execute_unprepared("UPDATE audit_head SET seq = seq WHERE id = 1")
            .await
            .unwrap();
        if let Some(reader) = reader {
            reader.commit().await.unwrap();
        }
        drop(abandoned); // uncommitted, as after an early `?` in a service
        let tx = store.begin_write().await.unwrap();
        match h.backend {
            "postgres" => tx
                .execute_unprepared("SET LOCAL lock_timeout = '3s'")
                .await
                .map(|_| ())
                .unwrap(),
            "mysql" => tx
                .execute_unprepared("SET SESSION innodb_lock_wait_timeout = 3")
                .await
                .map(|_| ())
                .unwrap(),
            _ => {}
        }
        let started = std::time::Instant::now();
        let res = tx
            .execute_unprepared("UPDATE audit_head SET seq = seq WHERE id = 1")
            .await;
        assert!(
            res.is_ok(),
            "{}: the abandoned transaction still holds the row: {res:?}",
            h.backend
        );
        tx.commit().await.unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{}",
            h.backend
        );
        // And a service keeps working afterwards.
        assert!(h.services.audit_verify(&h.admin).await.unwrap().ok());
    })
    .await;
}
