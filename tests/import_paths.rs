//! The batched import and the row-at-a-time import give exactly the same
//! accounts, cards, earlier addresses, search terms, audit and reports on
//! a mixed file (new, changed, unchanged and conflicting rows, and rows
//! that depend on rows before them), on every backend.

mod common;

use avain::service::import::ImportOptions;
use avain::store::entities::{account, audit, card, email_history, search_term};
use common::*;
use sea_orm::{EntityTrait, QueryOrder};
use std::collections::HashMap;

const FIRST: &str = "\
external_id,full_name,email,card_number,old_cards,previous_emails,login,phone,legacy_credential
X1,Aino Aalto,aino@example.fi,1001,0901,aino@old.example,aino,040 1,no
X2,Bertta Berg,bertta@example.fi,1002,,,bertta,,yes
X3,Cecilia Carlsson,cecilia@example.fi,1003,0903;0913,,cecilia,040 3,no
,Daniel Dahl,daniel@example.fi,1004,,,daniel,,no
,Eero Eskola,eero@example.fi,,,,eero,,no
X6,Fanny Forsman,fanny@example.fi,1006,,,fanny,,no
X7,Gustav Grön,gustav@example.fi,1007,0907,,gustav,,no
";

/// Every kind of row: line numbers are in the comments.
const MIXED: &str = "\
external_id,full_name,email,card_number,old_cards,previous_emails,login,phone,legacy_credential
X1,Aino Aalto,aino@example.fi,1001,0901,aino@old.example,aino,040 1,no
X2,Bertta Berg,bertta.new@example.fi,1002,,bertta@older.example;bertta@older.example,bertta,,yes
X3,Cecilia Carlsson,cecilia@example.fi,0903,,,cecilia,040 3,no
,Daniel Dahl,daniel@example.fi,1004,,,daniel,040 4,no
,Eero Eskola,Eero.E@example.fi,,,,eero,,no
X8,Hanna Heino,hanna@example.fi,1008,0908;0918,hanna@old.example;HANNA@example.fi,hanna,,no
,Iida Ilves,iida@example.fi,,,,shared,,no
,Iida Ilves,iida.second@example.fi,,,,shared,050 9,no
X9,Juha Jokela,juha@example.fi,1003,,,juha,,no
X10,Kalle Kivi,kalle@example.fi,1010,,,fanny,,no
,Not Cecilia,cecilia2@example.fi,0913,,,,,no
X6,Fanny Forsman,fanny@example.fi,1006,,,fanny2,,no
,Fanny Twin,twin@example.fi,,,,fanny,,no
X7,Gustav Grön,gustav.g@example.fi,1017,,,gustav,,no
,Gustav Grön,gustav.g@example.fi,1007,,,gustav,,yes
X11,Bad Email,not-an-email,1011,,,,,no
X12,Lotta Lind,lotta@example.fi,1012,,,,,no
";
// Lines: 2 unchanged; 3 new email and earlier addresses (one listed
// twice); 4 an old card becomes the active one; 5 found by card, new
// phone; 6 found by login, new email; 7 new with old cards and addresses
// (one equal to its own email); 8 new with a login that 9 then finds;
// 10 another account's card; 11 another account's login; 12 found by
// card, other name; 13 takes a new login, freeing "fanny" for 14; 15
// new card, 16 found by the card 15 replaced; 17 bad email; 18 new.

/// One database's import-related rows, account ids replaced by their
/// order (both paths number new accounts in file order).
#[derive(Debug, PartialEq)]
struct Picture {
    accounts: Vec<String>,
    cards: Vec<String>,
    history: Vec<String>,
    terms: Vec<String>,
    audit: Vec<String>,
}

