//! Why resets fail, counted: for one organisation and the last N days (in
//! the installation's time zone, `[mail] time_zone`), the self-service
//! attempts per day by cause, what became of the links, how the mail went,
//! how long patrons take from link to new PIN, and what the desk did. The
//! console's statistics pane and `avain stats` both call `org_stats`.

use super::{ServiceError, ServiceResult, Services, Staff};
use crate::store::stats_rows::{self, Counted};
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

/// Failed mails read for their domains and answers.
const FAILED_MAILS_READ: u64 = 5_000;

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
        let from = first
            .to_zoned(tz.clone())
            .map_err(|e| ServiceError::Refused(e.to_string()))?
            .timestamp()
            .as_millisecond();
        let to = now + 1;
        let tx = self.store.begin_read().await?;
        let attempts = stats_rows::attempts_by_hour(&tx, org, from, to).await?;
        let links = stats_rows::links_by_fate(&tx, org, from, to, now).await?;
        let mut delays = stats_rows::link_use_delays(&tx, org, from, to).await?;
        let mails = stats_rows::mails_by_status(&tx, org, from, to).await?;
        let failed = stats_rows::failed_mails(&tx, org, from, to, FAILED_MAILS_READ).await?;
        let desk = stats_rows::desk_actions_by_hour(&tx, org, from, to, &DESK_ACTIONS).await?;
        tx.commit().await?;
        let dates: Vec<Date> = (0..days)
            .filter_map(|i| first.checked_add(i64::from(i).days()).ok())
            .collect();
        let day_of = |hour: i64| local_date(&tz, hour * 3_600_000);
        Ok(OrgStats {
            org: org.to_string(),
            days,
            from_date: first.to_string(),
            to_date: today.to_string(),
            time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
            attempts: attempt_stats(&attempts, &dates, day_of),
            links: link_stats(&links),
            mail: mail_stats(&mails, &failed),
            time_to_credential: percentiles(&mut delays),
            desk: desk_stats(&desk, &dates, day_of),
        })
    }
}

fn local_date(tz: &TimeZone, ms: i64) -> Date {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date()
}

/// Totals by key, most first (then by name, so the order is stable).
fn totals(rows: &[Counted]) -> Vec<Named> {
    let mut by: BTreeMap<&str, i64> = BTreeMap::new();
    for r in rows {
        *by.entry(&r.key).or_default() += r.n;
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

fn attempt_stats(rows: &[Counted], dates: &[Date], day_of: impl Fn(i64) -> Date) -> AttemptStats {
    let by_cause = totals(rows);
    let mut per_day: BTreeMap<(Date, &str), i64> = BTreeMap::new();
    for r in rows {
        *per_day.entry((day_of(r.hour), r.key.as_str())).or_default() += r.n;
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

fn link_stats(rows: &[Counted]) -> LinkStats {
    let mut s = LinkStats::default();
    for r in rows {
        let (origin, fate) = r.key.split_once('/').unwrap_or((&r.key, ""));
        match origin {
            "staff" => s.sent_by_staff += r.n,
            "self_service" => s.sent_by_self_service += r.n,
            _ => s.sent_in_bulk += r.n,
        }
        match fate {
            "used" => s.used += r.n,
            "revoked" => s.revoked += r.n,
            "expired" => s.expired_unused += r.n,
            _ => s.still_live += r.n,
        }
    }
    let ended = s.used + s.revoked + s.expired_unused;
    s.share_used = (ended > 0).then(|| s.used as f64 / ended as f64);
    s
}

fn mail_stats(rows: &[Counted], failed: &[(String, Option<String>)]) -> MailStats {
    let mut s = MailStats::default();
    for r in rows {
        let (status, tries) = r.key.split_once('/').unwrap_or((&r.key, "1"));
        match status {
            "sent" => {
                s.sent += r.n;
                if tries == "n" {
                    s.sent_after_retry += r.n;
                }
            }
            "failed" => s.failed += r.n,
            "queued" | "sending" => s.waiting += r.n,
            _ => {}
        }
    }
    let top = |names: Vec<String>| {
        let rows: Vec<Counted> = names
            .into_iter()
            .map(|key| Counted { hour: 0, key, n: 1 })
            .collect();
        totals(&rows).into_iter().take(5).collect()
    };
    s.failed_domains = top(failed
        .iter()
        .map(|(to, _)| to.rsplit_once('@').map_or("?", |(_, d)| d).to_lowercase())
        .collect());
    // The server's answer without what follows its first sentence (queue
    // ids and addresses differ mail by mail).
    s.failed_answers = top(failed
        .iter()
        .map(|(_, a)| {
            let a = a.as_deref().unwrap_or("no answer");
            crate::domain::sanitize::sanitize_line(a.split(['\n', ';']).next().unwrap_or(a), 80)
        })
        .collect());
    s
}

/// Median and 90th percentile (nearest rank) of `ms`.
fn percentiles(ms: &mut [i64]) -> Option<Delays> {
    if ms.is_empty() {
        return None;
    }
    ms.sort_unstable();
    let rank = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Some(Delays {
        links: ms.len(),
        median_ms: rank(0.5),
        p90_ms: rank(0.9),
    })
}

fn desk_stats(rows: &[Counted], dates: &[Date], day_of: impl Fn(i64) -> Date) -> DeskStats {
    let by_kind = totals(rows);
    let mut per_day: BTreeMap<Date, i64> = BTreeMap::new();
    for r in rows {
        *per_day.entry(day_of(r.hour)).or_default() += r.n;
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
