//! Links and credentials through the service layer, on every backend:
//! issue, expiry at the edges, single use, superseding, email change,
//! rate limit, desk PINs, lockout, the pepper.

mod common;

use avain::domain::link::{LinkPurpose, LinkState, RevokeReason};
use avain::secrets::Pepper;
use avain::service::{LinkProblem, NewCredential, ServiceError, Services};
use common::*;
use std::sync::Arc;
use zeroize::Zeroizing;

fn z(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.to_string())
}

#[tokio::test]
async fn a_link_works_until_one_second_before_expiry_and_not_after() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        // 12 h lifetime for staff-sent links.
        let (_, token) = send_link(h, aino, LinkPurpose::Reset).await;
        h.clock.advance_ms(12 * 3_600_000 + 1_000);
        let late = h
            .services
            .redeem(&token, z("4831"), z("4831"), None)
            .await
            .unwrap();
        assert_eq!(
            late.unwrap_err(),
            LinkProblem::Expired,
            "{}: +1 s",
            h.backend
        );

        h.clock.set_ms(T0 + 3_600_000 * 2);
        let (_, token) = send_link(h, aino, LinkPurpose::Reset).await;
        h.clock.advance_ms(12 * 3_600_000 - 1_000);
        let in_time = h
            .services
            .redeem(&token, z("4831"), z("4831"), Some("test"))
            .await
            .unwrap();
        assert!(in_time.is_ok(), "{}: -1 s", h.backend);
        // Used up: a second use is refused.
        let again = h
            .services
            .redeem(&token, z("5927"), z("5927"), None)
            .await
            .unwrap();
        assert_eq!(again.unwrap_err(), LinkProblem::Used, "{}", h.backend);
        assert!(
            h.services
                .test_credential(&h.desk_library, aino, z("4831"))
                .await
                .unwrap()
        );
        assert!(
            !h.services
                .test_credential(&h.desk_library, aino, z("5927"))
                .await
                .unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn a_new_link_supersedes_the_old_one_and_its_unsent_mail() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let (first_id, first) = send_link(h, aino, LinkPurpose::Reset).await;
        let (second_id, _) = send_link(h, aino, LinkPurpose::Reset).await;
        let links = h.services.links(&h.desk_library, aino).await.unwrap();
        let old = links.iter().find(|l| l.id == first_id).unwrap();
        assert!(
            matches!(
                old.state,
                LinkState::Revoked {
                    reason: Some(RevokeReason::Superseded),
                    ..
                }
            ),
            "{:?}",
            old.state
        );
        assert_eq!(old.mails[0].status, avain::domain::OutboxStatus::Cancelled);
        let new = links.iter().find(|l| l.id == second_id).unwrap();
        assert!(matches!(new.state, LinkState::Active { .. }));
        assert_eq!(new.created_by, "Liisa Library");
        let used = h
            .services
            .redeem(&first, z("4831"), z("4831"), None)
            .await
            .unwrap();
        assert_eq!(used.unwrap_err(), LinkProblem::Revoked);
        // The revoked mail's link is forgotten, not just hidden.
        let mail = h
            .services
            .outbox_message(&h.desk_library, old.mails[0].id, true)
            .await
            .unwrap();
        assert_eq!(mail.link, None);
    })
    .await;
}

