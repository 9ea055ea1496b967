//! What the desk commands print for people: the same words and local
//! times as the console, in the chosen language. `--json` keeps codes and
//! milliseconds for scripts.

use super::Cli;
use crate::domain::verdict::{FieldVerdict, MatchVerdict};
use crate::service::{AccountDetail, AccountSummary, LinkView, MailView, Services};
use crate::setup::stdout::outln;
use crate::text::{Words, choose_language, safe};

/// The words for this command line: `--lang`, `[ui] language`, `LANG`.
pub fn words(cli: &Cli, s: &Services) -> Words {
    words_for(cli, &s.config)
}

pub fn words_for(cli: &Cli, config: &crate::config::Config) -> Words {
    Words::new(
        choose_language(cli.lang.as_deref(), config.ui.language),
        &config.mail.time_zone,
    )
}

pub fn search_row(w: &Words, a: &AccountSummary) -> String {
    let badges: Vec<&str> = a.badges.iter().map(|b| w.badge(*b).0).collect();
    format!(
        "#{:<7} {:<10} {:<32} {:<14} {:<34} {}",
        a.id,
        safe(&a.org),
        safe(&a.full_name),
        a.card_masked
            .as_deref()
            .map(safe)
            .unwrap_or_else(|| "-".into()),
        safe(&a.email_masked),
        badges.join(" ")
    )
}

/// The verdict: the headline, the account, and one line per reason.
pub fn verdict(w: &Words, org: &str, v: &MatchVerdict) {
    outln!(
        "{} ({})",
        w.t(if v.accepted {
            "verify.accept"
        } else {
            "verify.refuse"
        }),
        safe(org)
    );
    if let Some(id) = v.account_id {
        outln!("{} #{id}", w.t("cli.account"));
    }
    for (field, f) in [("field.card", &v.card), ("field.email", &v.email)] {
        for line in field_lines(w, w.t(field), f) {
            outln!("  {line}");
        }
    }
}

fn field_lines(w: &Words, field: &str, v: &FieldVerdict) -> Vec<String> {
    v.reasons
        .iter()
        .map(|r| format!("{field}: {}", w.reason(r, v.expected_masked.as_deref())))
        .collect()
}

pub fn detail(w: &Words, d: &AccountDetail, now: i64) {
    let a = &d.account;
    outln!("#{} {} ({})", a.id, safe(&a.full_name), safe(&a.org_name));
    let row = |label: &str, value: &str| outln!("  {:<10} {value}", w.t(label));
    row("field.email", &safe(&a.email_masked));
    if let Some(p) = &a.phone_masked {
        row("field.phone", &safe(p));
    }
    if let Some(l) = &a.login {
        row("cli.login", &safe(l));
    }
    let flags = status_flags(w, d, now);
    if !flags.is_empty() {
        row("cli.status", &flags.join("; "));
    }
    for c in &d.cards {
        row(
            "field.card",
            &format!("{} {}", safe(&c.number_masked), w.card_status(c.status)),
        );
    }
    for e in &d.previous_emails {
        let when = e
            .until
            .map(|t| w.f("cli.until", &[("at", &w.time(t))]))
            .unwrap_or_default();
        row(
            "cli.earlier",
            format!("{} {when}", safe(&e.email_masked)).trim_end(),
        );
    }
    if !d.links.is_empty() {
        outln!("{}:", w.t("pane.links"));
        links(w, &d.links, now);
    }
    if !d.attempts.is_empty() {
        outln!("{}:", w.t("links.attempts"));
        for t in &d.attempts {
            let (verdict, reasons) = w.attempt(t.accepted, &t.card_codes, &t.email_codes);
            if reasons.is_empty() {
                outln!("  {} {verdict}", w.time(t.at));
            } else {
                outln!("  {} {verdict} ({reasons})", w.time(t.at));
            }
        }
    }
    if !d.notes.is_empty() {
        outln!("{}:", w.t("links.notes"));
        for n in &d.notes {
            outln!("  {} {}: {}", w.time(n.at), safe(&n.author), safe(&n.text));
        }
    }
}

