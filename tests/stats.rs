//! The statistics of one organisation over a period, figure by figure,
//! from attempts, links, mails and desk work made at known times (in
//! Europe/Helsinki, UTC+2 in March), including attempts half a minute
//! either side of local midnight; on every backend.

mod common;

use avain::domain::link::LinkPurpose;
use avain::service::stats::Named;
use common::*;
use zeroize::Zeroizing;

/// 2026-03-08 23:59:30 and 2026-03-09 00:00:30 in Helsinki.
const BEFORE_MIDNIGHT: i64 = 1_773_007_170_000;
const AFTER_MIDNIGHT: i64 = 1_773_007_230_000;
/// 2026-03-09 12:00 and 12:05 in Helsinki.
const DAY2_NOON: i64 = 1_773_050_400_000;
const DAY2_NOON_5: i64 = 1_773_050_700_000;
/// 2026-03-10 09:00, 09:20, 10:00 and 12:00 (now) in Helsinki.
const DAY3_0900: i64 = 1_773_126_000_000;
const DAY3_0920: i64 = 1_773_127_200_000;
const DAY3_1000: i64 = 1_773_129_600_000;
const DAY3_NOON: i64 = 1_773_136_800_000;

fn named(pairs: &[(&str, i64)]) -> Vec<Named> {
    pairs
        .iter()
        .map(|(name, n)| Named {
            name: name.to_string(),
            n: *n,
        })
        .collect()
}

