//! The Links pane: every link of the open account with its live state and
//! its mail, then the patron's own self-service attempts, then notes.

use super::{Pane, PaneSpec, Place, bump};
use crate::domain::OutboxStatus;
use crate::service::MailView;
use crate::text::{reason_short_key, safe};
use crate::tui::app::App;
use crate::tui::view::layout::inner;
use crate::tui::view::pane_block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub const SPEC: PaneSpec = PaneSpec {
    title_key: "pane.links",
    command_name: "pane_links",
    command_desc: "key.pane_links",
    takes_text: false,
    place: Place::TopRight,
    enter_hint: None,
    render,
    on_type: super::ignore_key,
    on_enter: super::nothing,
    on_back: None,
    on_move,
    on_click,
};

fn on_move(app: &mut App, step: i64) {
    let len = app.detail().map_or(0, |d| d.links.len());
    app.account.selected_link = bump(app.account.selected_link, len, step);
}

fn on_click(app: &mut App, body: Rect, line: u16, _x: u16) {
    if let Some(i) = link_at_line(app, body, line as usize) {
        app.account.selected_link = i;
    }
}

/// The pane's lines, each with the link it belongs to.
fn lines(app: &App) -> Vec<(Line<'static>, Option<usize>)> {
    let t = &app.words;
    let theme = &app.theme;
    let mut out: Vec<(Line<'static>, Option<usize>)> = Vec::new();
    let Some(d) = app.detail() else {
        out.push((
            Line::styled(t.t("links.no_account").to_string(), theme.dim()),
            None,
        ));
        return out;
    };
    if d.links.is_empty() {
        out.push((
            Line::styled(t.t("links.none").to_string(), theme.dim()),
            None,
        ));
    }
    let focused = app.focus == Pane::LINKS;
    for (i, link) in d.links.iter().enumerate() {
        let selected = i == app.account.selected_link;
        let (state, live) = app
            .words
            .link_state(&link.state, link.expires_at, app.now_ms);
        let marker = if selected && focused {
            "▶ "
        } else if selected {
            "› "
        } else {
            "  "
        };
        let state_style = if live { theme.good() } else { theme.dim() };
        let mut first = Line::from(vec![
            Span::raw(marker.to_string()),
            Span::raw(format!("{} · ", t.purpose(link.purpose))),
            Span::styled(state, state_style),
        ]);
        if selected && focused {
            first = first.style(theme.selected());
        }
        out.push((first, Some(i)));
        out.push((
            Line::styled(
                format!(
                    "    {} · {} → {}",
                    app.words.origin(link.origin, &link.created_by),
                    app.words.time(link.created_at),
                    safe(&link.sent_to_masked)
                ),
                theme.dim(),
            ),
            Some(i),
        ));
        if link.mails.is_empty() {
            out.push((
                Line::styled(format!("    {}", t.t("mail.none")), theme.dim()),
                Some(i),
            ));
        }
        for mail in &link.mails {
            out.push((mail_line(app, mail), Some(i)));
        }
    }
    if !d.other_mails.is_empty() {
        out.push((
            Line::styled(t.t("links.notices").to_string(), theme.title(true)),
            None,
        ));
        for mail in &d.other_mails {
            out.push((mail_line(app, mail), None));
        }
    }
    out.push((
        Line::styled(t.t("links.attempts").to_string(), theme.title(true)),
        None,
    ));
    if d.attempts.is_empty() {
        out.push((
            Line::styled(format!("  {}", t.t("links.no_attempts")), theme.dim()),
            None,
        ));
    }
    for a in &d.attempts {
        let verdict = if a.accepted {
            t.t("attempt.accepted")
        } else {
            t.t("attempt.refused")
        };
        let reasons: Vec<&str> = a
            .card_codes
            .iter()
            .chain(&a.email_codes)
            .filter(|c| c.as_str() != "exact" && c.as_str() != "not_used")
            .map(|c| t.t(reason_short_key(c)))
            .collect();
        let style = if a.accepted {
            theme.good()
        } else {
            theme.warn()
        };
        out.push((
            Line::from(vec![
                Span::raw(format!("  {} ", app.words.time(a.at))),
                Span::styled(verdict.to_string(), style),
                Span::raw(if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join(", "))
                }),
            ]),
            None,
        ));
    }
    out.push((
        Line::styled(t.t("links.notes").to_string(), theme.title(true)),
        None,
    ));
    if d.notes.is_empty() {
        out.push((
            Line::styled(format!("  {}", t.t("links.no_notes")), theme.dim()),
            None,
        ));
    }
    for n in &d.notes {
        out.push((
            Line::raw(format!(
                "  {} {}: {}",
                app.words.time(n.at),
                safe(&n.author),
                safe(&n.text)
            )),
            None,
        ));
    }
    out
}

fn mail_line(app: &App, mail: &MailView) -> Line<'static> {
    let t = &app.words;
    let theme = &app.theme;
    let answer = mail
        .last_answer
        .as_deref()
        .map(|a| format!(" «{}»", safe(a)))
        .unwrap_or_default();
    let (text, style) = match mail.status {
        OutboxStatus::Sent => (
            t.f(
                "mail.sent",
                &[(
                    "at",
                    &mail.sent_at.map(|s| app.words.time(s)).unwrap_or_default(),
                )],
            ),
            theme.good(),
        ),
        OutboxStatus::Failed => (t.t("mail.failed").to_string(), theme.bad()),
        OutboxStatus::Cancelled => (t.t("mail.cancelled").to_string(), theme.dim()),
        OutboxStatus::Sending => (t.t("mail.sending").to_string(), theme.warn()),
        OutboxStatus::Queued => match mail.next_attempt_at {
            Some(next) if mail.attempts > 0 => (
                t.f(
                    "mail.retry",
                    &[
                        ("n", &mail.attempts.to_string()),
                        ("at", &app.words.time(next)),
                    ],
                ),
                theme.warn(),
            ),
            _ => (t.t("mail.queued").to_string(), theme.warn()),
        },
    };
    Line::from(vec![
        Span::raw("    ✉ "),
        Span::styled(text, style),
        Span::styled(answer, theme.dim()),
    ])
}

/// The first line drawn, so the selected link's lines stay visible.
fn offset(all: &[(Line<'static>, Option<usize>)], app: &App, height: usize) -> usize {
    let selected = app.account.selected_link;
    let first = all
        .iter()
        .position(|(_, l)| *l == Some(selected))
        .unwrap_or(0);
    let last = all
        .iter()
        .rposition(|(_, l)| *l == Some(selected))
        .unwrap_or(0);
    if last < height {
        0
    } else {
        (last + 1 - height).min(first)
    }
}

/// Which link a line of the pane's inside belongs to.
fn link_at_line(app: &App, body: Rect, line: usize) -> Option<usize> {
    let all = lines(app);
    let start = offset(&all, app, body.height as usize);
    all.get(start + line).and_then(|(_, l)| *l)
}

fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let mut title = t.t("pane.links").to_string();
    if app.account.loading {
        title.push_str(" …");
    }
    frame.render_widget(pane_block(app, Pane::LINKS, &title), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    let all = lines(app);
    let start = offset(&all, app, body.height as usize);
    let shown: Vec<Line> = all.into_iter().skip(start).map(|(l, _)| l).collect();
    frame.render_widget(Paragraph::new(shown), body);
}
