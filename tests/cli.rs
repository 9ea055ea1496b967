//! The real binary on a demo database: every desk command, its JSON, its
//! exit codes, and bad input that changes nothing.

mod common;

use common::bin::{Run, avain, mailed_link};
use serde_json::Value;
use std::path::Path;

fn demo(args: &[&str], data: &Path, stdin: Option<&str>) -> Run {
    let mut all = vec!["--demo"];
    all.extend_from_slice(args);
    avain(data, &all, stdin)
}

fn codes(v: &Value, field: &str) -> Vec<String> {
    v[field]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_demo_supports_every_desk_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let none = avain(data, &["--demo", "search", "x"], None);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("run `avain demo` first"),
        "{}",
        none.stderr
    );

    let built = avain(data, &["demo", "--no-console", "--accounts", "300"], None);
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(built.stdout.contains("demo database created"));

    // Search.
    let found = demo(&["--json", "search", "lehtonen"], data, None).json();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["full_name"] == "Mikko Lehtonen"),
        "{found}"
    );
    assert_eq!(demo(&["search", "qqqqq"], data, None).code, 1);

    // Every reason code is reachable with the demo data.
    let cases: &[(&str, &str, &str, &str)] = &[
        ("2900100001", "aino.virtanen@example.fi", "exact", "exact"),
        (
            "2900100002",
            "mikko.lehtonen@example.fi",
            "exact",
            "case_differs",
        ),
        (
            "2900100001",
            "aino.virtanen@example.fi  ",
            "exact",
            "whitespace",
        ),
        (
            "2900100003",
            "jaana.ha\u{308}ma\u{308}la\u{308}inen@example.fi",
            "exact",
            "unicode_form",
        ),
        ("2900100001", "aino.virtanen@exmaple.fi", "exact", "typo"),
        (
            "2900100004",
            "sari.m@posti.example",
            "exact",
            "previous_email",
        ),
        (
            "2900099005",
            "pekka.nieminen@example.fi",
            "old_card",
            "exact",
        ),
        ("2900100006", "perhe.koskinen@example.fi", "exact", "exact"),
        (
            "2900100001",
            "perhe.koskinen@example.fi",
            "exact",
            "email_shared",
        ),
        ("1234", "aino.virtanen@example.fi", "card_unknown", "exact"),
        ("1234", "nobody@example.fi", "card_unknown", "email_unknown"),
        ("2900100001", "someone@example.org", "exact", "other_email"),
        (
            "2900 100001",
            "aino.virtanen@example.fi",
            "whitespace",
            "exact",
        ),
        (
            "k2900-ab8",
            "antti.laine@example.com",
            "case_differs",
            "exact",
        ),
        ("2900010001", "aino.virtanen@example.fi", "typo", "exact"),
    ];
    for (card, email, card_code, email_code) in cases {
        let run = demo(
            &[
                "--json", "verify", "--org", "kirjasto", "--card", card, "--email", email,
            ],
            data,
            None,
        );
        let v = run.json();
        assert!(
            codes(&v, "card").contains(&card_code.to_string()),
            "{card} {email}: {v}"
        );
        assert!(
            codes(&v, "email").contains(&email_code.to_string()),
            "{card} {email}: {v}"
        );
        assert_eq!(run.code, if v["accepted"] == true { 0 } else { 1 });
    }
    let text = demo(
        &[
            "verify",
            "--org",
            "kirjasto",
            "--card",
            "2900100002",
            "--email",
            "mikko.lehtonen@example.fi",
        ],
        data,
        None,
    );
    assert!(
        text.stdout.contains("letters differ in case"),
        "{}",
        text.stdout
    );

    // Send a link: the demo delivers it at once as a file; redeem it once.
    let sent = demo(&["--json", "link", "send", "2900100020"], data, None).json();
    let outbox_id = sent["outbox_id"].as_i64().unwrap().to_string();
    let shown = demo(&["outbox", "show", &outbox_id], data, None);
    assert!(
        shown.stdout.contains("sent") && shown.stdout.contains("not kept"),
        "{}",
        shown.stdout
    );
    let link = mailed_link(&data.join("demo/mail"), "ville.savolainen@example.fi");
    let token = link.rsplit('/').next().unwrap();
    let weak = demo(&["redeem", token], data, Some("12ab\n12ab\n"));
    assert_eq!(weak.code, 1, "{}", weak.stderr);
    assert!(weak.stderr.contains("only digits"), "{}", weak.stderr);
    // The link read from standard input, so it stays out of the process list.
    let ok = demo(
        &["redeem", "-"],
        data,
        Some(&format!("{link}\n4831\n4831\n")),
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let again = demo(&["redeem", token], data, Some("4831\n"));
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already been used"),
        "{}",
        again.stderr
    );
    let links = demo(&["--json", "tokens", "2900100020"], data, None).json();
    assert_eq!(links[0]["state"], "used", "{links}");

    // Desk PIN: typed (from stdin), and generated.
    let typed = demo(&["pin", "set", "2900100019"], data, Some("5927\n5927\n"));
    assert_eq!(typed.code, 0, "{}", typed.stderr);
    assert!(typed.stdout.contains("PIN set"), "{}", typed.stdout);
    let mismatch = demo(&["pin", "set", "2900100019"], data, Some("5927\n5928\n"));
    assert_eq!(mismatch.code, 1);
    assert!(mismatch.stderr.contains("differ"));
    let generated = demo(
        &["--json", "pin", "set", "2900100019", "--generate"],
        data,
        None,
    )
    .json();
    assert_eq!(generated["generated"].as_str().unwrap().len(), 4);
    // The town's accounts have passwords, and the desk is told so.
    let password = demo(&["pin", "set", "T0001", "--generate"], data, None);
    assert_eq!(password.code, 0, "{}", password.stderr);
    assert!(
        password.stdout.starts_with("new password (shown once): "),
        "{}",
        password.stdout
    );

    // Email, unlock, note.
    assert_eq!(
        demo(
            &[
                "email",
                "set",
                "2900100018",
                "teemu.k@example.com",
                "--checked-by",
                "in-person"
            ],
            data,
            None
        )
        .code,
        0
    );
    assert_eq!(
        demo(
            &[
                "email",
                "set",
                "2900100018",
                "bad",
                "--checked-by",
                "in-person"
            ],
            data,
            None
        )
        .code,
        2
    );
    let locked = demo(&["--json", "show", "2900100011"], data, None).json();
    assert!(locked["account"]["locked_at"].is_i64(), "{locked}");
    assert_eq!(
        demo(
            &["unlock", "2900100011", "--reason", "identified at the desk"],
            data,
            None
        )
        .code,
        0
    );
    assert_eq!(
        demo(&["unlock", "2900100011", "--reason", "again"], data, None).code,
        1
    );
    assert_eq!(
        demo(
            &["note", "2900100011", "Called, PIN reset at desk"],
            data,
            None
        )
        .code,
        0
    );
    let shown = demo(&["show", "2900100011"], data, None);
    assert!(
        shown.stdout.contains("Called, PIN reset at desk"),
        "{}",
        shown.stdout
    );

    // Self-service: the same answer either way.
    let a = demo(
        &[
            "selfservice",
            "--org",
            "kirjasto",
            "--card",
            "2900100001",
            "--email",
            "aino.virtanen@example.fi",
        ],
        data,
        None,
    );
    let b = demo(
        &[
            "selfservice",
            "--org",
            "kirjasto",
            "--card",
            "2900100001",
            "--email",
            "wrong@example.fi",
        ],
        data,
        None,
    );
    assert_eq!((a.code, &a.stdout), (b.code, &b.stdout));

    // The audit chain holds after all of that.
    let audit = demo(&["--json", "audit", "verify"], data, None);
    assert_eq!(audit.code, 0, "{}", audit.stdout);
    assert!(audit.json()["rows_checked"].as_i64().unwrap() > 20);
}

