//! The counts behind the statistics, each one aggregate over an (org,
//! time) index range: attempts per hour and cause, links by origin and
//! fate, mails by status, desk actions per hour and kind. Hours, not days,
//! because a day is local and its length changes with daylight saving; the
//! service puts hours into local days.

use super::Tx;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// `sql` with `?` placeholders, as this transaction's backend writes them.
fn statement(tx: &Tx, sql: &str, values: Vec<Value>) -> Statement {
    super::statement(tx.get_database_backend(), sql, values)
}

/// The hour (since the epoch) of a millisecond column, as integer division.
fn hour_of(tx: &Tx, column: &str) -> String {
    match tx.get_database_backend() {
        DbBackend::MySql => format!("({column} DIV 3600000)"),
        _ => format!("({column} / 3600000)"),
    }
}

/// A count under some keys: (hour or 0, key, n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub hour: i64,
    pub key: String,
    pub n: i64,
}

async fn counted(tx: &Tx, sql: &str, values: Vec<Value>) -> Result<Vec<Counted>, DbErr> {
    let rows = tx.query_all_raw(statement(tx, sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok(Counted {
                hour: r.try_get_by_index::<i64>(0)?,
                key: r.try_get_by_index::<Option<String>>(1)?.unwrap_or_default(),
                n: r.try_get_by_index::<i64>(2)?,
            })
        })
        .collect()
}

/// Self-service attempts per hour and cause.
pub async fn attempts_by_hour(
    tx: &Tx,
    org: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Counted>, DbErr> {
    let hour = hour_of(tx, "created_at");
    let sql = format!(
        "SELECT {hour}, reason, COUNT(*) FROM selfservice_attempt \
         WHERE org = ? AND created_at >= ? AND created_at < ? GROUP BY {hour}, reason"
    );
    counted(tx, &sql, vec![org.into(), from.into(), to.into()]).await
}

/// Staff actions on accounts (`actions`) per hour and kind.
pub async fn desk_actions_by_hour(
    tx: &Tx,
    org: &str,
    from: i64,
    to: i64,
    actions: &[&str],
) -> Result<Vec<Counted>, DbErr> {
    let hour = hour_of(tx, "at");
    let marks = super::placeholders(actions.len());
    let sql = format!(
        "SELECT {hour}, action, COUNT(*) FROM audit WHERE org = ? AND at >= ? AND at < ? \
         AND staff_id IS NOT NULL AND action IN ({marks}) GROUP BY {hour}, action"
    );
    let mut values: Vec<Value> = vec![org.into(), from.into(), to.into()];
    values.extend(actions.iter().map(|a| Value::from(*a)));
    counted(tx, &sql, values).await
}

/// Links made in the period by origin and what became of them by `now`:
/// key `origin/fate` with fate used, revoked, expired or live.
pub async fn links_by_fate(
    tx: &Tx,
    org: &str,
    from: i64,
    to: i64,
    now: i64,
) -> Result<Vec<Counted>, DbErr> {
    let sql = "SELECT CASE WHEN used_at IS NOT NULL THEN 'used' \
               WHEN revoked_at IS NOT NULL THEN 'revoked' \
               WHEN expires_at <= ? THEN 'expired' ELSE 'live' END AS fate, COUNT(*), origin \
               FROM reset_token WHERE org = ? AND created_at >= ? AND created_at < ? \
               GROUP BY origin, fate";
    let rows = tx
        .query_all_raw(statement(
            tx,
            sql,
            vec![now.into(), org.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let fate: String = r.try_get_by_index(0)?;
            let origin: String = r.try_get_by_index(2)?;
            Ok(Counted {
                hour: 0,
                key: format!("{origin}/{fate}"),
                n: r.try_get_by_index::<i64>(1)?,
            })
        })
        .collect()
}

/// Milliseconds from each link made in the period to its use, if used.
pub async fn link_use_delays(tx: &Tx, org: &str, from: i64, to: i64) -> Result<Vec<i64>, DbErr> {
    let sql = "SELECT used_at - created_at FROM reset_token WHERE org = ? AND created_at >= ? \
               AND created_at < ? AND used_at IS NOT NULL";
    let rows = tx
        .query_all_raw(statement(tx, sql, vec![org.into(), from.into(), to.into()]))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<i64>(0)).collect()
}

/// Mails queued in the period by status, and whether they took more than
/// one try: key `status/1` or `status/n`.
pub async fn mails_by_status(
    tx: &Tx,
    org: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Counted>, DbErr> {
    let sql = "SELECT status, COUNT(*), CASE WHEN attempts > 1 THEN 'n' ELSE '1' END AS tries \
               FROM outbox WHERE org = ? AND created_at >= ? AND created_at < ? GROUP BY status, tries";
    let rows = tx
        .query_all_raw(statement(tx, sql, vec![org.into(), from.into(), to.into()]))
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get_by_index(0)?;
            let tries: String = r.try_get_by_index(2)?;
            Ok(Counted {
                hour: 0,
                key: format!("{status}/{tries}"),
                n: r.try_get_by_index::<i64>(1)?,
            })
        })
        .collect()
}

