//! Contact notes on accounts.

use super::Tx;
use super::entities::note;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

pub async fn insert(
    tx: &Tx,
    account_id: i64,
    org: &str,
    staff_id: Option<i64>,
    author: &str,
    text: &str,
    now: i64,
) -> Result<note::Model, DbErr> {
    note::ActiveModel {
        account_id: Set(account_id),
        org: Set(org.to_string()),
        staff_id: Set(staff_id),
        author: Set(author.to_string()),
        text: Set(text.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await
}

pub async fn for_account(tx: &Tx, account_id: i64) -> Result<Vec<note::Model>, DbErr> {
    note::Entity::find()
        .filter(note::Column::AccountId.eq(account_id))
        .order_by_desc(note::Column::CreatedAt)
        .order_by_desc(note::Column::Id)
        .all(tx)
        .await
}
