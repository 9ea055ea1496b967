//! Contract tests of the Koha and Keycloak connectors. Neither system can
//! run on these machines, so the connectors talk to in-test servers that
//! accept exactly the requests the vendors' published API descriptions
//! define (paths, methods, the bearer token, body fields, paging) and
//! answer as documented, 400/401/404/409/503 included (`common/contracts.rs`).
//! These check avain against the descriptions, not against the systems.

mod common;

use avain::config::Language;
use avain::directory::DirectoryError;
use avain::domain::DirectoryRefusal;
use avain::service::{Badge, Freshness, IdentityCheck, NewCredential, ServiceError, SyncOptions};
use avain::text::Words;
use common::contracts::{self, Shared};
use common::{Harness, harness_with};
use zeroize::Zeroizing;

fn typed(secret: &str) -> NewCredential {
    NewCredential::Typed {
        first: Zeroizing::new(secret.into()),
        second: Zeroizing::new(secret.into()),
    }
}

async fn koha(patrons: usize) -> (Harness, Shared, tempfile::TempDir) {
    let world = contracts::koha_world(patrons);
    let url = contracts::serve(contracts::koha_router(world.clone())).await;
    let data = tempfile::tempdir().unwrap();
    contracts::write_secret(data.path(), "koha-secret");
    let config = format!(
        r#"
[[org]]
slug = "kirjasto"
name = "Test Library"
credential = {{ kind = "pin", digits = 4 }}
link_base_url = "http://127.0.0.1:8080"
links_per_hour = 100

[org.directory]
kind = "koha"
url = "{url}"
client_id = "{}"
client_secret_file = "koha-secret"
failed_login_attempts = 5

[[org]]
slug = "kaupunki"
name = "Test Town"
credential = {{ kind = "password", min_length = 10 }}
link_base_url = "http://127.0.0.1:8080"
"#,
        contracts::CLIENT_ID
    );
    let h = harness_with("sqlite", None, &config, Some(data.path())).await;
    (h, world, data)
}

fn no_violations(world: &Shared) {
    let w = world.lock().unwrap();
    assert!(
        w.violations.is_empty(),
        "requests outside the API description: {:?}",
        w.violations
    );
}

#[tokio::test]
async fn koha_sync_reads_pages_and_then_changes_by_updated_on() {
    let (h, world, _data) = koha(1_200).await;
    let report = h
        .services
        .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.read, report.created), (1_200, 1_200), "{report:?}");
    {
        let w = world.lock().unwrap();
        let pages: Vec<&String> = w
            .log
            .iter()
            .filter(|l| l.starts_with("GET /api/v1/patrons?"))
            .collect();
        assert_eq!(pages.len(), 3, "{pages:?}");
        assert!(pages[0].contains("_page=1") && pages[0].contains("_per_page=500"));
        assert!(pages[2].contains("_page=3"));
        assert_eq!(w.token_requests, 1, "the token is cached");
    }
    let id = common::id_of(&h, "2900000042").await;
    let d = h.services.account_detail(&h.admin, id).await.unwrap();
    assert_eq!(d.account.full_name, "Patron Example42");
    assert_eq!(d.account.login.as_deref(), Some("p42"));

    // A change in Koha; the next read asks only for what changed.
    world.lock().unwrap().records.get_mut("42").unwrap()["email"] = "new42@example.net".into();
    world.lock().unwrap().records.get_mut("42").unwrap()["updated_on"] =
        "2026-11-30T12:00:00+00:00".into();
    h.clock.advance_ms(60_000);
    let quick = h
        .services
        .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    assert!(!quick.full && quick.read < 1_200, "{quick:?}");
    assert_eq!(quick.changed_fields.get("email"), Some(&1), "{quick:?}");
    assert!(
        world
            .lock()
            .unwrap()
            .log
            .iter()
            .any(|l| l.contains("q=") && l.contains("updated_on"))
    );
    no_violations(&world);
    h.close().await;
}

