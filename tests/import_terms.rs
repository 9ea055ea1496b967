//! A re-import renews a changed account's search terms in place: the
//! stored terms its new data still gives keep their rows, the others are
//! deleted (a stray one an older version left too), and only the missing
//! ones are inserted; accounts the file leaves unchanged keep every row.
//! Batched and row-by-row imports leave the same terms; on every backend.

mod common;

use avain::domain::search_terms::{TermKind, TermSource, account_terms};
use avain::service::import::ImportOptions;
use avain::store::accounts;
use avain::store::entities::search_term;
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const FILE: &str = "\
external_id,full_name,email,card_number,phone
T1,Aino Aalto,aino@example.fi,2001,040 1111111
T2,Bertta Berg,bertta@example.fi,2002,
";

/// The file with T1's address and phone changed.
const CHANGED: &str = "\
external_id,full_name,email,card_number,phone
T1,Aino Aalto,aino.uusi@example.fi,2001,040 2222222
T2,Bertta Berg,bertta@example.fi,2002,
";

async fn import(h: &Harness, file: &str, row_by_row: bool) {
    let options = ImportOptions {
        row_by_row,
        ..Default::default()
    };
    import_csv(h, file, options).await.unwrap();
    h.clock.advance_ms(60_000);
}

/// The account's id and its stored terms as (row id, term, kind), by term.
async fn terms_of(h: &Harness, external_id: &str) -> (i64, Vec<(i64, String, TermKind)>) {
    let tx = h.services.store.begin_read().await.unwrap();
    let id = accounts::find_by_external_id(&tx, "kirjasto", external_id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let rows = search_term::Entity::find()
        .filter(search_term::Column::AccountId.eq(id))
        .all(&tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let mut terms: Vec<_> = rows.into_iter().map(|t| (t.id, t.term, t.kind)).collect();
    terms.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    (id, terms)
}

/// The terms T1's changed row gives, by term.
fn t1_changed_terms() -> Vec<(String, TermKind)> {
    let mut terms = account_terms(&TermSource {
        full_name: "Aino Aalto",
        email: "aino.uusi@example.fi",
        phone: Some("040 2222222"),
        login: None,
        cards: &["2001".to_string()],
    });
    terms.sort_by(|a, b| a.0.cmp(&b.0));
    terms
}

#[tokio::test]
async fn a_changed_row_rewrites_only_the_terms_that_changed() {
    for (backend, url) in backends() {
        for row_by_row in [false, true] {
            let h = harness(backend, url.as_deref()).await;
            import(&h, FILE, false).await;
            let (t1, before) = terms_of(&h, "T1").await;
            let (_, t2_before) = terms_of(&h, "T2").await;
            // A term an older version wrote, which no field gives now, and
            // a second copy of one it does give.
            h.services
                .store
                .execute_unprepared(&format!(
                    "INSERT INTO search_term (account_id, org, term, kind) VALUES \
                     ({t1}, 'kirjasto', 'stray', 'name'), ({t1}, 'kirjasto', 'aalto', 'name')"
                ))
                .await
                .unwrap();

            import(&h, CHANGED, row_by_row).await;
            let (_, after) = terms_of(&h, "T1").await;
            let t1_words: Vec<(String, TermKind)> =
                after.iter().map(|(_, t, k)| (t.clone(), *k)).collect();
            assert_eq!(
                t1_words,
                t1_changed_terms(),
                "{backend} row_by_row={row_by_row}"
            );
            let t2_after = terms_of(&h, "T2").await.1;
            let words = |terms: &[(i64, String, TermKind)]| -> Vec<(String, TermKind)> {
                terms.iter().map(|(_, t, k)| (t.clone(), *k)).collect()
            };
            assert_eq!(words(&t2_after), words(&t2_before), "{backend}");
            if !row_by_row {
                // The unchanged account keeps its rows; so do T1's name and
                // card terms, and its address and phone terms are new rows.
                // (The row-by-row path, the reference, rewrites them all.)
                assert_eq!(t2_after, t2_before, "{backend}");
                let kept: Vec<_> = after.iter().filter(|t| before.contains(t)).collect();
                let renewed: Vec<_> = after.iter().filter(|t| !before.contains(t)).collect();
                let kinds: Vec<TermKind> = renewed.iter().map(|t| t.2).collect();
                assert_eq!(kinds.len(), 2, "{backend}: {renewed:?}");
                assert!(kinds.contains(&TermKind::Email) && kinds.contains(&TermKind::Phone));
                assert_eq!(kept.len() + 2, after.len(), "{backend}");
            }
            // Search finds T1 by its new address and phone, not the old.
            let hits = |q: &'static str| {
                let h = &h;
                async move {
                    h.services
                        .search(&h.desk_library, q, 20)
                        .await
                        .unwrap()
                        .into_iter()
                        .filter(|hit| hit.id == t1)
                        .count()
                }
            };
            assert_eq!(hits("aino.uusi@").await, 1, "{backend}");
            assert_eq!(hits("0402222222").await, 1, "{backend}");
            assert_eq!(hits("aino@example").await, 0, "{backend}");
            assert_eq!(hits("0401111111").await, 0, "{backend}");
            h.close().await;
        }
    }
}
