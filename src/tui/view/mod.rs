//! Drawing the console from borrowed state: header, the four panes (or
//! one, on a small screen), the status line, the footer of keys that work
//! now, and any popup on top.

pub mod layout;
mod popup;
pub mod theme;
pub mod wrap;

use crate::text::safe;
use crate::tui::app::{App, Status};
use crate::tui::keymap::Command;
use crate::tui::pane::Pane;
use layout::{PaneAreas, areas};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_input::Input;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn render(app: &App, frame: &mut Frame) {
    let size = frame.area();
    let Some(a) = areas(size, app.focus) else {
        too_small(app, frame, size);
        return;
    };
    header(app, frame, a.header);
    if app.lock.is_some() {
        popup::lock_screen(
            app,
            frame,
            Rect::new(
                size.x,
                size.y + 1,
                size.width,
                size.height.saturating_sub(2),
            ),
        );
        footer(app, frame, a.footer);
        return;
    }
    match &a.panes {
        PaneAreas::Full(list) => {
            for (pane, area) in list {
                (pane.spec().render)(app, frame, *area);
            }
        }
        PaneAreas::Compact { tabs, pane } => {
            compact_tabs(app, frame, *tabs);
            (app.focus.spec().render)(app, frame, *pane);
        }
    }
    status(app, frame, a.status);
    footer(app, frame, a.footer);
    if let Some(p) = &app.popup {
        popup::render(app, p, frame, size);
    }
}

fn too_small(app: &App, frame: &mut Frame, size: Rect) {
    let text = app.words.f(
        "screen.enlarge",
        &[
            ("w", &layout::COMPACT_MIN.0.to_string()),
            ("h", &layout::COMPACT_MIN.1.to_string()),
        ],
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), size);
}

/// The top line: organisations (with where their credentials live when
/// not in avain), staff member, database and language. When it does not
/// fit, organisations shrink to their short names, then the database goes.
fn header(app: &App, frame: &mut Frame, area: Rect) {
    let s = &app.session;
    let orgs = |short: bool| {
        s.orgs
            .iter()
            .map(|o| {
                let name = safe(if short { &o.slug } else { &o.name });
                match o.system {
                    crate::domain::DirectoryKind::Local => name,
                    system => format!("{name} ({})", app.words.system_short(system)),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let staff = safe(&s.staff_name);
    let lang = app.words.lang.code().to_uppercase();
    let database = safe(&s.database);
    let candidates = [
        format!(" avain │ {} │ {staff} │ {database} │ {lang}", orgs(false)),
        format!(" avain │ {} │ {staff} │ {database} │ {lang}", orgs(true)),
        format!(" avain │ {} │ {staff} │ {lang}", orgs(true)),
    ];
    let fits =
        |t: &String| unicode_width::UnicodeWidthStr::width(t.as_str()) <= area.width as usize;
    let text = candidates
        .iter()
        .find(|t| fits(t))
        .unwrap_or(&candidates[2])
        .clone();
    frame.render_widget(Paragraph::new(text).style(app.theme.header()), area);
}

fn compact_tabs(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for pane in Pane::all() {
        let label = format!(" {} {} ", pane.index() + 1, app.words.t(pane.title_key()));
        spans.push(if pane == app.focus {
            Span::styled(format!("[{}]", label.trim()), app.theme.selected())
        } else {
            Span::raw(label)
        });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn status(app: &App, frame: &mut Frame, area: Rect) {
    let line = if let Some(b) = &app.busy {
        Line::from(vec![
            Span::styled(
                format!(" {} ", SPINNER[b.frame % SPINNER.len()]),
                app.theme.key(),
            ),
            Span::raw(app.words.t(b.label_key).to_string()),
        ])
    } else {
        match &app.status {
            Some(Status::Info(text)) => {
                Line::styled(format!(" ✓ {}", safe(text)), app.theme.good())
            }
            Some(Status::Error(text)) => {
                Line::styled(format!(" ✗ {}", safe(text)), app.theme.bad())
            }
            None => Line::raw(""),
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The keys that work now, from the keymap, as many as fit.
fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let mut items: Vec<(String, String)> = Vec::new();
    if app.lock.is_some() {
        items.push(("Enter".into(), t.t("footer.unlock").into()));
        items.push(("Ctrl-c".into(), t.t("key.quit").into()));
    } else if let Some(p) = &app.popup {
        for (key, desc) in popup::footer_keys(p) {
            items.push((key.to_string(), t.t(desc).to_string()));
        }
    } else {
        let typing = app.typing();
        let next = crate::tui::pane::verify::next_actions(app);
        let mut push = |command: Command, desc: &str| {
            let label = if next.contains(&command) {
                app.keymap.key_label(command, false)
            } else {
                app.keymap.key_label(command, typing)
            };
            if let Some(label) = label {
                items.push((label, t.t(desc).to_string()));
            }
        };
        // After a verdict, what to do next comes first.
        for &command in &next {
            push(command, command.desc_key(app.credential_here()));
        }
        if let Some(hint) = app.focus.spec().enter_hint {
            push(Command::Open, hint);
        }
        push(Command::Help, "key.help");
        push(Command::Quit, "key.quit");
        push(Command::NextPane, "key.next_pane");
        if app.focus != Pane::SEARCH {
            push(Command::Search, "key.search");
            push(Command::Back, "key.back");
        }
        if app.detail().is_some() {
            for command in Command::ACTIONS {
                if app.keymap.in_footer(command) && !next.contains(&command) {
                    push(command, command.desc_key(app.credential_here()));
                }
            }
        }
    }
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, desc) in items {
        let width = unicode_width::UnicodeWidthStr::width(key.as_str())
            + unicode_width::UnicodeWidthStr::width(desc.as_str())
            + 3;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), app.theme.key()));
        spans.push(Span::raw(format!(" {desc} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A pane's frame; the focused one has a double border and a marker, so
/// it shows without colour.
pub fn pane_block<'a>(app: &App, pane: Pane, title: &str) -> Block<'a> {
    let focused = app.focus == pane && app.popup.is_none();
    let (border_type, style) = app.theme.border(focused);
    let marker = if focused { "▶ " } else { "" };
    Block::default()
        .borders(Borders::ALL)
        .border_type(border_type)
        .border_style(style)
        .title(Span::styled(
            format!(" {marker}{} {title} ", pane.index() + 1),
            app.theme.title(focused),
        ))
}

/// A one-line text field; the terminal cursor sits in the focused one.
pub fn draw_input(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    prompt: &str,
    input: &Input,
    focused: bool,
    secret: bool,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let prompt_w = prompt.chars().count() as u16;
    let width = area.width.saturating_sub(prompt_w).max(1) as usize;
    let scroll = input.visual_scroll(width.saturating_sub(1));
    let shown: String = if secret {
        "•".repeat(input.value().chars().count())
    } else {
        safe(input.value())
    };
    let visible: String = shown.chars().skip(scroll).collect();
    let style = if focused {
        app.theme.selected()
    } else {
        app.theme.field()
    };
    let padded = format!("{visible:<width$}");
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(prompt.to_string()),
            Span::styled(padded, style),
        ])),
        area,
    );
    if focused {
        let x = area.x + prompt_w + (input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(area.x + area.width - 1), area.y));
    }
}
