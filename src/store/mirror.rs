//! The mirror of a directory: accounts found by their directory id, one
//! account updated from what the directory holds, the accounts a full read
//! did not see marked removed, and each organisation's sync state with a
//! lease (so two `avain serve` processes never sync one organisation at
//! once). Also the log of changes pushed to directories.

use super::Tx;
use super::entities::{account, directory_push, directory_sync};
use crate::domain::AccountStatus;
use crate::domain::normalize::email_key;
use sea_orm::prelude::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};

/// The organisation's accounts with these directory ids.
pub async fn by_external_ids(
    tx: &Tx,
    org: &str,
    ids: &[String],
) -> Result<Vec<account::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    account::Entity::find()
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::ExternalId.is_in(ids.iter().cloned()))
        .all(tx)
        .await
}

/// How many of the organisation's accounts have no directory id (made by
/// a CSV import before the directory was connected).
pub async fn count_without_external_id(tx: &Tx, org: &str) -> Result<u64, DbErr> {
    account::Entity::find()
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::ExternalId.is_null())
        .count(tx)
        .await
}

/// What the directory says of an account the mirror has.
pub struct MirroredFields<'a> {
    pub external_id: &'a str,
    pub login: Option<&'a str>,
    pub full_name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub locked: Option<bool>,
}

/// Writes the directory's values into an account and marks it read now
/// (and active again, if it had been removed).
pub async fn update_from_directory(
    tx: &Tx,
    id: i64,
    f: &MirroredFields<'_>,
    now: i64,
) -> Result<(), DbErr> {
    let mut update = account::Entity::update_many()
        .col_expr(account::Column::ExternalId, Expr::value(f.external_id))
        .col_expr(account::Column::Login, Expr::value(f.login))
        .col_expr(account::Column::FullName, Expr::value(f.full_name))
        .col_expr(account::Column::Email, Expr::value(f.email))
        .col_expr(account::Column::EmailKey, Expr::value(email_key(f.email)))
        .col_expr(account::Column::Phone, Expr::value(f.phone))
        .col_expr(account::Column::Status, Expr::value(AccountStatus::Active))
        .col_expr(account::Column::DirectorySyncedAt, Expr::value(now))
        .col_expr(account::Column::UpdatedAt, Expr::value(now));
    if let Some(locked) = f.locked {
        update = update.col_expr(account::Column::DirectoryLocked, Expr::value(locked));
    }
    update
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Marks accounts read now without changing anything else (the directory
/// holds what the mirror has).
pub async fn touch(tx: &Tx, ids: &[i64], now: i64) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        account::Entity::update_many()
            .col_expr(account::Column::DirectorySyncedAt, Expr::value(now))
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Sets the directory's lock state of one account.
pub async fn set_directory_locked(tx: &Tx, id: i64, locked: bool) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::DirectoryLocked, Expr::value(locked))
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// The directory-linked active accounts a full read that began at
/// `read_started` did not see (every account it saw was touched after).
fn unseen(org: &str, read_started: i64) -> Condition {
    Condition::all()
        .add(account::Column::Org.eq(org))
        .add(account::Column::Status.eq(AccountStatus::Active))
        .add(account::Column::ExternalId.is_not_null())
        .add(
            Condition::any()
                .add(account::Column::DirectorySyncedAt.is_null())
                .add(account::Column::DirectorySyncedAt.lt(read_started)),
        )
}

/// Ids of the accounts a full read did not see.
pub async fn unseen_ids(tx: &Tx, org: &str, read_started: i64) -> Result<Vec<i64>, DbErr> {
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(unseen(org, read_started))
        .into_tuple()
        .all(tx)
        .await
}

/// Marks accounts removed (kept with their history).
pub async fn mark_removed(tx: &Tx, ids: &[i64], now: i64) -> Result<u64, DbErr> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += account::Entity::update_many()
            .col_expr(account::Column::Status, Expr::value(AccountStatus::Removed))
            .col_expr(account::Column::UpdatedAt, Expr::value(now))
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?
            .rows_affected;
    }
    Ok(n)
}

/// `(external id)` of every active directory-linked account of the
/// organisation (for a dry run, which writes nothing to compare with).
pub async fn active_external_ids(tx: &Tx, org: &str) -> Result<Vec<(i64, String)>, DbErr> {
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::ExternalId)
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::Status.eq(AccountStatus::Active))
        .filter(account::Column::ExternalId.is_not_null())
        .into_tuple::<(i64, Option<String>)>()
        .all(tx)
        .await
        .map(|rows| {
            rows.into_iter()
                .filter_map(|(id, x)| x.map(|x| (id, x)))
                .collect()
        })
}

