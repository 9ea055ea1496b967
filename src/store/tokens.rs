//! Reset-link rows: issue, list, revoke, consume exactly once.

use super::Tx;
use super::entities::reset_token;
use crate::domain::link::{LinkOrigin, LinkPurpose, RevokeReason};
use sea_orm::prelude::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

pub struct NewToken<'a> {
    pub account_id: i64,
    pub org: &'a str,
    pub purpose: LinkPurpose,
    pub origin: LinkOrigin,
    pub token_hash: &'a str,
    pub sent_to: &'a str,
    pub expires_at: i64,
    pub created_by_staff: Option<i64>,
}

fn row(t: &NewToken<'_>, now: i64) -> reset_token::ActiveModel {
    reset_token::ActiveModel {
        account_id: Set(t.account_id),
        org: Set(t.org.to_string()),
        purpose: Set(t.purpose),
        origin: Set(t.origin),
        token_hash: Set(t.token_hash.to_string()),
        sent_to: Set(t.sent_to.to_string()),
        created_at: Set(now),
        expires_at: Set(t.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        revoke_reason: Set(None),
        created_by_staff: Set(t.created_by_staff),
        claimed_until: Set(None),
        ..Default::default()
    }
}

pub async fn insert(tx: &Tx, new: NewToken<'_>, now: i64) -> Result<reset_token::Model, DbErr> {
    row(&new, now).insert(tx).await
}

/// Live (unused, unrevoked, unexpired) links of an account, optionally of one purpose.
fn live(account_id: i64, purpose: Option<LinkPurpose>, now: i64) -> sea_orm::Condition {
    let mut c = sea_orm::Condition::all()
        .add(reset_token::Column::AccountId.eq(account_id))
        .add(reset_token::Column::UsedAt.is_null())
        .add(reset_token::Column::RevokedAt.is_null())
        .add(reset_token::Column::ExpiresAt.gt(now));
    if let Some(p) = purpose {
        c = c.add(reset_token::Column::Purpose.eq(p));
    }
    c
}

/// A read of the newest committed rows, locked until `tx` ends: on
/// MariaDB a plain read inside a transaction sees the snapshot of its
/// first read, which can predate a link another transaction just issued.
/// (SQLite has one writer at a time; this is for write transactions only.)
fn current<E: sea_orm::EntityTrait>(tx: &Tx, select: sea_orm::Select<E>) -> sea_orm::Select<E> {
    use sea_orm::{ConnectionTrait, QuerySelect};
    if tx.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        select
    } else {
        select.lock_exclusive()
    }
}

/// The live links of an account of one purpose, read for issuing a new
/// one (current and locked; see `current`).
pub async fn live_of_purpose(
    tx: &Tx,
    account_id: i64,
    purpose: LinkPurpose,
    now: i64,
) -> Result<Vec<reset_token::Model>, DbErr> {
    let select = reset_token::Entity::find().filter(live(account_id, Some(purpose), now));
    current(tx, select).all(tx).await
}

/// Revokes the live links of an account (of one purpose, or all). Returns their ids.
pub async fn revoke_live(
    tx: &Tx,
    account_id: i64,
    purpose: Option<LinkPurpose>,
    reason: RevokeReason,
    now: i64,
) -> Result<Vec<i64>, DbErr> {
    let ids: Vec<i64> = reset_token::Entity::find()
        .filter(live(account_id, purpose, now))
        .all(tx)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if !ids.is_empty() {
        revoke_ids(tx, &ids, reason, now).await?;
    }
    Ok(ids)
}

pub async fn revoke_ids(
    tx: &Tx,
    ids: &[i64],
    reason: RevokeReason,
    now: i64,
) -> Result<u64, DbErr> {
    let res = reset_token::Entity::update_many()
        .col_expr(reset_token::Column::RevokedAt, Expr::value(now))
        .col_expr(reset_token::Column::RevokeReason, Expr::value(reason))
        .filter(reset_token::Column::Id.is_in(ids.iter().copied()))
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_null())
        .exec(tx)
        .await?;
    Ok(res.rows_affected)
}

pub async fn get(tx: &Tx, id: i64) -> Result<Option<reset_token::Model>, DbErr> {
    reset_token::Entity::find_by_id(id).one(tx).await
}

