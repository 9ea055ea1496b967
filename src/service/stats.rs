//! Why resets fail, counted: for one organisation and the last N days (in
//! the installation's time zone, `[mail] time_zone`), the self-service
//! attempts per day by cause, what became of the links, how the mail went,
//! how long patrons take from link to new PIN, and what the desk did. The
//! console's statistics pane and `avain stats` both call `org_stats`.

use super::stats_days::{self, Fact};
use super::{ServiceError, ServiceResult, Services, Staff};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use std::collections::BTreeMap;

/// Audited staff actions that count as desk work on an account.
pub const DESK_ACTIONS: [&str; 8] = [
    "account.view",
    "link.send",
    "link.revoke",
    "credential.set",
    "email.change",
    "account.unlock",
    "note.add",
    "account.reveal",
];

/// The longest period asked for.
pub const MAX_DAYS: u32 = 731;

/// A count with its name (a cause, a domain, an answer, an action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub name: String,
    pub n: i64,
}

/// One local day and its counts by name (every name of the period, zeros
/// included, in the order of the period's totals).
#[derive(Debug, Clone, Serialize)]
pub struct Day {
    pub date: String,
    pub counts: Vec<Named>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgStats {
    pub org: String,
    pub days: u32,
    /// The first and last local day counted, and the time zone.
    pub from_date: String,
    pub to_date: String,
    pub time_zone: String,
    pub attempts: AttemptStats,
    pub links: LinkStats,
    pub mail: MailStats,
    /// From a link's sending to its use, for the links used.
    pub time_to_credential: Option<Delays>,
    pub desk: DeskStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptStats {
    pub total: i64,
    /// By cause (`accepted`, `email_case_differs`, …), most first.
    pub by_cause: Vec<Named>,
    pub by_day: Vec<Day>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkStats {
    pub sent_by_staff: i64,
    pub sent_by_self_service: i64,
    pub sent_in_bulk: i64,
    pub used: i64,
    pub expired_unused: i64,
    pub revoked: i64,
    pub still_live: i64,
    /// Used among those no longer live, 0–1.
    pub share_used: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MailStats {
    pub sent: i64,
    /// Of those sent, the ones that needed more than one try.
    pub sent_after_retry: i64,
    pub failed: i64,
    pub waiting: i64,
    pub failed_domains: Vec<Named>,
    pub failed_answers: Vec<Named>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delays {
    pub links: usize,
    pub median_ms: i64,
    pub p90_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeskStats {
    pub total: i64,
    pub by_day: Vec<Named>,
    pub by_kind: Vec<Named>,
}

impl Services {
    /// The figures for `org` over the last `days` local days up to now.
    /// Days that can no longer change are counted once and kept
    /// (`stats_days`); the rest are counted from the rows each time.
    pub async fn org_stats(&self, staff: &Staff, org: &str, days: u32) -> ServiceResult<OrgStats> {
        staff.require_known_org(org)?;
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ServiceError::Refused(format!(
                "a period of 1 to {MAX_DAYS} days"
            )));
        }
        let tz = TimeZone::get(&self.config.mail.time_zone).unwrap_or(TimeZone::UTC);
        let now = self.now();
        let today = local_date(&tz, now);
        let first = today
            .checked_sub((i64::from(days) - 1).days())
            .map_err(|e| ServiceError::Refused(e.to_string()))?;
        let dates: Vec<Date> = (0..days)
            .filter_map(|i| first.checked_add(i64::from(i).days()).ok())
            .collect();
        let settle = stats_days::settle_ms(self.config.org(org));
        let period = stats_days::Period {
            org,
            tz: &tz,
            now,
            settle,
        };
        let (facts, mut exact_delays) = self.period_facts(&period, &dates).await?;
        let mut delays = stats_days::weighted_delays(&facts);
        delays.extend(exact_delays.drain(..).map(|ms| (ms, 1)));
        Ok(OrgStats {
            org: org.to_string(),
            days,
            from_date: first.to_string(),
            to_date: today.to_string(),
            time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
            attempts: attempt_stats(&facts, &dates),
            links: link_stats(&facts),
            mail: mail_stats(&facts),
            time_to_credential: percentiles(&mut delays),
            desk: desk_stats(&facts, &dates),
        })
    }
}

pub(super) fn local_date(tz: &TimeZone, ms: i64) -> Date {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date()
}

/// Totals by name of the facts of one metric, most first (then by name, so
/// the order is stable).
fn totals(facts: &[Fact], metric: &str) -> Vec<Named> {
    let mut by: BTreeMap<&str, i64> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.metric == metric) {
        *by.entry(&f.name).or_default() += f.n;
    }
    let mut out: Vec<Named> = by
        .into_iter()
        .map(|(name, n)| Named {
            name: name.to_string(),
            n,
        })
        .collect();
    out.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.name.cmp(&b.name)));
    out
}

fn attempt_stats(facts: &[Fact], dates: &[Date]) -> AttemptStats {
    let by_cause = totals(facts, "attempt");
    let mut per_day: BTreeMap<(Date, &str), i64> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.metric == "attempt") {
        *per_day.entry((f.day, f.name.as_str())).or_default() += f.n;
    }
    let by_day = dates
        .iter()
        .map(|d| Day {
            date: d.to_string(),
            counts: by_cause
                .iter()
                .map(|c| Named {
                    name: c.name.clone(),
                    n: per_day.get(&(*d, c.name.as_str())).copied().unwrap_or(0),
                })
                .collect(),
        })
        .collect();
    AttemptStats {
        total: by_cause.iter().map(|c| c.n).sum(),
        by_cause,
        by_day,
    }
}

