//! Reads and writes for importing many rows at once: the accounts a batch
//! of rows may touch, read in a few queries instead of several per row,
//! and the batch's new rows written with multi-row inserts.

use super::Tx;
use super::entities::{account, card, email_history, search_term};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// Values per `IN (…)` list and rows per multi-row INSERT: well under every
/// backend's limit on bound parameters.
const CHUNK: usize = 500;

/// The organisation's accounts with these external ids.
pub async fn by_external_ids(
    tx: &Tx,
    org: &str,
    ids: &[String],
) -> Result<Vec<account::Model>, DbErr> {
    where_in(tx, org, account::Column::ExternalId, ids).await
}

/// The organisation's accounts with these logins, in id order within
/// each login.
pub async fn by_logins(
    tx: &Tx,
    org: &str,
    logins: &[String],
) -> Result<Vec<account::Model>, DbErr> {
    where_in(tx, org, account::Column::Login, logins).await
}

/// The organisation's accounts whose `column` is one of `values`, in id
/// order within each chunk of values.
async fn where_in(
    tx: &Tx,
    org: &str,
    column: account::Column,
    values: &[String],
) -> Result<Vec<account::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in values.chunks(CHUNK) {
        found.extend(
            account::Entity::find()
                .filter(account::Column::Org.eq(org))
                .filter(column.is_in(chunk.iter().cloned()))
                .order_by_asc(account::Column::Id)
                .all(tx)
                .await?,
        );
    }
    Ok(found)
}

/// The keys of these accounts' earlier addresses, with the account.
/// Only the two columns are read: a re-import reads one or more per row.
pub async fn email_keys_of(tx: &Tx, account_ids: &[i64]) -> Result<Vec<(i64, String)>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    email_history::Entity::find()
        .select_only()
        .column(email_history::Column::AccountId)
        .column(email_history::Column::EmailKey)
        .filter(email_history::Column::AccountId.is_in(account_ids.iter().copied()))
        .into_tuple()
        .all(tx)
        .await
}

/// Records the import digests of these accounts (`updated_at` stays), one
/// statement per chunk: the first import after the digest was added writes
/// one for every account (1M single-row updates took ~80 s more, measured
/// here).
pub async fn set_import_digests(tx: &Tx, digests: &[(i64, String)]) -> Result<(), DbErr> {
    use sea_orm::sea_query::{CaseStatement, Expr};
    for chunk in digests.chunks(CHUNK) {
        let mut case = CaseStatement::new();
        for (id, digest) in chunk {
            case = case.case(account::Column::Id.eq(*id), Expr::val(digest.clone()));
        }
        account::Entity::update_many()
            .col_expr(account::Column::ImportDigest, case.into())
            .filter(account::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// On PostgreSQL, has the queries that follow (a batch's lookups) planned
/// with the tables as they are then. A plan cached while the tables were
/// still small reads whole tables, and an import's tables grow by
/// thousands of rows per batch: each batch's lookups would take longer
/// than the one before.
pub async fn plan_each_query(tx: &Tx) -> Result<(), DbErr> {
    set_plan_cache_mode(tx, "force_custom_plan").await
}

/// On PostgreSQL, lets the statements that follow (a batch's inserts)
/// reuse cached plans again. A foreign key is checked by a cached plan run
/// once per inserted row; planned afresh for each row, that check costs the
/// server about as much as the row itself (300,000 search terms: 7.0 s
/// instead of 3.8 s, measured here).
pub async fn reuse_plans(tx: &Tx) -> Result<(), DbErr> {
    set_plan_cache_mode(tx, "auto").await
}

/// On PostgreSQL, how the rest of the transaction plans its statements.
async fn set_plan_cache_mode(tx: &Tx, mode: &str) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    tx.execute_unprepared(&format!("SET LOCAL plan_cache_mode = {mode}"))
        .await
        .map(|_| ())
}

/// On PostgreSQL, has the planner count the rows this transaction has
/// written so far (ANALYZE inside a transaction sees its own rows): an
/// import's tables grow by many times, and lookups planned for the tables
/// as they were before would read them whole.
pub async fn refresh_planner_statistics(tx: &Tx) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    tx.execute_unprepared("ANALYZE account, card, email_history, search_term")
        .await
        .map(|_| ())
}

pub use super::insert_rows::insert_all;

/// Search-term rows per PostgreSQL INSERT: one batch's terms in one
/// statement.
const TERMS_PER_INSERT: usize = 20_000;

/// Inserts search-term rows. PostgreSQL gets a batch's terms (~6 per
/// account) as four arrays, one parameter per column (`UNNEST`): one
/// statement instead of one per 500 rows, each with four parameters per
/// row to bind and plan (50,000 imported rows: 12.1 s before, 10.3–10.9 s
/// after, measured here).
pub async fn insert_terms(tx: &Tx, terms: Vec<search_term::ActiveModel>) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, Statement, Value};
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return insert_all(tx, terms).await;
    }
    const SQL: &str = "INSERT INTO search_term (account_id, org, term, kind) \
        SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[])";
    for chunk in terms.chunks(TERMS_PER_INSERT) {
        let (mut ids, mut orgs, mut words, mut kinds) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for t in chunk {
            ids.push(set_value(t, search_term::Column::AccountId)?);
            orgs.push(set_value(t, search_term::Column::Org)?);
            words.push(set_value(t, search_term::Column::Term)?);
            kinds.push(set_value(t, search_term::Column::Kind)?);
        }
        let array = |kind, values| Value::Array(kind, Some(Box::new(values)));
        use sea_orm::sea_query::ArrayType::{BigInt, String as Text};
        let values = [
            array(BigInt, ids),
            array(Text, orgs),
            array(Text, words),
            array(Text, kinds),
        ];
        let statement = Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, SQL, values);
        tx.execute_raw(statement).await?;
    }
    Ok(())
}

