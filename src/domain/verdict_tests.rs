//! Table-driven tests of the match verdict: every reason code, and the
//! accept/refuse decision under both email rules.

use super::*;

fn card(number: &str, status: CardStatus) -> CandidateCard {
    CandidateCard {
        number: number.into(),
        status,
    }
}

fn account(id: i64, email: &str, cards: &[(&str, CardStatus)], previous: &[&str]) -> Candidate {
    Candidate {
        account_id: id,
        email: email.into(),
        cards: cards.iter().map(|(n, s)| card(n, *s)).collect(),
        previous_emails: previous
            .iter()
            .map(|e| PreviousEmail {
                email: e.to_string(),
                until_ms: Some(1_740_000_000_000),
            })
            .collect(),
    }
}

fn world() -> Vec<Candidate> {
    use CardStatus::*;
    vec![
        account(
            1,
            "maija.virta@example.fi",
            &[("20001234", Active), ("10009999", Replaced)],
            &["maija@old.fi"],
        ),
        account(2, "Olli.Kuusi@Example.fi", &[("20005678", Active)], &[]),
        account(3, "perhe@example.fi", &[("20001111", Active)], &[]),
        account(4, "perhe@example.fi", &[("20002222", Active)], &[]),
        account(
            5,
            "ella.\u{e5}s@example.fi",
            &[("ab-3001", Active), ("20003333", Lost)],
            &[],
        ),
    ]
}

/// Runs the verdict with only the candidates the service would load.
fn verdict(card: Option<&str>, email: &str, rule: EmailMatch) -> MatchVerdict {
    let ck = card.map(card_key);
    let ek = email_key(email);
    let all = world();
    let candidates: Vec<Candidate> = all
        .iter()
        .filter(|c| {
            ck.as_deref()
                .is_some_and(|k| c.cards.iter().any(|x| card_key(&x.number) == k))
                || email_key(&c.email) == ek
                || c.previous_emails.iter().any(|p| email_key(&p.email) == ek)
        })
        .cloned()
        .collect();
    decide(&Typed { card, email }, &candidates, rule)
}

fn codes(f: &FieldVerdict) -> Vec<&'static str> {
    f.reasons.iter().map(Reason::code).collect()
}

