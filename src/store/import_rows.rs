//! Reads and writes for importing many rows at once: the accounts a batch
//! of rows may touch, read in a few queries instead of several per row,
//! and the batch's new rows written with multi-row inserts.

use super::Tx;
use super::entities::{account, card, email_history, search_term};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

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

/// On PostgreSQL, has every query of the rest of the transaction planned
/// with the tables as they are then. A plan cached while the tables were
/// still small reads whole tables, and an import's tables grow by
/// thousands of rows per batch: each batch's lookups would take longer
/// than the one before.
pub async fn plan_each_query(tx: &Tx) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    tx.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
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

/// Bytes of bound values one PostgreSQL INSERT carries at most. Over TLS a
/// larger message leaves as two records in two writes, and the second
/// waits for the first's delayed acknowledgement (Nagle's algorithm; the
/// driver does not turn it off): ~50 ms per statement.
const POSTGRES_INSERT_BYTES: usize = 12 * 1024;
/// Bytes a bound value takes on the wire, on average (length and value).
const BYTES_PER_VALUE: usize = 16;

/// Rows per multi-row INSERT into a table of `columns` columns.
fn rows_per_insert(tx: &Tx, columns: usize) -> usize {
    use sea_orm::ConnectionTrait;
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        (POSTGRES_INSERT_BYTES / (columns.max(1) * BYTES_PER_VALUE)).clamp(1, CHUNK)
    } else {
        CHUNK
    }
}

/// Inserts the rows with as few statements as the backends allow.
pub async fn insert_all<A>(tx: &Tx, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    use sea_orm::Iterable;
    let columns = <A::Entity as EntityTrait>::Column::iter().count();
    let per_insert = rows_per_insert(tx, columns);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_insert).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// Removes the search terms of these accounts (before their new ones are
/// inserted).
pub async fn clear_terms(tx: &Tx, account_ids: &[i64]) -> Result<(), DbErr> {
    for chunk in account_ids.chunks(CHUNK) {
        search_term::Entity::delete_many()
            .filter(search_term::Column::AccountId.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    Ok(())
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
