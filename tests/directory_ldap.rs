//! The LDAP connector against a real OpenLDAP (a private `slapd` per
//! test, see `common/slapd.rs`): syncing 10,000 entries in and the changes
//! after, PINs and emails going out (checked by binding as the patron),
//! a server that stops between a link and its use, a password-policy
//! refusal in plain words, fifty submissions of one link at once, unlock
//! clearing the policy's lock. Skips, saying so, without slapd.

mod common;

use avain::config::Language;
use avain::directory::DirectoryError;
use avain::domain::DirectoryRefusal;
use avain::service::{Badge, NewCredential, ServiceError, SyncOptions};
use avain::text::Words;
use common::slapd::{self, Slapd};
use common::{Harness, harness_with};
use zeroize::Zeroizing;

const CONFIG: &str = r#"
[[org]]
slug = "kaupunki"
name = "Test Town"
credential = { kind = "password", min_length = 10 }
link_base_url = "http://127.0.0.1:8080"

[[org]]
slug = "kirjasto"
name = "Test Library"
credential = { kind = "pin", digits = 4 }
link_base_url = "http://127.0.0.1:8080"
links_per_hour = 100
"#;

fn config_for(server: &Slapd) -> String {
    format!("{CONFIG}{}", server.directory_toml())
}

/// A harness whose library lives in `server`, after a full sync.
async fn synced(
    server: &Slapd,
    backend: &'static str,
    url: Option<&str>,
    data: &tempfile::TempDir,
) -> Harness {
    server.write_password_file(data.path());
    let h = harness_with(backend, url, &config_for(server), Some(data.path())).await;
    let report = h
        .services
        .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
        .await
        .unwrap();
    assert!(report.full && report.created > 0, "{report:?}");
    h
}

fn typed(pin: &str) -> NewCredential {
    NewCredential::Typed {
        first: Zeroizing::new(pin.into()),
        second: Zeroizing::new(pin.into()),
    }
}

async fn id_of_card(h: &Harness, n: usize) -> i64 {
    common::id_of(h, &slapd::card(n)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn full_and_incremental_sync_of_ten_thousand_entries() {
    for (backend, url) in common::backends() {
        // A server per backend: each run changes and deletes entries.
        let Some(server) = Slapd::start(10_000) else {
            return;
        };
        let data = tempfile::tempdir().unwrap();
        let h = synced(&server, backend, url.as_deref(), &data).await;
        // The first read made every entry an account.
        let found = h
            .services
            .search(&h.admin, &slapd::card(4242), 5)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{backend}");
        let detail = h
            .services
            .account_detail(&h.admin, found[0].id)
            .await
            .unwrap();
        assert_eq!(detail.account.full_name, "Patron 4242 Example");
        assert_eq!(detail.account.login.as_deref(), Some("p4242"));
        assert_eq!(
            detail.account.external_id.as_ref().map(String::len),
            Some(36)
        );
        assert!(detail.directory.is_some());

        // An incremental read takes entries changed at or after the newest
        // change it saw; right after a bulk load that is the load's second,
        // so the first one reads them all again (unchanged) and moves on.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        server.modify(&format!(
            "dn: {}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +358 40 1111111\n",
            slapd::dn(10)
        ));
        h.clock.advance_ms(60_000);
        let first = h
            .services
            .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
            .await
            .unwrap();
        assert!(!first.full, "{backend}: {first:?}");
        assert_eq!(
            (first.changed, first.created),
            (1, 0),
            "{backend}: {first:?}"
        );
        assert_eq!(first.changed_fields.get("phone"), Some(&1));

        // Now one email changes and one entry goes: the next incremental
        // read sees only the change; a full read also the removal.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        server.modify(&format!(
            "dn: {}\nchangetype: modify\nreplace: mail\nmail: moved4242@example.net\n",
            slapd::dn(4242)
        ));
        server.delete(&slapd::dn(77));
        h.clock.advance_ms(60_000);
        let quick = h
            .services
            .sync_directory(&h.admin, "kirjasto", SyncOptions::default(), &|_| {})
            .await
            .unwrap();
        assert!(!quick.full, "{backend}: the second sync reads only changes");
        assert!(quick.read < 100, "{backend}: read {}", quick.read);
        assert_eq!(quick.changed, 1, "{backend}: {quick:?}");
        assert_eq!(quick.changed_fields.get("email"), Some(&1));
        assert_eq!(quick.removed, 0);

        h.clock.advance_ms(60_000);
        let dry = h
            .services
            .sync_directory(
                &h.admin,
                "kirjasto",
                SyncOptions {
                    full: true,
                    dry_run: true,
                },
                &|_| {},
            )
            .await
            .unwrap();
        assert_eq!(
            (dry.removed, dry.changed, dry.created),
            (1, 0, 0),
            "{backend}: {dry:?}"
        );
        let full = h
            .services
            .sync_directory(
                &h.admin,
                "kirjasto",
                SyncOptions {
                    full: true,
                    dry_run: false,
                },
                &|_| {},
            )
            .await
            .unwrap();
        assert_eq!(full.read, 9_999, "{backend}");
        assert_eq!(
            (full.removed, full.changed, full.created),
            (1, 0, 0),
            "{backend}: {full:?}"
        );

        // The changed address is on file, the old one kept as history.
        let moved = id_of_card(&h, 4242).await;
        let v = h
            .services
            .verify(
                &h.admin,
                "kirjasto",
                Some(&slapd::card(4242)),
                &slapd::email(4242),
            )
            .await
            .unwrap();
        assert!(!v.accepted);
        assert_eq!(v.email.reasons[0].code(), "previous_email", "{backend}");
        let d = h.services.account_detail(&h.admin, moved).await.unwrap();
        assert_eq!(d.previous_emails.len(), 1);

        // The removed one: shown so, unknown to the form, no link.
        let gone = h
            .services
            .search(&h.admin, &slapd::card(77), 5)
            .await
            .unwrap();
        assert_eq!(gone.len(), 1);
        assert!(gone[0].badges.contains(&Badge::Removed), "{backend}");
        let v = h
            .services
            .verify(
                &h.admin,
                "kirjasto",
                Some(&slapd::card(77)),
                &slapd::email(77),
            )
            .await
            .unwrap();
        assert_eq!(v.card.reasons[0].code(), "card_unknown", "{backend}");
        let refused = h
            .services
            .send_link(&h.desk_library, gone[0].id, None)
            .await;
        assert!(
            matches!(refused, Err(ServiceError::Removed { .. })),
            "{refused:?}"
        );
        h.close().await;
    }
}

