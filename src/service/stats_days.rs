//! The counts behind the statistics, as facts: (local day, metric, name,
//! n). A day that can no longer change (its attempts and desk work are
//! history, its links have all expired and its mail has settled) is counted
//! once and kept in `stats_day`; a year is then a few thousand kept rows
//! plus the last days counted from the rows themselves. Times from a link
//! to its use are kept as 5 % buckets; those of the days still open are
//! exact.

use super::stats::local_date;
use super::{ServiceResult, Services};
use crate::config::OrgConfig;
use crate::store::stats_rows::{self, Counted};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::{BTreeMap, BTreeSet};

/// One count: on a local day, of a metric (`attempt`, `link`, `mail`,
/// `fdomain`, `fanswer`, `delay`, `desk`), under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub day: Date,
    pub metric: String,
    pub name: String,
    pub n: i64,
}

/// What a period is counted for.
pub struct Period<'a> {
    pub org: &'a str,
    pub tz: &'a TimeZone,
    pub now: i64,
    /// How long after its end a day can still change.
    pub settle: i64,
}

/// The metrics drawn day by day; the others are summed over the period.
const PER_DAY: [&str; 2] = ["attempt", "desk"];

/// Failed mails read per range for their domains and answers.
const FAILED_MAILS_READ: u64 = 5_000;
/// Bucket ratio for kept link-to-use times.
const DELAY_STEP: f64 = 1.05;

/// A day settles when its longest link has expired and a day more has
/// passed for mail retries.
pub fn settle_ms(org: Option<&OrgConfig>) -> i64 {
    let lifetimes = org.map_or(7 * 86_400_000, |o| {
        let t = &o.token_lifetime;
        t.staff_reset
            .millis()
            .max(t.self_service_reset.millis())
            .max(t.first_login.millis())
    });
    lifetimes + 86_400_000
}

