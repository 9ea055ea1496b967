//! The Statistics pane (5): why resets fail, for one of the staff member's
//! organisations over 7 days, 30 days or 12 months. The figures are read
//! once when the pane opens or the period or organisation changes (one
//! service call, the same as `avain stats`), never per frame. Bars are
//! block characters and every series is named in words, so nothing depends
//! on colour.

use super::{Pane, PaneSpec, Place};
use crate::service::stats::{Named, OrgStats};
use crate::text::safe;
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::view::layout::inner;
use crate::tui::view::pane_block;
use crate::tui::view::wrap::wrap_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline};

pub const SPEC: PaneSpec = PaneSpec {
    title_key: "pane.stats",
    command_name: "pane_stats",
    command_desc: "key.pane_stats",
    takes_text: false,
    place: Place::Whole,
    enter_hint: Some("footer.period"),
    render,
    on_type: super::ignore_key,
    on_enter,
    on_back: None,
    on_move,
    on_click: |_, _, _, _| {},
};

/// The periods Enter steps through, in days, with their words.
pub const PERIODS: [(u32, &str); 3] = [
    (7, "stats.days_7"),
    (30, "stats.days_30"),
    (365, "stats.months_12"),
];

#[derive(Debug, Default)]
pub struct StatsPane {
    /// Index into `PERIODS`.
    pub period: usize,
    /// Index into the session's organisations.
    pub org: usize,
    pub latest: u64,
    pub loading: bool,
    pub figures: Option<Box<OrgStats>>,
    pub error: Option<String>,
}

/// The read for the pane's current organisation and period.
pub fn load(app: &mut App) -> Vec<Effect> {
    let Some(org) = app.session.orgs.get(app.stats.org).map(|o| o.slug.clone()) else {
        return Vec::new();
    };
    let request = app.request_id();
    let s = &mut app.stats;
    s.latest = request;
    s.loading = true;
    s.error = None;
    vec![Effect::LoadStats {
        request,
        org,
        days: PERIODS[s.period % PERIODS.len()].0,
    }]
}

/// Enter: the next period.
fn on_enter(app: &mut App) -> Vec<Effect> {
    app.stats.period = (app.stats.period + 1) % PERIODS.len();
    load(app)
}

/// Up and down: the previous or next organisation (the app then reads
/// its figures, see `App::on_command`).
fn on_move(app: &mut App, step: i64) {
    let n = app.session.orgs.len() as i64;
    if n > 1 {
        app.stats.org = ((app.stats.org as i64 + step).rem_euclid(n)) as usize;
    }
}

/// The answer to the latest read; older ones are dropped.
pub fn loaded(app: &mut App, request: u64, result: Result<Box<OrgStats>, String>) {
    let s = &mut app.stats;
    if request != s.latest {
        return;
    }
    s.loading = false;
    match result {
        Ok(figures) => {
            s.figures = Some(figures);
            s.error = None;
        }
        Err(e) => s.error = Some(e),
    }
    app.dirty = true;
}

fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let s = &app.stats;
    let org_name = app
        .session
        .orgs
        .get(s.org)
        .map(|o| safe(&o.name))
        .unwrap_or_default();
    let mut title = format!(
        "{} · {org_name} · {}",
        t.t("pane.stats"),
        t.t(PERIODS[s.period].1)
    );
    if s.loading {
        title.push_str(" …");
    }
    frame.render_widget(pane_block(app, Pane::STATS, &title), area);
    let body = inner(area);
    if body.height < 3 || body.width < 20 {
        return;
    }
    let Some(st) = &s.figures else {
        let text = s
            .error
            .clone()
            .unwrap_or_else(|| t.t("stats.loading").into());
        frame.render_widget(Paragraph::new(safe(&text)), body);
        return;
    };
    // The figures below take what they need (their lines folded to the
    // right column's width, and the desk sparkline); the chart the rest, at
    // least 5 lines.
    let right_w = body.width - (body.width * 45 / 100).min(48) - 1;
    let figure_h = figure_lines(app, st)
        .into_iter()
        .map(|l| wrap_line(l, right_w as usize).len())
        .sum::<usize>()
        + 1;
    let cause_h = cause_lines(app, st, body.width).len();
    let below = (figure_h.max(cause_h) as u16).min(body.height.saturating_sub(5));
    let chart_h = body.height - below;
    let chart = Rect::new(body.x, body.y, body.width, chart_h);
    days_chart(app, st, frame, chart);
    let rest = Rect::new(body.x, body.y + chart_h, body.width, below);
    let left_w = (rest.width * 45 / 100).min(48);
    let left = Rect::new(rest.x, rest.y, left_w, rest.height);
    let right = Rect::new(
        rest.x + left_w + 1,
        rest.y,
        rest.width - left_w - 1,
        rest.height,
    );
    frame.render_widget(Paragraph::new(cause_lines(app, st, left.width)), left);
    let figures: Vec<Line> = figure_lines(app, st)
        .into_iter()
        .flat_map(|l| wrap_line(l, right.width as usize))
        .collect();
    // Desk work per day under the figures, when there is a line for it.
    let spark_y = right.y + figures.len() as u16;
    frame.render_widget(Paragraph::new(figures), right);
    if spark_y < rest.y + rest.height {
        let data: Vec<u64> = st.desk.by_day.iter().map(|d| d.n.max(0) as u64).collect();
        let width = right.width.min(data.len() as u16);
        let from = data.len().saturating_sub(width as usize);
        frame.render_widget(
            Sparkline::default()
                .data(&data[from..])
                .bar_set(ratatui::symbols::bar::NINE_LEVELS),
            Rect::new(right.x, spark_y, width, 1),
        );
    }
}

/// Attempts per day (or per week, month when the days do not fit), two
/// bars each: accepted on the left, refused on the right; the legend says
/// so in words.
fn days_chart(app: &App, st: &OrgStats, frame: &mut Frame, area: Rect) {
    let t = &app.words;
    let legend = Line::from(vec![
        Span::raw(t.f(
            "stats.attempts_per_day",
            &[("n", &st.attempts.total.to_string())],
        )),
        Span::raw(" · "),
        Span::styled(t.t("stats.left_accepted").to_string(), app.theme.good()),
        Span::raw(" · "),
        Span::styled(t.t("stats.right_refused").to_string(), app.theme.bad()),
    ]);
    frame.render_widget(
        Paragraph::new(legend),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let days = &st.attempts.by_day;
    let groups_fit = (area.width as usize / 3).max(1);
    let per_group = days.len().div_ceil(groups_fit).max(1);
    // Wider bars when there is room for them: two bars and a gap a group.
    let group_w = area.width as usize / days.len().div_ceil(per_group).max(1);
    let bar_w = (group_w.saturating_sub(1) / 2).clamp(1, 8) as u16;
    let groups: Vec<BarGroup> = days
        .chunks(per_group)
        .map(|chunk| {
            let (mut ok, mut refused) = (0u64, 0u64);
            for d in chunk {
                for c in &d.counts {
                    if c.name == "accepted" {
                        ok += c.n.max(0) as u64;
                    } else {
                        refused += c.n.max(0) as u64;
                    }
                }
            }
            let label = chunk[0].date.get(8..10).unwrap_or("").to_string();
            BarGroup::default().label(Line::from(label)).bars(&[
                Bar::default()
                    .value(ok)
                    .text_value("")
                    .style(app.theme.good()),
                Bar::default()
                    .value(refused)
                    .text_value("")
                    .style(app.theme.bad()),
            ])
        })
        .collect();
    let mut chart = BarChart::default()
        .bar_width(bar_w)
        .bar_gap(0)
        .group_gap(1)
        .bar_set(ratatui::symbols::bar::NINE_LEVELS);
    for g in groups {
        chart = chart.data(g);
    }
    let plot = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    frame.render_widget(chart, plot);
}

/// Why patrons were refused: a bar of block characters per cause, the
/// cause in words beside it.
fn cause_lines(app: &App, st: &OrgStats, width: u16) -> Vec<Line<'static>> {
    let t = &app.words;
    let refused: Vec<&Named> = st
        .attempts
        .by_cause
        .iter()
        .filter(|c| c.name != "accepted")
        .collect();
    let mut lines = vec![Line::styled(
        t.t("stats.why_refused").to_string(),
        app.theme.title(true),
    )];
    if refused.is_empty() {
        lines.push(Line::styled(
            format!("  {}", t.t("stats.none")),
            app.theme.dim(),
        ));
    }
    let max = refused.iter().map(|c| c.n).max().unwrap_or(1).max(1);
    let names: Vec<String> = refused.iter().map(|c| t.cause(&c.name)).collect();
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    // The count (6), the name, a space, and at least 4 cells of bar.
    let name_w = longest.min((width as usize).saturating_sub(11));
    let bar_room = (width as usize).saturating_sub(8 + name_w).clamp(1, 24);
    for (c, name) in refused.iter().zip(names) {
        let cells = (c.n.max(0) as u64 * bar_room as u64).div_ceil(max as u64);
        let bar = "█".repeat(cells as usize);
        lines.push(Line::from(vec![
            Span::raw(format!("{:>6} {name:<name_w$.name_w$} ", c.n)),
            Span::styled(bar, app.theme.warn()),
        ]));
    }
    lines
}