/// The organisation's sync state, if it ever synced.
pub async fn sync_state(tx: &Tx, org: &str) -> Result<Option<directory_sync::Model>, DbErr> {
    directory_sync::Entity::find()
        .filter(directory_sync::Column::Org.eq(org))
        .one(tx)
        .await
}

/// Takes the organisation's sync lease until `until`, unless another
/// owner holds it now. True when taken.
pub async fn take_sync_lease(
    tx: &Tx,
    org: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, DbErr> {
    if sync_state(tx, org).await?.is_none() {
        // Two processes may both find no row: the loser's insert fails on
        // the unique index, inside a savepoint so the transaction goes on.
        let savepoint = tx.begin().await?;
        let inserted = directory_sync::ActiveModel {
            org: Set(org.to_string()),
            ..Default::default()
        }
        .insert(&savepoint)
        .await;
        match inserted {
            Ok(_) => savepoint.commit().await?,
            Err(_) => savepoint.rollback().await?,
        }
    }
    let taken = directory_sync::Entity::update_many()
        .col_expr(directory_sync::Column::LeaseUntil, Expr::value(until))
        .col_expr(directory_sync::Column::LeaseOwner, Expr::value(owner))
        .filter(directory_sync::Column::Org.eq(org))
        .filter(
            Condition::any()
                .add(directory_sync::Column::LeaseUntil.is_null())
                .add(directory_sync::Column::LeaseUntil.lte(now))
                .add(directory_sync::Column::LeaseOwner.eq(owner)),
        )
        .exec(tx)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Ends a sync: the lease is given back and, after a complete read, the
/// new mark and the result are kept.
pub async fn finish_sync(
    tx: &Tx,
    org: &str,
    owner: &str,
    done: Option<SyncDone<'_>>,
) -> Result<(), DbErr> {
    let mut update = directory_sync::Entity::update_many()
        .col_expr(
            directory_sync::Column::LeaseUntil,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            directory_sync::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        );
    if let Some(done) = done {
        update = update
            .col_expr(directory_sync::Column::Mark, Expr::value(done.mark))
            .col_expr(directory_sync::Column::LastRunAt, Expr::value(done.at))
            .col_expr(directory_sync::Column::LastResult, Expr::value(done.result));
        if done.full {
            update = update.col_expr(directory_sync::Column::LastFullAt, Expr::value(done.at));
        }
    }
    update
        .filter(directory_sync::Column::Org.eq(org))
        .filter(directory_sync::Column::LeaseOwner.eq(owner))
        .exec(tx)
        .await
        .map(|_| ())
}

/// What a complete read leaves behind.
pub struct SyncDone<'a> {
    pub mark: Option<&'a str>,
    pub at: i64,
    pub full: bool,
    pub result: &'a str,
}

/// Notes a change about to be sent to a directory; returns its id.
pub async fn start_push(
    tx: &Tx,
    org: &str,
    account_id: i64,
    kind: &str,
    actor: &str,
    token_id: Option<i64>,
    now: i64,
) -> Result<i64, DbErr> {
    let row = directory_push::ActiveModel {
        org: Set(org.to_string()),
        account_id: Set(account_id),
        kind: Set(kind.to_string()),
        actor: Set(actor.to_string()),
        token_id: Set(token_id),
        started_at: Set(now),
        finished_at: Set(None),
        outcome: Set(None),
        detail: Set(None),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// Records how a push ended.
pub async fn finish_push(
    tx: &Tx,
    id: i64,
    outcome: &str,
    detail: Option<&str>,
    now: i64,
) -> Result<(), DbErr> {
    directory_push::Entity::update_many()
        .col_expr(directory_push::Column::FinishedAt, Expr::value(now))
        .col_expr(directory_push::Column::Outcome, Expr::value(outcome))
        .col_expr(directory_push::Column::Detail, Expr::value(detail))
        .filter(directory_push::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Pushes started before `before` that never finished: a process ended
/// in the middle of one (the directory may or may not have the change).
pub async fn unfinished_pushes(tx: &Tx, before: i64) -> Result<Vec<directory_push::Model>, DbErr> {
    directory_push::Entity::find()
        .filter(directory_push::Column::FinishedAt.is_null())
        .filter(directory_push::Column::StartedAt.lt(before))
        .limit(100)
        .all(tx)
        .await
}