#[test]
fn bad_csv_and_bad_config_exit_2_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(
        avain(data, &["demo", "--no-console", "--accounts", "0"], None).code,
        0
    );
    // Every bad file below has a good row that must not slip in.
    let count = || {
        ["new", "a@example.fi", "b@example.fi"]
            .iter()
            .map(|q| {
                demo(&["--json", "search", q], data, None)
                    .json()
                    .as_array()
                    .unwrap()
                    .len()
            })
            .sum::<usize>()
    };
    let before = count();
    assert_eq!(before, 0);
    let bad = data.join("bad.csv");
    for (csv, expected) in [
        (
            &b"full_name,email\nNew One,new.one@example.fi\nBad,not-email\n"[..],
            "line 3, column 2 (email)",
        ),
        (
            b"full_name,email,card_number\nA,a@example.fi,77\nB,b@example.fi,77\n",
            "line 3, column 3 (card_number)",
        ),
        (
            b"full_name,email\nA,a@example.fi,extra\n",
            "line 2: 3 columns",
        ),
        (
            b"full_name,email\nNew \xff\xfe,a@example.fi\n",
            "line 2, column 1",
        ),
    ] {
        std::fs::write(&bad, csv).unwrap();
        let run = demo(
            &[
                "import",
                "accounts",
                bad.to_str().unwrap(),
                "--org",
                "kirjasto",
            ],
            data,
            None,
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
        assert!(run.stderr.contains("nothing imported"));
    }
    assert_eq!(count(), before);
    std::fs::write(&bad, "full_name,email\nNew One,new.one@example.fi\n").unwrap();
    let dry = demo(
        &[
            "import",
            "accounts",
            bad.to_str().unwrap(),
            "--org",
            "kirjasto",
            "--dry-run",
        ],
        data,
        None,
    );
    assert!(dry.stdout.contains("dry run"), "{}", dry.stdout);
    assert_eq!(count(), before);
    assert_eq!(
        demo(
            &[
                "import",
                "accounts",
                bad.to_str().unwrap(),
                "--org",
                "kirjasto"
            ],
            data,
            None
        )
        .code,
        0
    );
    assert_eq!(count(), before + 1);

    // Asked to skip bad rows: the good row goes in, each bad one is listed
    // with its line and column (a bad value, and a card of another account).
    std::fs::write(
        &bad,
        "full_name,email,card_number,external_id\nBad,not-email,,X1\nA,a@example.fi,,X2\nC,c@example.fi,2900100001,X3\n",
    )
    .unwrap();
    let skip = demo(
        &[
            "import",
            "accounts",
            bad.to_str().unwrap(),
            "--org",
            "kirjasto",
            "--skip-bad-rows",
        ],
        data,
        None,
    );
    assert_eq!(skip.code, 0, "{}", skip.stderr);
    assert!(skip.stdout.contains("1 created"), "{}", skip.stdout);
    assert!(skip.stderr.contains("2 row(s) skipped"), "{}", skip.stderr);
    assert!(
        skip.stderr.contains("line 2, column 2 (email)"),
        "{}",
        skip.stderr
    );
    assert!(
        skip.stderr.contains("line 4, column 3 (card_number)")
            && skip.stderr.contains("belongs to account"),
        "{}",
        skip.stderr
    );
    assert_eq!(count(), before + 2);
    let c = demo(&["--json", "search", "c@example.fi"], data, None).json();
    assert_eq!(
        c.as_array().unwrap().len(),
        0,
        "the conflicting row stayed out"
    );

    let config = data.join("bad.toml");
    std::fs::write(&config, "[[org]]\nslug = \"a\"\nname = \"A\"\ncredential = { kind = \"pin\", digits = 4 }\nlink_base_url = \"https://a.fi\"\nlinks_per_huor = 3\n").unwrap();
    let run = avain(
        data,
        &["--config", config.to_str().unwrap(), "config", "check"],
        None,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("line 6") && run.stderr.contains("links_per_huor"),
        "{}",
        run.stderr
    );
    let check = demo(&["config", "check"], data, None);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stdout.contains("slug = \"kirjasto\""));
}

