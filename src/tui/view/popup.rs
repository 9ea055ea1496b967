//! Popups drawn over the panes, the lock screen, and the keys each
//! popup takes (for the footer).

use super::draw_input;
use crate::text::safe;
use crate::tui::app::App;
use crate::tui::keymap::Command;
use crate::tui::popup::{
    EmailField, EmailForm, IDENTITY_CHECKS, PinForm, Popup, REVEAL_FIELDS, TextForm, TextPurpose,
    identity_check_key, reveal_field_key,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// A rectangle of at most `w`x`h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn footer_keys(p: &Popup) -> Vec<(&'static str, &'static str)> {
    match p {
        Popup::Help { .. } => vec![("↑↓", "footer.scroll"), ("Esc", "footer.close")],
        Popup::Confirm { .. } => vec![("Enter", "footer.confirm"), ("Esc", "footer.cancel")],
        Popup::Secret { .. } | Popup::Error { .. } => vec![("Enter", "footer.close")],
        Popup::RevealChoice { .. } => vec![
            ("↑↓", "footer.choose"),
            ("Enter", "footer.reveal"),
            ("Esc", "footer.cancel"),
        ],
        Popup::PinForm(_) | Popup::TextForm(_) => {
            vec![("Enter", "footer.next"), ("Esc", "footer.cancel")]
        }
        Popup::EmailForm(_) => vec![
            ("Tab", "footer.field"),
            ("←→", "footer.choose"),
            ("Enter", "footer.next"),
            ("Esc", "footer.cancel"),
        ],
    }
}

fn frame_block<'a>(app: &App, title: &str) -> Block<'a> {
    let (border_type, style) = app.theme.border(true);
    Block::default()
        .borders(Borders::ALL)
        .border_type(border_type)
        .border_style(style)
        .title(Span::styled(format!(" {title} "), app.theme.title(true)))
}

/// Draws a popup box with wrapped lines; returns its inside.
fn boxed(
    app: &App,
    frame: &mut Frame,
    size: Rect,
    title: &str,
    lines: Vec<Line>,
    w: u16,
    h: u16,
) -> Rect {
    let area = centered(size, w, h);
    frame.render_widget(Clear, area);
    let block = frame_block(app, title);
    let inside = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inside);
    inside
}

pub fn render(app: &App, popup: &Popup, frame: &mut Frame, size: Rect) {
    let width = 64u16.min(size.width.saturating_sub(2)).max(20);
    match popup {
        Popup::Help { scroll } => help(app, frame, size, width, scroll),
        Popup::Confirm { lines, .. } => confirm(app, frame, size, width, lines),
        Popup::Error { message } => error(app, frame, size, width, message),
        Popup::Secret {
            title_key,
            note_key,
            value,
        } => secret(app, frame, size, width, (title_key, note_key, value)),
        Popup::RevealChoice { selected, .. } => reveal_choice(app, frame, size, width, selected),
        Popup::PinForm(form) => pin_form(app, frame, size, width, form),
        Popup::EmailForm(form) => email_form(app, frame, size, width, form),
        Popup::TextForm(form) => text_form(app, frame, size, width, form),
    }
}

