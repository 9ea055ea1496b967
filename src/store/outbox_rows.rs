//! Outbox rows: mails queued in the same transaction as the action that
//! caused them, and their delivery state.

use super::Tx;
use super::entities::outbox;
use sea_orm::prelude::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub struct NewMail {
    pub org: String,
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    pub recipient: String,
    pub template: String,
    pub language: String,
    /// Non-secret template values as JSON.
    pub params: String,
    /// The link, sealed (see `secrets::Sealer`); `None` for notices.
    pub sealed_link: Option<String>,
}

pub async fn insert(tx: &Tx, mail: NewMail, now: i64) -> Result<outbox::Model, DbErr> {
    outbox::ActiveModel {
        org: Set(mail.org),
        account_id: Set(mail.account_id),
        token_id: Set(mail.token_id),
        recipient: Set(mail.recipient),
        template: Set(mail.template),
        language: Set(mail.language),
        params: Set(mail.params),
        sealed_link: Set(mail.sealed_link),
        status: Set("queued".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_answer: Set(None),
        message_id: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        claimed_until: Set(None),
        ..Default::default()
    }
    .insert(tx)
    .await
}

pub async fn get(tx: &Tx, id: i64) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(tx).await
}

pub async fn for_account(tx: &Tx, account_id: i64) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::AccountId.eq(account_id))
        .order_by_desc(outbox::Column::Id)
        .all(tx)
        .await
}

/// Newest first, optionally of one status, in the given organisations.
pub async fn list(
    tx: &Tx,
    orgs: &[String],
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let mut q = outbox::Entity::find().filter(outbox::Column::Org.is_in(orgs.iter().cloned()));
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s));
    }
    q.order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(tx)
        .await
}

/// Forgets the sealed links of mails whose link can no longer be used.
pub async fn forget_links_of_tokens(tx: &Tx, token_ids: &[i64]) -> Result<(), DbErr> {
    if token_ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::SealedLink,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::TokenId.is_in(token_ids.iter().copied()))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Cancels queued mails carrying these links (a revoked link is not worth sending).
pub async fn cancel_queued_for_tokens(tx: &Tx, token_ids: &[i64], why: &str) -> Result<(), DbErr> {
    if token_ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value("cancelled"))
        .col_expr(outbox::Column::LastAnswer, Expr::value(why))
        .filter(outbox::Column::TokenId.is_in(token_ids.iter().copied()))
        .filter(outbox::Column::Status.eq("queued"))
        .exec(tx)
        .await
        .map(|_| ())
}