async fn picture(h: &Harness) -> Picture {
    let tx = h.services.store.begin_read().await.unwrap();
    let accounts = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(&tx)
        .await
        .unwrap();
    let rank: HashMap<i64, usize> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let accounts_text = accounts
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a.id = rank[&a.id] as i64;
            format!("{a:?}")
        })
        .collect();
    let cards = card::Entity::find().all(&tx).await.unwrap();
    let cards = sorted(
        cards
            .into_iter()
            .map(|c| {
                let (r, n, k, s) = (rank[&c.account_id], c.number, c.number_key, c.status);
                format!("{r} {n} {k} {s:?} {} {:?}", c.created_at, c.changed_at)
            })
            .collect(),
    );
    let history = email_history::Entity::find().all(&tx).await.unwrap();
    let history = sorted(
        history
            .into_iter()
            .map(|e| {
                let r = rank[&e.account_id];
                format!(
                    "{r} {} {} {} {:?}",
                    e.email, e.email_key, e.until_at, e.changed_by
                )
            })
            .collect(),
    );
    let terms = search_term::Entity::find().all(&tx).await.unwrap();
    let terms = sorted(
        terms
            .into_iter()
            .map(|t| format!("{} {} {} {:?}", rank[&t.account_id], t.org, t.term, t.kind))
            .collect(),
    );
    let audit = audit::Entity::find()
        .order_by_asc(audit::Column::Seq)
        .all(&tx)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            format!(
                "{} {} {:?} {:?} {}",
                a.at, a.action, a.org, a.account_id, a.detail
            )
        })
        .collect();
    tx.rollback().await.unwrap();
    Picture {
        accounts: accounts_text,
        cards,
        history,
        terms,
        audit,
    }
}

/// Runs the same imports on `h` the given way; the reports as JSON.
async fn imports(h: &Harness, row_by_row: bool) -> Vec<String> {
    let run = async |csv: &str, skip_bad_rows: bool, dry_run: bool| {
        let options = ImportOptions {
            dry_run,
            skip_bad_rows,
            allow_name_changes: false,
            row_by_row,
        };
        let result = import_csv(h, csv, options).await;
        h.clock.advance_ms(60_000);
        serde_json::to_string(
            &result.map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>()),
        )
        .unwrap()
    };
    let well_formed: String = MIXED
        .lines()
        .filter(|l| !l.contains("not-an-email"))
        .map(|l| format!("{l}\n"))
        .collect();
    // Runs that roll back come last: on PostgreSQL the row-at-a-time path
    // takes ids from the sequence even in a transaction that is undone.
    vec![
        run(FIRST, false, false).await,
        run(MIXED, true, false).await,
        // The same file again: what was written is now unchanged.
        run(MIXED, true, false).await,
        // All or nothing: the conflicts with the database refuse the file.
        run(&well_formed, false, false).await,
        run(MIXED, true, true).await,
    ]
}

#[tokio::test]
async fn batched_and_row_by_row_imports_write_the_same() {
    for (backend, url) in backends() {
        let reference = harness(backend, url.as_deref()).await;
        let batched = harness(backend, url.as_deref()).await;
        let expected = imports(&reference, true).await;
        let got = imports(&batched, false).await;
        for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
            assert_eq!(e, g, "{backend}: import {i}");
        }
        // The file really is mixed: each kind of row is in the reports.
        for kind in ["\"created\":4", "\"unchanged\":1", "not an email", "named"] {
            assert!(expected[1].contains(kind), "{kind}: {}", expected[1]);
        }
        assert!(
            expected[3].contains("belongs to account"),
            "{}",
            expected[3]
        );
        assert!(expected[4].contains("\"dry_run\":true"), "{}", expected[4]);
        let (want, have) = (picture(&reference).await, picture(&batched).await);
        assert_eq!(want.accounts, have.accounts, "{backend}");
        assert_eq!(want.cards, have.cards, "{backend}");
        assert_eq!(want.history, have.history, "{backend}");
        assert_eq!(want.terms, have.terms, "{backend}");
        assert_eq!(want.audit, have.audit, "{backend}");
        // Line 14 got the login line 13 gave up; line 16 found the account
        // line 15 had just given a new card.
        assert!(
            want.accounts.iter().any(|a| a.contains("Fanny Twin")),
            "{backend}"
        );
        assert_eq!(want.accounts.len(), 11, "{backend}: 7 + 4 new");
        reference.close().await;
        batched.close().await;
    }
}
