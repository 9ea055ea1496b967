//! Normalised keys for card numbers, emails and phone numbers: what two
//! spellings of the same value have in common, used for lookups and indexes.

use unicode_normalization::UnicodeNormalization;

/// Card key: letters and digits only, upper-case ("12-34 ab" -> "1234AB").
/// Filtered after upper-casing: a few letters upper-case to a letter plus a
/// combining mark, which would otherwise stay in the key (found by fuzzing).
pub fn card_key(raw: &str) -> String {
    raw.chars()
        .flat_map(char::to_uppercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Email key: trimmed, Unicode NFC, lower-case. Two addresses with the same
/// key are the same mailbox for all practical purposes at a desk.
///
/// Composed again after lower-casing: a few capitals lower-case to a letter
/// plus a combining mark ("Ϊ̀" → "ῒ"), which NFC composes ("ῒ"). Without
/// it the key of a key would differ from the key (found by fuzzing).
pub fn email_key(raw: &str) -> String {
    // Plain ASCII (nearly every address) is its own NFC form.
    if raw.is_ascii() {
        return raw.trim().to_ascii_lowercase();
    }
    raw.trim()
        .nfc()
        .flat_map(char::to_lowercase)
        .nfc()
        .collect()
}

/// Phone key: digits only, Finnish international prefix folded to the
/// national form so "+358 40 123" and "040 123" meet.
pub fn phone_key(raw: &str) -> String {
    let trimmed = raw.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let national = if trimmed.starts_with('+') {
        digits.strip_prefix("358")
    } else {
        digits.strip_prefix("00358")
    };
    match national {
        Some(rest) => format!("0{rest}"),
        None => digits,
    }
}

/// Longest card number accepted anywhere (typed, imported, on a form).
pub const MAX_CARD_CHARS: usize = 64;
/// Longest email address accepted anywhere (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Is a typed card number and email within the lengths any real one has?
/// Checked before any other work on a form.
pub fn within_typed_limits(card: Option<&str>, email: &str) -> bool {
    card.is_none_or(|c| c.chars().count() <= MAX_CARD_CHARS)
        && email.chars().count() <= MAX_EMAIL_CHARS
}

/// A cheap syntactic check: one `@`, something on both sides, a dot in the
/// domain, no spaces or control characters. Deliverability is the mail
/// server's business; this only catches what is certainly not an address.
pub fn is_plausible_email(raw: &str) -> bool {
    let Some((local, domain)) = raw.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && raw.len() <= 254
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_keys_ignore_spaces_dashes_and_case() {
        for (raw, key) in [
            ("1234 5678", "12345678"),
            ("12-34-56", "123456"),
            (" ab12 ", "AB12"),
            ("", ""),
            // U+1FB6 upper-cases to Alpha + a combining perispomeni.
            ("i\u{1fb6}", "I\u{391}"),
        ] {
            assert_eq!(card_key(raw), key, "{raw:?}");
            assert_eq!(card_key(&card_key(raw)), card_key(raw), "{raw:?}");
        }
    }

    #[test]
    fn email_keys_trim_compose_and_lowercase() {
        assert_eq!(
            email_key("  Maija.Virta@Example.FI "),
            "maija.virta@example.fi"
        );
        // "a" + combining ring vs precomposed "å"
        assert_eq!(email_key("a\u{30a}sa@x.fi"), email_key("\u{e5}sa@x.fi"));
        // A capital whose lower case needs composing again (fuzz finding).
        for raw in ["\u{1db}\0\u{3aa}\u{300}", "\u{3aa}\u{300}@x.fi"] {
            let key = email_key(raw);
            assert_eq!(email_key(&key), key, "{raw:?}");
        }
        assert_eq!(email_key("\u{3aa}\u{300}@x.fi"), "\u{1fd2}@x.fi");
    }

    #[test]
    fn phone_keys_fold_the_country_code() {
        for (raw, key) in [
            ("+358 40 123 4567", "0401234567"),
            ("00358401234567", "0401234567"),
            ("040-123 4567", "0401234567"),
            ("358401234567", "358401234567"),
            ("0012345", "0012345"),
            ("+46 70 123", "4670123"),
        ] {
            assert_eq!(phone_key(raw), key, "{raw:?}");
        }
    }

    #[test]
    fn plausible_emails() {
        assert!(is_plausible_email("a.b@example.fi"));
        for bad in ["", "a", "a@b", "@b.fi", "a b@c.fi", "a@.fi", "a@b.fi."] {
            assert!(!is_plausible_email(bad), "{bad:?}");
        }
    }
}
