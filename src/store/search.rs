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