/// The value a row sets for `column` (an error when it sets none).
fn set_value(
    row: &search_term::ActiveModel,
    column: search_term::Column,
) -> Result<sea_orm::Value, DbErr> {
    row.get(column)
        .into_value()
        .ok_or_else(|| DbErr::Custom(format!("search term without {column:?}")))
}

/// Brings the stored search terms of these accounts to `terms`, each
/// account's whole new set: a stored (term, kind) the new set has stays as
/// it is, the other stored rows are deleted, and the new terms not stored
/// yet are returned for the caller to insert. A re-import that changes one
/// field of an account (its address, say) then rewrites one of its ten
/// terms instead of all ten (100,000 changed addresses at 1M accounts:
/// 2.5 s of SQLite's time instead of 7 s, measured here). The stored rows
/// are read, not recomputed, so terms an older version wrote are replaced
/// as surely as by deleting them all.
pub async fn renew_terms(
    tx: &Tx,
    account_ids: &[i64],
    terms: Vec<search_term::ActiveModel>,
) -> Result<Vec<search_term::ActiveModel>, DbErr> {
    use crate::domain::search_terms::TermKind;
    use std::collections::HashSet;
    let key = |t: &search_term::ActiveModel| -> Option<(i64, String, TermKind)> {
        let account_id = *t.account_id.try_as_ref()?;
        Some((
            account_id,
            t.term.try_as_ref()?.clone(),
            *t.kind.try_as_ref()?,
        ))
    };
    let mut wanted: HashSet<(i64, String, TermKind)> = terms.iter().filter_map(key).collect();
    let mut dead = Vec::new();
    for chunk in account_ids.chunks(CHUNK) {
        let stored = search_term::Entity::find()
            .filter(search_term::Column::AccountId.is_in(chunk.iter().copied()))
            .all(tx)
            .await?;
        for t in stored {
            // Kept once; a second stored copy of a kept term goes too.
            if !wanted.remove(&(t.account_id, t.term, t.kind)) {
                dead.push(t.id);
            }
        }
    }
    for chunk in dead.chunks(CHUNK) {
        search_term::Entity::delete_many()
            .filter(search_term::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    Ok(terms
        .into_iter()
        .filter(|t| key(t).is_none_or(|k| wanted.contains(&k)))
        .collect())
}

/// A card row to insert.
pub fn new_card(
    account: &account::Model,
    number: &str,
    status: crate::domain::verdict::CardStatus,
    now: i64,
) -> card::ActiveModel {
    card::ActiveModel {
        account_id: Set(account.id),
        org: Set(account.org.clone()),
        number: Set(number.to_string()),
        number_key: Set(crate::domain::normalize::card_key(number)),
        status: Set(status),
        created_at: Set(now),
        changed_at: Set((status != crate::domain::verdict::CardStatus::Active).then_some(now)),
        ..Default::default()
    }
}

/// An earlier address row to insert.
pub fn new_previous_email(
    account: &account::Model,
    email: &str,
    until: i64,
    changed_by: Option<String>,
) -> email_history::ActiveModel {
    email_history::ActiveModel {
        account_id: Set(account.id),
        org: Set(account.org.clone()),
        email: Set(email.to_string()),
        email_key: Set(crate::domain::normalize::email_key(email)),
        until_at: Set(until),
        changed_by: Set(changed_by),
        ..Default::default()
    }
}

/// The search-term rows of an account with these cards.
pub fn terms_of(account: &account::Model, cards: &[String]) -> Vec<search_term::ActiveModel> {
    use crate::domain::search_terms::{TermSource, account_terms};
    account_terms(&TermSource {
        full_name: &account.full_name,
        email: &account.email,
        phone: account.phone.as_deref(),
        login: account.login.as_deref(),
        cards,
    })
    .into_iter()
    .map(|(term, kind)| search_term::ActiveModel {
        account_id: Set(account.id),
        org: Set(account.org.clone()),
        term: Set(term),
        kind: Set(kind),
        ..Default::default()
    })
    .collect()
}
