//! The patron pages through the real router (no sockets): headers, CSRF,
//! the neutral answer, both flows from request to a used link, and fifty
//! submissions of one link at once. On every configured database. (The
//! limits are in `web_limits.rs`.)

mod common;

use avain::domain::link::LinkPurpose;
use axum::http::StatusCode;
use common::web::{app, get, post};
use common::{Harness, id_of, on_every_backend, seed, send_link};
use std::time::Duration;
use zeroize::Zeroizing;

/// Waits for the background request to issue a link; returns its token.
async fn token_for(h: &Harness, account: i64) -> String {
    for _ in 0..200 {
        let detail = h
            .services
            .reread_account_detail(&h.admin, account)
            .await
            .unwrap();
        if let Some(mail) = detail.links.first().and_then(|l| l.mails.first()) {
            let message = h
                .services
                .outbox_message(&h.admin, mail.id, true)
                .await
                .unwrap();
            let link = message.link.expect("the link is kept until sent");
            return link.rsplit('/').next().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{}: no link was issued", h.backend);
}

#[tokio::test]
async fn pages_carry_strict_headers_and_forms_need_their_csrf_value() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let front = get(&app, "/?lang=en").await;
        assert_eq!(front.status, StatusCode::OK);
        assert!(front.body.contains("Test Library") && front.body.contains("/request/kaupunki"));
        for (name, value) in [
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
        ] {
            assert_eq!(front.headers[name], value, "{name}");
        }
        assert!(
            front.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        let form = get(&app, "/request/kirjasto?lang=en").await;
        let cookie = form.headers["set-cookie"].to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let (cookie, csrf) = form.csrf();
        let fields = [
            ("card", "2900100001"),
            ("email", "aino.virtanen@example.fi"),
        ];
        let missing = post(
            &app,
            "/request/kirjasto",
            "",
            &[("csrf", &csrf), fields[0], fields[1]],
        )
        .await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        let wrong = post(
            &app,
            "/request/kirjasto",
            &cookie,
            &[("csrf", "forged"), fields[0], fields[1]],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        // A value set in both the cookie and the form is not a pair.
        let same = post(
            &app,
            "/request/kirjasto",
            "avain_csrf=a",
            &[("csrf", "a"), fields[0], fields[1]],
        )
        .await;
        assert_eq!(same.status, StatusCode::FORBIDDEN);
        assert_eq!(
            get(&app, "/link/not-a-token").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get(&app, "/nowhere").await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn forgot_pin_mails_a_link_that_sets_the_pin_once() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let mikko = id_of(h, "2900100002").await;
        let form = get(&app, "/request/kirjasto?lang=en").await;
        assert!(
            form.body.contains("<label for=\"card\">")
                && form.body.contains("<label for=\"email\">")
        );
        let (cookie, csrf) = form.csrf();
        // Exactly as stored (letter case too): accepted.
        let sent = post(
            &app,
            "/request/kirjasto?lang=en",
            &cookie,
            &[
                ("csrf", &csrf),
                ("card", "2900100002"),
                ("email", "Mikko.Lehtonen@Example.fi"),
            ],
        )
        .await;
        assert_eq!(sent.status, StatusCode::OK);
        assert!(sent.body.contains("If the details match our records"));
        let token = token_for(h, mikko).await;

        let page = get(&app, &format!("/link/{token}?lang=en")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Test Library") && page.body.contains("Exactly 4 digits"));
        assert!(
            !page.body.contains(&format!("href=\"/link/{token}")),
            "no link to the token page itself"
        );
        let (cookie, csrf) = page.csrf();
        let uri = format!("/link/{token}?lang=en");
        let weak = post(
            &app,
            &uri,
            &cookie,
            &[("csrf", &csrf), ("first", "1234"), ("second", "1234")],
        )
        .await;
        assert!(
            weak.body.contains("Not saved") && weak.body.contains("too easy"),
            "{}",
            weak.body
        );
        let letters = post(
            &app,
            &uri,
            &cookie,
            &[("csrf", &csrf), ("first", "12a4"), ("second", "12a4")],
        )
        .await;
        assert!(letters.body.contains("only digits"), "{}", letters.body);
        let done = post(
            &app,
            &uri,
            &cookie,
            &[("csrf", &csrf), ("first", "4831"), ("second", "4831")],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains("link it again with the new PIN") && done.body.contains("Haka"));
        let again = post(
            &app,
            &uri,
            &cookie,
            &[("csrf", &csrf), ("first", "5927"), ("second", "5927")],
        )
        .await;
        assert_eq!(again.status, StatusCode::GONE);
        assert!(again.body.contains("already been used"));

        let detail = h
            .services
            .reread_account_detail(&h.admin, mikko)
            .await
            .unwrap();
        assert_eq!(detail.links[0].state.code(), "used");
        assert!(
            !detail.account.legacy_credential,
            "the legacy flag is cleared"
        );
        let ok = h
            .services
            .test_credential(&h.admin, mikko, Zeroizing::new("4831".into()))
            .await
            .unwrap();
        assert!(ok, "the new PIN verifies");
    })
    .await;
}

#[tokio::test]
async fn a_miss_gets_the_same_answer_and_no_link() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let aino = id_of(h, "2900100001").await;
        let (cookie, csrf) = get(&app, "/request/kirjasto").await.csrf();
        // A match, a case-differing miss, an unknown card: one answer.
        let mut pages = Vec::new();
        for (card, email) in [
            ("2900100001", "aino.virtanen@example.fi"),
            ("2900100001", "Aino.Virtanen@example.fi"),
            ("2999999999", "nobody@example.fi"),
        ] {
            let fields = [("csrf", csrf.as_str()), ("card", card), ("email", email)];
            pages.push(post(&app, "/request/kirjasto", &cookie, &fields).await);
        }
        assert!(pages.iter().all(|p| p.status == StatusCode::OK));
        assert_eq!(pages[0].body, pages[1].body, "a refusal reads like a success");
        assert_eq!(pages[0].body, pages[2].body);
        token_for(h, aino).await;
        // Wait for both attempts of Aino to be recorded; only one link exists.
        for _ in 0..200 {
            let d = h.services.reread_account_detail(&h.admin, aino).await.unwrap();
            if d.attempts.len() == 2 {
                assert_eq!(d.links.len(), 1);
                assert!(d.attempts.iter().any(|a| !a.accepted && a.email_codes.contains(&"case_differs".to_string())));
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{}: the refused attempt was not recorded", h.backend);
    })
    .await;
}

#[tokio::test]
async fn first_login_sets_a_password_and_ends_the_wait() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let kaisa = id_of(h, "T1").await;
        let form = get(&app, "/request/kaupunki?lang=en").await;
        assert!(
            !form.body.contains("for=\"card\""),
            "an email-login organisation asks only the email"
        );
        let (cookie, csrf) = form.csrf();
        let sent = post(
            &app,
            "/request/kaupunki?lang=en",
            &cookie,
            &[("csrf", &csrf), ("email", "kaisa.lindholm@example.fi")],
        )
        .await;
        assert!(sent.body.contains("try another address"));
        let token = token_for(h, kaisa).await;
        let page = get(&app, &format!("/link/{token}?lang=en")).await;
        assert!(
            page.body.contains("Set a password") && page.body.contains("At least 10 characters")
        );
        let (cookie, csrf) = page.csrf();
        let uri = format!("/link/{token}?lang=en");
        let done = post(
            &app,
            &uri,
            &cookie,
            &[
                ("csrf", &csrf),
                ("first", "kissa-kala-9"),
                ("second", "kissa-kala-9"),
            ],
        )
        .await;
        assert!(done.body.contains("Your password is set"), "{}", done.body);
        let detail = h
            .services
            .reread_account_detail(&h.admin, kaisa)
            .await
            .unwrap();
        assert!(!detail.account.must_set_credential);
        assert_eq!(detail.links[0].purpose, LinkPurpose::FirstLogin);
    })
    .await;
}