#[tokio::test]
async fn changing_the_email_kills_links_sent_to_the_old_address() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let (_, token) = send_link(h, aino, LinkPurpose::Reset).await;
        let err = h
            .services
            .change_email(
                &h.desk_library,
                aino,
                "not an email",
                avain::service::IdentityCheck::InPerson,
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = h
            .services
            .change_email(
                &h.desk_library,
                aino,
                "a@example.fi",
                avain::service::IdentityCheck::Other,
                None,
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("needs a note"), "{err}");
        h.services
            .change_email(
                &h.desk_library,
                aino,
                "aino.v@example.com",
                avain::service::IdentityCheck::PhoneCallback,
                None,
            )
            .await
            .unwrap();
        let dead = h
            .services
            .redeem(&token, z("4831"), z("4831"), None)
            .await
            .unwrap();
        assert_eq!(dead.unwrap_err(), LinkProblem::Revoked, "{}", h.backend);
        let detail = h
            .services
            .account_detail(&h.desk_library, aino)
            .await
            .unwrap();
        assert_eq!(detail.account.email_masked, "a***.v@e******.com");
        assert_eq!(detail.previous_emails.len(), 1);
        assert!(matches!(
            detail.links[0].state,
            LinkState::Revoked {
                reason: Some(RevokeReason::EmailChanged),
                ..
            }
        ));
        // The old address is told, and the search finds the new one.
        assert!(
            detail
                .other_mails
                .iter()
                .any(|m| m.template == avain::domain::MailTemplate::EmailChanged
                    && m.recipient_masked == "a***.v*******@e******.fi")
        );
        let found = h
            .services
            .search(&h.desk_library, "aino.v@example.com", 5)
            .await
            .unwrap();
        assert_eq!(found[0].id, aino);
        // The verdict now calls the old address "previous".
        let v = h
            .services
            .verify(
                &h.desk_library,
                "kirjasto",
                Some("2900100001"),
                "aino.virtanen@example.fi",
            )
            .await
            .unwrap();
        assert_eq!(
            v.email.reasons[0],
            avain::domain::verdict::Reason::PreviousEmail {
                until_ms: Some(h.services.now())
            },
            "{}: a change made here is dated",
            h.backend
        );
    })
    .await;
}

#[tokio::test]
async fn links_are_rate_limited_per_account_and_purpose() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        for _ in 0..3 {
            h.services
                .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
                .await
                .unwrap();
            h.clock.advance_ms(60_000);
        }
        let err = h
            .services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap_err();
        match err {
            ServiceError::RateLimited {
                limit,
                next_allowed_at,
            } => {
                assert_eq!(limit, 3);
                assert_eq!(next_allowed_at, T0 + 3_600_000);
            }
            other => panic!("{}: expected a rate limit, got {other}", h.backend),
        }
        // Another purpose has its own budget; an hour later the first is free again.
        h.services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::FirstLogin))
            .await
            .unwrap();
        h.clock.set_ms(T0 + 3_600_000);
        h.services
            .send_link(&h.desk_library, aino, Some(LinkPurpose::Reset))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn desk_pins_follow_the_policy_and_clear_the_legacy_flag() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let mikko = id_of(h, "2900100002").await;
        assert!(
            h.services
                .account_detail(&h.desk_library, mikko)
                .await
                .unwrap()
                .account
                .legacy_credential
        );
        for (pin, code) in [
            ("12ab", "pin_not_digits"),
            ("123", "pin_length"),
            ("1111", "pin_repeated"),
            ("2580", "pin_common"),
        ] {
            let err = h
                .services
                .set_credential(
                    &h.desk_library,
                    mikko,
                    NewCredential::Typed {
                        first: z(pin),
                        second: z(pin),
                    },
                )
                .await
                .unwrap_err();
            match err {
                ServiceError::Policy(r) => assert_eq!(r.code(), code, "{pin}"),
                other => panic!("{pin}: {other}"),
            }
        }
        let mismatch = h
            .services
            .set_credential(
                &h.desk_library,
                mikko,
                NewCredential::Typed {
                    first: z("4831"),
                    second: z("4813"),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(
            mismatch,
            ServiceError::Policy(avain::domain::policy::PolicyRefusal::Mismatch)
        ));
        let generated = h
            .services
            .set_credential(&h.desk_library, mikko, NewCredential::Generate)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(generated.len(), 4);
        let detail = h
            .services
            .account_detail(&h.desk_library, mikko)
            .await
            .unwrap();
        assert!(!detail.account.legacy_credential && detail.account.has_credential);
        assert!(
            detail
                .other_mails
                .iter()
                .any(|m| m.template == avain::domain::MailTemplate::CredentialChanged)
        );
        assert!(
            h.services
                .test_credential(&h.desk_library, mikko, generated)
                .await
                .unwrap()
        );
        // Passwords for the town follow their own policy.
        let jari = id_of(h, "T2").await;
        let short = h
            .services
            .set_credential(
                &h.desk_town,
                jari,
                NewCredential::Typed {
                    first: z("lyhyt"),
                    second: z("lyhyt"),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(
            short,
            ServiceError::Policy(avain::domain::policy::PolicyRefusal::PasswordTooShort {
                min: 10
            })
        ));
    })
    .await;
}

