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