#[tokio::test]
async fn desk_pins_and_emails_reach_the_directory() {
    let Some(server) = Slapd::start(20) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 5).await;
    assert!(server.binds(&slapd::dn(5), slapd::FIRST_PIN));
    h.services
        .set_credential(&h.desk_library, id, typed("4831"))
        .await
        .unwrap();
    assert!(
        server.binds(&slapd::dn(5), "4831"),
        "the new PIN works there"
    );
    assert!(
        !server.binds(&slapd::dn(5), slapd::FIRST_PIN),
        "the old one does not"
    );
    let d = h.services.account_detail(&h.admin, id).await.unwrap();
    assert!(
        !d.account.has_credential,
        "avain keeps no hash of a directory's PIN"
    );
    assert!(d.account.credential_set_at.is_some());
    // avain pin test asks the directory with a bind.
    assert!(
        h.services
            .test_credential(&h.desk_library, id, Zeroizing::new("4831".into()))
            .await
            .unwrap()
    );

    h.services
        .change_email(
            &h.desk_library,
            id,
            "new.five@example.net",
            avain::service::IdentityCheck::InPerson,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        server.values(&slapd::dn(5), "mail"),
        ["new.five@example.net"]
    );
    h.close().await;
}

#[tokio::test]
async fn a_link_survives_a_directory_that_stopped_and_works_after() {
    let Some(mut server) = Slapd::start(10) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 3).await;
    let (token_id, token) =
        common::send_link(&h, id, avain::domain::link::LinkPurpose::Reset).await;
    server.stop();
    let answer = h
        .services
        .redeem(
            &token,
            Zeroizing::new("5920".into()),
            Zeroizing::new("5920".into()),
            None,
        )
        .await;
    let Err(ServiceError::Directory { error, .. }) = &answer else {
        panic!("expected no answer from the directory: {answer:?}");
    };
    assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}");
    let en = Words::new(Language::En, "Europe/Helsinki");
    let said = answer.as_ref().unwrap_err().describe(&en);
    assert!(
        said.contains("did not answer") && said.contains("nothing was changed"),
        "{said}"
    );
    assert!(
        en.directory_error_for_patron(error)
            .contains("try again in a moment"),
        "the patron is asked to try again"
    );
    // The link still works, and the failed push is in the audit.
    assert!(h.services.inspect_link(&token).await.unwrap().is_ok());
    let audit = h.services.audit_list(&h.admin, Some(id), 20).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "directory.push_failed"));

    server.run();
    let done = h
        .services
        .redeem(
            &token,
            Zeroizing::new("5920".into()),
            Zeroizing::new("5920".into()),
            None,
        )
        .await
        .unwrap();
    assert!(done.is_ok(), "{done:?}");
    assert!(server.binds(&slapd::dn(3), "5920"));
    let links = h.services.links(&h.admin, id).await.unwrap();
    assert_eq!(
        links
            .iter()
            .find(|l| l.id == token_id)
            .unwrap()
            .state
            .code(),
        "used"
    );
    h.close().await;
}

