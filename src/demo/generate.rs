//! Generated synthetic accounts: deterministic, Finnish- and Swedish-style
//! names put together from common parts, addresses under reserved domains.

use crate::store::bulk::BulkAccount;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const FIRST: &[&str] = &[
    "Aino", "Eero", "Helmi", "Ilmari", "Johanna", "Kalle", "Liisa", "Matti", "Noora", "Olli",
    "Pirjo", "Risto", "Sanna", "Teemu", "Ulla", "Ville", "Aada", "Emil", "Iida", "Joel", "Kerttu",
    "Leevi", "Minna", "Niilo", "Oona", "Paavo", "Reetta", "Saku", "Tiia", "Veikko", "Elsa",
    "Anton", "Hilma", "Lauri", "Venla", "Onni", "Maija", "Juho", "Alma", "Eetu", "Sofia",
    "Viljami", "Ella", "Elias", "Linnea", "Axel", "Ebba", "Hugo", "Wilma", "Nils", "Väinö",
    "Sölve", "Åsa", "Ørjan",
];
const LAST: &[&str] = &[
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
    "Lindqvist",
    "Björklund",
    "Sjöberg",
    "Åström",
    "Grönroos",
    "Häkkinen",
    "Öhman",
    "Ek",
    "Lindholm",
    "Wikström",
    "Kallio",
    "Peltonen",
    "Hiltunen",
    "Vainio",
    "Koivisto",
    "Leppänen",
    "Aaltonen",
    "Hirvonen",
    "Manninen",
];
/// Syllables for rare surnames (one account in 500 gets one).
const SYLLABLES: &[&str] = &[
    "ta", "lu", "vaa", "ra", "kes", "ki", "mo", "ne", "jär", "vi", "sö", "ren", "hal", "la", "pu",
    "ro",
];
const DOMAINS: &[&str] = &[
    "example.fi",
    "example.com",
    "example.org",
    "mail.example",
    "posti.example",
];

/// Accounts `first_id ..` spread over the organisations: the first org
/// (cards) gets two thirds, the second (email logins) one third.
pub fn accounts(first_id: i64, count: u64, orgs: &[(String, bool)], seed: u64) -> Vec<BulkAccount> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..count as i64)
        .map(|i| {
            let id = first_id + i;
            let (org, uses_cards) = if orgs.len() > 1 && i % 3 == 2 {
                &orgs[1]
            } else {
                &orgs[0]
            };
            let first = FIRST[rng.random_range(0..FIRST.len())];
            let rare: String;
            let last = if rng.random_ratio(1, 500) {
                let mut name: String = (0..4)
                    .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
                    .collect();
                name[..1].make_ascii_uppercase();
                rare = name;
                rare.as_str()
            } else {
                LAST[rng.random_range(0..LAST.len())]
            };
            let local = deunicode::deunicode(&format!("{first}.{last}.{id}")).to_lowercase();
            BulkAccount {
                id,
                org: org.clone(),
                full_name: format!("{first} {last}"),
                email: format!("{local}@{}", DOMAINS[rng.random_range(0..DOMAINS.len())]),
                phone: rng.random_bool(0.5).then(|| {
                    format!(
                        "04{} {:07}",
                        rng.random_range(0..10),
                        rng.random_range(0..10_000_000)
                    )
                }),
                card: uses_cards.then(|| format!("{}", 3_000_000_000i64 + id)),
                must_set_credential: !uses_cards && rng.random_bool(0.4),
                legacy_credential: *uses_cards && rng.random_bool(0.05),
                ..BulkAccount::default()
            }
        })
        .collect()
}

/// Five-letter prefixes of the rare surnames among `list` (for benchmarks).
pub fn rare_surname_prefixes(list: &[BulkAccount]) -> Vec<String> {
    list.iter()
        .filter_map(|g| g.full_name.split_whitespace().nth(1))
        .filter(|last| !LAST.contains(last))
        .map(|last| {
            crate::domain::search_terms::fold(last)
                .chars()
                .take(5)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_spread() {
        let orgs = vec![
            ("kirjasto".to_string(), true),
            ("kaupunki".to_string(), false),
        ];
        let a = accounts(1000, 300, &orgs, 7);
        let b = accounts(1000, 300, &orgs, 7);
        assert_eq!(
            a.iter().map(|g| &g.email).collect::<Vec<_>>(),
            b.iter().map(|g| &g.email).collect::<Vec<_>>()
        );
        assert_eq!(a.iter().filter(|g| g.org == "kaupunki").count(), 100);
        assert!(
            a.iter()
                .filter(|g| g.org == "kirjasto")
                .all(|g| g.card.is_some())
        );
        assert!(
            a.iter()
                .all(|g| crate::domain::normalize::is_plausible_email(&g.email))
        );
        let ids: std::collections::HashSet<i64> = a.iter().map(|g| g.id).collect();
        assert_eq!(ids.len(), 300);
    }
}
