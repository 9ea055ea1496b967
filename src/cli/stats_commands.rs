//! `avain stats --org SLUG [--since 30d] [--json | --csv]`: the figures the
//! console's statistics pane shows, from the same service call.

use super::args::StatsArgs;
use super::output::json;
use super::{Cli, CliError, CliResult};
use crate::service::stats::{Named, OrgStats};
use crate::service::{Services, Staff};
use crate::setup::stdout::outln;
use crate::text::{Words, safe};

pub async fn run(cli: &Cli, s: &Services, me: &Staff, args: &StatsArgs) -> CliResult {
    if args.csv && cli.json {
        return Err(CliError::bad_input("--csv and --json: choose one"));
    }
    let st = s.org_stats(me, &args.org, args.since).await?;
    if cli.json {
        json(&st);
    } else if args.csv {
        csv(&st);
    } else {
        text(&super::print::words(cli, s), &st);
    }
    Ok(())
}

/// One row per day and cause, zeros included, so a spreadsheet can chart
/// it as it is.
fn csv(st: &OrgStats) {
    outln!("date,cause,attempts");
    for day in &st.attempts.by_day {
        for c in &day.counts {
            outln!("{},{},{}", day.date, c.name, c.n);
        }
    }
}

fn text(w: &Words, st: &OrgStats) {
    outln!(
        "{}: {} days, {} to {} ({})",
        safe(&st.org),
        st.days,
        st.from_date,
        st.to_date,
        st.time_zone
    );
    outln!();
    outln!("self-service attempts: {}", st.attempts.total);
    for c in &st.attempts.by_cause {
        outln!("  {:>7}  {}", c.n, w.cause(&c.name));
    }
    let l = &st.links;
    outln!();
    outln!(
        "links: {} by staff, {} by self-service, {} in bulk",
        l.sent_by_staff,
        l.sent_by_self_service,
        l.sent_in_bulk
    );
    let share = l
        .share_used
        .map(|s| format!(" ({:.0} % of those ended)", s * 100.0))
        .unwrap_or_default();
    outln!(
        "  {} used{share}, {} expired unused, {} revoked, {} still live",
        l.used,
        l.expired_unused,
        l.revoked,
        l.still_live
    );
    if let Some(d) = &st.time_to_credential {
        outln!(
            "  link to new PIN/password: median {}, 90 % within {} ({} links)",
            duration(d.median_ms),
            duration(d.p90_ms),
            d.links
        );
    }
    let m = &st.mail;
    outln!();
    outln!(
        "mail: {} sent ({} after a retry), {} failed, {} waiting",
        m.sent,
        m.sent_after_retry,
        m.failed,
        m.waiting
    );
    list("  failing domains", &m.failed_domains);
    list("  servers' answers", &m.failed_answers);
    outln!();
    outln!("desk actions: {}", st.desk.total);
    for k in &st.desk.by_kind {
        outln!("  {:>7}  {}", k.n, w.desk_kind(&k.name));
    }
}

fn list(title: &str, items: &[Named]) {
    if items.is_empty() {
        return;
    }
    outln!("{title}:");
    for i in items {
        outln!("    {:>5}  {}", i.n, safe(&i.name));
    }
}

/// "4 min", "2 h 5 min", "3 d 4 h".
fn duration(ms: i64) -> String {
    let min = ms / 60_000;
    match min {
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (24 * 60), m % (24 * 60) / 60),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(1_200_000), "20 min");
        assert_eq!(super::duration(7_500_000), "2 h 5 min");
        assert_eq!(super::duration(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h");
    }
}
