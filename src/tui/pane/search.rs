//! The Search pane: the query line and the accounts it finds, searched
//! again at every key (stale answers are dropped); Enter opens one.

use super::{Pane, PaneSpec, Place, bump};
use crate::service::AccountSummary;
use crate::text::safe;
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::view::layout::inner;
use crate::tui::view::{draw_input, pane_block};
use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub const SPEC: PaneSpec = PaneSpec {
    title_key: "pane.search",
    command_name: "pane_search",
    command_desc: "key.pane_search",
    takes_text: true,
    place: Place::TopLeft,
    enter_hint: Some("key.open"),
    render,
    on_type,
    on_enter,
    on_back: Some(on_back),
    on_move,
    on_click,
};

#[derive(Debug, Default)]
pub struct SearchPane {
    pub input: Input,
    pub results: Vec<AccountSummary>,
    pub selected: usize,
    /// The newest request; older answers are dropped.
    pub latest: u64,
    pub loading: bool,
    pub error: Option<String>,
}

/// Starts a search for the current text (or clears the results).
pub fn start_search(app: &mut App) -> Vec<Effect> {
    let query = app.search.input.value().trim().to_string();
    let request = app.request_id();
    app.search.latest = request;
    if query.is_empty() {
        app.search.results.clear();
        app.search.loading = false;
        app.search.error = None;
        return Vec::new();
    }
    app.search.loading = true;
    vec![Effect::Search { request, query }]
}

fn on_type(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if app
        .search
        .input
        .handle_event(&Event::Key(key))
        .is_some_and(|c| c.value)
    {
        return start_search(app);
    }
    Vec::new()
}

/// Opens the picked account and shows its links.
fn on_enter(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.search.results.get(app.search.selected).map(|r| r.id) else {
        return start_search(app);
    };
    app.focus = Pane::LINKS;
    // A new account: the old verdict belonged to someone else.
    if app.detail().is_none_or(|d| d.account.id != id) {
        app.verify.outcome = None;
    }
    vec![app.load_detail(id, true)]
}

fn on_back(app: &mut App) -> Vec<Effect> {
    if app.search.input.value().is_empty() {
        return Vec::new();
    }
    app.search.input.reset();
    start_search(app)
}

fn on_move(app: &mut App, step: i64) {
    app.search.selected = bump(app.search.selected, app.search.results.len(), step);
}

fn on_click(app: &mut App, body: Rect, line: u16, _x: u16) {
    if line >= 1 {
        let row = (line - 1) as usize + offset(app, body);
        if row < app.search.results.len() {
            app.search.selected = row;
        }
    }
}

/// The first result drawn, so the selected one stays visible. The input
/// takes the first inner line.
pub fn offset(app: &App, inner: Rect) -> usize {
    let visible = inner.height.saturating_sub(1).max(1) as usize;
    app.search.selected.saturating_sub(visible - 1)
}

fn render(app: &App, frame: &mut Frame, area: Rect) {
    let s = &app.search;
    let mut title = app.words.t("pane.search").to_string();
    if s.loading {
        title.push_str(" …");
    } else if !s.input.value().trim().is_empty() {
        title.push_str(&format!(" ({})", s.results.len()));
    }
    let focused = app.focus == Pane::SEARCH && app.popup.is_none();
    frame.render_widget(pane_block(app, Pane::SEARCH, &title), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    let query = Rect::new(body.x, body.y, body.width, 1);
    draw_input(app, frame, query, "› ", &s.input, focused, false);
    let list = Rect::new(
        body.x,
        body.y + 1,
        body.width,
        body.height.saturating_sub(1),
    );
    if list.height == 0 {
        return;
    }
    if let Some(e) = &s.error {
        frame.render_widget(wrapped_line(Line::styled(safe(e), app.theme.bad())), list);
        return;
    }
    if s.results.is_empty() {
        let hint = if s.input.value().trim().is_empty() {
            app.words.t("search.hint")
        } else if s.loading {
            ""
        } else {
            app.words.t("search.none")
        };
        frame.render_widget(wrapped_line(Line::styled(hint, app.theme.dim())), list);
        return;
    }
    let wide = list.width >= 56;
    let rows = s
        .results
        .iter()
        .enumerate()
        .skip(offset(app, body))
        .map(|(i, r)| result_row(app, r, i == s.selected, wide));
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Fill(4),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Fill(4),
            Constraint::Fill(2),
        ]
    } else {
        vec![
            Constraint::Fill(1),
            Constraint::Length(4),
            Constraint::Length(5),
            Constraint::Length(NARROW_BADGES as u16),
        ]
    };
    frame.render_widget(Table::new(rows, widths).column_spacing(1), list);
}

