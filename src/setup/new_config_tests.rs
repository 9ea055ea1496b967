//! The questions and flags of `avain init` give a configuration that
//! parses, with exactly what was answered.

use super::*;

#[test]
fn answers_typed_at_the_terminal_become_a_valid_configuration() {
    let typed = "\n\
        Kirjasto\n\
        kirjasto\n\
        City Library\n\
        \n\
        \n\
        avain.kirjasto.fi\n\
        https://avain.kirjasto.fi\n\
        y\n\
        kirjasto\n\
        kaupunki\n\
        Town e-services\n\
        password:14\n\
        sv\n\
        https://avain.kaupunki.fi\n\
        \n\
        smtp://mail.kirjasto.fi:587?tls=required\n\
        Library <noreply@kirjasto.fi>\n";
    let mut input = std::io::Cursor::new(typed.as_bytes());
    let mut shown = Vec::new();
    let answers = ask(
        &mut input,
        &mut shown,
        std::path::Path::new("/var/lib/avain"),
    )
    .unwrap();
    let shown = String::from_utf8(shown).unwrap();
    // Bad answers are explained and asked again.
    assert!(
        shown.contains("\"Kirjasto\" is not a valid slug"),
        "{shown}"
    );
    assert!(shown.contains("is not a base URL"), "{shown}");
    assert!(shown.contains("\"kirjasto\" is already used"), "{shown}");
    assert_eq!(answers.data_dir, Some(PathBuf::from("/var/lib/avain")));
    assert_eq!(answers.orgs.len(), 2);
    assert_eq!(answers.orgs[0].credential, Credential::Pin(4));
    assert_eq!(answers.orgs[1].credential, Credential::Password(14));
    let text = config_text(&answers);
    let config = checked(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(config.orgs[0].slug.as_str(), "kirjasto");
    assert_eq!(config.orgs[1].name, "Town e-services");
    assert_eq!(config.orgs[1].language, Language::Sv);
    assert_eq!(config.data_dir, Some(PathBuf::from("/var/lib/avain")));
    assert_eq!(
        config.mail.url.as_deref(),
        Some("smtp://mail.kirjasto.fi:587?tls=required")
    );
    // Real addresses: nothing for config check to warn about.
    assert_eq!(config.placeholder_warnings(&text), Vec::<String>::new());
}

#[test]
fn input_that_ends_early_is_an_error_not_a_loop() {
    let mut input = std::io::Cursor::new(&b"\nkirjasto\n"[..]);
    let err = ask(&mut input, &mut Vec::new(), std::path::Path::new("/d")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
}

#[test]
fn org_flags_parse_or_name_what_is_wrong() {
    let org = parse_org_spec(
        "slug=kirjasto, name=City Library, credential=pin:6, language=en, link=https://a.kirjasto.fi",
    )
    .unwrap();
    assert_eq!(org.credential, Credential::Pin(6));
    assert_eq!(org.language, Language::En);
    for (spec, says) in [
        (
            "slug=Bad,name=x,credential=pin,link=https://a.fi",
            "--org slug: \"Bad\" is not a valid slug",
        ),
        (
            "slug=a,name=x,credential=pen,link=https://a.fi",
            "--org credential: \"pen\" is not a credential",
        ),
        (
            "slug=a,name=x,credential=pin,link=a.fi",
            "--org link: \"a.fi\" is not a base URL",
        ),
        (
            "slug=a,credential=pin,link=https://a.fi",
            "name=… is missing",
        ),
        (
            "slug=a,name=x,credential=pin,link=https://a.fi,colour=red",
            "unknown key \"colour\"",
        ),
        ("slug=a,name", "\"name\" is not key=value"),
    ] {
        let e = parse_org_spec(spec).unwrap_err();
        assert!(e.contains(says), "{spec}: {e}");
    }
    // Names with quotes and backslashes survive into TOML.
    let mut odd = org.clone();
    odd.name = "The \"Old\" Library \\ Annex".into();
    let answers = InitAnswers {
        orgs: vec![odd],
        ..Default::default()
    };
    let config = checked(&config_text(&answers)).unwrap();
    assert_eq!(config.orgs[0].name, "The \"Old\" Library \\ Annex");
    assert_eq!(config.mail.transport, crate::config::MailTransport::File);
}
