//! Keys are data: one table of bindings, each with the command it runs,
//! when it applies and the text that describes it. Dispatch, the footer
//! and the `?` help popup all read this table, so they never disagree.
//! `[keys]` in the config replaces the keys of a command.

pub use crate::config::KeySpec;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// Something a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    Help,
    Search,
    NextPane,
    PreviousPane,
    PaneSearch,
    PaneVerify,
    PaneLinks,
    PaneAct,
    Open,
    Back,
    Up,
    Down,
    SendLink,
    SetPin,
    GeneratePin,
    ChangeEmail,
    Unlock,
    RevokeLink,
    AddNote,
    Reveal,
    Refresh,
}

impl Command {
    pub const ALL: [Command; 22] = [
        Command::Quit,
        Command::Help,
        Command::Search,
        Command::NextPane,
        Command::PreviousPane,
        Command::PaneSearch,
        Command::PaneVerify,
        Command::PaneLinks,
        Command::PaneAct,
        Command::Open,
        Command::Back,
        Command::Up,
        Command::Down,
        Command::SendLink,
        Command::SetPin,
        Command::GeneratePin,
        Command::ChangeEmail,
        Command::Unlock,
        Command::RevokeLink,
        Command::AddNote,
        Command::Reveal,
        Command::Refresh,
    ];

    /// The name used in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Search => "search",
            Command::NextPane => "next_pane",
            Command::PreviousPane => "previous_pane",
            Command::PaneSearch => "pane_search",
            Command::PaneVerify => "pane_verify",
            Command::PaneLinks => "pane_links",
            Command::PaneAct => "pane_act",
            Command::Open => "open",
            Command::Back => "back",
            Command::Up => "up",
            Command::Down => "down",
            Command::SendLink => "send_link",
            Command::SetPin => "set_pin",
            Command::GeneratePin => "generate_pin",
            Command::ChangeEmail => "change_email",
            Command::Unlock => "unlock",
            Command::RevokeLink => "revoke_link",
            Command::AddNote => "add_note",
            Command::Reveal => "reveal",
            Command::Refresh => "refresh",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The i18n key of its description.
    pub fn desc_key(self) -> &'static str {
        match self {
            Command::Quit => "key.quit",
            Command::Help => "key.help",
            Command::Search => "key.search",
            Command::NextPane => "key.next_pane",
            Command::PreviousPane => "key.previous_pane",
            Command::PaneSearch => "key.pane_search",
            Command::PaneVerify => "key.pane_verify",
            Command::PaneLinks => "key.pane_links",
            Command::PaneAct => "key.pane_act",
            Command::Open => "key.open",
            Command::Back => "key.back",
            Command::Up => "key.up",
            Command::Down => "key.down",
            Command::SendLink => "key.send_link",
            Command::SetPin => "key.set_pin",
            Command::GeneratePin => "key.generate_pin",
            Command::ChangeEmail => "key.change_email",
            Command::Unlock => "key.unlock",
            Command::RevokeLink => "key.revoke_link",
            Command::AddNote => "key.add_note",
            Command::Reveal => "key.reveal",
            Command::Refresh => "key.refresh",
        }
    }

    /// Account actions (the Act pane's menu, in this order).
    pub const ACTIONS: [Command; 8] = [
        Command::SendLink,
        Command::SetPin,
        Command::GeneratePin,
        Command::ChangeEmail,
        Command::Unlock,
        Command::RevokeLink,
        Command::AddNote,
        Command::Reveal,
    ];
}

/// When a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Always (keys that never type text).
    Always,
    /// Only when no text field has the focus, so letters stay letters.
    NotTyping,
}