fn help(app: &App, frame: &mut Frame, size: Rect, width: u16, scroll: &u16) {
    let t = &app.words;
    let theme = &app.theme;
    let mut lines = vec![Line::styled(t.t("help.intro").to_string(), theme.dim())];
    for command in Command::all() {
        let keys = app.keymap.all_labels(command).join(", ");
        if keys.is_empty() {
            continue;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{keys:>14}  "), theme.key()),
            Span::raw(t.t(command.desc_key(app.credential_here())).to_string()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        t.t("help.badges").to_string(),
        theme.title(true),
    ));
    for badge in crate::domain::Badge::ALL {
        let (short, long) = t.badge(*badge);
        lines.push(Line::raw(format!("{short:>14}  {long}")));
    }
    let height = (lines.len() as u16 + 2).min(size.height.saturating_sub(2));
    let area = centered(size, width, height);
    frame.render_widget(Clear, area);
    let block = frame_block(app, t.t("help.title"));
    let inside = block.inner(area);
    frame.render_widget(block, area);
    let max_scroll = (lines.len() as u16).saturating_sub(inside.height);
    frame.render_widget(
        Paragraph::new(lines).scroll(((*scroll).min(max_scroll), 0)),
        inside,
    );
}

fn confirm(app: &App, frame: &mut Frame, size: Rect, width: u16, lines: &[String]) {
    let t = &app.words;
    let theme = &app.theme;
    let mut shown: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
    shown.push(Line::raw(""));
    shown.push(Line::styled(t.t("confirm.keys").to_string(), theme.key()));
    boxed(
        app,
        frame,
        size,
        t.t("confirm.title"),
        shown,
        width,
        lines.len() as u16 + 4,
    );
}

fn error(app: &App, frame: &mut Frame, size: Rect, width: u16, message: &str) {
    let t = &app.words;
    let theme = &app.theme;
    let lines = vec![
        Line::styled(safe(message), theme.bad()),
        Line::raw(""),
        Line::styled(t.t("popup.close").to_string(), theme.dim()),
    ];
    boxed(app, frame, size, t.t("error.title"), lines, width, 8);
}

fn secret(
    app: &App,
    frame: &mut Frame,
    size: Rect,
    width: u16,
    (title_key, note_key, value): (&str, &str, &str),
) {
    let t = &app.words;
    let theme = &app.theme;
    let lines = vec![
        Line::styled(format!("  {}  ", safe(value)), theme.title(true)),
        Line::raw(""),
        Line::styled(t.t(note_key).to_string(), theme.warn()),
        Line::styled(t.t("popup.close").to_string(), theme.dim()),
    ];
    boxed(app, frame, size, t.t(title_key), lines, width, 8);
}

fn reveal_choice(app: &App, frame: &mut Frame, size: Rect, width: u16, selected: &usize) {
    let t = &app.words;
    let theme = &app.theme;
    let mut lines = vec![Line::raw(t.t("reveal.which").to_string())];
    for (i, f) in REVEAL_FIELDS.iter().enumerate() {
        let marker = if i == *selected { "▶ " } else { "  " };
        let line = Line::raw(format!("{marker}{}", t.t(reveal_field_key(*f))));
        lines.push(if i == *selected {
            line.style(theme.selected())
        } else {
            line
        });
    }
    lines.push(Line::styled(t.t("reveal.audited").to_string(), theme.dim()));
    boxed(app, frame, size, t.t("key.reveal"), lines, width, 8);
}

fn pin_form(app: &App, frame: &mut Frame, size: Rect, width: u16, form: &PinForm) {
    let t = &app.words;
    let theme = &app.theme;
    let kind = form.kind;
    let mut lines = vec![Line::raw(""), Line::raw("")];
    if let Some(e) = &form.error {
        lines.push(Line::styled(safe(e), theme.bad()));
    }
    let inside = boxed(
        app,
        frame,
        size,
        t.t(&format!("pin_form.title_{kind}")),
        lines,
        width,
        6,
    );
    let label_w = 16u16.min(inside.width / 2);
    for (i, (label, input)) in [
        (t.t("pin_form.first"), &form.first),
        (t.t("pin_form.second"), &form.second),
    ]
    .into_iter()
    .enumerate()
    {
        if inside.height as usize <= i {
            break;
        }
        let y = inside.y + i as u16;
        frame.render_widget(
            Paragraph::new(label.to_string()),
            Rect::new(inside.x, y, label_w, 1),
        );
        draw_input(
            app,
            frame,
            Rect::new(inside.x + label_w, y, inside.width - label_w, 1),
            "",
            input,
            form.on_second == (i == 1),
            true,
        );
    }
}

fn email_form(app: &App, frame: &mut Frame, size: Rect, width: u16, form: &EmailForm) {
    let t = &app.words;
    let theme = &app.theme;
    let checks: Vec<Span> = IDENTITY_CHECKS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let on = form.check == Some(*c);
            let text = format!(
                "{}{} {} ",
                if on { "(•)" } else { "( )" },
                i + 1,
                t.t(identity_check_key(*c))
            );
            if on {
                Span::styled(text, theme.title(true))
            } else {
                Span::raw(text)
            }
        })
        .collect();
    let marker = |f: EmailField| if form.field == f { "▶" } else { " " };
    let inside = boxed(
        app,
        frame,
        size,
        t.t("key.change_email"),
        Vec::new(),
        width.max(60).min(size.width),
        8,
    );
    // One field per line, never wrapped, so inputs keep their rows.
    let mut rows = vec![
        Line::raw(""),
        Line::raw(format!(
            "{}{}",
            marker(EmailField::Check),
            t.t("email_form.checked")
        )),
        Line::from(checks),
        Line::raw(""),
    ];
    if let Some(e) = &form.error {
        rows.push(Line::styled(safe(e), theme.bad()));
    }
    for (i, line) in rows.into_iter().enumerate() {
        if (i as u16) < inside.height {
            frame.render_widget(
                Paragraph::new(line),
                Rect::new(inside.x, inside.y + i as u16, inside.width, 1),
            );
        }
    }
    let label_w = 14u16.min(inside.width / 2);
    let rows = [
        (0u16, EmailField::Email, t.t("email_form.new"), &form.email),
        (3, EmailField::Note, t.t("email_form.note"), &form.note),
    ];
    for (dy, field, label, input) in rows {
        if dy >= inside.height {
            continue;
        }
        let y = inside.y + dy;
        frame.render_widget(
            Paragraph::new(format!("{}{label}", marker(field))),
            Rect::new(inside.x, y, label_w, 1),
        );
        draw_input(
            app,
            frame,
            Rect::new(inside.x + label_w, y, inside.width - label_w, 1),
            "",
            input,
            form.field == field,
            false,
        );
    }
}

