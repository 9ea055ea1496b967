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