/// One key with its modifiers, as written in `[keys]` ("ctrl-c", "shift-tab", "f5", "s").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyCombo {
    pub const fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        KeyCombo { code, modifiers }
    }

    const fn plain(code: KeyCode) -> Self {
        KeyCombo::new(code, KeyModifiers::NONE)
    }

    /// Does a key event mean this key? Shift is ignored for printable
    /// characters, which carry it in the character itself.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let strip = |m: KeyModifiers, code: KeyCode| {
            if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
                m - KeyModifiers::SHIFT
            } else {
                m
            }
        };
        let event_code = match event.code {
            KeyCode::Char(c) if event.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        event_code == self.code
            && strip(event.modifiers, event.code) == strip(self.modifiers, self.code)
    }

    /// Parses "ctrl-c", "shift-tab", "alt-x", "enter", "f5", "?" …
    pub fn parse(text: &str) -> Result<KeyCombo, String> {
        let lower = text.trim().to_ascii_lowercase();
        if lower.is_empty() {
            return Err("an empty key".into());
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = lower.as_str();
        loop {
            if rest.len() > 1
                && let Some(r) = rest.strip_prefix("ctrl-")
            {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if rest.len() > 1
                && let Some(r) = rest.strip_prefix("alt-")
            {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else if rest.len() > 1
                && let Some(r) = rest.strip_prefix("shift-")
            {
                modifiers |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().unwrap_or(0);
                if !(1..=12).contains(&n) {
                    return Err(format!("{text:?}: function keys are f1 to f12"));
                }
                KeyCode::F(n)
            }
            _ => {
                // Keep the case the user wrote for a single character ("S").
                let original = &text.trim()[text.trim().len() - rest.len()..];
                let mut chars = original.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "{text:?} is not a key (e.g. \"s\", \"ctrl-r\", \"f5\", \"shift-tab\")"
                        ));
                    }
                }
            }
        };
        Ok(KeyCombo { code, modifiers })
    }

    /// How the key is shown in the footer and help.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) && !matches!(self.code, KeyCode::BackTab) {
            out.push_str("Shift-");
        }
        match self.code {
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Up => out.push('↑'),
            KeyCode::Down => out.push('↓'),
            KeyCode::Left => out.push('←'),
            KeyCode::Right => out.push('→'),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) => out.push(c),
            _ => out.push('?'),
        }
        out
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<KeyCombo>,
    pub command: Command,
    pub when: When,
    /// Shown in the footer when it applies (else only in help).
    pub in_footer: bool,
}

/// The table, defaults first, overridable.
#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        use Command::*;
        use KeyCode as K;
        let ch = |c| KeyCombo::plain(K::Char(c));
        let ctrl = |c| KeyCombo::new(K::Char(c), KeyModifiers::CONTROL);
        let row = |command, keys: Vec<KeyCombo>, when, in_footer| Binding {
            keys,
            command,
            when,
            in_footer,
        };
        Keymap {
            bindings: vec![
                row(Quit, vec![ctrl('c')], When::Always, false),
                row(Quit, vec![ch('q')], When::NotTyping, true),
                row(Help, vec![KeyCombo::plain(K::F(1))], When::Always, true),
                row(Help, vec![ch('?')], When::NotTyping, true),
                row(Search, vec![ch('/')], When::NotTyping, true),
                row(NextPane, vec![KeyCombo::plain(K::Tab)], When::Always, true),
                row(
                    PreviousPane,
                    vec![KeyCombo::new(K::BackTab, KeyModifiers::SHIFT)],
                    When::Always,
                    false,
                ),
                row(PaneSearch, vec![ch('1')], When::NotTyping, false),
                row(PaneVerify, vec![ch('2')], When::NotTyping, false),
                row(PaneLinks, vec![ch('3')], When::NotTyping, false),
                row(PaneAct, vec![ch('4')], When::NotTyping, false),
                row(Open, vec![KeyCombo::plain(K::Enter)], When::Always, true),
                row(Back, vec![KeyCombo::plain(K::Esc)], When::Always, true),
                row(Up, vec![KeyCombo::plain(K::Up)], When::Always, false),
                row(Up, vec![ch('k')], When::NotTyping, false),
                row(Down, vec![KeyCombo::plain(K::Down)], When::Always, false),
                row(Down, vec![ch('j')], When::NotTyping, false),
                row(SendLink, vec![ch('s')], When::NotTyping, true),
                row(SetPin, vec![ch('p')], When::NotTyping, true),
                row(GeneratePin, vec![ch('g')], When::NotTyping, true),
                row(ChangeEmail, vec![ch('e')], When::NotTyping, true),
                row(Unlock, vec![ch('u')], When::NotTyping, true),
                row(RevokeLink, vec![ch('r')], When::NotTyping, true),
                row(AddNote, vec![ch('n')], When::NotTyping, true),
                row(Reveal, vec![ch('v')], When::NotTyping, true),
                row(
                    Refresh,
                    vec![ctrl('r'), KeyCombo::plain(K::F(5))],
                    When::Always,
                    false,
                ),
            ],
        }
    }
}