#[tokio::test]
async fn fifty_submissions_of_one_link_succeed_once() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let aino = id_of(h, "2900100001").await;
        let (_, token) = send_link(h, aino, LinkPurpose::Reset).await;
        let (cookie, csrf) = get(&app, &format!("/link/{token}")).await.csrf();
        let uri = format!("/link/{token}?lang=en");
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (app, uri, cookie, csrf) =
                    (app.clone(), uri.clone(), cookie.clone(), csrf.clone());
                tokio::spawn(async move {
                    post(
                        &app,
                        &uri,
                        &cookie,
                        &[("csrf", &csrf), ("first", "4831"), ("second", "4831")],
                    )
                    .await
                })
            })
            .collect();
        let mut done = 0;
        let mut used = 0;
        for task in tasks {
            let page = task.await.unwrap();
            if page.status == StatusCode::OK && page.body.contains("Your new PIN works now") {
                done += 1;
            } else if page.status == StatusCode::GONE && page.body.contains("already been used") {
                used += 1;
            } else {
                panic!(
                    "{}: unexpected answer {}: {}",
                    h.backend, page.status, page.body
                );
            }
        }
        assert_eq!((done, used), (1, 49), "{}", h.backend);
    })
    .await;
}

#[tokio::test]
async fn dead_links_say_why_without_account_data() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let aino = id_of(h, "2900100001").await;
        let (_, old) = send_link(h, aino, LinkPurpose::Reset).await;
        let (_, newer) = send_link(h, aino, LinkPurpose::Reset).await;
        let revoked = get(&app, &format!("/link/{old}?lang=en")).await;
        assert_eq!(revoked.status, StatusCode::GONE);
        assert!(
            revoked.body.contains("a newer link was sent"),
            "{}",
            revoked.body
        );
        assert!(!revoked.body.contains("Aino") && !revoked.body.contains("example.fi"));
        assert!(
            revoked.body.contains("/request/kirjasto?lang=en"),
            "it says where to ask again"
        );
        h.clock.advance_ms(13 * 3_600_000);
        let expired = get(&app, &format!("/link/{newer}?lang=en")).await;
        assert_eq!(expired.status, StatusCode::GONE);
        assert!(expired.body.contains("has expired"), "{}", expired.body);
        let unknown = get(
            &app,
            "/link/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?lang=en",
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.body.contains("not valid"));
    })
    .await;
}