#[tokio::test]
async fn a_policy_refusal_is_told_in_plain_words_and_the_link_stays() {
    let Some(server) = Slapd::start(10) else {
        return;
    };
    // A stricter policy for one patron: at least six characters.
    server.modify(&format!(
        "dn: cn=strict,ou=policies,{}\nchangetype: add\nobjectClass: pwdPolicy\nobjectClass: device\n\
cn: strict\npwdAttribute: userPassword\npwdMinLength: 6\npwdCheckQuality: 2\n\n\
dn: {}\nchangetype: modify\nadd: pwdPolicySubentry\npwdPolicySubentry: cn=strict,ou=policies,{}\n",
        slapd::BASE,
        slapd::dn(4),
        slapd::BASE
    ));
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 4).await;
    let refused = h
        .services
        .set_credential(&h.desk_library, id, typed("4831"))
        .await;
    let Err(e @ ServiceError::Directory { error, .. }) = &refused else {
        panic!("expected a refusal: {refused:?}");
    };
    assert!(
        matches!(
            error,
            DirectoryError::Refused {
                reason: DirectoryRefusal::TooShort,
                ..
            }
        ),
        "{error:?}"
    );
    for lang in [Language::En, Language::Fi] {
        let said = e.describe(&Words::new(lang, "UTC"));
        assert!(!said.contains("directory."), "{said}");
    }
    assert!(
        e.describe(&Words::new(Language::En, "UTC"))
            .contains("too short")
    );
    // Through a link: refused the same way, and the link still works.
    let (_, token) = common::send_link(&h, id, avain::domain::link::LinkPurpose::Reset).await;
    let again = h
        .services
        .redeem(
            &token,
            Zeroizing::new("4831".into()),
            Zeroizing::new("4831".into()),
            None,
        )
        .await;
    assert!(
        matches!(again, Err(ServiceError::Directory { .. })),
        "{again:?}"
    );
    assert!(h.services.inspect_link(&token).await.unwrap().is_ok());
    assert!(
        server.binds(&slapd::dn(4), slapd::FIRST_PIN),
        "nothing changed there"
    );
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_of_one_link_change_the_password_once() {
    let Some(server) = Slapd::start(10) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 6).await;
    let (_, token) = common::send_link(&h, id, avain::domain::link::LinkPurpose::Reset).await;
    // Fifty different PINs the library's own policy accepts.
    let policy = avain::domain::policy::CredentialPolicy::Pin { digits: 4 };
    let pins: Vec<String> = (3000..9999)
        .step_by(97)
        .map(|n| n.to_string())
        .filter(|p| avain::domain::policy::check(&policy, p).is_ok())
        .take(50)
        .collect();
    assert_eq!(pins.len(), 50);
    let mut tasks = Vec::new();
    for n in 0..50u32 {
        let services = h.services.clone();
        let token = token.clone();
        let pin = pins[n as usize].clone();
        tasks.push(tokio::spawn(async move {
            let r = services
                .redeem(
                    &token,
                    Zeroizing::new(pin.clone()),
                    Zeroizing::new(pin.clone()),
                    None,
                )
                .await;
            (pin, r)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (pin, r) = t.await.unwrap();
        match r {
            Ok(Ok(_)) => winners.push(pin),
            Ok(Err(_)) => {}
            Err(e) => panic!("a submission failed: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one submission uses the link");
    // The directory saw one change: one old password in its history.
    assert_eq!(server.values(&slapd::dn(6), "pwdHistory").len(), 1);
    assert!(server.binds(&slapd::dn(6), &winners[0]));
    h.close().await;
}

#[tokio::test]
async fn unlock_clears_the_directory_lock() {
    let Some(server) = Slapd::start(10) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 2).await;
    for _ in 0..slapd::POLICY_MAX_FAILURE {
        assert!(!server.binds(&slapd::dn(2), "0000"));
    }
    assert_eq!(
        server.values(&slapd::dn(2), "pwdAccountLockedTime").len(),
        1
    );
    // Opening the account reads the lock from the directory.
    let opened = h.services.open_account(&h.desk_library, id).await.unwrap();
    let directory = opened.directory.unwrap();
    assert!(directory.locked, "the console shows the directory's lock");
    assert!(matches!(
        directory.freshness,
        avain::service::Freshness::Fresh { .. }
    ));
    let found = h
        .services
        .search(&h.desk_library, &slapd::card(2), 5)
        .await
        .unwrap();
    assert!(found[0].badges.contains(&Badge::Locked));
    h.services
        .unlock(&h.desk_library, id, "identified at the desk")
        .await
        .unwrap();
    assert!(
        server
            .values(&slapd::dn(2), "pwdAccountLockedTime")
            .is_empty()
    );
    assert!(server.binds(&slapd::dn(2), slapd::FIRST_PIN));
    let after = h.services.account_detail(&h.admin, id).await.unwrap();
    assert!(!after.directory.unwrap().locked);
    h.close().await;
}

#[tokio::test]
async fn a_silent_directory_leaves_the_mirror_and_says_how_old_it_is() {
    let Some(mut server) = Slapd::start(5) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 1).await;
    server.stop();
    let opened = h.services.open_account(&h.desk_library, id).await.unwrap();
    let freshness = opened.directory.unwrap().freshness;
    assert!(
        matches!(
            freshness,
            avain::service::Freshness::Stale {
                read_at: Some(_),
                ..
            }
        ),
        "{freshness:?}"
    );
    let v = h
        .services
        .verify_in(
            &h.desk_library,
            None,
            Some(&slapd::card(1)),
            &slapd::email(1),
        )
        .await
        .unwrap();
    assert!(v.verdict.accepted, "the mirror still decides");
    assert!(matches!(
        v.freshness,
        avain::service::Freshness::Stale { .. }
    ));
    let e = h.services.check_directory("kirjasto").await.unwrap_err();
    assert!(matches!(e, ServiceError::Directory { .. }), "{e:?}");
    server.run();
    assert!(
        h.services
            .check_directory("kirjasto")
            .await
            .unwrap()
            .is_some()
    );
    h.close().await;
}

#[tokio::test]
async fn the_link_page_sets_the_pin_in_ldap_and_says_when_it_cannot() {
    use axum::http::StatusCode;
    use common::web::{app, get, post};
    let Some(mut server) = Slapd::start(10) else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let h = synced(&server, "sqlite", None, &data).await;
    let id = id_of_card(&h, 7).await;
    let (_, token) = common::send_link(&h, id, avain::domain::link::LinkPurpose::Reset).await;
    let app = app(&h);
    let uri = format!("/link/{token}?lang=en");

    // The directory does not answer: the form comes back, the link works.
    server.stop();
    let form = get(&app, &uri).await;
    let (cookie, csrf) = form.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("first", "8642"),
        ("second", "8642"),
    ];
    let waiting = post(&app, &uri, &cookie, &fields).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(
        waiting.body.contains("try again in a moment"),
        "{}",
        waiting.body
    );
    assert!(
        waiting.body.contains("name=\"first\""),
        "the form is shown again"
    );

    server.run();
    let form = get(&app, &uri).await;
    let (cookie, csrf) = form.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("first", "8642"),
        ("second", "8642"),
    ];
    let done = post(&app, &uri, &cookie, &fields).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        server.binds(&slapd::dn(7), "8642"),
        "the patron logs in with it"
    );
    let again = post(&app, &uri, &cookie, &fields).await;
    assert_eq!(again.status, StatusCode::GONE);
    h.close().await;
}

