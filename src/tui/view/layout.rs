//! Where everything goes for a terminal size, as one pure function used
//! both to draw and to find what a mouse click hit. Panes are placed by
//! the place their entry in the pane list asks for.

use crate::tui::app::App;
use crate::tui::pane::{PANES, Pane, Place};
use ratatui::layout::Rect;

/// Below this the panes do not fit side by side: one pane at a time.
pub const FULL_MIN: (u16, u16) = (80, 24);
/// Below this nothing useful fits: ask for a larger window.
pub const COMPACT_MIN: (u16, u16) = (40, 12);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub status: Rect,
    pub footer: Rect,
    pub panes: PaneAreas,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaneAreas {
    /// The panes side by side, each where it asks to be.
    Full(Vec<(Pane, Rect)>),
    /// Only the focused pane, under a line of pane tabs.
    Compact { tabs: Rect, pane: Rect },
}

impl PaneAreas {
    /// The rectangle of a pane, if it is on screen.
    pub fn of(&self, pane: Pane, focus: Pane) -> Option<Rect> {
        match self {
            PaneAreas::Full(list) => list.iter().find(|(p, _)| *p == pane).map(|(_, r)| *r),
            PaneAreas::Compact { pane: area, .. } => (pane == focus).then_some(*area),
        }
    }
}

/// The areas for a screen and focus, or None when it is too small to use.
pub fn areas(size: Rect, focus: Pane) -> Option<Areas> {
    let (w, h) = (size.width, size.height);
    if w < COMPACT_MIN.0 || h < COMPACT_MIN.1 {
        return None;
    }
    let row = |y: u16, height: u16| Rect::new(size.x, size.y + y, w, height);
    let header = row(0, 1);
    let footer = row(h - 1, 1);
    let status = row(h - 2, 1);
    let body_h = h - 3;
    let compact = PaneAreas::Compact {
        tabs: row(1, 1),
        pane: row(2, body_h - 1),
    };
    let whole = focus.spec().place == Place::Whole;
    let panes = if w >= FULL_MIN.0 && h >= FULL_MIN.1 && !whole {
        let left_w = if w >= 120 { w * 45 / 100 } else { w / 2 };
        let verify_h = (body_h * 2 / 5).clamp(9, 14);
        let act_h = if body_h >= 30 { 13 } else { 9 };
        let (x, y) = (size.x, size.y + 1);
        let place = |p: Place| match p {
            Place::TopLeft => Some(Rect::new(x, y, left_w, body_h - verify_h)),
            Place::BottomLeft => Some(Rect::new(x, y + body_h - verify_h, left_w, verify_h)),
            Place::TopRight => Some(Rect::new(x + left_w, y, w - left_w, body_h - act_h)),
            Place::BottomRight => {
                Some(Rect::new(x + left_w, y + body_h - act_h, w - left_w, act_h))
            }
            Place::Whole => None,
        };
        PaneAreas::Full(
            Pane::all()
                .filter_map(|p| place(p.spec().place).map(|r| (p, r)))
                .collect(),
        )
    } else {
        compact
    };
    Some(Areas {
        header,
        status,
        footer,
        panes,
    })
}

/// The inside of a bordered pane.
pub fn inner(area: Rect) -> Rect {
    Rect::new(
        area.x.saturating_add(1),
        area.y.saturating_add(1),
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}

/// What a mouse click landed on: a pane, and where inside it (the line
/// and column of its inside, when it landed there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub pane: Pane,
    pub inside: Option<(Rect, u16, u16)>,
}

pub fn hit_test(app: &App, x: u16, y: u16) -> Option<Hit> {
    let size = Rect::new(0, 0, app.size.0, app.size.1);
    let areas = areas(size, app.focus)?;
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if let PaneAreas::Compact { tabs, .. } = areas.panes
        && inside(tabs)
    {
        let n = PANES.len();
        let index = ((x - tabs.x) as usize * n) / tabs.width.max(1) as usize;
        let pane = Pane::all().nth(index.min(n - 1)).expect("in range");
        return Some(Hit { pane, inside: None });
    }
    for pane in Pane::all() {
        let Some(area) = areas.panes.of(pane, app.focus) else {
            continue;
        };
        if !inside(area) {
            continue;
        }
        let body = inner(area);
        let at = inside(body).then(|| (body, y - body.y, x - body.x));
        return Some(Hit { pane, inside: at });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Command;

    #[test]
    fn sizes_choose_full_compact_or_nothing() {
        let focus = Pane::SEARCH;
        assert!(areas(Rect::new(0, 0, 39, 30), focus).is_none());
        assert!(areas(Rect::new(0, 0, 100, 11), focus).is_none());
        assert!(matches!(
            areas(Rect::new(0, 0, 79, 24), focus).unwrap().panes,
            PaneAreas::Compact { .. }
        ));
        assert!(matches!(
            areas(Rect::new(0, 0, 80, 24), focus).unwrap().panes,
            PaneAreas::Full(_)
        ));
    }

    #[test]
    fn full_panes_tile_the_body_without_overlap() {
        for (w, h) in [(80, 24), (140, 40), (200, 60), (81, 25)] {
            let a = areas(Rect::new(0, 0, w, h), Pane::SEARCH).unwrap();
            let PaneAreas::Full(list) = a.panes else {
                panic!()
            };
            assert_eq!(list.len(), 4);
            let total: u32 = list.iter().map(|(_, r)| r.area()).sum();
            assert_eq!(total, w as u32 * (h as u32 - 3), "{w}x{h}");
            for (i, (_, a)) in list.iter().enumerate() {
                for (_, b) in &list[i + 1..] {
                    assert!(!a.intersects(*b), "{w}x{h}");
                }
            }
        }
    }

    #[test]
    fn every_action_gets_a_cell_at_80x24() {
        let a = areas(Rect::new(0, 0, 80, 24), Pane::SEARCH).unwrap();
        let act = a.panes.of(Pane::ACT, Pane::SEARCH).unwrap();
        for app in [
            crate::tui::fixtures::app(crate::config::Language::En, (80, 24)),
            crate::tui::fixtures::busy_desk(crate::config::Language::Fi, (80, 24)),
        ] {
            assert_eq!(
                crate::tui::pane::act::action_cells(&app, inner(act)).len(),
                Command::ACTIONS.len()
            );
        }
    }
}