#[tokio::test]
async fn every_figure_of_a_known_period() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let b = h.backend;
        let ask = async |card: &str, email: &str| {
            s.self_service_request("kirjasto", Some(card), email, None)
                .await
                .unwrap()
        };
        // Day 1, half a minute before midnight, and day 2 half a minute
        // after: the same case mistake.
        h.clock.set_ms(BEFORE_MIDNIGHT);
        ask("2900100002", "mikko.lehtonen@example.fi").await;
        h.clock.set_ms(AFTER_MIDNIGHT);
        ask("2900100002", "mikko.lehtonen@example.fi").await;
        // Day 2: a staff link for Veera, superseded five minutes later by
        // another, which expires unused 12 hours after.
        let veera = id_of(h, "2900100004").await;
        h.clock.set_ms(DAY2_NOON);
        s.send_link(&h.desk_library, veera, Some(LinkPurpose::Reset)).await.unwrap();
        h.clock.set_ms(DAY2_NOON_5);
        s.send_link(&h.desk_library, veera, Some(LinkPurpose::Reset)).await.unwrap();
        // Day 3: Aino asks herself and sets a PIN 20 minutes later; an
        // unknown card; a staff link for Tuula whose mail fails.
        h.clock.set_ms(DAY3_0900);
        let aino = ask("2900100001", "aino.virtanen@example.fi").await;
        ask("2999999999", "someone@example.fi").await;
        let mail = s
            .outbox_message(&h.admin, aino.outbox_id.unwrap(), true)
            .await
            .unwrap();
        let token = mail.link.unwrap().rsplit('/').next().unwrap().to_string();
        h.clock.set_ms(DAY3_0920);
        let pin = || Zeroizing::new("4821".to_string());
        s.redeem(&token, pin(), pin(), None).await.unwrap().unwrap();
        h.clock.set_ms(DAY3_1000);
        let tuula = id_of(h, "2900100003").await;
        let sent = s.send_link(&h.desk_library, tuula, Some(LinkPurpose::Reset)).await.unwrap();
        // The mail server's verdicts, as the worker would record them.
        let store = &s.store;
        store
            .execute_unprepared(&format!(
                "UPDATE outbox SET status = 'failed', attempts = 3, last_answer = \
                 '550 5.1.1 mailbox unavailable; id 7QX' WHERE id = {}",
                sent.outbox_id
            ))
            .await
            .unwrap();
        store
            .execute_unprepared(&format!(
                "UPDATE outbox SET status = 'sent', attempts = 2, sent_at = {DAY3_0900} WHERE id = {}",
                aino.outbox_id.unwrap()
            ))
            .await
            .unwrap();
        h.clock.set_ms(DAY3_NOON);

        let st = s.org_stats(&h.desk_library, "kirjasto", 3).await.unwrap();
        assert_eq!((st.from_date.as_str(), st.to_date.as_str()), ("2026-03-08", "2026-03-10"), "{b}");
        assert_eq!(st.time_zone, "Europe/Helsinki");
        assert_eq!(st.attempts.total, 4, "{b}");
        assert_eq!(
            st.attempts.by_cause,
            named(&[("email_case_differs", 2), ("accepted", 1), ("card_card_unknown", 1)]),
            "{b}"
        );
        let day = |i: usize| {
            st.attempts.by_day[i]
                .counts
                .iter()
                .map(|c| c.n)
                .collect::<Vec<_>>()
        };
        assert_eq!(st.attempts.by_day.len(), 3);
        assert_eq!(st.attempts.by_day[0].date, "2026-03-08");
        assert_eq!(day(0), [1, 0, 0], "{b}: 23:59:30 is the 8th");
        assert_eq!(day(1), [1, 0, 0], "{b}: 00:00:30 is the 9th");
        assert_eq!(day(2), [0, 1, 1], "{b}");

        let l = &st.links;
        assert_eq!(
            (l.sent_by_staff, l.sent_by_self_service, l.sent_in_bulk),
            (3, 1, 0),
            "{b}"
        );
        assert_eq!(
            (l.used, l.revoked, l.expired_unused, l.still_live),
            (1, 1, 1, 1),
            "{b}"
        );
        assert_eq!(l.share_used, Some(1.0 / 3.0));

        let m = &st.mail;
        assert_eq!((m.sent, m.sent_after_retry, m.failed, m.waiting), (1, 1, 1, 2), "{b}");
        assert_eq!(m.failed_domains, named(&[("example.fi", 1)]), "{b}");
        assert_eq!(m.failed_answers, named(&[("550 5.1.1 mailbox unavailable", 1)]), "{b}");

        let d = st.time_to_credential.as_ref().unwrap();
        assert_eq!((d.links, d.median_ms, d.p90_ms), (1, 1_200_000, 1_200_000), "{b}");

        assert_eq!(st.desk.total, 3, "{b}");
        assert_eq!(st.desk.by_kind, named(&[("link.send", 3)]), "{b}");
        let per_day: Vec<i64> = st.desk.by_day.iter().map(|d| d.n).collect();
        assert_eq!(per_day, [0, 2, 1], "{b}");

        // One day: only today.
        let today = s.org_stats(&h.desk_library, "kirjasto", 1).await.unwrap();
        assert_eq!(today.attempts.total, 2, "{b}");
        assert_eq!(today.links.sent_by_staff, 1, "{b}");
        // Only one's own organisations; a period in range.
        assert!(s.org_stats(&h.desk_town, "kirjasto", 3).await.is_err());
        assert!(s.org_stats(&h.desk_library, "kirjasto", 0).await.is_err());
        let town = s.org_stats(&h.desk_town, "kaupunki", 3).await.unwrap();
        assert_eq!((town.attempts.total, town.links.sent_by_staff), (0, 0), "{b}");

        // A month later the three days have settled: counted once, kept,
        // and read back the same (Tuula's link has expired meanwhile; the
        // time to a PIN is kept to within 5 %).
        h.clock.set_ms(DAY3_NOON + 30 * 86_400_000);
        let later = s.org_stats(&h.desk_library, "kirjasto", 33).await.unwrap();
        assert_eq!(later.from_date, "2026-03-08", "{b}");
        assert_eq!(later.attempts.by_cause, st.attempts.by_cause, "{b}");
        assert_eq!(later.attempts.by_day[..3].iter().map(|d| d.counts.clone()).collect::<Vec<_>>(),
            st.attempts.by_day.iter().map(|d| d.counts.clone()).collect::<Vec<_>>(), "{b}");
        let l = &later.links;
        assert_eq!((l.used, l.revoked, l.expired_unused, l.still_live), (1, 1, 2, 0), "{b}");
        assert_eq!(later.mail.failed_domains, st.mail.failed_domains, "{b}");
        assert_eq!(later.desk.by_kind, st.desk.by_kind, "{b}");
        let d = later.time_to_credential.as_ref().unwrap();
        assert!(d.median_ms <= 1_200_000 && d.median_ms >= 1_140_000, "{b}: {d:?}");
        // Kept: a row deleted afterwards no longer changes a settled day.
        store
            .execute_unprepared(&format!(
                "DELETE FROM selfservice_attempt WHERE created_at = {BEFORE_MIDNIGHT}"
            ))
            .await
            .unwrap();
        let again = s.org_stats(&h.desk_library, "kirjasto", 33).await.unwrap();
        assert_eq!(again.attempts.total, 4, "{b}: the settled day was read from what was kept");
        assert_eq!(again.links.expired_unused, 2, "{b}");
    })
    .await;
}

