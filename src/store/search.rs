//! Indexed prefix search over folded search terms. One range scan on the
//! covering (term, org, account_id, kind) index for one query word (or
//! name pair), and a probe per row for each other word; never a full scan. Then what a result row
//! shows of each account found, in one statement. Both run outside a
//! transaction: each is one statement (its own consistent snapshot), and a
//! desk searches on every keystroke, where BEGIN and COMMIT would be two
//! more round trips to the database for nothing.

use super::Tx;
use super::entities::search_term;
use crate::domain::AccountStatus;
use crate::domain::search_terms::prefix_upper_bound;
use crate::domain::verdict::CardStatus;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};

/// A term that matched, in term order (so exact matches come first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermHit {
    pub account_id: i64,
    pub term: String,
    pub kind: String,
}

/// Terms starting with `driver` in the given organisations, in term order,
/// of accounts that also have a term starting with each of `others`; at
/// most `limit` rows. The driver's range is read on the covering
/// (term, org, account_id, kind) index and each other word is one probe of the
/// (account_id, term) index per row, so every account matching all words
/// is found, however common the driver is.
pub async fn prefix(
    db: &impl ConnectionTrait,
    orgs: &[String],
    driver: &str,
    others: &[String],
    limit: u64,
) -> Result<Vec<TermHit>, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    if db.get_database_backend() == sea_orm::DbBackend::MySql && !others.is_empty() {
        return prefix_joined(db, orgs, driver, others, limit).await;
    }
    let mut query = search_term::Entity::find()
        .select_only()
        .column(search_term::Column::AccountId)
        .column(search_term::Column::Term)
        .column(search_term::Column::Kind)
        .filter(search_term::Column::Term.gte(driver))
        .filter(search_term::Column::Term.lt(prefix_upper_bound(driver)))
        .filter(search_term::Column::Org.is_in(orgs.iter().cloned()));
    for (i, word) in others.iter().enumerate() {
        let other = Alias::new(format!("w{i}"));
        let probe = Query::select()
            .expr(Expr::val(1))
            .from_as(search_term::Entity, other.clone())
            .and_where(
                Expr::col((other.clone(), search_term::Column::AccountId))
                    .equals((search_term::Entity, search_term::Column::AccountId)),
            )
            .and_where(Expr::col((other.clone(), search_term::Column::Term)).gte(word.as_str()))
            .and_where(Expr::col((other, search_term::Column::Term)).lt(prefix_upper_bound(word)))
            .to_owned();
        query = query.filter(Expr::exists(probe));
    }
    let rows: Vec<(i64, String, String)> = query
        .order_by_asc(search_term::Column::Term)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(account_id, term, kind)| TermHit {
            account_id,
            term,
            kind,
        })
        .collect())
}

/// `prefix` for MariaDB and MySQL with other words: each other word is a
/// join, in the written order (STRAIGHT_JOIN), so the driver's range is
/// read in term order and each row probes the (account_id, term) index.
/// Given EXISTS, MariaDB first materialises every row of the other word's
/// range (tens of thousands for a common name) on every keystroke. An
/// account with two terms matching one other word gives its row twice;
/// the caller keeps the first row of each account.
async fn prefix_joined(
    db: &impl ConnectionTrait,
    orgs: &[String],
    driver: &str,
    others: &[String],
    limit: u64,
) -> Result<Vec<TermHit>, DbErr> {
    let mut sql =
        String::from("SELECT STRAIGHT_JOIN t.account_id, t.term, t.kind FROM search_term t");
    let mut values: Vec<Value> = Vec::new();
    for (i, word) in others.iter().enumerate() {
        sql.push_str(&format!(
            " JOIN search_term w{i} ON w{i}.account_id = t.account_id \
             AND w{i}.term >= ? AND w{i}.term < ?"
        ));
        values.push(word.as_str().into());
        values.push(prefix_upper_bound(word).into());
    }
    sql.push_str(&format!(
        " WHERE t.term >= ? AND t.term < ? AND t.org IN ({}) ORDER BY t.term LIMIT ?",
        super::placeholders(orgs.len())
    ));
    values.push(driver.into());
    values.push(prefix_upper_bound(driver).into());
    values.extend(orgs.iter().map(|o| Value::from(o.as_str())));
    values.push(limit.into());
    let rows = db
        .query_all_raw(super::statement(db.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(TermHit {
                account_id: row.try_get_by_index(0)?,
                term: row.try_get_by_index(1)?,
                kind: row.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// How many terms in the organisations start with `word`, counted up to
/// `cap`: a bounded read of the prefix index, so a search of several
/// words can scan the rarest one.
pub async fn count_prefix(
    db: &impl ConnectionTrait,
    orgs: &[String],
    word: &str,
    cap: u64,
) -> Result<u64, DbErr> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT t.account_id FROM search_term t \
         WHERE t.term >= ? AND t.term < ? AND t.org IN ({}) LIMIT ?) capped",
        super::placeholders(orgs.len())
    );
    let mut values: Vec<Value> = vec![word.into(), prefix_upper_bound(word).into()];
    values.extend(orgs.iter().map(|o| Value::from(o.as_str())));
    values.push((cap as i64).into());
    let row = db
        .query_one_raw(super::statement(db.get_database_backend(), &sql, values))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("count of terms".into()))?;
    Ok(row.try_get_by_index::<i64>(0)?.max(0) as u64)
}

/// What a search result shows of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub id: i64,
    pub org: String,
    pub full_name: String,
    pub email: String,
    pub status: AccountStatus,
    pub locked: bool,
    pub legacy_credential: bool,
    pub must_set_credential: bool,
    /// The number of its first active card.
    pub active_card: Option<String>,
    /// Whether a link sent to it can still be used.
    pub has_live_link: bool,
}

