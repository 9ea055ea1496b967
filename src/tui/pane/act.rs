//! The Act pane: who the open account is, and what can be done to it,
//! each action with the key that does it.

use super::{Pane, PaneSpec, Place, bump};
use crate::service::AccountDetail;
use crate::text::safe;
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::keymap::Command;
use crate::tui::view::layout::inner;
use crate::tui::view::pane_block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub const SPEC: PaneSpec = PaneSpec {
    title_key: "pane.act",
    command_name: "pane_act",
    command_desc: "key.pane_act",
    takes_text: false,
    place: Place::BottomRight,
    enter_hint: Some("footer.run"),
    render,
    on_type: super::ignore_key,
    on_enter,
    on_back: None,
    on_move,
    on_click,
};

/// Runs the picked action (its form or confirmation first).
fn on_enter(app: &mut App) -> Vec<Effect> {
    let i = app.account.selected_action.min(Command::ACTIONS.len() - 1);
    app.start_account_action(Command::ACTIONS[i])
}

fn on_move(app: &mut App, step: i64) {
    app.account.selected_action = bump(app.account.selected_action, Command::ACTIONS.len(), step);
}

fn on_click(app: &mut App, body: Rect, line: u16, x: u16) {
    let (x, y) = (body.x + x, body.y + line);
    let hit = action_cells(app, body)
        .iter()
        .position(|c| x >= c.x && x < c.x + c.width && y >= c.y && y < c.y + c.height);
    if let Some(i) = hit {
        app.account.selected_action = i;
    }
}

/// How many lines the account summary takes: name, card and email, and
/// the facts, which get a second line when they do not fit and the pane is
/// tall enough to keep the menu in two columns.
pub fn summary_lines(app: &App, inner: Rect) -> u16 {
    let wide = facts_width(app) > inner.width as usize;
    if wide && inner.height >= 4 + Command::ACTIONS.len() as u16 / 2 {
        4
    } else {
        3
    }
}

/// The cells of the action menu, in `Command::ACTIONS` order.
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

/// How wide the facts line is (the layout wraps it when it does not fit).
pub fn facts_width(app: &App) -> usize {
    summary(app).get(2).map_or(0, Line::width)
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
    let facts = facts_line(app, d, usize::MAX);
    let org = app
        .org(&a.org)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| a.org.clone());
    // The labels are dropped when the line would be cut (see `render`).
    let phone = a
        .phone_masked
        .as_deref()
        .map(|p| format!(" · {} {}", t.t("field.phone"), safe(p)))
        .unwrap_or_default();
    vec![
        Line::from(vec![
            Span::styled(safe(&a.full_name), theme.title(true)),
            Span::raw(format!(" · {}", safe(&org))),
        ]),
        Line::raw(format!(
            "{} {card} · {} {}{phone}",
            t.t("field.card"),
            t.t("field.email"),
            safe(&a.email_masked),
        )),
        facts,
        // The same without labels, for a pane too narrow for them.
        Line::raw(format!(
            "{card} · {}{}",
            safe(&a.email_masked),
            a.phone_masked
                .as_deref()
                .map(|p| format!(" · {}", safe(p)))
                .unwrap_or_default()
        )),
    ]
}

/// The facts joined by " · ", as many whole ones as fit in `width`.
fn facts_line(app: &App, d: &AccountDetail, width: usize) -> Line<'static> {
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0;
    for (text, style) in facts_of(app, d) {
        let sep = if spans.is_empty() { 0 } else { 3 };
        let w = unicode_width::UnicodeWidthStr::width(text.as_str());
        if !spans.is_empty() && used + sep + w > width {
            break;
        }
        if sep > 0 {
            spans.push(Span::raw(" · "));
        }
        used += sep + w;
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

/// The account's facts, most important first (the line is cut at the
/// pane's edge): directory removal or lock, avain's lock or failed tries,
/// a copy the directory could not confirm, where the credential is, and
/// what the patron still has to do.
fn facts_of(app: &App, d: &AccountDetail) -> Vec<(String, Style)> {
    let t = &app.words;
    let theme = &app.theme;
    let a = &d.account;
    let mut facts = Vec::new();
    if let Some(dir) = &d.directory {
        let system = ("system", t.system_short(dir.system));
        if dir.removed {
            facts.push((t.f("directory.removed", &[system]), theme.bad()));
        } else if dir.locked {
            facts.push((t.f("directory.locked", &[system]), theme.bad()));
        }
    }
    let tries = a.failed_attempts.to_string();
    if a.locked_at.is_some() {
        facts.push((t.f("act.locked", &[("n", &tries)]), theme.bad()));
    } else if a.failed_attempts > 0 {
        facts.push((t.f("act.failed", &[("n", &tries)]), theme.warn()));
    }
    if let Some(dir) = &d.directory
        && let Some(age) = t.freshness(dir.system, &dir.freshness, app.now_ms)
    {
        facts.push((age, theme.warn()));
    }
    facts.push(credential_fact(app, d));
    if a.legacy_credential {
        facts.push((t.t("badge.legacy_pin").to_string(), theme.warn()));
    }
    if a.must_set_credential {
        facts.push((t.t("act.awaiting_first_login").to_string(), theme.warn()));
    }
    facts
}

/// Where the credential lives and when avain last set it. In a directory
/// avain cannot see whether one is set, only that it set one.
fn credential_fact(app: &App, d: &AccountDetail) -> (String, Style) {
    let t = &app.words;
    let theme = &app.theme;
    let a = &d.account;
    let kind = a.credential_kind.code();
    match (&d.directory, a.credential_set_at) {
        (Some(dir), Some(at)) => (
            t.f(
                &format!("act.{kind}_set_in"),
                &[("at", &t.time(at)), ("system", t.system_short(dir.system))],
            ),
            theme.dim(),
        ),
        (Some(dir), None) => (
            t.f(
                &format!("act.{kind}_in"),
                &[("system", t.system_short(dir.system))],
            ),
            theme.dim(),
        ),
        (None, Some(at)) if a.has_credential => (
            t.f(&format!("act.{kind}_set_at"), &[("at", &t.time(at))]),
            theme.dim(),
        ),
        (None, _) if a.has_credential => (t.t(&format!("act.{kind}_set")).to_string(), theme.dim()),
        (None, _) => (t.t(&format!("act.no_{kind}")).to_string(), theme.warn()),
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    frame.render_widget(pane_block(app, Pane::ACT, t.t("pane.act")), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    // Name and contact lines are cut at the edge; the facts wrap onto a
    // second line when the layout gives them one.
    let mut lines = summary(app);
    if lines.len() > 3 {
        let bare = lines.pop().unwrap_or_default();
        if lines[1].width() > body.width as usize {
            lines[1] = bare;
        }
    }
    let mut facts = (lines.len() > 1).then(|| lines.pop()).flatten();
    // With one line for them, whole facts rather than a cut one.
    if let Some(d) = app.detail()
        && summary_lines(app, body) == 3
    {
        facts = Some(facts_line(app, d, body.width as usize));
    }
    let head = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), body);
    if let Some(facts) = facts {
        let top = body.y + head;
        let height = summary_lines(app, body)
            .saturating_sub(head)
            .min((body.y + body.height).saturating_sub(top));
        frame.render_widget(
            Paragraph::new(facts).wrap(ratatui::widgets::Wrap { trim: true }),
            Rect::new(body.x, top, body.width, height),
        );
    }
    let focused = app.focus == Pane::ACT && app.popup.is_none();
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
                t.t(command.desc_key(app.credential_here())).to_string(),
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