#[test]
fn stats_json_and_csv_from_the_command_line() {
    use common::bin::avain;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let built = avain(data, &["demo", "--no-console", "--accounts", "20"], None);
    assert_eq!(built.code, 0, "{}", built.stderr);
    // A patron's own failed try, so there is a cause to count.
    let tried = avain(
        data,
        &[
            "--demo",
            "selfservice",
            "--org",
            "kirjasto",
            "--card",
            "2900100002",
            "--email",
            "mikko.lehtonen@example.fi",
        ],
        None,
    );
    assert_eq!(tried.code, 0, "{}", tried.stderr);
    let v = avain(
        data,
        &[
            "--demo", "--json", "stats", "--org", "kirjasto", "--since", "7d",
        ],
        None,
    )
    .json();
    assert_eq!(v["org"], "kirjasto");
    assert_eq!(v["days"], 7);
    let days = v["attempts"]["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 7, "{v}");
    assert!(
        days.iter()
            .all(|d| d["date"].is_string() && d["counts"].is_array())
    );
    let causes = v["attempts"]["by_cause"].as_array().unwrap();
    assert!(
        causes.iter().any(|c| c["name"] == "email_case_differs"),
        "{v}"
    );
    for key in [
        "sent_by_staff",
        "used",
        "expired_unused",
        "revoked",
        "still_live",
    ] {
        assert!(v["links"][key].is_i64(), "links.{key}: {v}");
    }
    for key in [
        "sent",
        "sent_after_retry",
        "failed",
        "waiting",
        "failed_domains",
        "failed_answers",
    ] {
        assert!(!v["mail"][key].is_null(), "mail.{key}: {v}");
    }
    assert!(v["desk"]["by_day"].as_array().unwrap().len() == 7, "{v}");

    let csv = avain(
        data,
        &[
            "--demo", "stats", "--org", "kirjasto", "--since", "7d", "--csv",
        ],
        None,
    );
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let mut lines = csv.stdout.lines();
    assert_eq!(lines.next(), Some("date,cause,attempts"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 7 * causes.len(), "{}", csv.stdout);
    assert!(
        rows.iter()
            .all(|r| r.len() == 3 && r[2].parse::<u64>().is_ok())
    );
    let counted: u64 = rows.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(counted, v["attempts"]["total"].as_u64().unwrap());

    let text = avain(data, &["--demo", "stats", "--org", "kirjasto"], None);
    assert!(
        text.stdout.contains("email: case differs"),
        "{}",
        text.stdout
    );
    let bad = avain(
        data,
        &["--demo", "stats", "--org", "kirjasto", "--since", "0d"],
        None,
    );
    assert_eq!(bad.code, 2);
    let other = avain(data, &["--demo", "stats", "--org", "nowhere"], None);
    assert!(
        other
            .stderr
            .contains("No organisation \"nowhere\" among yours (kirjasto, kaupunki)"),
        "{}",
        other.stderr
    );
}
