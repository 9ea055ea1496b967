//! A dry run shows, for each row that matches an account, the fields it
//! would change (personal data masked), counts the rows that change
//! nothing, warns about capitals in emails where the form compares them
//! exactly, and writes nothing. On every backend.

mod common;

use common::*;

#[tokio::test]
async fn a_dry_run_lists_each_changed_field_masked_and_writes_nothing() {
    on_every_backend(async |h: &Harness| {
        seed(h).await;
        let s = &h.services;
        let quiet = |_: u64, _: u64| {};
        let csv = "external_id,full_name,email,card_number,phone,legacy_credential\n\
            L1,Aino Virtanen,Aino.Virtanen@example.fi,2900100001,040 100 0001,no\n\
            L2,Mikko Lehtonen,Mikko.Lehtonen@Example.fi,2900100002,,yes\n\
            L3,Tuula Koskinen,tuula.k@example.org,2900100033,040 555 0003,no\n\
            L9,New Person,new.person@example.fi,2900100009,,no\n";
        let report = s
            .import_accounts(&h.admin, "kirjasto", csv.as_bytes(), true, &quiet)
            .await
            .unwrap()
            .unwrap();
        let b = &h.backend;
        assert_eq!(
            (
                report.rows,
                report.created,
                report.updated,
                report.unchanged
            ),
            (4, 1, 3, 1),
            "{b}"
        );
        assert_eq!(report.changes.len(), 2, "{b}: {:?}", report.changes);
        let aino = &report.changes[0];
        assert_eq!((aino.line, aino.fields.len()), (2, 1), "{b}: {aino:?}");
        assert_eq!(aino.fields[0].field, "email");
        assert_eq!(aino.fields[0].from, "a***.v*******@e******.fi");
        assert_eq!(aino.fields[0].to, "A***.V*******@e******.fi");
        let tuula = &report.changes[1];
        let fields: Vec<&str> = tuula.fields.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["email", "phone", "card_number"], "{b}");
        for f in &tuula.fields {
            for secret in ["tuula.k", "555", "2900100033", "perhe@"] {
                assert!(
                    !f.from.contains(secret) && !f.to.contains(secret),
                    "{b}: {f:?}"
                );
            }
        }
        assert_eq!(tuula.fields[2].to, "******0033", "{b}");
        // Lines 2 and 3 carry capitals; the library compares exactly.
        assert_eq!(report.warnings.len(), 1, "{b}");
        assert!(
            report.warnings[0]
                .starts_with("2 rows have capital letters in the email (lines 2, 3);"),
            "{b}: {:?}",
            report.warnings
        );
        // Nothing was written.
        let tuula_id = id_of(h, "2900100003").await;
        let detail = s.account_detail(&h.admin, tuula_id).await.unwrap();
        assert_eq!(detail.account.email_masked, "p****@e******.fi", "{b}");
        assert!(
            s.search(&h.admin, "new person", 5)
                .await
                .unwrap()
                .is_empty()
        );
        // The town compares emails without case: no warning there.
        let town = "external_id,full_name,email\nT2,Jari Tuominen,Jari.Tuominen@example.fi\n";
        let report = s
            .import_accounts(&h.admin, "kaupunki", town.as_bytes(), true, &quiet)
            .await
            .unwrap()
            .unwrap();
        assert!(report.warnings.is_empty(), "{b}: {:?}", report.warnings);
    })
    .await;
}
