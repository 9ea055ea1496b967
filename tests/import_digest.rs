//! The import digest (a hash of the cards and earlier addresses a row
//! listed, kept on the account): a re-import decides an unchanged row
//! without reading its cards and addresses, and any other write to those
//! cards or addresses (the directory mirror, a desk's email correction)
//! empties it, so the next import reads and restores them. Batched and
//! row-by-row imports agree; on every backend.

mod common;

use avain::domain::verdict::CardStatus;
use avain::service::IdentityCheck;
use avain::service::import::{ImportOptions, ImportReport};
use avain::store::entities::account;
use avain::store::{Tx, accounts};
use common::*;

const FILE: &str = "\
external_id,full_name,email,card_number,old_cards,previous_emails
X1,Aino Aalto,aino@example.fi,1001,0901,aino@old.example
X2,Bertta Berg,bertta@example.fi,1002,,
X3,Cecilia Carlsson,cecilia@example.fi,1003,,cecilia@old.example
";

async fn import(h: &Harness, row_by_row: bool) -> ImportReport {
    let options = ImportOptions {
        row_by_row,
        ..Default::default()
    };
    let report = import_csv(h, FILE, options).await.unwrap();
    h.clock.advance_ms(60_000);
    report
}

async fn account(tx: &Tx, external_id: &str) -> account::Model {
    accounts::find_by_external_id(tx, "kirjasto", external_id)
        .await
        .unwrap()
        .unwrap()
}

/// The accounts as the three rows left them: (digest, updated_at) each.
async fn digests(h: &Harness) -> Vec<(Option<String>, i64)> {
    let tx = h.services.store.begin_read().await.unwrap();
    let mut out = Vec::new();
    for x in ["X1", "X2", "X3"] {
        let a = account(&tx, x).await;
        out.push((a.import_digest, a.updated_at));
    }
    tx.rollback().await.unwrap();
    out
}

/// X1's cards as (number, status), in id order.
async fn cards_of_x1(h: &Harness) -> Vec<(String, CardStatus)> {
    let tx = h.services.store.begin_read().await.unwrap();
    let a = account(&tx, "X1").await;
    let cards = accounts::cards_of(&tx, &[a.id]).await.unwrap();
    tx.rollback().await.unwrap();
    cards.into_iter().map(|c| (c.number, c.status)).collect()
}

#[tokio::test]
async fn a_reimport_skips_only_what_nothing_else_has_changed() {
    for (backend, url) in backends() {
        for row_by_row in [false, true] {
            let h = harness(backend, url.as_deref()).await;
            let first = import(&h, row_by_row).await;
            assert_eq!(first.created, 3, "{backend}");
            let stored = digests(&h).await;
            assert!(stored.iter().all(|(d, _)| d.is_some()), "{backend}");
            // Rows listing other cards or addresses have other digests.
            assert_ne!(stored[0].0, stored[1].0, "{backend}");
            assert_ne!(stored[1].0, stored[2].0, "{backend}");

            // The same file again changes nothing, not even updated_at.
            let again = import(&h, row_by_row).await;
            assert_eq!((again.updated, again.unchanged), (3, 3), "{backend}");
            assert_eq!(digests(&h).await, stored, "{backend}");

            // The directory mirror gives X1 a new card, as its sync does
            // (through the same store calls): X1's digest is emptied.
            let tx = h.services.store.begin_write().await.unwrap();
            let x1 = account(&tx, "X1").await;
            let cards = accounts::cards_of(&tx, &[x1.id]).await.unwrap();
            let active = cards.iter().find(|c| c.number == "1001").unwrap();
            accounts::set_card_status(&tx, active.id, CardStatus::Replaced, 0)
                .await
                .unwrap();
            accounts::add_card(&tx, &x1, "1099", CardStatus::Active, 0)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let after_mirror = digests(&h).await;
            assert_eq!(after_mirror[0].0, None, "{backend}");
            assert_eq!(after_mirror[1..], stored[1..], "{backend}");

            // A desk corrects X2's email: the old one becomes an earlier
            // address, and X2's digest is emptied too.
            let tx = h.services.store.begin_read().await.unwrap();
            let x2 = account(&tx, "X2").await.id;
            tx.rollback().await.unwrap();
            h.services
                .change_email(
                    &h.desk_library,
                    x2,
                    "bertta.new@example.fi",
                    IdentityCheck::InPerson,
                    None,
                )
                .await
                .unwrap();
            assert_eq!(digests(&h).await[1].0, None, "{backend}");

            // The file again: X1's card from the file is active again and
            // X2's email is the file's; X3 is still skipped unchanged.
            let restored = import(&h, row_by_row).await;
            assert_eq!((restored.updated, restored.unchanged), (3, 1), "{backend}");
            assert_eq!(
                cards_of_x1(&h).await,
                vec![
                    ("1001".to_string(), CardStatus::Active),
                    ("0901".to_string(), CardStatus::Replaced),
                    ("1099".to_string(), CardStatus::Replaced),
                ],
                "{backend}"
            );
            let tx = h.services.store.begin_read().await.unwrap();
            assert_eq!(account(&tx, "X2").await.email, "bertta@example.fi");
            tx.rollback().await.unwrap();
            let now = digests(&h).await;
            for (i, ((digest, updated_at), (was, was_at))) in now.iter().zip(&stored).enumerate() {
                assert_eq!(digest, was, "{backend}: row {i}'s digest again");
                // Only the fields of X2 (its email) were written.
                assert_eq!(updated_at == was_at, i != 1, "{backend}: row {i}");
            }
            h.close().await;
        }
    }
}

#[tokio::test]
async fn accounts_stored_before_the_digest_are_read_in_full_once() {
    for (backend, url) in backends() {
        let h = harness(backend, url.as_deref()).await;
        import(&h, false).await;
        let stored = digests(&h).await;
        // As the upgrade leaves them: no digest; X1's card changed since.
        h.services
            .store
            .execute_unprepared("UPDATE account SET import_digest = NULL")
            .await
            .unwrap();
        let tx = h.services.store.begin_write().await.unwrap();
        let x1 = account(&tx, "X1").await;
        let cards = accounts::cards_of(&tx, &[x1.id]).await.unwrap();
        let active = cards.iter().find(|c| c.number == "1001").unwrap();
        accounts::set_card_status(&tx, active.id, CardStatus::Lost, 0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let report = import(&h, false).await;
        // X1's card is active again, X2 and X3 change nothing; all three
        // get their digest back, and no account's fields were written.
        assert_eq!((report.updated, report.unchanged), (3, 2), "{backend}");
        assert_eq!(cards_of_x1(&h).await[0].1, CardStatus::Active, "{backend}");
        let now = digests(&h).await;
        for (i, ((digest, updated_at), (was, was_at))) in now.iter().zip(&stored).enumerate() {
            assert_eq!(digest, was, "{backend}: row {i}");
            assert_eq!(updated_at, was_at, "{backend}: row {i}");
        }
        h.close().await;
    }
}
