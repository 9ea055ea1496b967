//! A search of several words finds every account whose terms start with
//! all of them, however many other accounts share the longest word, on
//! every backend.

mod common;

use common::*;

#[tokio::test]
async fn every_account_matching_all_words_is_found() {
    on_every_backend(async |h: &Harness| {
        // 1,200 patrons share the surname; the few named Zelda come last.
        let mut csv = String::from("external_id,full_name,email\n");
        for i in 0..1200 {
            csv += &format!("K{i},Anna Korhonen,anna.k{i}@example.fi\n");
        }
        for i in 0..3 {
            csv += &format!("Z{i},Zelda Korhonen,zelda{i}@example.fi\n");
        }
        let quiet = |_: u64, _: u64| {};
        h.services
            .import_accounts(&h.admin, "kirjasto", csv.as_bytes(), false, &quiet)
            .await
            .unwrap()
            .unwrap();
        let found = h
            .services
            .search(&h.desk_library, "zel korhonen", 20)
            .await
            .unwrap();
        let mut names: Vec<&str> = found.iter().map(|a| a.full_name.as_str()).collect();
        names.dedup();
        assert_eq!(found.len(), 3, "{}: {names:?}", h.backend);
        assert_eq!(names, ["Zelda Korhonen"], "{}", h.backend);
        // Word order does not matter, and a word no account has finds none.
        let found = h
            .services
            .search(&h.desk_library, "korh zelda", 20)
            .await
            .unwrap();
        assert_eq!(found.len(), 3, "{}", h.backend);
        let none = h
            .services
            .search(&h.desk_library, "zelda virtanen", 20)
            .await
            .unwrap();
        assert!(none.is_empty(), "{}", h.backend);
        // A common pair still fills the page.
        let many = h
            .services
            .search(&h.desk_library, "anna korhonen", 20)
            .await
            .unwrap();
        assert_eq!(many.len(), 20, "{}", h.backend);
        // The library desk sees nothing of the town's accounts.
        let town = h
            .services
            .search(&h.desk_town, "zel korhonen", 20)
            .await
            .unwrap();
        assert!(town.is_empty(), "{}", h.backend);
    })
    .await;
}

#[tokio::test]
async fn whole_first_words_come_first_and_the_rest_still_fill_the_list() {
    on_every_backend(async |h: &Harness| {
        let mut csv =
            String::from("external_id,full_name,email\nA1,Annaliisa Virtanen,al@example.fi\n");
        for i in 0..30 {
            csv += &format!("V{i},Matti Virtanen,mv{i}@example.fi\n");
        }
        for i in 0..5 {
            csv += &format!("T{i},Mattias Virtala,mt{i}@example.fi\n");
        }
        csv += "H1,Matti-Pekka Virtanen,mp@example.fi\n";
        csv += "E1,Liisa Virtanen,matti.v@example.fi\n";
        csv += "K1,Matti Korhonen,mk@example.fi\n";
        csv += "R1,Matti Tarakeski,rare@example.fi\n";
        csv += "A2,Anna Virtanen,av@example.fi\n";
        csv += "M3,Matti Juhani Virtanen,mj@example.fi\n";
        let quiet = |_: u64, _: u64| {};
        h.services
            .import_accounts(&h.admin, "kirjasto", csv.as_bytes(), false, &quiet)
            .await
            .unwrap()
            .unwrap();
        let names = |found: &[avain::service::AccountSummary]| -> Vec<String> {
            found.iter().map(|a| a.full_name.clone()).collect()
        };
        // A page of the whole-word pair alone.
        let page = h
            .services
            .search(&h.desk_library, "matti virt", 20)
            .await
            .unwrap();
        assert_eq!(page.len(), 20, "{}", h.backend);
        assert!(
            page.iter()
                .all(|a| a.full_name == "Matti Virtanen" && a.matched == "name"),
            "{}: {:?}",
            h.backend,
            names(&page)
        );
        // A longer list: the 30 pairs first, then every other match once.
        let others_of_matti_virt = ["Liisa Virtanen", "Matti-Pekka Virtanen", "Mattias Virtala"];
        for (query, total, rest_expected) in [
            ("matti virt", 38, &others_of_matti_virt[..]),
            ("Virtanen MATTI", 33, &others_of_matti_virt[..2]),
        ] {
            let all = h
                .services
                .search(&h.desk_library, query, 100)
                .await
                .unwrap();
            let listed = names(&all);
            assert_eq!(all.len(), total, "{} {query}: {listed:?}", h.backend);
            let mut ids: Vec<i64> = all.iter().map(|a| a.id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), total, "{} {query}: listed twice", h.backend);
            // The pairs: 30 Matti Virtanen and the one with a middle name.
            assert!(
                listed[..31]
                    .iter()
                    .all(|n| n == "Matti Virtanen" || n == "Matti Juhani Virtanen"),
                "{} {query}: {listed:?}",
                h.backend
            );
            let mut rest = listed[31..].to_vec();
            rest.sort();
            rest.dedup();
            assert_eq!(rest, rest_expected, "{} {query}", h.backend);
        }
        // The whole first name first, though the longer name came earlier.
        let found = h
            .services
            .search(&h.desk_library, "anna virtanen", 20)
            .await
            .unwrap();
        assert_eq!(
            names(&found),
            ["Anna Virtanen", "Annaliisa Virtanen"],
            "{}",
            h.backend
        );
        // A partial first word, a rare second word, and a middle name with
        // the surname (found word by word).
        for (query, name) in [
            ("matt tarak", "Matti Tarakeski"),
            ("matti tara", "Matti Tarakeski"),
            ("juhani virt", "Matti Juhani Virtanen"),
        ] {
            let found = h.services.search(&h.desk_library, query, 20).await.unwrap();
            assert_eq!(names(&found), [name], "{} {query}", h.backend);
        }
        // The town's desk sees none of it.
        let town = h
            .services
            .search(&h.desk_town, "matti virt", 20)
            .await
            .unwrap();
        assert!(town.is_empty(), "{}", h.backend);
    })
    .await;
}
