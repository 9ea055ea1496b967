//! Search, the verdict through the service, self-service requests and
//! importing, on every backend.

mod common;

use avain::service::import::CsvInput;
use avain::service::{Badge, SelfServiceOutcome};
use common::*;

#[tokio::test]
async fn search_finds_by_prefix_of_every_field_accent_insensitive() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let lib = &h.desk_library;
        let names = |v: Vec<avain::service::AccountSummary>| {
            v.into_iter().map(|a| a.full_name).collect::<Vec<_>>()
        };
        assert_eq!(
            names(s.search(lib, "hakkinen", 10).await.unwrap()),
            ["Anna-Liisa Häkkinen"],
            "{}",
            h.backend
        );
        assert_eq!(
            names(s.search(lib, "HÄKK", 10).await.unwrap()),
            ["Anna-Liisa Häkkinen"]
        );
        assert_eq!(
            names(s.search(lib, "liisa", 10).await.unwrap()),
            ["Anna-Liisa Häkkinen"]
        );
        assert_eq!(
            names(s.search(lib, "2900 1000 02", 10).await.unwrap()),
            ["Mikko Lehtonen"]
        );
        assert_eq!(
            names(s.search(lib, "2900099002", 10).await.unwrap()),
            ["Mikko Lehtonen"],
            "old cards are found too"
        );
        assert_eq!(
            names(s.search(lib, "mikko.LEHTONEN@", 10).await.unwrap()),
            ["Mikko Lehtonen"]
        );
        assert_eq!(
            names(s.search(lib, "+358 50 100", 10).await.unwrap()),
            ["Anna-Liisa Häkkinen"]
        );
        assert_eq!(
            names(s.search(lib, "050 1000", 10).await.unwrap()),
            ["Anna-Liisa Häkkinen"]
        );
        assert_eq!(
            names(s.search(lib, "koskinen veera", 10).await.unwrap()),
            ["Veera Koskinen"]
        );
        assert_eq!(s.search(lib, "koskinen", 10).await.unwrap().len(), 2);
        assert_eq!(s.search(lib, "koskinen", 1).await.unwrap().len(), 1);
        assert!(s.search(lib, "   ", 10).await.unwrap().is_empty());
        assert!(s.search(lib, "zzz", 10).await.unwrap().is_empty());
        assert!(
            s.search(lib, "%", 10).await.unwrap().is_empty(),
            "no LIKE wildcards"
        );
        let mikko = &s.search(lib, "lehtonen", 10).await.unwrap()[0];
        assert_eq!(mikko.card_masked.as_deref(), Some("******0002"));
        assert_eq!(mikko.badges, [Badge::LegacyPin]);
        // Exact matches come first.
        let aino = id_of(h, "2900100001").await;
        s.change_email(
            &h.desk_library,
            aino,
            "virta@example.fi",
            avain::service::IdentityCheck::InPerson,
            None,
        )
        .await
        .unwrap();
        let hits = s.search(lib, "virta", 10).await.unwrap();
        assert_eq!(hits[0].matched, "email", "{}: {hits:?}", h.backend);
        // A live link shows on the result row; a revoked one does not.
        let badges_of_aino = async || {
            let hits = s.search(lib, "virta@", 10).await.unwrap();
            hits.into_iter().find(|a| a.id == aino).unwrap().badges
        };
        assert!(!badges_of_aino().await.contains(&Badge::ActiveLink));
        let sent = s.send_link(lib, aino, None).await.unwrap();
        assert!(badges_of_aino().await.contains(&Badge::ActiveLink));
        s.revoke_link(lib, sent.token_id).await.unwrap();
        assert!(!badges_of_aino().await.contains(&Badge::ActiveLink));
        // Staff of another organisation find nothing of this one's.
        assert!(
            s.search(&h.desk_town, "virta@", 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

/// (card, email, accepted, card codes, email codes)
type VerifyCase<'a> = (&'a str, &'a str, bool, &'a [&'a str], &'a [&'a str]);

#[tokio::test]
async fn verify_through_the_service_reaches_the_reason_codes_and_is_audited() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let lib = &h.desk_library;
        let codes = |f: &avain::domain::verdict::FieldVerdict| {
            f.reasons.iter().map(|r| r.code()).collect::<Vec<_>>()
        };
        let cases: &[VerifyCase] = &[
            (
                "2900100001",
                "aino.virtanen@example.fi",
                true,
                &["exact"],
                &["exact"],
            ),
            (
                "2900100002",
                "mikko.lehtonen@example.fi",
                false,
                &["exact"],
                &["case_differs"],
            ),
            (
                "2900100002",
                "mikko@old.example",
                false,
                &["exact"],
                &["previous_email"],
            ),
            (
                "2900099002",
                "Mikko.Lehtonen@Example.fi",
                false,
                &["old_card"],
                &["exact"],
            ),
            (
                "2900 100001",
                "aino.virtanen@example.fi ",
                false,
                &["whitespace"],
                &["whitespace"],
            ),
            (
                "2900100010",
                "aino.virtanen@example.fi",
                false,
                &["typo"],
                &["exact"],
            ),
            (
                "2900100003",
                "perhe@example.fi",
                true,
                &["exact"],
                &["exact", "email_shared"],
            ),
            (
                "2900100001",
                "perhe@example.fi",
                false,
                &["exact"],
                &["other_email", "email_shared"],
            ),
            (
                "1",
                "nobody@example.fi",
                false,
                &["card_unknown"],
                &["email_unknown"],
            ),
        ];
        for (card, email, accepted, card_codes, email_codes) in cases {
            let v = s.verify(lib, "kirjasto", Some(card), email).await.unwrap();
            assert_eq!(
                (v.accepted, codes(&v.card), codes(&v.email)),
                (*accepted, card_codes.to_vec(), email_codes.to_vec()),
                "{}: {card} {email}",
                h.backend
            );
        }
        let town = s
            .verify(
                &h.desk_town,
                "kaupunki",
                Some("ignored"),
                "KAISA.LINDHOLM@example.fi",
            )
            .await
            .unwrap();
        assert!(town.accepted, "email logins ignore case");
        assert_eq!(codes(&town.card), ["not_used"]);
        let rows = s.audit_list(&h.admin, None, 100).await.unwrap();
        assert_eq!(
            rows.iter().filter(|r| r.action == "verify").count(),
            cases.len() + 1
        );
    })
    .await;
}

#[tokio::test]
async fn self_service_answers_alike_but_records_why() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let refused = s
            .self_service_request(
                "kirjasto",
                Some("2900100002"),
                "mikko.lehtonen@example.fi",
                Some("10.0.0.1"),
            )
            .await
            .unwrap();
        assert_eq!(refused.outcome, SelfServiceOutcome::Refused);
        assert_eq!(refused.outbox_id, None);
        let sent = s
            .self_service_request(
                "kirjasto",
                Some("2900100002"),
                "Mikko.Lehtonen@Example.fi",
                None,
            )
            .await
            .unwrap();
        assert_eq!(sent.outcome, SelfServiceOutcome::LinkSent);
        let mikko = id_of(h, "2900100002").await;
        let detail = s.account_detail(&h.desk_library, mikko).await.unwrap();
        assert_eq!(detail.attempts.len(), 2);
        assert_eq!(detail.attempts[1].email_codes, ["case_differs"]);
        assert_eq!(detail.attempts[1].client.as_deref(), Some("10.0.0.1"));
        assert_eq!(detail.links[0].created_by, "self-service");
        // Self-service links live 30 minutes.
        assert_eq!(
            detail.links[0].expires_at - detail.links[0].created_at,
            30 * 60_000
        );
        // The town's first login sends the set-password invitation.
        let kaisa = s
            .self_service_request("kaupunki", None, " Kaisa.Lindholm@example.fi", None)
            .await
            .unwrap();
        assert_eq!(kaisa.outcome, SelfServiceOutcome::LinkSent);
        let links = s.links(&h.desk_town, id_of(h, "T1").await).await.unwrap();
        assert_eq!(
            links[0].purpose,
            avain::domain::link::LinkPurpose::FirstLogin
        );
        assert_eq!(links[0].expires_at - links[0].created_at, 7 * 86_400_000);
        let old = s
            .self_service_request("kaupunki", None, "kaisa@old.example", None)
            .await
            .unwrap();
        assert_eq!(old.outcome, SelfServiceOutcome::Refused);
        assert_eq!(
            old.account_id,
            Some(id_of(h, "T1").await),
            "staff can see whose old address it was"
        );
    })
    .await;
}