/// Recipient and the server's last answer of each failed mail of the
/// period (at most `limit`, newest first: failures are few, and the top
/// domains and answers need no more).
pub async fn failed_mails(
    tx: &Tx,
    org: &str,
    from: i64,
    to: i64,
    limit: u64,
) -> Result<Vec<(String, Option<String>)>, DbErr> {
    let sql = format!(
        "SELECT recipient, last_answer FROM outbox WHERE org = ? AND created_at >= ? \
         AND created_at < ? AND status = 'failed' ORDER BY created_at DESC LIMIT {limit}"
    );
    let rows = tx
        .query_all_raw(statement(
            tx,
            &sql,
            vec![org.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// The days of `org` between `from` and `to` (dates as `YYYY-MM-DD`)
/// whose counts are kept, counted in `time_zone`.
pub async fn kept_days(
    tx: &Tx,
    org: &str,
    from: &str,
    to: &str,
    time_zone: &str,
) -> Result<Vec<String>, DbErr> {
    let sql =
        "SELECT day FROM stats_day_done WHERE org = ? AND day >= ? AND day <= ? AND time_zone = ?";
    let rows = tx
        .query_all_raw(statement(
            tx,
            sql,
            vec![org.into(), from.into(), to.into(), time_zone.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect()
}

/// The kept counts of those days: (day, metric, name, n); per day for the
/// metrics drawn per day (`per_day`), summed over the days for the rest
/// (their day is then the first, `from`).
pub async fn kept_counts(
    tx: &Tx,
    org: &str,
    from: &str,
    to: &str,
    per_day: &[&str],
) -> Result<Vec<(String, String, String, i64)>, DbErr> {
    let marks = super::placeholders(per_day.len());
    // SUM of a BIGINT is a NUMERIC on PostgreSQL and a DECIMAL on MariaDB.
    let sum = match tx.get_database_backend() {
        DbBackend::MySql => "CAST(SUM(n) AS SIGNED)",
        DbBackend::Postgres => "CAST(SUM(n) AS BIGINT)",
        _ => "SUM(n)",
    };
    let sql = format!(
        "SELECT day, metric, name, n FROM stats_day WHERE org = ? AND day >= ? AND day <= ? \
         AND metric IN ({marks}) \
         UNION ALL \
         SELECT MIN(day), metric, name, {sum} FROM stats_day WHERE org = ? AND day >= ? \
         AND day <= ? AND metric NOT IN ({marks}) GROUP BY metric, name"
    );
    let mut values: Vec<Value> = vec![org.into(), from.into(), to.into()];
    values.extend(per_day.iter().map(|m| Value::from(*m)));
    values.extend([org.into(), from.into(), to.into()]);
    values.extend(per_day.iter().map(|m| Value::from(*m)));
    let rows = tx.query_all_raw(statement(tx, &sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
            ))
        })
        .collect()
}

/// Keeps one day's counts: (metric, name, n). The day's row in
/// `stats_day_done` goes first, so of two processes keeping the same day
/// one fails on its key and writes nothing (its caller ignores that).
pub async fn keep_day(
    tx: &Tx,
    org: &str,
    day: &str,
    time_zone: &str,
    counts: &[(String, String, i64)],
) -> Result<(), DbErr> {
    // Counts kept under another time zone no longer describe this day.
    tx.execute_raw(statement(
        tx,
        "DELETE FROM stats_day_done WHERE org = ? AND day = ?",
        vec![org.into(), day.into()],
    ))
    .await?;
    tx.execute_raw(statement(
        tx,
        "DELETE FROM stats_day WHERE org = ? AND day = ?",
        vec![org.into(), day.into()],
    ))
    .await?;
    tx.execute_raw(statement(
        tx,
        "INSERT INTO stats_day_done (org, day, time_zone) VALUES (?, ?, ?)",
        vec![org.into(), day.into(), time_zone.into()],
    ))
    .await?;
    for chunk in counts.chunks(200) {
        let marks = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut values: Vec<Value> = Vec::new();
        for (metric, name, n) in chunk {
            values.extend([
                org.into(),
                day.into(),
                metric.as_str().into(),
                name.as_str().into(),
                (*n).into(),
            ]);
        }
        let sql = format!("INSERT INTO stats_day (org, day, metric, name, n) VALUES {marks}");
        tx.execute_raw(statement(tx, &sql, values)).await?;
    }
    Ok(())
}
