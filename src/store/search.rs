//! Indexed prefix search over folded search terms. One range scan on the
//! covering (term, org, account_id) index for one query word, and a probe
//! per row for each other word; never a full scan.

use super::Tx;
use super::entities::search_term;
use crate::domain::search_terms::prefix_upper_bound;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

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
/// (term, org, account_id) index and each other word is one probe of the
/// (account_id, term) index per row, so every account matching all words
/// is found, however common the driver is.
pub async fn prefix(
    tx: &Tx,
    orgs: &[String],
    driver: &str,
    others: &[String],
    limit: u64,
) -> Result<Vec<TermHit>, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
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
        .all(tx)
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