/// (card typed, email typed, accepted, card codes, email codes)
type Case<'a> = (Option<&'a str>, &'a str, bool, &'a [&'a str], &'a [&'a str]);

#[test]
fn every_reason_code_in_one_table() {
    use EmailMatch::Exact as X;
    let table: &[Case] = &[
        (
            Some("20001234"),
            "maija.virta@example.fi",
            true,
            &["exact"],
            &["exact"],
        ),
        (
            Some("20001234"),
            "Maija.Virta@example.fi",
            false,
            &["exact"],
            &["case_differs"],
        ),
        (
            Some("20001234"),
            " maija.virta@example.fi ",
            false,
            &["exact"],
            &["whitespace"],
        ),
        (
            Some("2000 1234"),
            "maija.virta@example.fi",
            false,
            &["whitespace"],
            &["exact"],
        ),
        (
            Some("20001234"),
            "maija.virta@exmaple.fi",
            false,
            &["exact"],
            &["typo"],
        ),
        (
            Some("20001234"),
            "maija@old.fi",
            false,
            &["exact"],
            &["previous_email"],
        ),
        (
            Some("10009999"),
            "maija.virta@example.fi",
            false,
            &["old_card"],
            &["exact"],
        ),
        (
            Some("20003333"),
            "ella.\u{e5}s@example.fi",
            false,
            &["old_card"],
            &["exact"],
        ),
        (
            Some("20001243"),
            "maija.virta@example.fi",
            false,
            &["typo"],
            &["exact"],
        ),
        (
            Some("99999999"),
            "nobody@example.fi",
            false,
            &["card_unknown"],
            &["email_unknown"],
        ),
        (
            Some("99999999"),
            "maija.virta@example.fi",
            false,
            &["card_unknown"],
            &["exact"],
        ),
        (
            Some("20001234"),
            "someone.else@elsewhere.fi",
            false,
            &["exact"],
            &["other_email"],
        ),
        (
            Some("20001234"),
            "olli.kuusi@example.fi",
            false,
            &["exact"],
            &["other_email", "email_shared"],
        ),
        (
            Some("20001111"),
            "perhe@example.fi",
            true,
            &["exact"],
            &["exact", "email_shared"],
        ),
        (
            None,
            "perhe@example.fi",
            false,
            &["not_used"],
            &["email_shared"],
        ),
        (
            Some("20003001"),
            "ella.a\u{30a}s@example.fi",
            false,
            &["card_unknown"],
            &["unicode_form"],
        ),
        (
            Some("AB-3001"),
            "ella.\u{e5}s@example.fi",
            false,
            &["case_differs"],
            &["exact"],
        ),
        (
            Some("ab 3001"),
            "ella.\u{e5}s@example.fi",
            false,
            &["whitespace"],
            &["exact"],
        ),
        (
            Some("AB3001"),
            "Ella.A\u{30a}s@example.fi",
            false,
            &["whitespace", "case_differs"],
            &["unicode_form", "case_differs"],
        ),
    ];
    for (card, email, accepted, card_codes, email_codes) in table {
        let v = verdict(*card, email, X);
        assert_eq!(codes(&v.card), *card_codes, "card of {card:?} / {email:?}");
        assert_eq!(
            codes(&v.email),
            *email_codes,
            "email of {card:?} / {email:?}"
        );
        assert_eq!(v.accepted, *accepted, "accepted for {card:?} / {email:?}");
    }
}

#[test]
fn typo_positions_count_from_one() {
    let v = verdict(
        Some("20001234"),
        "maija.virta@exmaple.fi",
        EmailMatch::Exact,
    );
    assert_eq!(
        v.email.reasons[0],
        Reason::Typo {
            position: 15,
            distance: 2
        }
    );
    let v = verdict(
        Some("20001243"),
        "maija.virta@example.fi",
        EmailMatch::Exact,
    );
    assert_eq!(
        v.card.reasons[0],
        Reason::Typo {
            position: 7,
            distance: 2
        }
    );
}

#[test]
fn old_card_names_the_active_card() {
    let v = verdict(
        Some("10009999"),
        "maija.virta@example.fi",
        EmailMatch::Exact,
    );
    assert_eq!(
        v.card.reasons[0],
        Reason::OldCard {
            status: CardStatus::Replaced,
            active_ends: Some("1234".into())
        }
    );
    assert_eq!(v.account_id, Some(1));
}

#[test]
fn expected_values_are_masked() {
    let v = verdict(
        Some("20001234"),
        "Maija.Virta@example.fi",
        EmailMatch::Exact,
    );
    assert_eq!(
        v.email.expected_masked.as_deref(),
        Some("m****.v****@e******.fi")
    );
    assert_eq!(v.card.expected_masked.as_deref(), Some("****1234"));
    let unknown = verdict(Some("1"), "x@y.fi", EmailMatch::Exact);
    assert_eq!(unknown.email.expected_masked, None);
    assert_eq!(unknown.account_id, None);
}

#[test]
fn email_login_organisations_ignore_case_and_spacing() {
    let rule = EmailMatch::CaseInsensitive;
    assert!(verdict(None, " OLLI.KUUSI@example.fi", rule).accepted);
    assert!(verdict(None, "Olli.Kuusi@Example.fi", rule).accepted);
    // A previous address is recognised but not accepted.
    let old = verdict(None, "maija@old.fi", rule);
    assert!(!old.accepted);
    assert_eq!(codes(&old.email), ["previous_email"]);
    assert_eq!(old.account_id, Some(1));
    // Shared addresses cannot pick one account.
    assert!(!verdict(None, "perhe@example.fi", rule).accepted);
    assert_eq!(
        codes(&verdict(None, "x@nowhere.fi", rule).email),
        ["email_unknown"]
    );
}

#[test]
fn empty_input_is_refused_and_not_a_typo() {
    let v = verdict(Some(""), "", EmailMatch::Exact);
    assert!(!v.accepted);
    assert_eq!(codes(&v.card), ["card_unknown"]);
    assert_eq!(codes(&v.email), ["email_unknown"]);
}
