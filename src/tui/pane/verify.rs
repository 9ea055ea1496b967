//! The Verify pane: card and email as the caller says them, and what the
//! self-service form would say, with the reasons in plain words.

use super::{Pane, PaneSpec, Place};
use crate::domain::verdict::FieldVerdict;
use crate::service::Verification;
use crate::text::safe;
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::keymap::Command;
use crate::tui::view::layout::inner;
use crate::tui::view::{draw_input, pane_block};
use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub const SPEC: PaneSpec = PaneSpec {
    title_key: "pane.verify",
    command_name: "pane_verify",
    command_desc: "key.pane_verify",
    takes_text: true,
    place: Place::BottomLeft,
    enter_hint: Some("footer.check"),
    render,
    on_type,
    on_enter,
    on_back: Some(on_back),
    on_move,
    on_click,
};

#[derive(Debug, Default)]
pub struct VerifyPane {
    pub card: Input,
    pub email: Input,
    pub on_email: bool,
    pub latest: u64,
    pub loading: bool,
    pub outcome: Option<Verification>,
    pub error: Option<String>,
}

/// Does the pane ask for a card number? Only if the open account's
/// organisation uses cards (or, with none open, any of the staff's does).
pub fn uses_card(app: &App) -> bool {
    match app.detail() {
        Some(d) => app.org(&d.account.org).is_none_or(|o| o.uses_cards),
        None => app.session.orgs.iter().any(|o| o.uses_cards),
    }
}

/// The account actions a verdict on screen leads to, most likely first;
/// empty unless the verdict is about the open account. While it is shown
/// their letters act at once (the caller is waiting), and any other key
/// edits the field again.
pub fn next_actions(app: &App) -> Vec<Command> {
    let v = &app.verify;
    let (Some(outcome), Some(detail)) = (&v.outcome, app.detail()) else {
        return Vec::new();
    };
    if v.loading
        || app.popup.is_some()
        || app.focus != Pane::VERIFY
        || outcome.verdict.account_id != Some(detail.account.id)
    {
        return Vec::new();
    }
    let email = &outcome.verdict.email;
    // An address the account does not have (now) may be the one to fix;
    // a case, space or typo difference only needs the link to the one on
    // file.
    let email_not_on_file = ["previous_email", "email_unknown", "other_email"]
        .iter()
        .any(|code| email.has(code));
    let mut actions = Vec::new();
    if detail.account.locked_at.is_some() {
        actions.push(Command::Unlock);
    }
    if email_not_on_file {
        actions.push(Command::ChangeEmail);
    }
    actions.push(Command::SendLink);
    actions.push(Command::SetPin);
    if !email_not_on_file {
        actions.push(Command::ChangeEmail);
    }
    actions
}

fn on_type(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let card = uses_card(app);
    let v = &mut app.verify;
    let field = if v.on_email || !card {
        &mut v.email
    } else {
        &mut v.card
    };
    if field
        .handle_event(&Event::Key(key))
        .is_some_and(|c| c.value)
    {
        // An old verdict must not stand beside new input.
        v.outcome = None;
        v.error = None;
    }
    Vec::new()
}

/// From the card to the email; from the email, check them.
fn on_enter(app: &mut App) -> Vec<Effect> {
    if uses_card(app) && !app.verify.on_email {
        app.verify.on_email = true;
        return Vec::new();
    }
    start_verify(app)
}

fn start_verify(app: &mut App) -> Vec<Effect> {
    let email = app.verify.email.value().to_string();
    let card = app.verify.card.value().to_string();
    let uses_card = uses_card(app);
    if email.trim().is_empty() && (!uses_card || card.trim().is_empty()) {
        app.verify.error = Some(app.words.t("verify.type_something").to_string());
        return Vec::new();
    }
    let request = app.request_id();
    let org = app.detail().map(|d| d.account.org.clone());
    let v = &mut app.verify;
    v.latest = request;
    v.loading = true;
    v.error = None;
    vec![Effect::Verify {
        request,
        org,
        card: (uses_card && !card.trim().is_empty()).then_some(card),
        email,
    }]
}

fn on_back(app: &mut App) -> Vec<Effect> {
    if app.verify.on_email {
        app.verify.on_email = false;
    } else {
        app.focus = Pane::SEARCH;
    }
    Vec::new()
}

fn on_move(app: &mut App, step: i64) {
    let card = uses_card(app);
    app.verify.on_email = step > 0 || !card;
}

fn on_click(app: &mut App, _body: Rect, line: u16, _x: u16) {
    if line <= 1 {
        app.verify.on_email = line == 1 || !uses_card(app);
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let v = &app.verify;
    let mut title = t.t("pane.verify").to_string();
    if v.loading {
        title.push_str(" …");
    }
    frame.render_widget(pane_block(app, Pane::VERIFY, &title), area);
    let body = inner(area);
    if body.height == 0 || body.width == 0 {
        return;
    }
    let focused = app.focus == Pane::VERIFY && app.popup.is_none();
    let uses_card = uses_card(app);
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
    let lines = if let Some(e) = &v.error {
        vec![Line::styled(safe(e), app.theme.bad())]
    } else if let Some(outcome) = &v.outcome {
        verdict_lines(app, outcome, uses_card)
    } else {
        vec![Line::styled(t.t("verify.hint"), app.theme.dim())]
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}

/// What the form would say: accept or refuse (with the organisation when
/// it is not the open account's), each field's reasons, and a warning when
/// the verdict rests on a copy the directory could not confirm.
fn verdict_lines(app: &App, outcome: &Verification, uses_card: bool) -> Vec<Line<'static>> {
    let t = &app.words;
    let verdict = &outcome.verdict;
    let org = match app.detail() {
        Some(d) if d.account.org == outcome.org => String::new(),
        _ => {
            let name = app.org(&outcome.org).map(|o| o.name.as_str());
            format!(" ({})", safe(name.unwrap_or(&outcome.org)))
        }
    };
    let (text, style) = if verdict.accepted {
        (t.t("verify.accept"), app.theme.good())
    } else {
        (t.t("verify.refuse"), app.theme.bad())
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(text.to_string(), style),
        Span::raw(org),
    ])];
    if uses_card {
        lines.extend(reason_lines(app, t.t("field.card"), &verdict.card));
    }
    lines.extend(reason_lines(app, t.t("field.email"), &verdict.email));
    if let Some(system) = app.org(&outcome.org).map(|o| o.system)
        && let Some(age) = t.freshness(system, &outcome.freshness, app.now_ms)
    {
        lines.push(Line::styled(age, app.theme.warn()));
    }
    lines
}

fn reason_lines(app: &App, label: &str, f: &FieldVerdict) -> Vec<Line<'static>> {
    f.reasons
        .iter()
        .map(|r| {
            let text = app.words.reason(r, f.expected_masked.as_deref());
            let style = if matches!(r, crate::domain::verdict::Reason::Exact) {
                app.theme.good()
            } else {
                app.theme.warn()
            };
            Line::from(vec![
                Span::raw(format!("{label}: ")),
                Span::styled(text, style),
            ])
        })
        .collect()
}
