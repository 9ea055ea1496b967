//! The Search pane: the query line and the accounts it finds.

use super::layout::{inner, search_offset};
use super::{draw_input, pane_block};
use crate::text::safe;
use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let s = &app.search;
    let mut title = t.t("pane.search").to_string();
    if s.loading {
        title.push_str(" …");
    } else if !s.input.value().trim().is_empty() {
        title.push_str(&format!(" ({})", s.results.len()));
    }
    let focused = app.focus == Pane::Search && app.popup.is_none();
    frame.render_widget(pane_block(app, Pane::Search, &title), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    draw_input(
        app,
        frame,
        Rect::new(body.x, body.y, body.width, 1),
        "› ",
        &s.input,
        focused,
        false,
    );
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
        frame.render_widget(Paragraph::new(Line::styled(safe(e), app.theme.bad())), list);
        return;
    }
    if s.results.is_empty() {
        let hint = if s.input.value().trim().is_empty() {
            t.t("search.hint")
        } else if s.loading {
            ""
        } else {
            t.t("search.none")
        };
        frame.render_widget(Paragraph::new(Line::styled(hint, app.theme.dim())), list);
        return;
    }
    let wide = list.width >= 56;
    let offset = search_offset(app, body);
    let rows = s.results.iter().enumerate().skip(offset).map(|(i, r)| {
        let badges = r
            .badges
            .iter()
            .map(|b| t.badge(*b).0)
            .collect::<Vec<_>>()
            .join(" ");
        let marker = if i == s.selected { "▶" } else { " " };
        // Narrow: the card's last four and the organisation's first four letters.
        let card = r.card_masked.as_deref().map(safe).unwrap_or_default();
        let card = if wide || card.chars().count() <= 5 {
            card
        } else {
            format!(
                "…{}",
                card.chars()
                    .skip(card.chars().count() - 4)
                    .collect::<String>()
            )
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
        if i == s.selected {
            row.style(app.theme.selected())
        } else {
            row
        }
    });
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
            Constraint::Length(8),
        ]
    };
    frame.render_widget(Table::new(rows, widths).column_spacing(1), list);
}
