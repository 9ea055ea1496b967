//! The keymap: defaults, overrides from `[keys]`, clashes, and errors
//! that name the key and its line.

use super::*;

fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, m)
}

#[test]
fn letters_only_act_outside_text_fields() {
    let map = Keymap::default();
    let s = key(KeyCode::Char('s'), KeyModifiers::NONE);
    assert_eq!(map.lookup(&s, false), Some(Command::SendLink));
    assert_eq!(map.lookup(&s, true), None);
    let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(map.lookup(&ctrl_c, true), Some(Command::Quit));
    let back = key(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(map.lookup(&back, true), Some(Command::PreviousPane));
    let question = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(map.lookup(&question, false), Some(Command::Help));
}

#[test]
fn key_names_parse_and_print() {
    for (text, label) in [
        ("ctrl-c", "Ctrl-c"),
        ("shift-tab", "Shift-Tab"),
        ("F5", "F5"),
        ("S", "S"),
        ("alt-x", "Alt-x"),
        ("enter", "Enter"),
        ("space", "Space"),
    ] {
        assert_eq!(KeyCombo::parse(text).unwrap().label(), label, "{text}");
    }
    assert!(KeyCombo::parse("ctrl-").is_err());
    assert!(KeyCombo::parse("f13").is_err());
    assert!(KeyCombo::parse("hello").is_err());
}

#[test]
fn overrides_replace_a_commands_keys_and_name_bad_entries() {
    let mut o = BTreeMap::new();
    o.insert(
        "send_link".to_string(),
        KeySpec::Many(vec!["l".into(), "f2".into()]),
    );
    let map = Keymap::with_overrides(&o).unwrap();
    let l = key(KeyCode::Char('l'), KeyModifiers::NONE);
    let f2 = key(KeyCode::F(2), KeyModifiers::NONE);
    let s = key(KeyCode::Char('s'), KeyModifiers::NONE);
    assert_eq!(map.lookup(&l, false), Some(Command::SendLink));
    assert_eq!(map.lookup(&l, true), None);
    assert_eq!(map.lookup(&f2, true), Some(Command::SendLink));
    assert_eq!(map.lookup(&s, false), None);
    assert_eq!(
        map.key_label(Command::SendLink, false).as_deref(),
        Some("l")
    );
    assert_eq!(
        map.key_label(Command::SendLink, true).as_deref(),
        Some("F2")
    );

    let mut bad = BTreeMap::new();
    bad.insert("sned_link".to_string(), KeySpec::One("x".into()));
    assert!(
        Keymap::with_overrides(&bad)
            .unwrap_err()
            .starts_with("keys.sned_link: no such command")
    );
    let mut clash = BTreeMap::new();
    clash.insert("unlock".to_string(), KeySpec::One("s".into()));
    let err = Keymap::with_overrides(&clash).unwrap_err();
    assert!(
        err.contains("keys.unlock") && err.contains("send_link"),
        "{err}"
    );
}

#[test]
fn config_errors_name_the_key_and_line() {
    let config = "[keys]\nsend_link = \"l\"\nsned_link = \"x\"\n";
    let mut o = BTreeMap::new();
    o.insert("sned_link".to_string(), KeySpec::One("x".into()));
    let e = locate_error(&Keymap::with_overrides(&o).unwrap_err(), config);
    assert!(
        e.starts_with("keys.sned_link (line 3): no such command"),
        "{e}"
    );
    let mut o = BTreeMap::new();
    o.insert("unlock".to_string(), KeySpec::One("s".into()));
    let e = locate_error(
        &Keymap::with_overrides(&o).unwrap_err(),
        "[keys]\nunlock = \"s\"\n",
    );
    assert!(
        e.contains("keys.unlock (line 2)") && e.contains("send_link"),
        "{e}"
    );
    let mut o = BTreeMap::new();
    o.insert("refresh".to_string(), KeySpec::One("ctrl-".into()));
    let e = locate_error(
        &Keymap::with_overrides(&o).unwrap_err(),
        "[keys]\nrefresh = \"ctrl-\"\n",
    );
    assert!(e.contains("keys.refresh (line 2)"), "{e}");
}