fn start_of(tz: &TimeZone, day: Date) -> i64 {
    day.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

impl Services {
    /// The facts of `dates` (consecutive local days up to today) and the
    /// exact link-to-use times of the days not kept.
    pub(super) async fn period_facts(
        &self,
        p: &Period<'_>,
        dates: &[Date],
    ) -> ServiceResult<(Vec<Fact>, Vec<i64>)> {
        let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let next_day = |d: Date| d.checked_add(1.day()).unwrap_or(d);
        let closed: Vec<Date> = dates
            .iter()
            .copied()
            .filter(|d| start_of(p.tz, next_day(*d)) + p.settle <= p.now)
            .collect();
        let tz_name = p.tz.iana_name().unwrap_or("UTC");
        let mut facts = Vec::new();
        let kept: BTreeSet<String> = if let (Some(a), Some(b)) = (closed.first(), closed.last()) {
            let tx = self.store.begin_read().await?;
            let (from, to) = (a.to_string(), b.to_string());
            let kept = stats_rows::kept_days(&tx, p.org, &from, &to, tz_name).await?;
            let kept: BTreeSet<String> = kept.into_iter().collect();
            // Only days kept under this time zone count: the whole closed
            // range when all are kept (the usual case, one read), else day
            // by day.
            let counts = if kept.len() == closed.len() {
                stats_rows::kept_counts(&tx, p.org, &from, &to, &PER_DAY).await?
            } else {
                let mut all = Vec::new();
                for day in &kept {
                    all.extend(stats_rows::kept_counts(&tx, p.org, day, day, &PER_DAY).await?);
                }
                all
            };
            for (day, metric, name, n) in counts {
                if let Ok(day) = day.parse::<Date>() {
                    facts.push(Fact {
                        day,
                        metric,
                        name,
                        n,
                    });
                }
            }
            tx.commit().await?;
            kept
        } else {
            BTreeSet::new()
        };
        for day in closed.iter().filter(|d| !kept.contains(&d.to_string())) {
            let (mut day_facts, delays) = self
                .range_facts(p, start_of(p.tz, *day), start_of(p.tz, next_day(*day)))
                .await?;
            day_facts.extend(delay_buckets(*day, &delays));
            self.keep_day(p.org, *day, tz_name, &day_facts).await;
            facts.extend(day_facts);
        }
        let open_from = closed.last().map_or(*first, |d| next_day(*d));
        let mut exact = Vec::new();
        if open_from <= *last {
            let (open, delays) = self
                .range_facts(p, start_of(p.tz, open_from), p.now + 1)
                .await?;
            facts.extend(open);
            exact = delays;
        }
        Ok((facts, exact))
    }

    /// Counts `[from, to)` from the rows.
    async fn range_facts(
        &self,
        p: &Period<'_>,
        from: i64,
        to: i64,
    ) -> ServiceResult<(Vec<Fact>, Vec<i64>)> {
        let tx = self.store.begin_read().await?;
        let org = p.org;
        let attempts = stats_rows::attempts_by_hour(&tx, org, from, to).await?;
        let desk =
            stats_rows::desk_actions_by_hour(&tx, org, from, to, &super::stats::DESK_ACTIONS)
                .await?;
        let links = stats_rows::links_by_fate(&tx, org, from, to, p.now).await?;
        let mails = stats_rows::mails_by_status(&tx, org, from, to).await?;
        let failed = stats_rows::failed_mails(&tx, org, from, to, FAILED_MAILS_READ).await?;
        let delays = stats_rows::link_use_delays(&tx, org, from, to).await?;
        tx.commit().await?;
        let day_of = |hour: i64| local_date(p.tz, hour * 3_600_000);
        let first_day = local_date(p.tz, from);
        let fact = |day: Date, metric: &str, c: &Counted| Fact {
            day,
            metric: metric.into(),
            name: c.key.clone(),
            n: c.n,
        };
        let mut facts: Vec<Fact> = Vec::new();
        facts.extend(attempts.iter().map(|c| fact(day_of(c.hour), "attempt", c)));
        facts.extend(desk.iter().map(|c| fact(day_of(c.hour), "desk", c)));
        facts.extend(links.iter().map(|c| fact(first_day, "link", c)));
        facts.extend(mails.iter().map(|c| fact(first_day, "mail", c)));
        let mut domains: BTreeMap<String, i64> = BTreeMap::new();
        let mut answers: BTreeMap<String, i64> = BTreeMap::new();
        for (to, answer) in &failed {
            let domain = to.rsplit_once('@').map_or("?", |(_, d)| d).to_lowercase();
            *domains.entry(domain).or_default() += 1;
            // The answer's first sentence: queue ids and addresses differ
            // mail by mail.
            let a = answer.as_deref().unwrap_or("no answer");
            let first = a.split(['\n', ';']).next().unwrap_or(a);
            *answers
                .entry(crate::domain::sanitize::sanitize_line(first, 80))
                .or_default() += 1;
        }
        for (metric, map) in [("fdomain", domains), ("fanswer", answers)] {
            facts.extend(map.into_iter().map(|(name, n)| Fact {
                day: first_day,
                metric: metric.into(),
                name,
                n,
            }));
        }
        Ok((facts, delays))
    }

    /// Keeps a settled day's facts; a failure (another process keeping the
    /// same day, a read-only database) only means it is counted again.
    async fn keep_day(&self, org: &str, day: Date, tz_name: &str, facts: &[Fact]) {
        let counts: Vec<(String, String, i64)> = merge(facts)
            .into_iter()
            .map(|((metric, name), n)| (metric, name, n))
            .collect();
        let Ok(tx) = self.store.begin_write().await else {
            return;
        };
        let kept = stats_rows::keep_day(&tx, org, &day.to_string(), tz_name, &counts).await;
        if kept.is_ok() {
            let _ = tx.commit().await;
        } else {
            let _ = tx.rollback().await;
        }
    }
}

/// One day's facts summed by (metric, name).
fn merge(facts: &[Fact]) -> BTreeMap<(String, String), i64> {
    let mut out: BTreeMap<(String, String), i64> = BTreeMap::new();
    for f in facts {
        *out.entry((f.metric.clone(), f.name.clone())).or_default() += f.n;
    }
    out
}

fn bucket_of(ms: i64) -> i64 {
    if ms <= 1 {
        return 0;
    }
    ((ms as f64).ln() / DELAY_STEP.ln()).floor() as i64
}

fn bucket_value(bucket: i64) -> i64 {
    DELAY_STEP.powi(bucket as i32).round() as i64
}

fn delay_buckets(day: Date, delays: &[i64]) -> Vec<Fact> {
    let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
    for d in delays {
        *counts.entry(bucket_of(*d)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(b, n)| Fact {
            day,
            metric: "delay".into(),
            name: b.to_string(),
            n,
        })
        .collect()
}

/// The kept link-to-use times as (lower edge of the bucket, count).
pub fn weighted_delays(facts: &[Fact]) -> Vec<(i64, i64)> {
    facts
        .iter()
        .filter(|f| f.metric == "delay")
        .filter_map(|f| f.name.parse::<i64>().ok().map(|b| (bucket_value(b), f.n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_within_five_percent() {
        for ms in [2, 60_000, 1_200_000, 86_400_000, 7 * 86_400_000] {
            let v = bucket_value(bucket_of(ms));
            assert!(
                v <= ms && (ms - v) as f64 <= ms as f64 * 0.05 + 1.0,
                "{ms} -> {v}"
            );
        }
    }
}