#[test]
fn init_staff_audit_migrate_and_completions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("etc/avain.toml");
    let with_config = |args: &[&str], stdin: Option<&str>| {
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        avain(&data, &all, stdin)
    };
    let init = with_config(&["init", "--admin", "root"], None);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(init.stdout.contains("wrote") && config.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("pepper"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the pepper is private");
    }
    // Running init again keeps what exists.
    assert_eq!(with_config(&["init"], None).code, 0);
    let checked = with_config(&["config", "check"], None);
    assert_eq!(checked.code, 0);
    // The example's addresses are named as placeholders, with their lines.
    assert!(
        checked
            .stdout
            .contains("# warning: org[0].link_base_url (line 77): \"https://avain.example.fi\"")
            && checked.stdout.contains("# warning: mail.sender (line 59)"),
        "{}",
        checked.stdout
    );
    // Another configuration may not take over this data folder.
    let other = dir.path().join("other.toml");
    std::fs::copy(&config, &other).unwrap();
    let taken = avain(
        &data,
        &[
            "--config",
            other.to_str().unwrap(),
            "init",
            "--admin",
            "root",
        ],
        None,
    );
    assert_eq!(taken.code, 2, "{}", taken.stdout);
    assert!(
        taken
            .stderr
            .contains("already holds the installation set up with")
            && taken.stderr.contains("avain.toml"),
        "{}",
        taken.stderr
    );
    let migrated = with_config(&["migrate"], None);
    assert!(
        migrated.stdout.contains("up to date"),
        "{}",
        migrated.stdout
    );

    // Staff: add, list, refuse bad input, disable.
    let added = with_config(
        &[
            "staff",
            "add",
            "maija",
            "--name",
            "Maija Desk",
            "--org",
            "kirjasto",
        ],
        None,
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(
        with_config(
            &["staff", "add", "x", "--name", "X", "--org", "nowhere"],
            None
        )
        .code,
        2
    );
    assert_eq!(
        with_config(
            &[
                "staff", "add", "maija", "--name", "Again", "--org", "kirjasto"
            ],
            None
        )
        .code,
        1
    );
    let list = with_config(&["--json", "staff", "list"], None).json();
    let maija = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login"] == "maija")
        .unwrap()
        .clone();
    assert_eq!(
        (maija["role"].as_str(), maija["active"].as_bool()),
        (Some("desk"), Some(true))
    );
    assert_eq!(with_config(&["staff", "disable", "maija"], None).code, 0);
    let list = with_config(&["--json", "staff", "list"], None).json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["login"] == "maija" && s["active"] == false)
    );

    // The audit shows who did it.
    let audit = with_config(&["--json", "audit", "list"], None).json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"staff.disable") && actions.contains(&"staff.add"),
        "{actions:?}"
    );
    assert_eq!(with_config(&["audit", "verify"], None).code, 0);

    let completions = avain(&data, &["completions", "bash"], None);
    assert_eq!(completions.code, 0);
    assert!(completions.stdout.contains("avain") && completions.stdout.contains("verify"));
}

#[test]
fn the_console_without_a_terminal_points_to_the_subcommands() {
    let data = tempfile::tempdir().unwrap();
    let run = avain(data.path(), &["--demo"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("needs a terminal") && run.stderr.contains("avain --help"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}
