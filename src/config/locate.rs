//! Where a key sits in the configuration text, so an error found after
//! parsing (a range, a cross-check) still names its line. Paths are the
//! TOML keys, with array positions as numbers: `["org", "1", "credential",
//! "digits"]` is the second `[[org]]` table's `credential.digits`.

use toml::de::{DeTable, DeValue};

/// The 1-based line of the value at `path`, if the text has it.
pub fn key_line(text: &str, path: &[&str]) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut value = None;
    let mut steps = path.iter().peekable();
    while let Some(step) = steps.next() {
        let mut found = table.get(*step)?;
        if let DeValue::Array(items) = found.get_ref()
            && let Some(index) = steps.peek().and_then(|s| s.parse::<usize>().ok())
        {
            steps.next();
            found = items.get(index)?;
        }
        value = Some(found);
        if let DeValue::Table(inner) = found.get_ref() {
            table = inner;
        } else if steps.peek().is_some() {
            return None;
        }
    }
    let start = value?.span().start;
    Some(text[..start].matches('\n').count() + 1)
}

/// `key` followed by " (line N)" when the line is known.
pub fn at_line(text: &str, key: &str, path: &[&str]) -> String {
    match key_line(text, path) {
        Some(line) => format!("{key} (line {line})"),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[mail]\ntimeout_seconds = 5\n\n[[org]]\nslug = \"a\"\n\
        credential = { kind = \"pin\", digits = 4 }\n[org.directory]\ntimeout_seconds = 9\n\n\
        [[org]]\nslug = \"b\"\ncredential = { kind = \"pin\",\n  digits = 4 }\n";

    #[test]
    fn finds_the_key_in_its_own_table() {
        assert_eq!(key_line(TEXT, &["mail", "timeout_seconds"]), Some(2));
        assert_eq!(key_line(TEXT, &["org", "0", "slug"]), Some(5));
        assert_eq!(
            key_line(TEXT, &["org", "0", "directory", "timeout_seconds"]),
            Some(8)
        );
        assert_eq!(key_line(TEXT, &["org", "1", "slug"]), Some(11));
        assert_eq!(
            key_line(TEXT, &["org", "1", "credential", "digits"]),
            Some(13)
        );
    }

    #[test]
    fn missing_keys_and_bad_text_have_no_line() {
        assert_eq!(key_line(TEXT, &["org", "2", "slug"]), None);
        assert_eq!(key_line(TEXT, &["mail", "url"]), None);
        assert_eq!(key_line(TEXT, &["mail", "timeout_seconds", "x"]), None);
        assert_eq!(key_line("[[org]\n", &["org"]), None);
        assert_eq!(at_line(TEXT, "mail.url", &["mail", "url"]), "mail.url");
    }
}
