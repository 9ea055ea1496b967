//! Masking personal data for display: enough to confirm with a caller
//! ("does your address start with m?"), not enough to read it out.

/// "maija.virta@example.fi" -> "m****.v****@e******.fi": the first letter
/// of each dot-separated part is kept, the top-level domain is kept whole.
pub fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return mask_all_but_first(email);
    };
    let local = local
        .split('.')
        .map(mask_all_but_first)
        .collect::<Vec<_>>()
        .join(".");
    let labels: Vec<&str> = domain.split('.').collect();
    let last = labels.len().saturating_sub(1);
    let domain = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            if i == last && i > 0 {
                label.to_string()
            } else {
                mask_all_but_first(label)
            }
        })
        .collect::<Vec<_>>()
        .join(".");
    format!("{local}@{domain}")
}

/// Card numbers show their last four characters: "****4411".
pub fn mask_card(card: &str) -> String {
    mask_keep_last(card, 4)
}

/// Phone numbers show their last three digits.
pub fn mask_phone(phone: &str) -> String {
    mask_keep_last(phone, 3)
}

/// The last `n` characters of a value, for hints such as "active card ends 4411".
pub fn last_chars(value: &str, n: usize) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    chars[chars.len().saturating_sub(n)..].iter().collect()
}

fn mask_keep_last(value: &str, keep: usize) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= keep {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep;
    let mut out = "*".repeat(hidden);
    out.extend(&chars[hidden..]);
    out
}

fn mask_all_but_first(part: &str) -> String {
    let mut chars = part.chars();
    match chars.next() {
        Some(first) => {
            let mut out = first.to_string();
            out.push_str(&"*".repeat(chars.count()));
            out
        }
        None => String::new(),
    }
}

/// `scheme://user:secret@host` -> `scheme://user:***@host`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_first_letters_and_tld() {
        assert_eq!(
            mask_email("maija.virta@example.fi"),
            "m****.v****@e******.fi"
        );
        assert_eq!(mask_email("x@y.z.fi"), "x@y.z.fi");
        assert_eq!(mask_email("Äijä@posti.fi"), "Ä***@p****.fi");
        assert_eq!(mask_email("not-an-email"), "n***********");
    }

    #[test]
    fn cards_and_phones_keep_the_end() {
        assert_eq!(mask_card("2000 1234 4411"), "********4411");
        assert_eq!(mask_card("441"), "***");
        assert_eq!(mask_phone("040 123 4567"), "*******567");
        assert_eq!(last_chars("2000 1234 4411", 4), "4411");
    }
}
