//! Where everything goes for a terminal size, as one pure function used
//! both to draw and to find what a mouse click hit.

use crate::tui::app::{App, Pane};
use crate::tui::keymap::Command;
use ratatui::layout::Rect;

/// Below this the four panes do not fit side by side: one pane at a time.
pub const FULL_MIN: (u16, u16) = (80, 24);
/// Below this nothing useful fits: ask for a larger window.
pub const COMPACT_MIN: (u16, u16) = (40, 12);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub status: Rect,
    pub footer: Rect,
    pub panes: PaneAreas,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneAreas {
    /// All four panes.
    Full {
        search: Rect,
        verify: Rect,
        links: Rect,
        act: Rect,
    },
    /// Only the focused pane, under a line of pane tabs.
    Compact { tabs: Rect, pane: Rect },
}

impl PaneAreas {
    /// The rectangle of a pane, if it is on screen.
    pub fn of(&self, pane: Pane, focus: Pane) -> Option<Rect> {
        match *self {
            PaneAreas::Full {
                search,
                verify,
                links,
                act,
            } => Some(match pane {
                Pane::Search => search,
                Pane::Verify => verify,
                Pane::Links => links,
                Pane::Act => act,
            }),
            PaneAreas::Compact { pane: area, .. } => (pane == focus).then_some(area),
        }
    }
}

/// The areas for a screen, or None when it is too small to use.
pub fn areas(size: Rect) -> Option<Areas> {
    let (w, h) = (size.width, size.height);
    if w < COMPACT_MIN.0 || h < COMPACT_MIN.1 {
        return None;
    }
    let row = |y: u16, height: u16| Rect::new(size.x, size.y + y, w, height);
    let header = row(0, 1);
    let footer = row(h - 1, 1);
    let status = row(h - 2, 1);
    let body_h = h - 3;
    let panes = if w >= FULL_MIN.0 && h >= FULL_MIN.1 {
        let left_w = if w >= 120 { w * 45 / 100 } else { w / 2 };
        let verify_h = (body_h * 2 / 5).clamp(9, 14);
        let act_h = if body_h >= 30 { 13 } else { 9 };
        let x = size.x;
        let y = size.y + 1;
        PaneAreas::Full {
            search: Rect::new(x, y, left_w, body_h - verify_h),
            verify: Rect::new(x, y + body_h - verify_h, left_w, verify_h),
            links: Rect::new(x + left_w, y, w - left_w, body_h - act_h),
            act: Rect::new(x + left_w, y + body_h - act_h, w - left_w, act_h),
        }
    } else {
        PaneAreas::Compact {
            tabs: row(1, 1),
            pane: row(2, body_h - 1),
        }
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

/// The first search result drawn, so the selected one stays visible.
/// The input takes the first inner line.
pub fn search_offset(app: &App, inner: Rect) -> usize {
    let visible = inner.height.saturating_sub(1).max(1) as usize;
    app.search.selected.saturating_sub(visible - 1)
}

/// How many lines the account summary takes in the Act pane: name, card
/// and email, and the facts, which get a second line when they do not fit
/// and the pane is tall enough to keep the menu in two columns.
pub fn summary_lines(app: &App, inner: Rect) -> u16 {
    let wide = super::act::facts_width(app) > inner.width as usize;
    if wide && inner.height >= 4 + Command::ACTIONS.len() as u16 / 2 {
        4
    } else {
        3
    }
}

/// The cells of the Act pane's action menu, in `Command::ACTIONS` order.
pub fn action_cells(app: &App, inner: Rect) -> Vec<Rect> {
    let summary = summary_lines(app, inner);
    let rows = inner.height.saturating_sub(summary).max(1);
    let n = Command::ACTIONS.len() as u16;
    let columns = n.div_ceil(rows).max(1);
    let cell_w = (inner.width / columns).max(1);
    (0..n)
        .map(|i| {
            let (col, r) = (i / rows, i % rows);
            Rect::new(
                inner.x + col * cell_w,
                inner.y + summary + r,
                cell_w.min(inner.width.saturating_sub(col * cell_w)),
                1,
            )
        })
        .filter(|r| r.y < inner.y + inner.height && r.width > 0)
        .collect()
}

/// What a mouse click landed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Pane(Pane),
    SearchRow(usize),
    VerifyField(bool),
    LinkRow(usize),
    ActionRow(usize),
}

pub fn hit_test(app: &App, x: u16, y: u16) -> Option<Hit> {
    let size = Rect::new(0, 0, app.size.0, app.size.1);
    let areas = areas(size)?;
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if let PaneAreas::Compact { tabs, .. } = areas.panes
        && inside(tabs)
    {
        let index = ((x - tabs.x) as usize * 4) / tabs.width.max(1) as usize;
        return Some(Hit::Pane(Pane::ALL[index.min(3)]));
    }
    for pane in Pane::ALL {
        let Some(area) = areas.panes.of(pane, app.focus) else {
            continue;
        };
        if !inside(area) {
            continue;
        }
        let body = inner(area);
        if !inside(body) {
            return Some(Hit::Pane(pane));
        }
        let line = (y - body.y) as usize;
        return Some(match pane {
            Pane::Search if line >= 1 => Hit::SearchRow(line - 1 + search_offset(app, body)),
            Pane::Verify if line <= 1 => Hit::VerifyField(line == 1 || !app.verify_uses_card()),
            Pane::Links => match super::links::link_at_line(app, body, line) {
                Some(i) => Hit::LinkRow(i),
                None => Hit::Pane(pane),
            },
            Pane::Act => match action_cells(app, body).iter().position(|c| inside(*c)) {
                Some(i) => Hit::ActionRow(i),
                None => Hit::Pane(pane),
            },
            _ => Hit::Pane(pane),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_choose_full_compact_or_nothing() {
        assert!(areas(Rect::new(0, 0, 39, 30)).is_none());
        assert!(areas(Rect::new(0, 0, 100, 11)).is_none());
        assert!(matches!(
            areas(Rect::new(0, 0, 79, 24)).unwrap().panes,
            PaneAreas::Compact { .. }
        ));
        assert!(matches!(
            areas(Rect::new(0, 0, 80, 24)).unwrap().panes,
            PaneAreas::Full { .. }
        ));
    }

    #[test]
    fn full_panes_tile_the_body_without_overlap() {
        for (w, h) in [(80, 24), (140, 40), (200, 60), (81, 25)] {
            let a = areas(Rect::new(0, 0, w, h)).unwrap();
            let PaneAreas::Full {
                search,
                verify,
                links,
                act,
            } = a.panes
            else {
                panic!()
            };
            let total: u32 = [search, verify, links, act].iter().map(|r| r.area()).sum();
            assert_eq!(total, w as u32 * (h as u32 - 3), "{w}x{h}");
            assert!(
                !search.intersects(verify) && !links.intersects(act) && !search.intersects(links)
            );
        }
    }

    #[test]
    fn every_action_gets_a_cell_at_80x24() {
        let a = areas(Rect::new(0, 0, 80, 24)).unwrap();
        let PaneAreas::Full { act, .. } = a.panes else {
            panic!()
        };
        for app in [
            crate::tui::fixtures::app(crate::config::Language::En, (80, 24)),
            crate::tui::fixtures::busy_desk(crate::config::Language::Fi, (80, 24)),
        ] {
            assert_eq!(action_cells(&app, inner(act)).len(), Command::ACTIONS.len());
        }
    }
}
