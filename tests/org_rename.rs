//! `avain org list` and `avain org rename`: an organisation whose slug was
//! changed in the configuration is found again with everything it had.

mod common;

use common::bin::avain;
use std::path::Path;

fn demo(data: &Path, args: &[&str]) -> common::bin::Run {
    let mut all = vec!["--demo"];
    all.extend_from_slice(args);
    avain(data, &all, None)
}

#[test]
fn a_renamed_slug_keeps_its_accounts_links_and_staff() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let built = avain(data, &["demo", "--no-console", "--accounts", "50"], None);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let added = demo(
        data,
        &[
            "staff",
            "add",
            "maija",
            "--name",
            "Maija Desk",
            "--org",
            "kirjasto",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let sent = demo(data, &["link", "send", "2900100001"]);
    assert_eq!(sent.code, 0, "{}", sent.stderr);

    let listed = demo(data, &["--json", "org", "list"]).json();
    let kirjasto = &listed[0];
    assert_eq!(kirjasto["slug"], "kirjasto", "{listed}");
    assert_eq!(kirjasto["configured"], true);
    let accounts = kirjasto["accounts"].as_i64().unwrap();
    assert!(accounts > 10, "{listed}");
    assert!(kirjasto["live_links"].as_i64().unwrap() >= 1, "{listed}");

    // The admin renames the slug in the configuration.
    let config = data.join("demo/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("slug = \"kirjasto\""));
    std::fs::write(
        &config,
        text.replace("slug = \"kirjasto\"", "slug = \"library\""),
    )
    .unwrap();

    // The database still says kirjasto: list says so and what to do.
    let listed = demo(data, &["org", "list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.contains("kirjasto")
            && listed.stdout.contains("(not in the configuration)")
            && listed.stdout.contains("avain org rename kirjasto NEW"),
        "{}",
        listed.stdout
    );
    // Renaming the wrong way round, or to a slug not configured, changes nothing.
    let backwards = demo(data, &["org", "rename", "library", "kirjasto"]);
    assert_ne!(backwards.code, 0, "{}", backwards.stderr);
    assert!(
        backwards.stderr.contains("still in the configuration"),
        "{}",
        backwards.stderr
    );
    let nowhere = demo(data, &["org", "rename", "kirjasto", "lib"]);
    assert_ne!(nowhere.code, 0);
    assert!(
        nowhere.stderr.contains("organisations: library, kaupunki"),
        "{}",
        nowhere.stderr
    );
    let merge = demo(data, &["org", "rename", "kirjasto", "kaupunki"]);
    assert_ne!(merge.code, 0);

    let renamed = demo(data, &["org", "rename", "kirjasto", "library"]);
    assert_eq!(renamed.code, 0, "{}", renamed.stderr);
    assert!(
        renamed.stdout.contains(&format!("{accounts} accounts")),
        "{}",
        renamed.stdout
    );

    let listed = demo(data, &["--json", "org", "list"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(listed[0]["slug"], "library");
    assert_eq!(listed[0]["accounts"].as_i64().unwrap(), accounts);
    assert!(listed[0]["live_links"].as_i64().unwrap() >= 1);

    // The same card and email give the same verdict under the new slug, the
    // account shows its link, and the desk member sees library.
    let verdict = demo(
        data,
        &[
            "--json",
            "verify",
            "--org",
            "library",
            "--card",
            "2900100001",
            "--email",
            "aino.virtanen@example.fi",
        ],
    )
    .json();
    assert_eq!(verdict["accepted"], true, "{verdict}");
    let tokens = demo(data, &["--json", "tokens", "2900100001"]).json();
    assert!(!tokens.as_array().unwrap().is_empty(), "{tokens}");
    let staff = demo(data, &["--json", "staff", "list"]).json();
    let maija = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login"] == "maija")
        .unwrap();
    assert_eq!(maija["orgs"], serde_json::json!(["library"]), "{staff}");
    // The audit chain still verifies, with the rename in it.
    let verified = demo(data, &["audit", "verify"]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    let audit = demo(data, &["audit", "list"]);
    assert!(audit.stdout.contains("org.rename"), "{}", audit.stdout);
    // A second rename finds nothing left under the old slug.
    let again = demo(data, &["org", "rename", "kirjasto", "library"]);
    assert_ne!(again.code, 0);
}

/// The config text without the `[[org]]` table of `slug` (and its
/// `[org.…]` sub-tables).
fn without_org(text: &str, slug: &str) -> String {
    let start = text
        .find(&format!("[[org]]\nslug = \"{slug}\""))
        .expect("the org's table");
    let rest = &text[start + 1..];
    let end = rest
        .match_indices("\n[")
        .map(|(i, _)| i)
        .find(|i| !rest[i + 1..].starts_with("[org."))
        .map_or(text.len(), |i| start + 1 + i + 1);
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn a_retired_organisation_keeps_its_history_and_loses_its_links_and_staff() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let built = avain(data, &["demo", "--no-console", "--accounts", "50"], None);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let added = demo(
        data,
        &[
            "staff",
            "add",
            "kaisa",
            "--name",
            "Kaisa Desk",
            "--org",
            "kirjasto",
            "--org",
            "kaupunki",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let town = demo(data, &["--json", "search", "Markku Heinonen"]).json();
    let account = format!("#{}", town[0]["id"]);
    assert_eq!(demo(data, &["link", "send", &account]).code, 0);
    assert_eq!(demo(data, &["link", "send", "2900100001"]).code, 0);

    let before = demo(data, &["--json", "org", "list"]).json();
    let live = |list: &serde_json::Value, slug: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|o| o["slug"] == slug)
            .map(|o| o["live_links"].as_i64().unwrap())
            .unwrap()
    };
    let town_live = live(&before, "kaupunki");
    assert!(town_live >= 1, "{before}");

    // Still configured: refused.
    let early = demo(data, &["org", "retire", "kaupunki"]);
    assert_ne!(early.code, 0);
    assert!(
        early.stderr.contains("remove its [[org]] table first"),
        "{}",
        early.stderr
    );

    let config = data.join("demo/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, without_org(&text, "kaupunki")).unwrap();
    let listed = demo(data, &["org", "list"]);
    assert!(
        listed.stdout.contains("avain org retire kaupunki"),
        "{}",
        listed.stdout
    );

    let retired = demo(data, &["--json", "org", "retire", "kaupunki"]).json();
    assert_eq!(retired["undone"]["links_revoked"], town_live, "{retired}");
    assert_eq!(retired["undone"]["staff_changed"], 1, "{retired}");

    let listed = demo(data, &["--json", "org", "list"]).json();
    let town = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "kaupunki")
        .unwrap();
    assert!(town["retired_at"].is_i64(), "{listed}");
    assert!(
        town["accounts"].as_i64().unwrap() > 0,
        "its accounts stay: {listed}"
    );
    assert_eq!(town["live_links"], 0, "{listed}");
    let text_list = demo(data, &["org", "list"]);
    assert!(
        text_list.stdout.contains("(retired "),
        "{}",
        text_list.stdout
    );
    assert!(
        !text_list.stdout.contains("avain org retire"),
        "{}",
        text_list.stdout
    );
    let staff = demo(data, &["--json", "staff", "list"]).json();
    let kaisa = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login"] == "kaisa")
        .unwrap();
    assert_eq!(kaisa["orgs"], serde_json::json!(["kirjasto"]), "{staff}");
    // The library's link is untouched; the retirement is audited; twice is refused.
    assert_eq!(live(&listed, "kirjasto"), live(&before, "kirjasto"));
    assert_eq!(demo(data, &["audit", "verify"]).code, 0);
    assert!(demo(data, &["audit", "list"]).stdout.contains("org.retire"));
    let again = demo(data, &["org", "retire", "kaupunki"]);
    assert!(again.stderr.contains("already retired"), "{}", again.stderr);
    let rename = demo(data, &["org", "rename", "kaupunki", "kirjasto"]);
    assert_ne!(rename.code, 0);
}