fn text_form(app: &App, frame: &mut Frame, size: Rect, width: u16, form: &TextForm) {
    let t = &app.words;
    let theme = &app.theme;
    let (title, hint) = match form.purpose {
        TextPurpose::UnlockReason => ("key.unlock", "text_form.reason"),
        TextPurpose::Note => ("key.add_note", "text_form.note"),
    };
    let mut lines = vec![Line::raw(t.t(hint).to_string()), Line::raw("")];
    if let Some(e) = &form.error {
        lines.push(Line::styled(safe(e), theme.bad()));
    }
    let inside = boxed(app, frame, size, t.t(title), lines, width, 6);
    if inside.height > 1 {
        draw_input(
            app,
            frame,
            Rect::new(inside.x, inside.y + 1, inside.width, 1),
            "› ",
            &form.input,
            true,
            false,
        );
    }
}

pub fn lock_screen(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let Some(lock) = &app.lock else { return };
    let lines = vec![Line::raw(
        t.f("lock.text", &[("name", &safe(&app.session.staff_name))]),
    )];
    // Text on the first three lines, the password on the fourth, news on the fifth.
    let inside = boxed(app, frame, area, t.t("lock.title"), lines, 60, 7);
    if inside.height < 5 {
        return;
    }
    let prompt = format!("{} ", t.t("lock.password"));
    draw_input(
        app,
        frame,
        Rect::new(inside.x, inside.y + 3, inside.width, 1),
        &prompt,
        &lock.password,
        !lock.checking,
        true,
    );
    let news = if lock.checking {
        Some(Line::styled(
            t.t("lock.checking").to_string(),
            app.theme.dim(),
        ))
    } else {
        lock.error
            .as_ref()
            .map(|e| Line::styled(safe(e), app.theme.bad()))
    };
    if let Some(line) = news {
        frame.render_widget(
            Paragraph::new(line),
            Rect::new(inside.x, inside.y + 4, inside.width, 1),
        );
    }
}