/// Columns for the badges in a narrow pane.
const NARROW_BADGES: usize = 9;

/// As many whole badges as fit in `width`, and "+n" for the rest, so a
/// second warning is never cut to an unreadable stub.
fn fit_badges(labels: &[&str], width: usize) -> String {
    let mut shown = String::new();
    for (i, label) in labels.iter().enumerate() {
        let rest = labels.len() - i - 1;
        let more = if rest > 0 {
            format!("+{rest}")
        } else {
            String::new()
        };
        let sep = usize::from(!shown.is_empty());
        let need = shown.chars().count() + sep + label.chars().count();
        if need + more.chars().count() > width && !shown.is_empty() {
            return format!("{shown}+{}", rest + 1);
        }
        if sep == 1 {
            shown.push(' ');
        }
        shown.push_str(label);
    }
    shown
}

/// One found account: name, organisation, card, (address when wide) and
/// badges. Narrow, the card shows its last four and the organisation its
/// first four letters.
fn result_row(app: &App, r: &AccountSummary, selected: bool, wide: bool) -> Row<'static> {
    let labels: Vec<&str> = r.badges.iter().map(|b| app.words.badge(*b).0).collect();
    let badges = if wide {
        labels.join(" ")
    } else {
        fit_badges(&labels, NARROW_BADGES)
    };
    let marker = if selected { "▶" } else { " " };
    let card = r.card_masked.as_deref().map(safe).unwrap_or_default();
    let card_chars = card.chars().count();
    let card = if wide || card_chars <= 5 {
        card
    } else {
        let last_four: String = card.chars().skip(card_chars - 4).collect();
        format!("…{last_four}")
    };
    let org = safe(&r.org);
    let org = if wide {
        org
    } else {
        org.chars().take(4).collect()
    };
    let mut cells = vec![
        Cell::from(format!("{marker}{}", safe(&r.full_name))),
        Cell::from(org),
        Cell::from(card),
    ];
    if wide {
        cells.push(Cell::from(safe(&r.email_masked)));
    }
    cells.push(Cell::from(Span::styled(badges, app.theme.warn())));
    let row = Row::new(cells);
    if selected {
        row.style(app.theme.selected())
    } else {
        row
    }
}

/// A sentence in the result list (an error or a hint): wider than the pane
/// at 80 columns in every language, so it wraps.
fn wrapped_line(line: Line<'_>) -> Paragraph<'_> {
    Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: true })
}

#[cfg(test)]
mod tests {
    use super::fit_badges;

    #[test]
    fn badges_fit_whole_or_are_counted() {
        assert_eq!(fit_badges(&[], 9), "");
        assert_eq!(fit_badges(&["link"], 9), "link");
        assert_eq!(fit_badges(&["new", "link"], 9), "new link");
        assert_eq!(fit_badges(&["LOCKED", "old PIN"], 9), "LOCKED+1");
        assert_eq!(
            fit_badges(&["LUKITTU", "vanha-PIN", "linkki"], 9),
            "LUKITTU+2"
        );
        assert_eq!(fit_badges(&["new", "old", "link"], 9), "new old+1");
        // A first badge longer than the column is left for the table to cut.
        assert_eq!(fit_badges(&["POISTETTU", "LUKITTU"], 9), "POISTETTU+1");
    }
}
