//! Staff SSH keys and SSH sessions.

use super::Tx;
use super::entities::{ssh_session, staff_key};
use sea_orm::prelude::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// A key to add.
pub struct NewKey<'a> {
    pub staff_id: i64,
    pub fingerprint: &'a str,
    pub public_key: &'a str,
    pub comment: Option<&'a str>,
    pub added_by_staff: Option<i64>,
}

pub async fn insert_key(tx: &Tx, k: NewKey<'_>, now: i64) -> Result<staff_key::Model, DbErr> {
    staff_key::ActiveModel {
        staff_id: Set(k.staff_id),
        fingerprint: Set(k.fingerprint.to_string()),
        public_key: Set(k.public_key.to_string()),
        comment: Set(k.comment.map(str::to_string)),
        added_at: Set(now),
        added_by_staff: Set(k.added_by_staff),
        ..Default::default()
    }
    .insert(tx)
    .await
}

pub async fn keys_of(tx: &Tx, staff_id: i64) -> Result<Vec<staff_key::Model>, DbErr> {
    staff_key::Entity::find()
        .filter(staff_key::Column::StaffId.eq(staff_id))
        .order_by_asc(staff_key::Column::Id)
        .all(tx)
        .await
}

pub async fn key(
    tx: &Tx,
    staff_id: i64,
    fingerprint: &str,
) -> Result<Option<staff_key::Model>, DbErr> {
    staff_key::Entity::find()
        .filter(staff_key::Column::StaffId.eq(staff_id))
        .filter(staff_key::Column::Fingerprint.eq(fingerprint))
        .one(tx)
        .await
}

/// Removes one key; true when it existed.
pub async fn delete_key(tx: &Tx, staff_id: i64, fingerprint: &str) -> Result<bool, DbErr> {
    let res = staff_key::Entity::delete_many()
        .filter(staff_key::Column::StaffId.eq(staff_id))
        .filter(staff_key::Column::Fingerprint.eq(fingerprint))
        .exec(tx)
        .await?;
    Ok(res.rows_affected > 0)
}

/// A session to record.
pub struct NewSession<'a> {
    pub staff_id: i64,
    pub login: &'a str,
    pub fingerprint: &'a str,
    pub client: &'a str,
    pub term: &'a str,
    pub owner: &'a str,
}

pub async fn insert_session(
    tx: &Tx,
    s: NewSession<'_>,
    now: i64,
) -> Result<ssh_session::Model, DbErr> {
    ssh_session::ActiveModel {
        staff_id: Set(s.staff_id),
        login: Set(s.login.to_string()),
        fingerprint: Set(s.fingerprint.to_string()),
        client: Set(s.client.to_string()),
        term: Set(s.term.to_string()),
        owner: Set(s.owner.to_string()),
        started_at: Set(now),
        last_seen: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await
}

pub async fn session(tx: &Tx, id: i64) -> Result<Option<ssh_session::Model>, DbErr> {
    ssh_session::Entity::find_by_id(id).one(tx).await
}

/// Marks the sessions `ids` as seen at `now`.
pub async fn touch_sessions(tx: &Tx, ids: &[i64], now: i64) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    ssh_session::Entity::update_many()
        .col_expr(ssh_session::Column::LastSeen, Expr::value(now))
        .filter(ssh_session::Column::Id.is_in(ids.iter().copied()))
        .exec(tx)
        .await
        .map(|_| ())
}

pub async fn end_session(tx: &Tx, id: i64, reason: &str, now: i64) -> Result<(), DbErr> {
    ssh_session::Entity::update_many()
        .col_expr(ssh_session::Column::EndedAt, Expr::value(now))
        .col_expr(ssh_session::Column::EndReason, Expr::value(reason))
        .filter(ssh_session::Column::Id.eq(id))
        .filter(ssh_session::Column::EndedAt.is_null())
        .exec(tx)
        .await
        .map(|_| ())
}

/// Sessions not ended and seen since `since`, oldest first.
pub async fn open_sessions(tx: &Tx, since: i64) -> Result<Vec<ssh_session::Model>, DbErr> {
    ssh_session::Entity::find()
        .filter(ssh_session::Column::EndedAt.is_null())
        .filter(ssh_session::Column::LastSeen.gte(since))
        .order_by_asc(ssh_session::Column::StartedAt)
        .limit(10_000)
        .all(tx)
        .await
}
