//! The patron pages' limits through the real router, on every configured
//! database: they slow someone guessing at a card or sending floods, and
//! never lock the patron out or undo what staff sent.

mod common;

use avain::domain::SelfServiceOutcome;
use avain::domain::link::{LinkOrigin, LinkPurpose, LinkState};
use axum::http::StatusCode;
use common::web::{app, get, post_from};
use common::{Harness, id_of, on_every_backend, seed};
use std::time::Duration;

/// Waits until the account has `n` recorded self-service attempts.
async fn attempts_of(h: &Harness, account: i64, n: usize) -> avain::service::AccountDetail {
    for _ in 0..300 {
        let d = h
            .services
            .reread_account_detail(&h.admin, account)
            .await
            .unwrap();
        if d.attempts.len() >= n {
            // The detail is read in several queries: one more read after
            // the last request's commit sees its link and its attempt alike.
            return h
                .services
                .reread_account_detail(&h.admin, account)
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{}: {n} attempts were not recorded", h.backend);
}

#[tokio::test]
async fn guesses_at_a_card_do_not_lock_the_patron_out() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let tuula = id_of(h, "2900100003").await;
        let (cookie, csrf) = get(&app, "/request/kirjasto").await.csrf();
        let form = |card: &'static str, email: String| {
            vec![
                ("csrf", csrf.clone()),
                ("card", card.to_string()),
                ("email", email),
            ]
        };
        let send = async |client: &str, fields: Vec<(&str, String)>| {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_from(&app, client, "/request/kirjasto", &cookie, &fields)
                .await
                .status
        };
        // Someone tries seven addresses on the patron's card, one after
        // another: every answer is the same neutral page (no lock-out to
        // read from it). (Requests worked on at once may each pass the
        // check before the others count: a flood gets a few more through.)
        for i in 0..7 {
            let status = send(
                "192.0.2.1",
                form("2900100003", format!("guess{i}@example.fi")),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{}: guess {i}", h.backend);
            attempts_of(h, tuula, i + 1).await;
        }
        // The patron, from home, with the right address: a link comes.
        let status = send(
            "198.51.100.7",
            form("2900100003", "perhe@example.fi".into()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let detail = attempts_of(h, tuula, 8).await;
        assert_eq!(
            detail.links.len(),
            1,
            "{}: the patron got a link",
            h.backend
        );
        // Past five refusals the card's guesses are recorded as limited.
        let limited = detail
            .attempts
            .iter()
            .filter(|a| a.outcome == SelfServiceOutcome::RateLimited)
            .count();
        assert_eq!(limited, 2, "{}: {:?}", h.backend, detail.attempts);
        assert!(
            detail
                .attempts
                .iter()
                .any(|a| a.outcome == SelfServiceOutcome::LinkSent)
        );

        // The same pair six times: the sixth waits.
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(send("192.0.2.2", form("2900100004", "same@example.fi".into())).await);
        }
        assert_eq!(statuses[..5], [StatusCode::OK; 5]);
        assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS, "{}", h.backend);
        // One address, twenty forms in 15 minutes: the 21st waits (the
        // first client has sent 7).
        for i in 7..20 {
            let status = send(
                "192.0.2.1",
                form("2900100005", format!("more{i}@example.fi")),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{}: form {i}", h.backend);
        }
        let status = send("192.0.2.1", form("2900100006", "last@example.fi".into())).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}", h.backend);
        // Waiting helps: the window passes.
        h.clock.advance_ms(16 * 60 * 1000);
        let status = send("192.0.2.1", form("2900100006", "last@example.fi".into())).await;
        assert_eq!(status, StatusCode::OK, "{}", h.backend);
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_request_never_revokes_what_staff_sent() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let app = app(h);
        let kaisa = id_of(h, "T1").await;
        let invitation = h
            .services
            .send_link(&h.desk_town, kaisa, Some(LinkPurpose::FirstLogin))
            .await
            .unwrap();
        let (cookie, csrf) = get(&app, "/request/kaupunki").await.csrf();
        for _ in 0..2 {
            let fields = [
                ("csrf", csrf.as_str()),
                ("email", "kaisa.lindholm@example.fi"),
            ];
            let page = post_from(&app, "203.0.113.5", "/request/kaupunki", &cookie, &fields).await;
            assert_eq!(page.status, StatusCode::OK);
        }
        let detail = attempts_of(h, kaisa, 2).await;
        let staff_link = detail
            .links
            .iter()
            .find(|l| l.id == invitation.token_id)
            .unwrap();
        assert!(
            matches!(staff_link.state, LinkState::Active { .. }),
            "{}: the link staff sent still works: {:?}",
            h.backend,
            staff_link.state
        );
        // The patron's own requests: the second replaced the first, and
        // neither counted against what staff may send.
        let own: Vec<_> = detail
            .links
            .iter()
            .filter(|l| l.origin == LinkOrigin::SelfService)
            .collect();
        assert_eq!(own.len(), 2, "{}", h.backend);
        assert_eq!(
            own.iter()
                .filter(|l| matches!(l.state, LinkState::Active { .. }))
                .count(),
            1
        );
        h.services
            .send_link(&h.desk_town, kaisa, Some(LinkPurpose::FirstLogin))
            .await
            .unwrap();
    })
    .await;
}