/// A `[keys]` error with the line of the key it names in the config
/// text: "keys.sned_link (line 3): no such command …".
pub fn locate_error(error: &str, config_text: &str) -> String {
    let (key, rest) = error.split_once(':').unwrap_or((error, ""));
    let name = key.trim_start_matches("keys.");
    let line = config_text
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(name)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|n| format!(" (line {})", n + 1))
        .unwrap_or_default();
    format!("{key}{line}:{rest}")
}

impl Keymap {
    /// The defaults with `[keys]` applied: a listed command gets exactly
    /// the keys given (all its default rows are replaced). Errors name the key.
    pub fn with_overrides(overrides: &BTreeMap<String, KeySpec>) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (name, spec) in overrides {
            let command = Command::from_name(name).ok_or_else(|| {
                format!(
                    "keys.{name}: no such command (one of: {})",
                    Command::ALL.map(Command::name).join(", ")
                )
            })?;
            let keys = spec
                .keys()
                .into_iter()
                .map(KeyCombo::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("keys.{name}: {e}"))?;
            if keys.is_empty() {
                return Err(format!("keys.{name}: give at least one key"));
            }
            let in_footer = map
                .bindings
                .iter()
                .any(|b| b.command == command && b.in_footer);
            map.bindings.retain(|b| b.command != command);
            // A printable key types text in fields, so it only applies outside them.
            let (typing, always): (Vec<KeyCombo>, Vec<KeyCombo>) =
                keys.into_iter().partition(|k| {
                    matches!(k.code, KeyCode::Char(_))
                        && !k
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                });
            for (keys, when) in [(always, When::Always), (typing, When::NotTyping)] {
                if !keys.is_empty() {
                    map.bindings.push(Binding {
                        keys,
                        command,
                        when,
                        in_footer,
                    });
                }
            }
        }
        // Two commands on one key would make one of them unreachable.
        for (i, a) in map.bindings.iter().enumerate() {
            for b in &map.bindings[i + 1..] {
                if a.command != b.command
                    && let Some(k) = a.keys.iter().find(|k| b.keys.contains(k))
                {
                    return Err(format!(
                        "keys.{}: {} is also the key of {}",
                        if overrides.contains_key(b.command.name()) {
                            b.command.name()
                        } else {
                            a.command.name()
                        },
                        k.label(),
                        if overrides.contains_key(b.command.name()) {
                            a.command.name()
                        } else {
                            b.command.name()
                        },
                    ));
                }
            }
        }
        Ok(map)
    }

    /// The command for a key event, given whether a text field has focus.
    pub fn lookup(&self, event: &KeyEvent, typing: bool) -> Option<Command> {
        self.bindings
            .iter()
            .filter(|b| b.when == When::Always || !typing)
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.command)
    }

    /// The label of the first key bound to a command that works now.
    /// Outside text fields the short letter is shown ("q", not "Ctrl-c").
    pub fn key_label(&self, command: Command, typing: bool) -> Option<String> {
        let usable = |b: &&Binding| b.command == command && (b.when == When::Always || !typing);
        let preferred = self
            .bindings
            .iter()
            .filter(usable)
            .find(|b| !typing && b.when == When::NotTyping);
        preferred
            .or_else(|| self.bindings.iter().find(usable))
            .and_then(|b| b.keys.first())
            .map(KeyCombo::label)
    }

    /// All keys of a command, for the help popup.
    pub fn all_labels(&self, command: Command) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.command == command)
            .flat_map(|b| b.keys.iter().map(KeyCombo::label))
            .collect()
    }

    /// Does a command have a footer binding at all?
    pub fn in_footer(&self, command: Command) -> bool {
        self.bindings
            .iter()
            .any(|b| b.command == command && b.in_footer)
    }
}

#[cfg(test)]
mod tests {
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
}
