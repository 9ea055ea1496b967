//! Staff rows.

use super::Tx;
use super::entities::staff;
use crate::domain::Role;
use sea_orm::prelude::Expr;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

pub async fn by_login(tx: &Tx, login: &str) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find()
        .filter(staff::Column::Login.eq(login))
        .one(tx)
        .await
}

pub async fn by_ids(tx: &Tx, ids: &[i64]) -> Result<Vec<staff::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    staff::Entity::find()
        .filter(staff::Column::Id.is_in(ids.iter().copied()))
        .all(tx)
        .await
}

pub async fn list(tx: &Tx) -> Result<Vec<staff::Model>, DbErr> {
    staff::Entity::find()
        .order_by_asc(staff::Column::Login)
        .all(tx)
        .await
}

pub struct NewStaff<'a> {
    pub login: &'a str,
    pub full_name: &'a str,
    pub role: Role,
    pub orgs: &'a str,
    pub password: Option<(String, String)>,
}

pub async fn insert(tx: &Tx, s: NewStaff<'_>, now: i64) -> Result<staff::Model, DbErr> {
    let (hash, key) = match s.password {
        Some((h, k)) => (Some(h), Some(k)),
        None => (None, None),
    };
    staff::ActiveModel {
        login: Set(s.login.to_string()),
        full_name: Set(s.full_name.to_string()),
        role: Set(s.role),
        orgs: Set(s.orgs.to_string()),
        password_hash: Set(hash),
        password_key_id: Set(key),
        active: Set(true),
        failed_attempts: Set(0),
        locked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await
}

pub async fn set_active(tx: &Tx, id: i64, active: bool) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(staff::Column::Active, Expr::value(active))
        .filter(staff::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Counts a failed password; locks at `max`. Returns the new count.
pub async fn record_failure(tx: &Tx, id: i64, max: u32, now: i64) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(
            staff::Column::FailedAttempts,
            Expr::col(staff::Column::FailedAttempts).add(1),
        )
        .filter(staff::Column::Id.eq(id))
        .exec(tx)
        .await?;
    staff::Entity::update_many()
        .col_expr(staff::Column::LockedAt, Expr::value(now))
        .filter(staff::Column::Id.eq(id))
        .filter(staff::Column::LockedAt.is_null())
        .filter(staff::Column::FailedAttempts.gte(max as i32))
        .exec(tx)
        .await
        .map(|_| ())
}

pub async fn clear_failures(tx: &Tx, id: i64) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(staff::Column::FailedAttempts, Expr::value(0))
        .filter(staff::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}
