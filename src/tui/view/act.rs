//! The Act pane: who the open account is, and what can be done to it,
//! each action with the key that does it.

use super::layout::{action_cells, inner};
use super::pane_block;
use crate::text::safe;
use crate::tui::app::{App, Pane};
use crate::tui::keymap::Command;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// How wide the facts line is (the layout wraps it when it does not fit).
pub fn facts_width(app: &App) -> usize {
    summary(app).last().map_or(0, Line::width)
}

fn summary(app: &App) -> Vec<Line<'static>> {
    let t = &app.words;
    let theme = &app.theme;
    let Some(d) = app.detail() else {
        return vec![Line::styled(t.t("act.no_account").to_string(), theme.dim())];
    };
    let a = &d.account;
    let card = d
        .cards
        .iter()
        .find(|c| c.status == crate::domain::verdict::CardStatus::Active)
        .map(|c| safe(&c.number_masked))
        .unwrap_or_else(|| "–".into());
    let mut facts: Vec<Span> = Vec::new();
    let mut fact = |text: String, style| {
        if !facts.is_empty() {
            facts.push(Span::raw(" · "));
        }
        facts.push(Span::styled(text, style));
    };
    // Most important first: the line is cut at the pane's edge.
    if let Some(dir) = &d.directory {
        let system = ("system", t.system_short(dir.system));
        if dir.removed {
            fact(t.f("directory.removed", &[system]), theme.bad());
        } else if dir.locked {
            fact(t.f("directory.locked", &[system]), theme.bad());
        }
    }
    if a.locked_at.is_some() {
        fact(
            t.f("act.locked", &[("n", &a.failed_attempts.to_string())]),
            theme.bad(),
        );
    } else if a.failed_attempts > 0 {
        fact(
            t.f("act.failed", &[("n", &a.failed_attempts.to_string())]),
            theme.warn(),
        );
    }
    if let Some(dir) = &d.directory
        && let Some(age) = t.freshness(dir.system, &dir.freshness, app.now_ms)
    {
        fact(age, theme.warn());
    }
    let kind = a.credential_kind.code();
    match (&d.directory, a.credential_set_at) {
        // The credential lives in the directory: say where, and when avain
        // last set it there.
        (Some(dir), Some(at)) => fact(
            t.f(
                &format!("act.{kind}_set_in"),
                &[("at", &t.time(at)), ("system", t.system_short(dir.system))],
            ),
            theme.dim(),
        ),
        (Some(dir), None) => fact(
            t.f(
                &format!("act.{kind}_in"),
                &[("system", t.system_short(dir.system))],
            ),
            theme.dim(),
        ),
        (None, Some(at)) if a.has_credential => fact(
            t.f(&format!("act.{kind}_set_at"), &[("at", &t.time(at))]),
            theme.dim(),
        ),
        (None, _) if a.has_credential => {
            fact(t.t(&format!("act.{kind}_set")).to_string(), theme.dim())
        }
        (None, _) => fact(t.t(&format!("act.no_{kind}")).to_string(), theme.warn()),
    }
    if a.legacy_credential {
        fact(t.t("badge.legacy_pin").to_string(), theme.warn());
    }
    if a.must_set_credential {
        fact(t.t("act.awaiting_first_login").to_string(), theme.warn());
    }
    let org = app
        .org(&a.org)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| a.org.clone());
    vec![
        Line::from(vec![
            Span::styled(safe(&a.full_name), theme.title(true)),
            Span::raw(format!(" · {}", safe(&org))),
        ]),
        Line::raw(format!(
            "{} {card} · {} {}{}",
            t.t("field.card"),
            t.t("field.email"),
            safe(&a.email_masked),
            a.phone_masked
                .as_deref()
                .map(|p| format!(" · {} {}", t.t("field.phone"), safe(p)))
                .unwrap_or_default()
        )),
        Line::from(facts),
    ]
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    frame.render_widget(pane_block(app, Pane::Act, t.t("pane.act")), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    // Name and contact lines are cut at the edge; the facts wrap onto a
    // second line when the layout gives them one.
    let mut lines = summary(app);
    let facts = (lines.len() > 1).then(|| lines.pop()).flatten();
    let head = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), body);
    if let Some(facts) = facts {
        let top = body.y + head;
        let height = super::layout::summary_lines(app, body)
            .saturating_sub(head)
            .min((body.y + body.height).saturating_sub(top));
        frame.render_widget(
            Paragraph::new(facts).wrap(ratatui::widgets::Wrap { trim: true }),
            Rect::new(body.x, top, body.width, height),
        );
    }
    let focused = app.focus == Pane::Act && app.popup.is_none();
    let enabled = app.detail().is_some();
    for (i, (cell, command)) in action_cells(app, body)
        .into_iter()
        .zip(Command::ACTIONS)
        .enumerate()
    {
        let key = app.keymap.key_label(command, false).unwrap_or_default();
        let selected = focused && i == app.account.selected_action;
        let label = Line::from(vec![
            Span::styled(
                format!("{}{key:>2} ", if selected { "▶" } else { " " }),
                if enabled {
                    app.theme.key()
                } else {
                    app.theme.dim()
                },
            ),
            Span::styled(
                t.t(command.desc_key()).to_string(),
                if enabled {
                    ratatui::style::Style::new()
                } else {
                    app.theme.dim()
                },
            ),
        ]);
        let label = if selected {
            label.style(app.theme.selected())
        } else {
            label
        };
        frame.render_widget(Paragraph::new(label), cell);
    }
}
