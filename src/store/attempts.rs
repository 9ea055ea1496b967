//! Self-service attempts: what a patron typed on the form and the verdict,
//! kept so staff can say why their own try failed.

use super::Tx;
use super::entities::attempt;
use crate::domain::SelfServiceOutcome;
use sea_orm::prelude::Expr;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub struct NewAttempt {
    pub org: String,
    pub account_id: Option<i64>,
    pub card_typed: Option<String>,
    pub email_typed: Option<String>,
    pub accepted: bool,
    pub verdict: String,
    pub outcome: SelfServiceOutcome,
    /// `domain::attempt_reason` of the verdict and outcome.
    pub reason: String,
    pub client: Option<String>,
}

pub async fn insert(tx: &Tx, a: NewAttempt, now: i64) -> Result<attempt::Model, DbErr> {
    attempt::ActiveModel {
        org: Set(a.org),
        account_id: Set(a.account_id),
        card_typed: Set(a.card_typed),
        email_typed: Set(a.email_typed),
        accepted: Set(a.accepted),
        verdict: Set(a.verdict),
        reason: Set(Some(a.reason)),
        outcome: Set(a.outcome),
        client: Set(a.client),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await
}

pub async fn for_account(
    tx: &Tx,
    account_id: i64,
    limit: u64,
) -> Result<Vec<attempt::Model>, DbErr> {
    attempt::Entity::find()
        .filter(attempt::Column::AccountId.eq(account_id))
        .order_by_desc(attempt::Column::CreatedAt)
        .order_by_desc(attempt::Column::Id)
        .limit(limit)
        .all(tx)
        .await
}

/// Blanks the typed values of attempts older than `before`; the verdicts stay.
pub async fn forget_typed_before(tx: &Tx, before: i64) -> Result<u64, DbErr> {
    let res = attempt::Entity::update_many()
        .col_expr(
            attempt::Column::CardTyped,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            attempt::Column::EmailTyped,
            Expr::value(Option::<String>::None),
        )
        .filter(attempt::Column::CreatedAt.lt(before))
        .filter(
            attempt::Column::CardTyped
                .is_not_null()
                .or(attempt::Column::EmailTyped.is_not_null()),
        )
        .exec(tx)
        .await?;
    Ok(res.rows_affected)
}

/// Every recorded self-service attempt (benchmarks compare it with the
/// forms they sent).
pub async fn count(tx: &Tx) -> Result<u64, DbErr> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    attempt::Entity::find().count(tx).await
}