#[tokio::test]
async fn dead_links_count_towards_a_lock_and_unlock_clears_it() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let (_, token) = send_link(h, aino, LinkPurpose::Reset).await;
        h.services
            .redeem(&token, z("4831"), z("4831"), None)
            .await
            .unwrap()
            .unwrap();
        for _ in 0..10 {
            let again = h
                .services
                .redeem(&token, z("4831"), z("4831"), None)
                .await
                .unwrap();
            assert_eq!(again.unwrap_err(), LinkProblem::Used);
        }
        let detail = h
            .services
            .account_detail(&h.desk_library, aino)
            .await
            .unwrap();
        assert!(
            detail.account.locked_at.is_some(),
            "{}: locked after 10 failures",
            h.backend
        );
        assert_eq!(detail.account.failed_attempts, 10);
        let err = h
            .services
            .unlock(&h.desk_library, aino, "  ")
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        h.services
            .unlock(&h.desk_library, aino, "caller identified in person")
            .await
            .unwrap();
        let detail = h
            .services
            .account_detail(&h.desk_library, aino)
            .await
            .unwrap();
        assert!(detail.account.locked_at.is_none() && detail.account.failed_attempts == 0);
        assert!(
            h.services
                .unlock(&h.desk_library, aino, "again")
                .await
                .is_err()
        );
        // Unknown and malformed tokens reveal nothing and touch nothing.
        let unknown = h
            .services
            .redeem(&"A".repeat(43), z("4831"), z("4831"), None)
            .await
            .unwrap();
        assert_eq!(unknown.unwrap_err(), LinkProblem::Unknown);
        let malformed = h
            .services
            .redeem("x'; DROP TABLE account; --", z("4831"), z("4831"), None)
            .await
            .unwrap();
        assert_eq!(malformed.unwrap_err(), LinkProblem::Unknown);
    })
    .await;
}

#[tokio::test]
async fn a_database_copy_without_the_pepper_verifies_no_pin() {
    for (name, url) in backends() {
        let h = harness(name, url.as_deref()).await;
        seed(&h).await;
        let aino = id_of(&h, "2900100001").await;
        h.services
            .set_credential(
                &h.desk_library,
                aino,
                NewCredential::Typed {
                    first: z("4831"),
                    second: z("4831"),
                },
            )
            .await
            .unwrap();
        // Same database, same config, another pepper.
        let thief = Services::new(
            avain::config::Config::parse(CONFIG).unwrap(),
            h.services.store.clone(),
            Pepper::generate("k1"),
            Arc::new(h.clock.clone()),
        );
        let staff = thief.identify_os_user("lib").await.unwrap();
        assert!(
            !thief
                .test_credential(&staff, aino, z("4831"))
                .await
                .unwrap(),
            "{name}"
        );
        // Each wrong try counted, so the failures are visible to staff.
        assert_eq!(
            h.services
                .account_detail(&h.admin, aino)
                .await
                .unwrap()
                .account
                .failed_attempts,
            1
        );
        assert!(
            h.services
                .test_credential(&h.desk_library, aino, z("4831"))
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn fifty_concurrent_redeems_of_one_link_succeed_exactly_once() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let aino = id_of(h, "2900100001").await;
        let (_, token) = send_link(h, aino, LinkPurpose::Reset).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let s = h.services.clone();
            let token = token.clone();
            let pin = format!("{:04}", 4800 + i * 3);
            tasks.push(tokio::spawn(async move {
                s.redeem(&token, z(&pin), z(&pin), None).await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Ok(_) => ok += 1,
                Err(p) => assert_eq!(p, LinkProblem::Used),
            }
        }
        assert_eq!(ok, 1, "{}", h.backend);
    })
    .await;
}