/// The accounts among `ids` in the given organisations, with their first
/// active card and whether a live link exists, in one statement. The
/// organisations are checked on the rows read, not in the WHERE clause: a
/// planner given `org IN (…)` may walk an organisation's whole index
/// instead of looking up a few ids.
pub async fn summaries(
    db: &impl ConnectionTrait,
    orgs: &[String],
    ids: &[i64],
    now: i64,
) -> Result<Vec<SummaryRow>, DbErr> {
    if ids.is_empty() || orgs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.id, a.org, a.full_name, a.email, a.status, a.locked_at, \
         a.directory_locked, a.legacy_credential, a.must_set_credential, \
         (SELECT c.number FROM card c WHERE c.account_id = a.id AND c.status = ? \
          ORDER BY c.id LIMIT 1), \
         (SELECT r.id FROM reset_token r WHERE r.account_id = a.id AND r.used_at IS NULL \
          AND r.revoked_at IS NULL AND r.expires_at > ? LIMIT 1) \
         FROM account a WHERE a.id IN ({})",
        super::placeholders(ids.len())
    );
    let mut values: Vec<Value> = vec![CardStatus::Active.into(), now.into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    let rows = db
        .query_all_raw(super::statement(db.get_database_backend(), &sql, values))
        .await?;
    let rows = rows.iter().map(|row| {
        Ok(SummaryRow {
            id: row.try_get_by_index(0)?,
            org: row.try_get_by_index(1)?,
            full_name: row.try_get_by_index(2)?,
            email: row.try_get_by_index(3)?,
            status: row.try_get_by_index(4)?,
            locked: row.try_get_by_index::<Option<i64>>(5)?.is_some()
                || row.try_get_by_index::<bool>(6)?,
            legacy_credential: row.try_get_by_index(7)?,
            must_set_credential: row.try_get_by_index(8)?,
            active_card: row.try_get_by_index(9)?,
            has_live_link: row.try_get_by_index::<Option<i64>>(10)?.is_some(),
        })
    });
    let rows: Result<Vec<SummaryRow>, DbErr> = rows.collect();
    Ok(rows?
        .into_iter()
        .filter(|row| orgs.contains(&row.org))
        .collect())
}

/// The way Koha searches patrons: `LIKE '%q%'` over name, card and email.
/// Only for the benchmark's comparison; it scans every row.
pub async fn like_scan(tx: &Tx, q: &str, limit: u64) -> Result<usize, DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let pattern = format!("%{}%", q.replace(['%', '_'], ""));
    let backend = tx.get_database_backend();
    let sql = "SELECT a.id FROM account a LEFT JOIN card c ON c.account_id = a.id \
               WHERE a.full_name LIKE $1 OR a.email LIKE $1 OR c.number LIKE $1 LIMIT $2";
    let sql = if backend == sea_orm::DbBackend::Postgres {
        sql.to_string()
    } else {
        sql.replace("$1", "?").replace("$2", "?")
    };
    let values: Vec<sea_orm::Value> = if backend == sea_orm::DbBackend::Postgres {
        vec![pattern.into(), (limit as i64).into()]
    } else {
        vec![
            pattern.clone().into(),
            pattern.clone().into(),
            pattern.into(),
            (limit as i64).into(),
        ]
    };
    Ok(tx
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .len())
}
