//! The Links pane: every link of the open account with its live state and
//! its mail, then the patron's own self-service attempts, then notes.

use super::{Pane, PaneSpec, Place, bump};
use crate::domain::OutboxStatus;
use crate::service::{AttemptView, LinkView, MailView, NoteView};
use crate::text::safe;
use crate::tui::app::App;
use crate::tui::view::layout::inner;
use crate::tui::view::pane_block;
use crate::tui::view::wrap::wrap_line;
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

/// Pane lines, each with the index of the link it belongs to (if any).
type Rows = Vec<(Line<'static>, Option<usize>)>;

/// The pane's lines folded to `width`, each with the link it belongs to.
fn lines(app: &App, width: usize) -> Rows {
    unfolded(app)
        .into_iter()
        .flat_map(|(line, link)| wrap_line(line, width).into_iter().map(move |l| (l, link)))
        .collect()
}

/// The pane's lines, each with the link it belongs to.
fn unfolded(app: &App) -> Rows {
    let Some(d) = app.detail() else {
        return vec![(dim_line(app, app.words.t("links.no_account")), None)];
    };
    let mut out: Rows = Vec::new();
    if d.links.is_empty() {
        out.push((dim_line(app, app.words.t("links.none")), None));
    }
    for (i, link) in d.links.iter().enumerate() {
        push_link(app, &mut out, i, link);
    }
    if !d.other_mails.is_empty() {
        out.push((heading(app, "links.notices"), None));
        for mail in &d.other_mails {
            out.push((mail_line(app, mail), None));
        }
    }
    out.push((heading(app, "links.attempts"), None));
    if d.attempts.is_empty() {
        let none = format!("  {}", app.words.t("links.no_attempts"));
        out.push((dim_line(app, &none), None));
    }
    out.extend(d.attempts.iter().map(|a| (attempt_line(app, a), None)));
    out.push((heading(app, "links.notes"), None));
    if d.notes.is_empty() {
        let none = format!("  {}", app.words.t("links.no_notes"));
        out.push((dim_line(app, &none), None));
    }
    out.extend(d.notes.iter().map(|n| (note_line(app, n), None)));
    out
}

fn dim_line(app: &App, text: &str) -> Line<'static> {
    Line::styled(text.to_string(), app.theme.dim())
}

fn heading(app: &App, key: &str) -> Line<'static> {
    Line::styled(app.words.t(key).to_string(), app.theme.title(true))
}

/// One link: its purpose and live state, who made it and where it went,
/// then each of its mails.
fn push_link(app: &App, out: &mut Rows, i: usize, link: &LinkView) {
    let t = &app.words;
    let theme = &app.theme;
    let focused = app.focus == Pane::LINKS;
    let selected = i == app.account.selected_link;
    let (state, live) = t.link_state(&link.state, link.expires_at, app.now_ms);
    let marker = match (selected, focused) {
        (true, true) => "▶ ",
        (true, false) => "› ",
        _ => "  ",
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
    let made = format!(
        "    {} · {} → {}",
        t.origin(link.origin, &link.created_by),
        t.time(link.created_at),
        safe(&link.sent_to_masked)
    );
    out.push((dim_line(app, &made), Some(i)));
    if link.mails.is_empty() {
        let none = format!("    {}", t.t("mail.none"));
        out.push((dim_line(app, &none), Some(i)));
    }
    for mail in &link.mails {
        out.push((mail_line(app, mail), Some(i)));
    }
}

/// One self-service attempt: when, accepted or refused, and why.
fn attempt_line(app: &App, a: &AttemptView) -> Line<'static> {
    let t = &app.words;
    let (verdict, reasons) = t.attempt(a.accepted, &a.card_codes, &a.email_codes);
    let style = if a.accepted {
        app.theme.good()
    } else {
        app.theme.warn()
    };
    let why = if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({reasons})")
    };
    Line::from(vec![
        Span::raw(format!("  {} ", t.time(a.at))),
        Span::styled(verdict.to_string(), style),
        Span::raw(why),
    ])
}

fn note_line(app: &App, n: &NoteView) -> Line<'static> {
    Line::raw(format!(
        "  {} {}: {}",
        app.words.time(n.at),
        safe(&n.author),
        safe(&n.text)
    ))
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
    let all = lines(app, body.width as usize);
    let start = offset(&all, app, body.height as usize);
    all.get(start + line).and_then(|(_, l)| *l)
}

fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let mut title = t.t("pane.links").to_string();
    if app.account.loading.is_some() {
        title.push_str(" …");
    }
    frame.render_widget(pane_block(app, Pane::LINKS, &title), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    let all = lines(app, body.width as usize);
    let start = offset(&all, app, body.height as usize);
    let shown: Vec<Line> = all.into_iter().skip(start).map(|(l, _)| l).collect();
    frame.render_widget(Paragraph::new(shown), body);
}
