//! The console's panes, as data. Each pane is one module that owns its
//! state, what its keys do and its drawing; [`PANES`] lists them, and the
//! app, the layout, the keymap and the help read the list. A new pane is a
//! new module and one more entry here.

pub mod act;
pub mod links;
pub mod search;
pub mod stats;
pub mod verify;

use super::action::Effect;
use super::app::App;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// A pane: its place in [`PANES`] (its number on screen is this + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pane(u8);

impl Pane {
    pub const SEARCH: Pane = Pane(0);
    pub const VERIFY: Pane = Pane(1);
    pub const LINKS: Pane = Pane(2);
    pub const ACT: Pane = Pane(3);
    pub const STATS: Pane = Pane(4);

    /// Every pane, in order.
    pub fn all() -> impl Iterator<Item = Pane> {
        (0..PANES.len() as u8).map(Pane)
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn spec(self) -> &'static PaneSpec {
        &PANES[self.index()]
    }

    /// The pane `step` places on, wrapping around.
    pub fn step(self, step: i64) -> Pane {
        let n = PANES.len() as i64;
        Pane(((self.0 as i64 + step).rem_euclid(n)) as u8)
    }

    pub fn title_key(self) -> &'static str {
        self.spec().title_key
    }

    /// Does its text field take the letters typed?
    pub fn takes_text(self) -> bool {
        self.spec().takes_text
    }
}

/// Where a pane sits when every pane fits on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    TopLeft,
    BottomLeft,
    TopRight,
    BottomRight,
    /// The whole body, shown only while focused (like the small layout).
    Whole,
}

/// Everything the console needs to know about a pane.
pub struct PaneSpec {
    pub title_key: &'static str,
    /// The `[keys]` name of the command that focuses it, and its help text.
    pub command_name: &'static str,
    pub command_desc: &'static str,
    pub takes_text: bool,
    pub place: Place,
    /// What Enter does here, for the footer (none: nothing).
    pub enter_hint: Option<&'static str>,
    pub render: fn(&App, &mut Frame, Rect),
    /// A key no command took (text panes type it).
    pub on_type: fn(&mut App, KeyEvent) -> Vec<Effect>,
    pub on_enter: fn(&mut App) -> Vec<Effect>,
    /// Esc: `None` goes back to the search pane.
    pub on_back: Option<fn(&mut App) -> Vec<Effect>>,
    /// Up (-1) and down (+1).
    pub on_move: fn(&mut App, i64),
    /// A click at a line (and column) of the pane's inside.
    pub on_click: fn(&mut App, Rect, u16, u16),
}

/// The panes, in their order on screen.
pub static PANES: [PaneSpec; 5] = [
    search::SPEC,
    verify::SPEC,
    links::SPEC,
    act::SPEC,
    stats::SPEC,
];

/// For panes where typing does nothing.
pub fn ignore_key(_: &mut App, _: KeyEvent) -> Vec<Effect> {
    Vec::new()
}

/// For panes where Enter does nothing.
pub fn nothing(_: &mut App) -> Vec<Effect> {
    Vec::new()
}

/// Moves a selection within `len` items.
pub fn bump(value: usize, len: usize, step: i64) -> usize {
    if len == 0 {
        return 0;
    }
    (value as i64 + step).clamp(0, len as i64 - 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_names_each_pane_once() {
        let names: std::collections::BTreeSet<&str> =
            PANES.iter().map(|p| p.command_name).collect();
        assert_eq!(names.len(), PANES.len());
        assert_eq!(Pane::STATS.step(1), Pane::SEARCH);
        assert_eq!(Pane::SEARCH.step(-1), Pane::STATS);
        assert_eq!(Pane::all().count(), PANES.len());
    }
}