#[tokio::test]
async fn a_bad_csv_imports_nothing_and_names_line_and_column() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let quiet = |_: u64, _: u64| {};
        let count = async || s.search(&h.admin, "example", 1000).await.unwrap().len();
        let before = count().await;
        let bad: &[(&[u8], &str)] = &[
            (b"full_name,email\nNew Person,new@example.fi\nBad,not-email\n", "line 3, column 2 (email)"),
            (b"full_name,email,card_number\nA,a@example.fi,77\nB,b@example.fi,77\n", "line 3, column 3 (card_number)"),
            (b"full_name,email\nA,a@example.fi,x\n", "line 2: 3 columns"),
            (b"full_name,email\nA\xff,a@example.fi\n", "line 2, column 1"),
            // A card that already belongs to another account (a database conflict, found while writing).
            (
                b"external_id,full_name,email,card_number\nN1,Ok Person,ok@example.fi,5550001\nN2,C,c@example.fi,2900100001\n",
                "line 3, column 4 (card_number): card \"2900100001\" belongs to account",
            ),
        ];
        for (csv, expected) in bad {
            let errors = s.import_accounts(&h.admin, "kirjasto", csv, false, &quiet).await.unwrap().unwrap_err();
            assert!(errors[0].to_string().starts_with(expected), "{}: {} vs {expected}", h.backend, errors[0]);
        }
        assert_eq!(count().await, before, "{}: nothing was imported", h.backend);
        // A dry run reports and writes nothing; a real run updates by external id.
        let update = LIBRARY_CSV.replace("Aino Virtanen,aino.virtanen@example.fi", "Aino Uusi,aino.uusi@example.fi");
        let report = s.import_accounts(&h.admin, "kirjasto", update.as_bytes(), true, &quiet).await.unwrap().unwrap();
        assert_eq!((report.created, report.updated, report.dry_run), (0, 5, true));
        assert!(s.search(&h.admin, "uusi", 5).await.unwrap().is_empty());
        s.import_accounts(&h.admin, "kirjasto", update.as_bytes(), false, &quiet).await.unwrap().unwrap();
        let found = s.search(&h.admin, "uusi", 5).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(count().await, before);
        let detail = s.account_detail(&h.admin, found[0].id).await.unwrap();
        assert_eq!(detail.previous_emails.len(), 1, "the old address went to history");
    })
    .await;
}