/// Where the credential lives, locks, a stale copy and what the patron
/// still has to do, for the detail's status row.
fn status_flags(w: &Words, d: &AccountDetail, now: i64) -> Vec<String> {
    let a = &d.account;
    let mut flags = Vec::new();
    let kind = a.credential_kind;
    match &d.directory {
        Some(dir) => {
            let system = ("system", w.system(dir.system));
            flags.push(match a.credential_set_at {
                Some(at) => w.f(
                    &format!("act.{kind}_set_in"),
                    &[("at", &w.time(at)), system],
                ),
                None => w.f(&format!("act.{kind}_in"), &[system]),
            });
            if dir.removed {
                flags.push(w.f("directory.removed", &[system]));
            } else if dir.locked {
                flags.push(w.f("directory.locked", &[system]));
            }
            if let Some(age) = w.freshness(dir.system, &dir.freshness, now) {
                flags.push(age);
            }
        }
        None if !a.has_credential => flags.push(w.t(&format!("act.no_{kind}")).to_string()),
        None => {}
    }
    if a.legacy_credential {
        flags.push(w.t("badge.legacy_pin_long").to_string());
    }
    if a.must_set_credential {
        flags.push(w.t("act.awaiting_first_login").to_string());
    }
    if let Some(t) = a.locked_at {
        flags.push(w.f(
            "cli.locked_since",
            &[("at", &w.time(t)), ("n", &a.failed_attempts.to_string())],
        ));
    }
    flags
}

pub fn links(w: &Words, links: &[LinkView], now: i64) {
    for l in links {
        let (state, _) = w.link_state(&l.state, l.expires_at, now);
        outln!(
            "  {} {:<5} {:<11} {} {} → {} — {state}",
            w.t("cli.link"),
            l.id,
            w.purpose(l.purpose),
            w.origin(l.origin, &l.created_by),
            w.time(l.created_at),
            safe(&l.sent_to_masked),
        );
        for m in &l.mails {
            outln!("      {}", mail_line(w, m));
        }
    }
}

/// "mail 12: mail sent 22.11.2026 16.30 «250 Ok»".
pub fn mail_line(w: &Words, m: &MailView) -> String {
    use crate::domain::OutboxStatus;
    let state = match m.status {
        OutboxStatus::Sent => w.f(
            "mail.sent",
            &[("at", &m.sent_at.map(|t| w.time(t)).unwrap_or_default())],
        ),
        OutboxStatus::Failed => w.t("mail.failed").to_string(),
        OutboxStatus::Cancelled => w.t("mail.cancelled").to_string(),
        OutboxStatus::Sending => w.t("mail.sending").to_string(),
        OutboxStatus::Queued => match m.next_attempt_at {
            Some(next) if m.attempts > 0 => w.f(
                "mail.retry",
                &[("n", &m.attempts.to_string()), ("at", &w.time(next))],
            ),
            _ => w.t("mail.queued").to_string(),
        },
    };
    let answer = m
        .last_answer
        .as_deref()
        .map(|a| format!(" «{}»", safe(a)))
        .unwrap_or_default();
    format!("{} {}: {state}{answer}", w.t("cli.mail"), m.id)
}

/// An import's changed fields (dry run) and its warnings.
pub fn import_changes(report: &crate::service::import::ImportReport) {
    for row in &report.changes {
        let fields: Vec<String> = row
            .fields
            .iter()
            .map(|c| {
                let from = if c.from.is_empty() { "–" } else { &c.from };
                let to = if c.to.is_empty() { "–" } else { &c.to };
                format!("{}: {} → {}", c.field, safe(from), safe(to))
            })
            .collect();
        outln!(
            "  line {} (account {}): {}",
            row.line,
            row.account_id,
            fields.join("; ")
        );
    }
    let listed = report.changes.len() as u64;
    let changed = report.updated - report.unchanged;
    if report.dry_run && changed > listed {
        outln!("  … and {} more changed rows", changed - listed);
    }
    for w in &report.warnings {
        outln!("warning: {}", safe(w));
    }
}
