//! An account's credential and lock columns: a new credential (with its
//! hash, or set in a directory), failed attempts counting towards a lock,
//! and unlocking.

use super::Tx;
use super::entities::account;
use sea_orm::prelude::Expr;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

/// Adds one failed attempt; locks the account when `max` is reached.
/// Returns true when this call locked it.
pub async fn record_failure(tx: &Tx, id: i64, max: u32, now: i64) -> Result<bool, DbErr> {
    account::Entity::update_many()
        .col_expr(
            account::Column::FailedAttempts,
            Expr::col(account::Column::FailedAttempts).add(1),
        )
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await?;
    let locked = account::Entity::update_many()
        .col_expr(account::Column::LockedAt, Expr::value(now))
        .col_expr(
            account::Column::LockReason,
            Expr::value("too_many_failures"),
        )
        .filter(account::Column::Id.eq(id))
        .filter(account::Column::LockedAt.is_null())
        .filter(account::Column::FailedAttempts.gte(max as i32))
        .exec(tx)
        .await?;
    Ok(locked.rows_affected == 1)
}

/// Records a new credential and clears what it fixes: the legacy flag,
/// the first-login flag, failures and both locks. `hash` is the PHC string
/// and pepper key id; `None` when the credential went to the account's
/// directory and avain keeps only that and when it was set.
pub async fn set_credential(
    tx: &Tx,
    id: i64,
    hash: Option<(&str, &str)>,
    now: i64,
) -> Result<(), DbErr> {
    let (phc, key_id) = hash.unzip();
    account::Entity::update_many()
        .col_expr(account::Column::CredentialHash, Expr::value(phc))
        .col_expr(account::Column::CredentialKeyId, Expr::value(key_id))
        .col_expr(account::Column::CredentialSetAt, Expr::value(now))
        .col_expr(account::Column::LegacyCredential, Expr::value(false))
        .col_expr(account::Column::MustSetCredential, Expr::value(false))
        .col_expr(account::Column::FailedAttempts, Expr::value(0))
        .col_expr(account::Column::LockedAt, Expr::value(Option::<i64>::None))
        .col_expr(
            account::Column::LockReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(account::Column::DirectoryLocked, Expr::value(false))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Clears failures and the lock.
pub async fn unlock(tx: &Tx, id: i64, now: i64) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::FailedAttempts, Expr::value(0))
        .col_expr(account::Column::LockedAt, Expr::value(Option::<i64>::None))
        .col_expr(
            account::Column::LockReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Locks an account (imports and demo data carry locks from the old system).
pub async fn lock(
    tx: &Tx,
    id: i64,
    reason: &str,
    failed_attempts: i32,
    now: i64,
) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(
            account::Column::FailedAttempts,
            Expr::value(failed_attempts),
        )
        .col_expr(account::Column::LockedAt, Expr::value(now))
        .col_expr(account::Column::LockReason, Expr::value(reason))
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}