#[tokio::test]
async fn a_row_found_by_card_does_not_rename_another_patron() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let quiet = |_: u64, _: u64| {};
        // No external id: the row is matched by its card, which is Aino's.
        let csv = b"full_name,email,card_number\nNew Person,new.person@example.fi,2900100001\n";
        for dry_run in [true, false] {
            let errors = s
                .import_accounts(&h.admin, "kirjasto", csv, dry_run, &quiet)
                .await
                .unwrap()
                .unwrap_err();
            let message = errors[0].to_string();
            assert!(
                message.starts_with(
                    "line 2, column 3 (card_number): card \"2900100001\" belongs to account #"
                ) && message.contains("named \"Aino Virtanen\", not \"New Person\"")
                    && message.contains("--allow-name-changes"),
                "{}: {message}",
                h.backend
            );
        }
        let aino = s.search(&h.admin, "virtanen", 5).await.unwrap();
        assert_eq!(aino.len(), 1);
        let detail = s.account_detail(&h.admin, aino[0].id).await.unwrap();
        assert_eq!(detail.account.full_name, "Aino Virtanen");
        assert!(
            detail.previous_emails.is_empty(),
            "{}: her address untouched",
            h.backend
        );
        // The same name in other case and spacing is the same person.
        let same = b"full_name,email,card_number\n  aino   VIRTANEN,aino.v@example.fi,2900100001\n";
        let report = s
            .import_accounts(&h.admin, "kirjasto", same, false, &quiet)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((report.created, report.updated), (0, 1), "{}", h.backend);
        // Asked for, a real change of name goes through.
        let options = avain::service::import::ImportOptions {
            allow_name_changes: true,
            ..Default::default()
        };
        let renamed = b"full_name,email,card_number\nAino Uusinimi,aino.v@example.fi,2900100001\n";
        let report = s
            .import_accounts_with(
                &h.admin,
                "kirjasto",
                CsvInput::Bytes(renamed),
                options,
                &quiet,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(report.updated, 1);
        let detail = s.account_detail(&h.admin, aino[0].id).await.unwrap();
        assert_eq!(detail.account.full_name, "Aino Uusinimi", "{}", h.backend);
    })
    .await;
}
