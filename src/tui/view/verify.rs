//! The Verify pane: card and email as the caller says them, and what the
//! self-service form would say, with the reasons in plain words.

use super::layout::inner;
use super::{draw_input, pane_block};
use crate::domain::verdict::FieldVerdict;
use crate::text::safe;
use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let v = &app.verify;
    let mut title = t.t("pane.verify").to_string();
    if v.loading {
        title.push_str(" …");
    }
    frame.render_widget(pane_block(app, Pane::Verify, &title), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    let focused = app.focus == Pane::Verify && app.popup.is_none();
    let uses_card = app.verify_uses_card();
    let label_w = [t.t("field.card"), t.t("field.email")]
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(*l) as u16 + 1)
        .max()
        .unwrap_or(9)
        .min(body.width / 3);
    let mut y = body.y;
    let mut field = |label: &str, input: &tui_input::Input, active: bool, secret: bool| {
        if y >= body.y + body.height {
            return;
        }
        let label = format!("{label:<w$}", w = label_w as usize);
        frame.render_widget(Paragraph::new(label), Rect::new(body.x, y, label_w, 1));
        let rest = Rect::new(body.x + label_w, y, body.width - label_w, 1);
        draw_input(app, frame, rest, "", input, focused && active, secret);
        y += 1;
    };
    if uses_card {
        field(t.t("field.card"), &v.card, !v.on_email, false);
    } else {
        field(
            t.t("field.card"),
            &tui_input::Input::new(t.t("verify.no_cards").into()),
            false,
            false,
        );
    }
    field(
        t.t("field.email"),
        &v.email,
        v.on_email || !uses_card,
        false,
    );
    let rest = Rect::new(
        body.x,
        y,
        body.width,
        (body.y + body.height).saturating_sub(y),
    );
    if rest.height == 0 {
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &v.error {
        lines.push(Line::styled(safe(e), app.theme.bad()));
    } else if let Some(outcome) = &v.outcome {
        let verdict = &outcome.verdict;
        // Name the organisation only when it is not the open account's.
        let org = match app.detail() {
            Some(d) if d.account.org == outcome.org => String::new(),
            _ => format!(
                " ({})",
                safe(
                    app.org(&outcome.org)
                        .map(|o| o.name.as_str())
                        .unwrap_or(&outcome.org)
                )
            ),
        };
        let (text, style) = if verdict.accepted {
            (t.t("verify.accept"), app.theme.good())
        } else {
            (t.t("verify.refuse"), app.theme.bad())
        };
        lines.push(Line::from(vec![Span::styled(text, style), Span::raw(org)]));
        let mut field_lines = |label: &str, f: &FieldVerdict| {
            for r in &f.reasons {
                let text = app.words.reason(r, f.expected_masked.as_deref());
                let style = if matches!(r, crate::domain::verdict::Reason::Exact) {
                    app.theme.good()
                } else {
                    app.theme.warn()
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("{label}: ")),
                    Span::styled(text, style),
                ]));
            }
        };
        if uses_card {
            field_lines(t.t("field.card"), &verdict.card);
        }
        field_lines(t.t("field.email"), &verdict.email);
        // A verdict on a copy the directory could not confirm says so.
        if let Some(system) = app.org(&outcome.org).map(|o| o.system)
            && let Some(age) = t.freshness(system, &outcome.freshness, app.now_ms)
        {
            lines.push(Line::styled(age, app.theme.warn()));
        }
    } else {
        lines.push(Line::styled(t.t("verify.hint"), app.theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}
