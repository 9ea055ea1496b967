//! Search terms: the folded, ASCII-only words an account can be found by.
//! Folding makes "hakkinen" find "Häkkinen"; ASCII keeps prefix ranges
//! byte-ordered on every database.

use super::codes::code_enum;
use super::normalize::{card_key, email_key, phone_key};

code_enum!(
    /// Which field a term came from; stored so a hit can say what matched.
    TermKind { Card = "card", Email = "email", Phone = "phone", Name = "name", Login = "login" }
);

/// Longest term stored; a longer value is cut (a prefix still finds it).
pub const MAX_TERM_LEN: usize = 64;

/// Whole words of a name that take part in pairs (see `name_pairs`); a
/// longer name's further words are still found one by one.
const MAX_PAIRED_WORDS: usize = 4;

/// The term that finds "first second…" in one range: a space, the first
/// word, a space, the second. Folded words hold no space, and a space
/// sorts before every character they do hold, so no one-word prefix range
/// ever meets a pair. `None` when the pair is too long to store whole:
/// such a name is still found by its words one by one.
pub fn pair_term(first: &str, second: &str) -> Option<String> {
    let pair = format!(" {first} {second}");
    (pair.len() <= MAX_TERM_LEN).then_some(pair)
}

/// Folds one word for searching: transliterate to ASCII, lower-case, keep
/// letters, digits and the punctuation that appears in emails. Dashes go,
/// so "K-2900", "K2900" and "Anna-Liisa"/"annaliisa" meet.
pub fn fold(word: &str) -> String {
    let ascii = deunicode::deunicode(word);
    let mut out: String = ascii
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            (c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '+')).then_some(c)
        })
        .collect();
    out.truncate(MAX_TERM_LEN);
    out
}

/// Splits a query as typed into folded words (empty words dropped). A
/// query that is only a number ("2900 1000-01", "+358 50 100") is one word:
/// the digits, with a phone number's country code folded.
pub fn query_words(query: &str) -> Vec<String> {
    let raw = query.trim();
    let numeric = raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()/.".contains(c));
    if numeric {
        return vec![phone_key(raw)];
    }
    let mut words: Vec<String> = query
        .split_whitespace()
        .map(fold)
        .filter(|w| !w.is_empty())
        .collect();
    words.dedup();
    words
}

/// The pair terms of a name: its first whole word with each of the next
/// `MAX_PAIRED_WORDS - 1` distinct words, both ways round. The first word
/// is the given name or the surname, whichever order the source writes
/// names in, so "matti virt" and "virtanen matti" are one range each for
/// "Matti Juhani Virtanen" and for "Virtanen Matti Juhani" alike; pairs
/// of two later words ("juhani virt") are left to the word-by-word search,
/// which keeps a three-word name at four pairs instead of six.
pub fn name_pairs(full_name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in full_name.split_whitespace().map(fold) {
        if !word.is_empty() && !words.contains(&word) && words.len() < MAX_PAIRED_WORDS {
            words.push(word);
        }
    }
    let Some((first, rest)) = words.split_first() else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for other in rest {
        pairs.extend(pair_term(first, other));
        pairs.extend(pair_term(other, first));
    }
    pairs
}

/// Everything needed to compute an account's terms.
pub struct TermSource<'a> {
    pub full_name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub login: Option<&'a str>,
    pub cards: &'a [String],
}

/// The terms of one account, deduplicated.
pub fn account_terms(src: &TermSource<'_>) -> Vec<(String, TermKind)> {
    let mut terms: Vec<(String, TermKind)> = Vec::new();
    let mut push = |term: String, kind: TermKind| {
        if !term.is_empty() && !terms.iter().any(|(t, _)| *t == term) {
            terms.push((term, kind));
        }
    };
    for word in src.full_name.split_whitespace() {
        push(fold(word), TermKind::Name);
        // "Anna-Liisa" is found by "liisa" too.
        if word.contains('-') {
            for part in word.split('-') {
                push(fold(part), TermKind::Name);
            }
        }
    }
    for pair in name_pairs(src.full_name) {
        push(pair, TermKind::Name);
    }
    push(fold(&email_key(src.email)), TermKind::Email);
    if let Some(phone) = src.phone {
        push(fold(&phone_key(phone)), TermKind::Phone);
    }
    if let Some(login) = src.login {
        push(fold(login), TermKind::Login);
    }
    for card in src.cards {
        push(fold(&card_key(card)), TermKind::Card);
    }
    terms
}

/// The exclusive upper bound of a prefix range: the prefix with its last
/// byte incremented. Terms are ASCII below 0x7f, so this never overflows.
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last += 1;
    }
    String::from_utf8(bytes).expect("ASCII term")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(fold("Häkkinen"), "hakkinen");
        assert_eq!(fold("Åström"), "astrom");
        assert_eq!(fold("O'Neil"), "oneil");
        assert_eq!(fold("\u{1b}[31m"), "31m");
    }

    #[test]
    fn account_terms_cover_every_field() {
        let cards = vec!["12 34".to_string()];
        let terms = account_terms(&TermSource {
            full_name: "Anna-Liisa Häkkinen",
            email: "A.H@Example.fi",
            phone: Some("+358 40 1"),
            login: Some("ahakkine"),
            cards: &cards,
        });
        let words: Vec<&str> = terms.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            words,
            [
                "annaliisa",
                "anna",
                "liisa",
                "hakkinen",
                " annaliisa hakkinen",
                " hakkinen annaliisa",
                "a.h@example.fi",
                "0401",
                "ahakkine",
                "1234"
            ]
        );
    }

    #[test]
    fn name_pairs_stay_out_of_one_word_ranges() {
        let terms = account_terms(&TermSource {
            full_name: "Aa Bb Cc Dd Ee",
            email: "x@example.fi",
            phone: None,
            login: None,
            cards: &[],
        });
        let pairs: Vec<&str> = terms
            .iter()
            .map(|(t, _)| t.as_str())
            .filter(|t| t.starts_with(' '))
            .collect();
        // The first word with each of the next three, both ways round.
        assert_eq!(
            pairs,
            [" aa bb", " bb aa", " aa cc", " cc aa", " aa dd", " dd aa"]
        );
        for word in ["a", "aa", "b", "0", "@", "."] {
            let upper = prefix_upper_bound(word);
            assert!(pairs.iter().all(|p| *p < word || *p >= upper.as_str()));
        }
        let long = "x".repeat(40);
        assert_eq!(pair_term(&long, &long), None);
        assert_eq!(pair_term("aa", "bb").as_deref(), Some(" aa bb"));
    }

    #[test]
    fn numbers_are_one_word() {
        assert_eq!(query_words("2900 1000-01"), ["2900100001"]);
        assert_eq!(query_words("+358 50 100"), ["050100"]);
        assert_eq!(query_words("Anna-Liisa  HÄKK"), ["annaliisa", "hakk"]);
        assert_eq!(query_words("  "), Vec::<String>::new());
    }

    #[test]
    fn upper_bound_is_just_past_every_extension() {
        let upper = prefix_upper_bound("hak");
        assert_eq!(upper, "hal");
        assert!("hakkinen" < upper.as_str() && "hak" < upper.as_str());
        assert!("hal" >= upper.as_str());
    }
}
