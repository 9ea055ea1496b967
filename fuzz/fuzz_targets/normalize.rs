//! Card, email and phone keys: total functions whose keys are stable (the
//! key of a key is itself), so a lookup by key finds what was stored by key.
#![no_main]

use avain::domain::normalize::{card_key, email_key, is_plausible_email, phone_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let card = card_key(raw);
    assert!(card.chars().all(char::is_alphanumeric), "{card:?}");
    assert_eq!(card_key(&card), card, "card key of a card key");

    let email = email_key(raw);
    assert_eq!(email_key(&email), email, "email key of an email key");

    let phone = phone_key(raw);
    assert!(phone.chars().all(|c| c.is_ascii_digit()), "{phone:?}");

    if is_plausible_email(raw) {
        assert!(raw.contains('@') && raw.len() <= 254);
        assert!(!raw.chars().any(char::is_control));
    }
});
