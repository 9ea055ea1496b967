//! Keys are data: one table of bindings, each with the command it runs,
//! when it applies and the text that describes it. Dispatch, the footer
//! and the `?` help popup all read this table, so they never disagree.
//! `[keys]` in the config replaces the keys of a command.

use super::pane::Pane;
pub use crate::config::KeySpec;
use crate::domain::policy::CredentialKind;
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
    /// Focus one pane (its number key by default).
    Focus(Pane),
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

/// The commands other than focusing a pane: name in `[keys]`, description.
const FIXED: [(Command, &str, &str); 18] = [
    (Command::Quit, "quit", "key.quit"),
    (Command::Help, "help", "key.help"),
    (Command::Search, "search", "key.search"),
    (Command::NextPane, "next_pane", "key.next_pane"),
    (Command::PreviousPane, "previous_pane", "key.previous_pane"),
    (Command::Open, "open", "key.open"),
    (Command::Back, "back", "key.back"),
    (Command::Up, "up", "key.up"),
    (Command::Down, "down", "key.down"),
    (Command::SendLink, "send_link", "key.send_link"),
    (Command::SetPin, "set_pin", "key.set_pin"),
    (Command::GeneratePin, "generate_pin", "key.generate_pin"),
    (Command::ChangeEmail, "change_email", "key.change_email"),
    (Command::Unlock, "unlock", "key.unlock"),
    (Command::RevokeLink, "revoke_link", "key.revoke_link"),
    (Command::AddNote, "add_note", "key.add_note"),
    (Command::Reveal, "reveal", "key.reveal"),
    (Command::Refresh, "refresh", "key.refresh"),
];

impl Command {
    /// Every command, in help order: moving between panes, one per pane
    /// of the pane list, then the rest.
    pub fn all() -> Vec<Command> {
        let fixed = FIXED.iter().map(|(c, _, _)| *c);
        let moving = fixed.clone().take_while(|c| *c != Command::Open);
        let rest = fixed.skip_while(|c| *c != Command::Open);
        moving
            .chain(Pane::all().map(Command::Focus))
            .chain(rest)
            .collect()
    }

    /// The name used in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Focus(pane) => pane.spec().command_name,
            other => {
                FIXED
                    .iter()
                    .find(|(c, _, _)| *c == other)
                    .expect("listed")
                    .1
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::all().into_iter().find(|c| c.name() == name)
    }

    /// The i18n key of its description, where the desk works on a `kind`
    /// of credential: a password organisation's desk sets and generates
    /// a password, not a PIN.
    pub fn desc_key(self, kind: CredentialKind) -> &'static str {
        match (self, kind) {
            (Command::SetPin, CredentialKind::Password) => "key.set_password",
            (Command::GeneratePin, CredentialKind::Password) => "key.generate_password",
            (Command::Focus(pane), _) => pane.spec().command_desc,
            (other, _) => {
                FIXED
                    .iter()
                    .find(|(c, _, _)| *c == other)
                    .expect("listed")
                    .2
            }
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
        let mut bindings = vec![
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
        ];
        // Each pane of the list by its number.
        bindings.extend(Pane::all().filter(|p| p.index() < 9).map(|p| {
            let digit = char::from_digit(p.index() as u32 + 1, 10).expect("under 10");
            row(Focus(p), vec![ch(digit)], When::NotTyping, false)
        }));
        bindings.extend([
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
        ]);
        Keymap { bindings }
    }
}

/// A `[keys]` error with the line of the key it names in the config
/// text: "keys.sned_link (line 3): no such command …".
pub fn locate_error(error: &str, config_text: &str) -> String {
    let (key, rest) = error.split_once(':').unwrap_or((error, ""));
    let name = key.trim_start_matches("keys.");
    let line = crate::config::key_line(config_text, &["keys", name])
        .map(|n| format!(" (line {n})"))
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
                    Command::all()
                        .into_iter()
                        .map(Command::name)
                        .collect::<Vec<_>>()
                        .join(", ")
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
#[path = "keymap_tests.rs"]
mod tests;
