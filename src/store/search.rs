//! Indexed prefix search over folded search terms. One range scan on the
//! covering (term, org, account_id) index per query word; never a full scan.

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

/// Terms starting with `prefix` in the given organisations, at most `limit`.
pub async fn prefix(
    tx: &Tx,
    orgs: &[String],
    prefix: &str,
    limit: u64,
) -> Result<Vec<TermHit>, DbErr> {
    let rows: Vec<(i64, String, String)> = search_term::Entity::find()
        .select_only()
        .column(search_term::Column::AccountId)
        .column(search_term::Column::Term)
        .column(search_term::Column::Kind)
        .filter(search_term::Column::Term.gte(prefix))
        .filter(search_term::Column::Term.lt(prefix_upper_bound(prefix)))
        .filter(search_term::Column::Org.is_in(orgs.iter().cloned()))
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

/// All terms of the given accounts (to check further query words).
pub async fn terms_of(tx: &Tx, account_ids: &[i64]) -> Result<Vec<(i64, String)>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    search_term::Entity::find()
        .select_only()
        .column(search_term::Column::AccountId)
        .column(search_term::Column::Term)
        .filter(search_term::Column::AccountId.is_in(account_ids.iter().copied()))
        .into_tuple()
        .all(tx)
        .await
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