/// Links, mail, time to a new PIN, desk work: figures in words.
fn figure_lines(app: &App, st: &OrgStats) -> Vec<Line<'static>> {
    let t = &app.words;
    let l = &st.links;
    let m = &st.mail;
    let n = |v: i64| v.to_string();
    let share = l
        .share_used
        .map(|s| format!("{:.0} %", s * 100.0))
        .unwrap_or_else(|| "–".into());
    let sent = n(l.sent_by_staff + l.sent_by_self_service + l.sent_in_bulk);
    let mut lines = vec![
        Line::styled(t.t("stats.links").to_string(), app.theme.title(true)),
        Line::raw(t.f(
            "stats.links_sent",
            &[
                ("n", &sent),
                ("staff", &n(l.sent_by_staff)),
                ("self", &n(l.sent_by_self_service)),
            ],
        )),
        Line::raw(t.f(
            "stats.links_fate",
            &[
                ("used", &n(l.used)),
                ("share", &share),
                ("expired", &n(l.expired_unused)),
                ("revoked", &n(l.revoked)),
            ],
        )),
    ];
    if let Some(d) = &st.time_to_credential {
        lines.push(Line::raw(t.f(
            "stats.time_to_pin",
            &[
                ("median", &minutes(d.median_ms)),
                ("p90", &minutes(d.p90_ms)),
            ],
        )));
    }
    lines.push(Line::styled(
        t.t("stats.mail").to_string(),
        app.theme.title(true),
    ));
    lines.push(Line::raw(t.f(
        "stats.mail_counts",
        &[
            ("sent", &n(m.sent)),
            ("retried", &n(m.sent_after_retry)),
            ("failed", &n(m.failed)),
        ],
    )));
    if let Some(d) = m.failed_domains.first() {
        let answer = m
            .failed_answers
            .first()
            .map(|a| safe(&a.name))
            .unwrap_or_default();
        lines.push(Line::styled(
            format!("  {} ({}) «{answer}»", safe(&d.name), d.n),
            app.theme.bad(),
        ));
    }
    let kinds: Vec<String> = st
        .desk
        .by_kind
        .iter()
        .take(3)
        .map(|k| format!("{} {}", k.n, t.desk_kind(&k.name)))
        .collect();
    lines.push(Line::raw(t.f(
        "stats.desk",
        &[("n", &n(st.desk.total)), ("kinds", &kinds.join(", "))],
    )));
    lines
}

/// Minutes, or hours and minutes, or days.
fn minutes(ms: i64) -> String {
    let min = ms / 60_000;
    match min {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d", m / (24 * 60)),
    }
}
