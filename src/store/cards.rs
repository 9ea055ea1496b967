//! Library cards: found by their key, listed per account, added, and
//! moved between active, replaced and lost.

use super::Tx;
use super::entities::{account, card};
use crate::domain::normalize::card_key;
use crate::domain::verdict::CardStatus;
use sea_orm::prelude::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The card with this key in the organisation, whatever its status.
pub async fn find_card(tx: &Tx, org: &str, number: &str) -> Result<Option<card::Model>, DbErr> {
    card::Entity::find()
        .filter(card::Column::Org.eq(org))
        .filter(card::Column::NumberKey.eq(card_key(number)))
        .one(tx)
        .await
}

/// The organisation's cards with the keys of these numbers.
pub async fn cards_with_keys(
    tx: &Tx,
    org: &str,
    numbers: &[String],
) -> Result<Vec<card::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in numbers.chunks(500) {
        found.extend(
            card::Entity::find()
                .filter(card::Column::Org.eq(org))
                .filter(card::Column::NumberKey.is_in(chunk.iter().map(|n| card_key(n))))
                .all(tx)
                .await?,
        );
    }
    Ok(found)
}

pub async fn cards_of(tx: &Tx, account_ids: &[i64]) -> Result<Vec<card::Model>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    card::Entity::find()
        .filter(card::Column::AccountId.is_in(account_ids.iter().copied()))
        .order_by_asc(card::Column::Id)
        .all(tx)
        .await
}

pub async fn add_card(
    tx: &Tx,
    account: &account::Model,
    number: &str,
    status: CardStatus,
    now: i64,
) -> Result<card::Model, DbErr> {
    let card = super::import_rows::new_card(account, number, status, now)
        .insert(tx)
        .await?;
    // The cards changed: the next import reads them again.
    super::accounts::set_import_digest(tx, account.id, None).await?;
    Ok(card)
}

pub async fn set_card_status(
    tx: &Tx,
    card_id: i64,
    status: CardStatus,
    now: i64,
) -> Result<(), DbErr> {
    card::Entity::update_many()
        .col_expr(card::Column::Status, Expr::value(status))
        .col_expr(card::Column::ChangedAt, Expr::value(now))
        .filter(card::Column::Id.eq(card_id))
        .exec(tx)
        .await?;
    // The cards changed: the next import reads them again.
    let owner = sea_orm::sea_query::Query::select()
        .column(card::Column::AccountId)
        .from(card::Entity)
        .and_where(card::Column::Id.eq(card_id))
        .to_owned();
    account::Entity::update_many()
        .col_expr(account::Column::ImportDigest, Expr::value(None::<String>))
        .filter(account::Column::Id.in_subquery(owner))
        .exec(tx)
        .await
        .map(|_| ())
}