#[tokio::test]
async fn koha_pins_emails_unlocks_and_pin_tests_go_through_its_api() {
    let (h, world, _data) = koha(10).await;
    h.services
        .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    let id = common::id_of(&h, "2900000003").await;
    h.services
        .set_credential(&h.desk_library, id, typed("4831"))
        .await
        .unwrap();
    assert_eq!(world.lock().unwrap().passwords["3"], "4831");
    assert!(
        h.services
            .test_credential(&h.desk_library, id, Zeroizing::new("4831".into()))
            .await
            .unwrap()
    );
    assert!(
        !h.services
            .test_credential(&h.desk_library, id, Zeroizing::new("1111".into()))
            .await
            .unwrap()
    );
    h.services
        .change_email(
            &h.desk_library,
            id,
            "three@example.net",
            IdentityCheck::InPerson,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        world.lock().unwrap().records["3"]["email"],
        "three@example.net"
    );

    // Locked in Koha: opening reads it, unlock clears login_attempts.
    world.lock().unwrap().records.get_mut("3").unwrap()["login_attempts"] = 5.into();
    let opened = h.services.open_account(&h.desk_library, id).await.unwrap();
    assert!(opened.directory.unwrap().locked);
    h.services
        .unlock(&h.desk_library, id, "id checked")
        .await
        .unwrap();
    assert_eq!(world.lock().unwrap().records["3"]["login_attempts"], 0);
    no_violations(&world);
    h.close().await;
}

