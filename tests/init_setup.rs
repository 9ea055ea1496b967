//! `avain init` for a real installation: the organisations and mail server
//! from flags in a script, or asked on a terminal; either way a
//! configuration that `config check` accepts without placeholder warnings.

mod common;

use common::bin::avain;
use common::tmux::{Tmux, tmux_available};

#[test]
fn flags_write_a_configuration_with_the_organisations_given() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("etc/avain/config.toml");
    let cfg = config.to_str().unwrap();
    let data_arg = data.to_str().unwrap();
    let lib =
        "slug=kirjasto,name=City Library,credential=pin,language=fi,link=https://avain.kirjasto.fi";
    let town = "slug=kaupunki,name=Town e-services,credential=password:14,language=sv,link=https://avain.kaupunki.fi";

    // A password on the command line is refused and nothing is written.
    let leaky = avain(
        &data,
        &[
            "--config",
            cfg,
            "init",
            "--org",
            lib,
            "--mail-url",
            "smtp://u:secret@mail.kirjasto.fi:587",
        ],
        None,
    );
    assert_eq!(leaky.code, 2, "{}", leaky.stdout);
    assert!(
        leaky.stderr.contains("--mail-url: a password"),
        "{}",
        leaky.stderr
    );
    assert!(!config.exists());
    let bad = avain(
        &data,
        &["--config", cfg, "init", "--org", "slug=x,name=X"],
        None,
    );
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("credential=… is missing"),
        "{}",
        bad.stderr
    );
    assert!(!config.exists());

    let init = avain(
        &data,
        &[
            "--config",
            cfg,
            "init",
            "--admin",
            "root",
            "--data-dir",
            data_arg,
            "--org",
            lib,
            "--org",
            town,
            "--mail-url",
            "smtp://mail.kirjasto.fi:587?tls=required",
            "--sender",
            "Library <noreply@kirjasto.fi>",
        ],
        None,
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains(&format!("data_dir = \"{data_arg}\"")),
        "{text}"
    );
    let checked = avain(&data, &["--config", cfg, "config", "check"], None);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(!checked.stdout.contains("# warning"), "{}", checked.stdout);
    assert!(
        checked.stdout.contains("min_length = 14"),
        "{}",
        checked.stdout
    );
    let orgs = avain(&data, &["--config", cfg, "--json", "org", "list"], None).json();
    let slugs: Vec<&str> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["kirjasto", "kaupunki"]);
    // The file exists now: flags cannot silently rewrite it.
    let again = avain(&data, &["--config", cfg, "init", "--org", lib], None);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("exists: edit it instead"),
        "{}",
        again.stderr
    );
}

#[test]
fn on_a_terminal_init_asks_and_explains_bad_answers() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("avain.toml");
    let command = format!(
        "env AVAIN_DATA_DIR='{}' '{}' --config '{}' init --admin root; echo EXITED=$?; sleep 60",
        data.display(),
        env!("CARGO_BIN_EXE_avain"),
        config.display()
    );
    let t = Tmux::run("init", &command, 100, 30);
    let answer = |text: &str, then: &[&str]| {
        t.text(text);
        t.keys("Enter");
        t.wait_for(then);
    };
    t.wait_for(&["Data folder"]);
    answer("", &["Short name, used in commands"]);
    answer("Kirjasto", &["is not a valid slug"]);
    answer("kirjasto", &["Name shown to patrons"]);
    answer("City Library", &["Patrons log in with"]);
    answer("", &["Language of its mails"]);
    answer("fi", &["Address of the patron pages"]);
    answer("https://avain.kirjasto.fi", &["Another organisation?"]);
    answer("n", &["SMTP server"]);
    answer("smtp://mail.kirjasto.fi:587", &["Sender of mails"]);
    answer("Library <noreply@kirjasto.fi>", &["EXITED="]);
    let screen = t.wait_for(&["EXITED=0"]);
    assert!(screen.contains("ready: database"), "{screen}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("slug = \"kirjasto\"")
            && text.contains("url = \"smtp://mail.kirjasto.fi:587\""),
        "{text}"
    );
}

#[test]
fn hints_type_the_binary_as_the_shell_would_find_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_avain"));
    let demo = |path: &str, data: &std::path::Path| {
        let out = std::process::Command::new(bin)
            .args(["demo", "--no-console", "--accounts", "10", "--reset"])
            .env("AVAIN_DATA_DIR", data)
            .env("PATH", path)
            .env_remove("AVAIN_CONFIG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Not on the PATH (as after `cargo run`): the hints give its path.
    let text = demo("/usr/bin:/bin", &dir.path().join("a"));
    assert!(
        text.contains("target/debug/avain --demo search virta")
            && text.contains("not on your PATH: `cargo install --path .`"),
        "{text}"
    );
    // On the PATH: plain `avain`.
    let with = format!("{}:/usr/bin:/bin", bin.parent().unwrap().display());
    let text = demo(&with, &dir.path().join("b"));
    assert!(text.contains("\n  avain --demo search virta"), "{text}");
    assert!(!text.contains("not on your PATH"), "{text}");
}