pub async fn find_by_hash(tx: &Tx, hash: &str) -> Result<Option<reset_token::Model>, DbErr> {
    reset_token::Entity::find()
        .filter(reset_token::Column::TokenHash.eq(hash))
        .one(tx)
        .await
}

/// Newest first.
pub async fn list_for_account(tx: &Tx, account_id: i64) -> Result<Vec<reset_token::Model>, DbErr> {
    reset_token::Entity::find()
        .filter(reset_token::Column::AccountId.eq(account_id))
        .order_by_desc(reset_token::Column::CreatedAt)
        .order_by_desc(reset_token::Column::Id)
        .all(tx)
        .await
}

/// Whether the account has a live link of this purpose.
pub async fn has_live(
    tx: &Tx,
    account_id: i64,
    purpose: LinkPurpose,
    now: i64,
) -> Result<bool, DbErr> {
    Ok(reset_token::Entity::find()
        .filter(live(account_id, Some(purpose), now))
        .one(tx)
        .await?
        .is_some())
}

/// When the account's links of this purpose and these origins were made
/// since `since`, oldest first (current and locked; see `current`).
pub async fn created_after(
    tx: &Tx,
    account_id: i64,
    purpose: LinkPurpose,
    origins: &[LinkOrigin],
    since: i64,
) -> Result<Vec<i64>, DbErr> {
    let select = reset_token::Entity::find()
        .filter(reset_token::Column::AccountId.eq(account_id))
        .filter(reset_token::Column::Purpose.eq(purpose))
        .filter(reset_token::Column::Origin.is_in(origins.iter().copied()))
        .filter(reset_token::Column::CreatedAt.gt(since))
        .order_by_asc(reset_token::Column::CreatedAt);
    Ok(current(tx, select)
        .all(tx)
        .await?
        .into_iter()
        .map(|t| t.created_at)
        .collect())
}

/// Marks the link used if, and only if, it is still live: a conditional
/// UPDATE that changes exactly one row for the single winner of a race.
pub async fn consume(tx: &Tx, id: i64, now: i64) -> Result<bool, DbErr> {
    let res = reset_token::Entity::update_many()
        .col_expr(reset_token::Column::UsedAt, Expr::value(now))
        .filter(reset_token::Column::Id.eq(id))
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_null())
        .filter(reset_token::Column::ExpiresAt.gt(now))
        .exec(tx)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Claims a live link until `until` while its new credential goes to a
/// directory: a conditional UPDATE only one request can win. A claim that
/// ran out (a process ended mid-push) can be taken again.
pub async fn claim(tx: &Tx, id: i64, now: i64, until: i64) -> Result<bool, DbErr> {
    let res = reset_token::Entity::update_many()
        .col_expr(reset_token::Column::ClaimedUntil, Expr::value(until))
        .filter(reset_token::Column::Id.eq(id))
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_null())
        .filter(reset_token::Column::ExpiresAt.gt(now))
        .filter(
            sea_orm::Condition::any()
                .add(reset_token::Column::ClaimedUntil.is_null())
                .add(reset_token::Column::ClaimedUntil.lte(now)),
        )
        .exec(tx)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Gives a claim back: the directory did not take the change, so the
