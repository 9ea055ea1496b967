//! Shared sliding-window limits: each counted event is a row, so every
//! process on the database sees the same counts and a restart forgets
//! nothing. Buckets are MACs made by the service layer; this module only
//! counts, records and forgets.

use super::Tx;
use super::entities::rate_event;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// Events in `bucket` since `since`, leaving out those `except` counted.
pub async fn count_since(
    tx: &Tx,
    bucket: &str,
    since: i64,
    except: Option<&str>,
) -> Result<u64, DbErr> {
    let mut q = rate_event::Entity::find()
        .filter(rate_event::Column::Bucket.eq(bucket))
        .filter(rate_event::Column::At.gt(since));
    if let Some(owner) = except {
        q = q.filter(rate_event::Column::Owner.ne(owner));
    }
    q.count(tx).await
}

/// Counts one event, counted by `owner`.
pub async fn record(tx: &Tx, bucket: &str, owner: &str, at: i64) -> Result<(), DbErr> {
    let row = rate_event::ActiveModel {
        bucket: Set(bucket.to_string()),
        owner: Set(owner.to_string()),
        at: Set(at),
        ..Default::default()
    };
    rate_event::Entity::insert(row)
        .exec_without_returning(tx)
        .await
        .map(|_| ())
}

/// Forgets events older than `before`; returns how many.
pub async fn forget_before(tx: &Tx, before: i64) -> Result<u64, DbErr> {
    rate_event::Entity::delete_many()
        .filter(rate_event::Column::At.lt(before))
        .exec(tx)
        .await
        .map(|r| r.rows_affected)
}