fn link_stats(facts: &[Fact]) -> LinkStats {
    let mut s = LinkStats::default();
    for f in facts.iter().filter(|f| f.metric == "link") {
        let (origin, fate) = f.name.split_once('/').unwrap_or((&f.name, ""));
        match origin {
            "staff" => s.sent_by_staff += f.n,
            "self_service" => s.sent_by_self_service += f.n,
            _ => s.sent_in_bulk += f.n,
        }
        match fate {
            "used" => s.used += f.n,
            "revoked" => s.revoked += f.n,
            "expired" => s.expired_unused += f.n,
            _ => s.still_live += f.n,
        }
    }
    let ended = s.used + s.revoked + s.expired_unused;
    s.share_used = (ended > 0).then(|| s.used as f64 / ended as f64);
    s
}

fn mail_stats(facts: &[Fact]) -> MailStats {
    let mut s = MailStats::default();
    for f in facts.iter().filter(|f| f.metric == "mail") {
        let (status, tries) = f.name.split_once('/').unwrap_or((&f.name, "1"));
        match status {
            "sent" => {
                s.sent += f.n;
                if tries == "n" {
                    s.sent_after_retry += f.n;
                }
            }
            "failed" => s.failed += f.n,
            "queued" | "sending" => s.waiting += f.n,
            _ => {}
        }
    }
    s.failed_domains = totals(facts, "fdomain").into_iter().take(5).collect();
    s.failed_answers = totals(facts, "fanswer").into_iter().take(5).collect();
    s
}

/// Median and 90th percentile (nearest rank) of weighted values (ms, n).
fn percentiles(values: &mut [(i64, i64)]) -> Option<Delays> {
    let total: i64 = values.iter().map(|(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    values.sort_unstable();
    let rank = |p: f64| {
        let wanted = ((p * total as f64).ceil() as i64).clamp(1, total);
        let mut seen = 0;
        for (v, n) in values.iter() {
            seen += n;
            if seen >= wanted {
                return *v;
            }
        }
        values.last().map_or(0, |(v, _)| *v)
    };
    Some(Delays {
        links: total as usize,
        median_ms: rank(0.5),
        p90_ms: rank(0.9),
    })
}

fn desk_stats(facts: &[Fact], dates: &[Date]) -> DeskStats {
    let by_kind = totals(facts, "desk");
    let mut per_day: BTreeMap<Date, i64> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.metric == "desk") {
        *per_day.entry(f.day).or_default() += f.n;
    }
    DeskStats {
        total: by_kind.iter().map(|k| k.n).sum(),
        by_day: dates
            .iter()
            .map(|d| Named {
                name: d.to_string(),
                n: per_day.get(d).copied().unwrap_or(0),
            })
            .collect(),
        by_kind,
    }
}