/// link stays usable.
pub async fn release_claim(tx: &Tx, id: i64) -> Result<(), DbErr> {
    reset_token::Entity::update_many()
        .col_expr(
            reset_token::Column::ClaimedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(reset_token::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Marks a claimed link used: the directory took the new credential, so
/// the link is spent even if it expired or was revoked meanwhile.
pub async fn consume_claimed(tx: &Tx, id: i64, now: i64) -> Result<(), DbErr> {
    reset_token::Entity::update_many()
        .col_expr(reset_token::Column::UsedAt, Expr::value(now))
        .col_expr(
            reset_token::Column::ClaimedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(reset_token::Column::Id.eq(id))
        .filter(reset_token::Column::UsedAt.is_null())
        .exec(tx)
        .await
        .map(|_| ())
}

/// Live links of an account sent to an address other than `email`.
pub async fn live_not_sent_to(
    tx: &Tx,
    account_id: i64,
    email: &str,
    now: i64,
) -> Result<Vec<i64>, DbErr> {
    Ok(reset_token::Entity::find()
        .filter(live(account_id, None, now))
        .filter(reset_token::Column::SentTo.ne(email))
        .all(tx)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

/// Which of these accounts have at least one live link (one query).
pub async fn accounts_with_live(tx: &Tx, account_ids: &[i64], now: i64) -> Result<Vec<i64>, DbErr> {
    use sea_orm::QuerySelect;
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    reset_token::Entity::find()
        .select_only()
        .column(reset_token::Column::AccountId)
        .distinct()
        .filter(reset_token::Column::AccountId.is_in(account_ids.iter().copied()))
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_null())
        .filter(reset_token::Column::ExpiresAt.gt(now))
        .into_tuple()
        .all(tx)
        .await
}

/// Link counts of one organisation and purpose: (used, revoked, expired, live).
pub async fn state_counts(
    tx: &Tx,
    org: &str,
    purpose: LinkPurpose,
    now: i64,
) -> Result<(u64, u64, u64, u64), DbErr> {
    use sea_orm::PaginatorTrait;
    let base = || {
        reset_token::Entity::find()
            .filter(reset_token::Column::Org.eq(org))
            .filter(reset_token::Column::Purpose.eq(purpose))
    };
    let used = base()
        .filter(reset_token::Column::UsedAt.is_not_null())
        .count(tx)
        .await?;
    let revoked = base()
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_not_null())
        .count(tx)
        .await?;
    let unused = || {
        base()
            .filter(reset_token::Column::UsedAt.is_null())
            .filter(reset_token::Column::RevokedAt.is_null())
    };
    let expired = unused()
        .filter(reset_token::Column::ExpiresAt.lte(now))
        .count(tx)
        .await?;
    let live = unused()
        .filter(reset_token::Column::ExpiresAt.gt(now))
        .count(tx)
        .await?;
    Ok((used, revoked, expired, live))
}

/// Of these accounts, those with a live link of this purpose (one query).
pub async fn with_live_purpose(
    tx: &Tx,
    account_ids: &[i64],
    purpose: LinkPurpose,
    now: i64,
) -> Result<Vec<i64>, DbErr> {
    use sea_orm::QuerySelect;
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    reset_token::Entity::find()
        .select_only()
        .column(reset_token::Column::AccountId)
        .distinct()
        .filter(live_any(now))
        .filter(reset_token::Column::Purpose.eq(purpose))
        .filter(reset_token::Column::AccountId.is_in(account_ids.iter().copied()))
        .into_tuple()
        .all(tx)
        .await
}

fn live_any(now: i64) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(reset_token::Column::UsedAt.is_null())
        .add(reset_token::Column::RevokedAt.is_null())
        .add(reset_token::Column::ExpiresAt.gt(now))
}

/// Inserts many links at once and returns their ids by token hash.
pub async fn insert_many(
    tx: &Tx,
    new: &[NewToken<'_>],
    now: i64,
) -> Result<Vec<(i64, String)>, DbErr> {
    use sea_orm::QuerySelect;
    for chunk in new.chunks(500) {
        reset_token::Entity::insert_many(chunk.iter().map(|t| row(t, now)))
            .exec_without_returning(tx)
            .await?;
    }
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(500) {
        let rows: Vec<(i64, String)> = reset_token::Entity::find()
            .select_only()
            .column(reset_token::Column::Id)
            .column(reset_token::Column::TokenHash)
            .filter(
                reset_token::Column::TokenHash
                    .is_in(chunk.iter().map(|t| t.token_hash.to_string())),
            )
            .into_tuple()
            .all(tx)
            .await?;
        ids.extend(rows);
    }
    Ok(ids)
}

/// Of these accounts, those with at least `limit` links of this purpose
/// created after `since` (one query).
pub async fn over_rate_limit(
    tx: &Tx,
    account_ids: &[i64],
    purpose: LinkPurpose,
    since: i64,
    limit: u32,
) -> Result<Vec<i64>, DbErr> {
    use sea_orm::QuerySelect;
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let counts: Vec<(i64, i64)> = reset_token::Entity::find()
        .select_only()
        .column(reset_token::Column::AccountId)
        .column_as(reset_token::Column::Id.count(), "n")
        .filter(reset_token::Column::AccountId.is_in(account_ids.iter().copied()))
        .filter(reset_token::Column::Purpose.eq(purpose))
        .filter(reset_token::Column::CreatedAt.gt(since))
        .group_by(reset_token::Column::AccountId)
        .into_tuple()
        .all(tx)
        .await?;
    Ok(counts
        .into_iter()
        .filter(|(_, n)| *n >= i64::from(limit))
        .map(|(id, _)| id)
        .collect())
}