#[test]
fn the_command_line_tests_the_connection_and_syncs() {
    let Some(server) = Slapd::start(50) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    server.write_password_file(&data);
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!("data_dir = \"{}\"\n{}", data.display(), config_for(&server)),
    )
    .unwrap();
    let avain = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_avain"))
            .arg("--config")
            .arg(&config)
            .args(["--lang", "en"])
            .args(args)
            .env_remove("AVAIN_DATA_DIR")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = avain(&["config", "check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("kirjasto · LDAP directory") && out.contains("connected"),
        "{out}"
    );
    assert_eq!(avain(&["init", "--name", "Test Admin"]).0, 0);
    let (code, out, _) = avain(&["directory", "test", "--org", "kirjasto"]);
    assert_eq!(code, 0);
    assert!(out.contains("first page: 50 entries"), "{out}");
    let (code, out, err) = avain(&["sync", "--org", "kirjasto"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("50 read, 50 new"), "{out}");
    let (code, out, _) = avain(&["--json", "sync", "--org", "kirjasto", "--full", "--dry-run"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["unchanged"], 50);
    assert_eq!(report["dry_run"], true);
    let (code, _, err) = avain(&["directory", "test", "--org", "library"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("kirjasto"),
        "the valid organisations are named: {err}"
    );
    drop(server);
    let (code, out, _) = avain(&["directory", "test"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("did not answer"), "{out}");
}