#[tokio::test]
async fn koha_refusals_and_maintenance_are_told_and_leave_the_link() {
    let (h, world, _data) = koha(5).await;
    h.services
        .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    let id = common::id_of(&h, "2900000002").await;
    world.lock().unwrap().min_length = 8;
    let e = h
        .services
        .set_credential(&h.desk_library, id, typed("4831"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            ServiceError::Directory {
                error: DirectoryError::Refused {
                    reason: DirectoryRefusal::TooShort,
                    ..
                },
                ..
            }
        ),
        "{e:?}"
    );
    let said = e.describe(&Words::new(Language::En, "UTC"));
    assert!(
        said.contains("library system (Koha)") && said.contains("too short"),
        "{said}"
    );
    assert_eq!(
        world.lock().unwrap().passwords["2"],
        "1357",
        "nothing changed"
    );

    world.lock().unwrap().min_length = 3;
    world.lock().unwrap().maintenance = true;
    let (_, token) = common::send_link(&h, id, avain::domain::link::LinkPurpose::Reset).await;
    let answer = h
        .services
        .redeem(
            &token,
            Zeroizing::new("4831".into()),
            Zeroizing::new("4831".into()),
            None,
        )
        .await;
    assert!(
        matches!(
            answer,
            Err(ServiceError::Directory {
                error: DirectoryError::Unavailable(_),
                ..
            })
        ),
        "{answer:?}"
    );
    assert!(
        h.services.inspect_link(&token).await.unwrap().is_ok(),
        "the link still works"
    );
    world.lock().unwrap().maintenance = false;
    let done = h
        .services
        .redeem(
            &token,
            Zeroizing::new("4831".into()),
            Zeroizing::new("4831".into()),
            None,
        )
        .await
        .unwrap();
    assert!(done.is_ok());
    assert_eq!(world.lock().unwrap().passwords["2"], "4831");

    // A patron deleted in Koha: the refresh on open marks it removed.
    world.lock().unwrap().records.remove("2");
    let opened = h.services.open_account(&h.desk_library, id).await.unwrap();
    assert!(opened.directory.unwrap().removed);
    let found = h
        .services
        .search(&h.desk_library, "2900000002", 5)
        .await
        .unwrap();
    assert!(found[0].badges.contains(&Badge::Removed));
    no_violations(&world);
    h.close().await;
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_a_wrong_secret_is_a_setup_problem() {
    let (h, world, data) = koha(3).await;
    h.services
        .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    // Koha forgets the token (a restart): avain gets a new one and goes on.
    world.lock().unwrap().tokens.clear();
    let id = common::id_of(&h, "2900000001").await;
    let opened = h.services.open_account(&h.desk_library, id).await.unwrap();
    assert!(matches!(
        opened.directory.unwrap().freshness,
        Freshness::Fresh { .. }
    ));
    assert_eq!(world.lock().unwrap().token_requests, 2);
    // A wrong client secret: the check says so, as a set-up problem.
    std::fs::write(data.path().join("koha-secret"), "wrong\n").unwrap();
    let checks =
        avain::service::check_directories(&h.services.config, data.path(), None, true).await;
    assert!(
        matches!(checks[0].error, Some(DirectoryError::Setup(_))),
        "{:?}",
        checks[0]
    );
    h.close().await;
}

async fn keycloak(users: usize) -> (Harness, Shared, tempfile::TempDir) {
    let world = contracts::keycloak_world(users);
    let url = contracts::serve(contracts::keycloak_router(world.clone())).await;
    let data = tempfile::tempdir().unwrap();
    contracts::write_secret(data.path(), "keycloak-secret");
    let config = format!(
        r#"
[[org]]
slug = "kirjasto"
name = "Test Library"
credential = {{ kind = "pin", digits = 4 }}
link_base_url = "http://127.0.0.1:8080"

[[org]]
slug = "kaupunki"
name = "Test Town"
credential = {{ kind = "password", min_length = 10 }}
link_base_url = "http://127.0.0.1:8080"

[org.directory]
kind = "keycloak"
url = "{url}"
realm = "{}"
client_id = "{}"
client_secret_file = "keycloak-secret"
attributes = {{ phone = "phoneNumber" }}
"#,
        contracts::REALM,
        contracts::CLIENT_ID
    );
    let h = harness_with("sqlite", None, &config, Some(data.path())).await;
    (h, world, data)
}

#[tokio::test]
async fn keycloak_users_passwords_emails_and_brute_force_locks() {
    let (h, world, _data) = keycloak(1_100).await;
    let report = h
        .services
        .sync_directory(&h.admin, "kaupunki", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.read, report.created), (1_100, 1_100));
    {
        let w = world.lock().unwrap();
        let pages: Vec<&String> = w
            .log
            .iter()
            .filter(|l| l.starts_with("GET users?"))
            .collect();
        assert_eq!(pages.len(), 3, "{pages:?}");
        assert!(pages[1].contains("first=500") && pages[1].contains("max=500"));
    }
    let found = h
        .services
        .search(&h.desk_town, "user7@example.org", 5)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let id = found[0].id;
    let uid = "00000000-0000-4000-8000-000000000007";

    // A password too short for Keycloak's policy: refused, in words.
    let e = h
        .services
        .set_credential(&h.desk_town, id, typed("Quartz9x"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Policy(_)),
        "avain's own policy first: {e:?}"
    );
    world.lock().unwrap().min_length = 14;
    let e = h
        .services
        .set_credential(&h.desk_town, id, typed("Quartz-lamp-907"))
        .await
        .unwrap();
    assert!(e.is_none());
    world.lock().unwrap().min_length = 20;
    let e = h
        .services
        .set_credential(&h.desk_town, id, typed("Quartz-lamp-908"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            ServiceError::Directory {
                error: DirectoryError::Refused {
                    reason: DirectoryRefusal::TooShort,
                    ..
                },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(world.lock().unwrap().passwords[uid], "Quartz-lamp-907");

    // The email goes to Keycloak; one another user has is refused (409).
    h.services
        .change_email(
            &h.desk_town,
            id,
            "seven@example.net",
            IdentityCheck::PhoneCallback,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        world.lock().unwrap().records[uid]["email"],
        "seven@example.net"
    );
    let taken = h
        .services
        .change_email(
            &h.desk_town,
            id,
            "user8@example.org",
            IdentityCheck::PhoneCallback,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            taken,
            ServiceError::Directory {
                error: DirectoryError::Refused { .. },
                ..
            }
        ),
        "{taken:?}"
    );

    // Brute-force lock: read on open, cleared by unlock.
    world.lock().unwrap().failures.insert(uid.to_string(), 5);
    let opened = h.services.open_account(&h.desk_town, id).await.unwrap();
    assert!(opened.directory.unwrap().locked);
    h.services
        .unlock(&h.desk_town, id, "called back")
        .await
        .unwrap();
    assert!(!world.lock().unwrap().failures.contains_key(uid));

    // Keycloak cannot check a password for avain, and says so.
    let e = h
        .services
        .test_credential(&h.desk_town, id, Zeroizing::new("x".into()))
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::CannotCheck { .. }), "{e:?}");
    assert!(
        e.describe(&Words::new(Language::En, "UTC"))
            .contains("login server (Keycloak)")
    );
    no_violations(&world);
    h.close().await;
}
