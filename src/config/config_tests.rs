//! Configuration parsing: the example is valid, and every kind of mistake
//! is refused with the key and the line.

use super::*;

const EXAMPLE: &str = include_str!("../../config.toml.example");

#[test]
fn the_documented_example_is_valid() {
    let config = Config::parse(EXAMPLE).unwrap();
    assert_eq!(config.orgs.len(), 2);
    let lib = config.org("kirjasto").unwrap();
    assert_eq!(lib.credential, CredentialPolicy::Pin { digits: 4 });
    assert_eq!(lib.token_lifetime.staff_reset.seconds(), 12 * 3600);
    assert_eq!(lib.email_match(), EmailMatch::Exact);
    let town = config.org("kaupunki").unwrap();
    assert_eq!(town.email_match(), EmailMatch::CaseInsensitive);
    assert_eq!(town.token_lifetime.first_login.seconds(), 7 * 86_400);
    assert_eq!(config.security.max_failed_attempts, 10);
    assert_eq!(config.auth.mode, AuthMode::OsUser);
}

fn error_of(text: &str) -> String {
    Config::parse(text).unwrap_err()
}

const ORG: &str = "[[org]]\nslug = \"a\"\nname = \"A\"\ncredential = { kind = \"pin\", digits = 4 }\nlink_base_url = \"https://a.fi\"\n";

#[test]
fn unknown_keys_name_the_key_and_line() {
    let e = error_of(&format!("{ORG}colour = \"red\"\n"));
    assert!(e.contains("line 6") && e.contains("colour"), "{e}");
    let e = error_of(&format!("[security]\nmax_failed_attemps = 3\n{ORG}"));
    assert!(
        e.contains("line 2") && e.contains("max_failed_attemps"),
        "{e}"
    );
}

#[test]
fn bad_values_name_the_key_and_line() {
    let e = error_of(&ORG.replace("\"a\"", "\"Bad Slug\""));
    assert!(e.contains("line 2") && e.contains("slug"), "{e}");
    let e = error_of(&format!(
        "{ORG}[org.token_lifetime]\nstaff_reset = \"12 hours\"\n"
    ));
    assert!(e.contains("line 7") && e.contains("staff_reset"), "{e}");
    let e = error_of(&ORG.replace("https://a.fi", "a.fi"));
    assert!(e.contains("line 5") && e.contains("link_base_url"), "{e}");
    let e = error_of(&ORG.replace("\"pin\"", "\"pattern\""));
    assert!(e.contains("line 4") && e.contains("pattern"), "{e}");
    let e = error_of(&ORG.replace("digits = 4", "digits = 3"));
    assert!(e.contains("org[0].credential.digits (line 4)"), "{e}");
    let e = error_of(&format!("{ORG}links_per_hour = 0\n"));
    assert!(e.contains("org[0].links_per_hour (line 6)"), "{e}");
}

#[test]
fn range_errors_name_the_line_in_their_own_table() {
    let second = ORG
        .replace("\"a\"", "\"b\"")
        .replace("digits = 4", "digits = 40");
    let e = error_of(&format!("{ORG}{second}"));
    assert!(e.contains("org[1].credential.digits (line 9)"), "{e}");
    let ldap = "[org.directory]\nkind = \"ldap\"\nurl = \"ldap://127.0.0.1\"\n\
        bind_dn = \"cn=a\"\nbind_password_file = \"p\"\nbase_dn = \"dc=a\"\ntimeout_seconds = 5\n";
    let e = error_of(&format!("{ORG}{ldap}[mail]\ntimeout_seconds = 0\n"));
    assert!(e.contains("mail.timeout_seconds (line 14)"), "{e}");
}

/// Each bad value on each line of the example is reported at that line,
/// by the parser or by the checks after it.
#[test]
fn errors_in_the_example_name_their_own_line() {
    for (line, bad) in [
        (19, "max_failed_attempts = 0"),
        (70, "slug = \"Bad Slug\""),
        (73, "credential = { kind = \"pin\", digits = 40 }"),
        (77, "link_base_url = \"ftp:x\""),
        (79, "links_per_hour = 0"),
        (82, "email_match = \"bogus\""),
    ] {
        let mut lines: Vec<&str> = EXAMPLE.lines().collect();
        lines[line - 1] = bad;
        let e = error_of(&lines.join("\n"));
        assert!(
            e.contains(&format!("line {line}")) && !e.contains(&format!("line {}", line - 1)),
            "{bad}: {e}"
        );
    }
}

#[test]
fn cross_checks() {
    assert!(error_of("").contains("no organisation"));
    let e = error_of(&format!("{ORG}{ORG}"));
    assert!(
        e.contains("org[1].slug") && e.contains("used by another"),
        "{e}"
    );
    let e = error_of(&format!("[mail]\ntransport = \"smtp\"\n{ORG}"));
    assert!(e.contains("mail.url"), "{e}");
}

#[test]
fn printed_configuration_hides_secrets_and_parses_again() {
    let mut config = Config::parse(EXAMPLE).unwrap();
    config.mail.url = Some("smtp://desk:hunter2@mail.example.fi:587".into());
    let shown = config.to_redacted_toml();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("smtp://desk:***@mail.example.fi:587"));
    assert!(Config::parse(&shown).is_ok(), "{shown}");
}

#[test]
fn console_keys_parse_as_one_or_many() {
    let ok = Config::parse(&format!(
        "[keys]\nsend_link = [\"l\", \"f2\"]\nquit = \"x\"\n{ORG}"
    ))
    .unwrap();
    assert_eq!(ok.keys["send_link"].keys(), ["l", "f2"]);
    assert_eq!(ok.keys["quit"].keys(), ["x"]);
}
