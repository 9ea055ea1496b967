//! Outbox rows: mails queued in the same transaction as the action that
//! caused them, and their delivery state.

use super::Tx;
use super::entities::outbox;
use crate::domain::{Language, MailTemplate, OutboxStatus};
use sea_orm::prelude::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    UpdateMany,
};

pub struct NewMail {
    pub org: String,
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    pub recipient: String,
    pub template: MailTemplate,
    pub language: Language,
    /// Non-secret template values as JSON.
    pub params: String,
    /// The link, sealed (see `secrets::Sealer`); `None` for notices.
    pub sealed_link: Option<String>,
}

fn row(m: NewMail, now: i64) -> outbox::ActiveModel {
    outbox::ActiveModel {
        org: Set(m.org),
        account_id: Set(m.account_id),
        token_id: Set(m.token_id),
        recipient: Set(m.recipient),
        template: Set(m.template),
        language: Set(m.language),
        params: Set(m.params),
        sealed_link: Set(m.sealed_link),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_answer: Set(None),
        message_id: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        claimed_until: Set(None),
        ..Default::default()
    }
}

pub async fn insert(tx: &Tx, mail: NewMail, now: i64) -> Result<outbox::Model, DbErr> {
    row(mail, now).insert(tx).await
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
    status: Option<OutboxStatus>,
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
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Cancelled))
        .col_expr(outbox::Column::LastAnswer, Expr::value(why))
        .filter(outbox::Column::TokenId.is_in(token_ids.iter().copied()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Claims the next due mail for sending: a queued row whose time has come,
/// or a row left `sending` by a process that died (its lease ran out). The
/// conditional UPDATE lets exactly one claimer win a row.
pub async fn claim_next(tx: &Tx, now: i64, lease_ms: i64) -> Result<Option<outbox::Model>, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    // Two index range scans on (status, next_attempt_at), not one OR that
    // would scan the table.
    let queued = || {
        sea_orm::Condition::all()
            .add(outbox::Column::Status.eq(OutboxStatus::Queued))
            .add(outbox::Column::NextAttemptAt.lte(now))
    };
    let stale = || {
        sea_orm::Condition::all()
            .add(outbox::Column::Status.eq(OutboxStatus::Sending))
            .add(outbox::Column::ClaimedUntil.lt(now))
    };
    for _ in 0..3 {
        let mut condition = queued();
        let mut candidate = outbox::Entity::find()
            .filter(queued())
            .order_by_asc(outbox::Column::Status)
            .order_by_asc(outbox::Column::NextAttemptAt)
            .one(tx)
            .await?;
        if candidate.is_none() {
            condition = stale();
            candidate = outbox::Entity::find().filter(stale()).one(tx).await?;
        }
        let Some(candidate) = candidate else {
            return Ok(None);
        };
        let won = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sending))
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(now + lease_ms))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.eq(candidate.id))
            .filter(condition)
            .exec(tx)
            .await?;
        if won.rows_affected == 1 {
            return get(tx, candidate.id).await;
        }
    }
    Ok(None)
}

/// Inserts many mails at once (bulk invitations).
pub async fn insert_many(tx: &Tx, mails: Vec<NewMail>, now: i64) -> Result<(), DbErr> {
    let mut rows = mails.into_iter().map(|m| row(m, now)).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<outbox::ActiveModel> = rows.by_ref().take(500).collect();
        outbox::Entity::insert_many(chunk)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// Delivered: the server's answer is kept; the sealed link is not.
pub async fn mark_sent(
    tx: &Tx,
    id: i64,
    answer: &str,
    message_id: &str,
    now: i64,
) -> Result<(), DbErr> {
    settle(id, OutboxStatus::Sent, answer)
        .col_expr(outbox::Column::SentAt, Expr::value(now))
        .col_expr(outbox::Column::MessageId, Expr::value(message_id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// A mail done with (sent, failed or cancelled): its status and the last
/// answer kept, its sealed link dropped and its claim released.
fn settle(id: i64, status: OutboxStatus, answer: &str) -> UpdateMany<outbox::Entity> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status))
        .col_expr(outbox::Column::LastAnswer, Expr::value(answer))
        .col_expr(
            outbox::Column::SealedLink,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(outbox::Column::Id.eq(id))
}

/// Makes every queued mail of these organisations due at `now` (staff
/// saying "the mail server is back"); returns how many were waiting.
pub async fn make_due(tx: &Tx, orgs: &[String], now: i64) -> Result<u64, DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Org.is_in(orgs.iter().cloned()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .filter(outbox::Column::NextAttemptAt.gt(now))
        .exec(tx)
        .await
        .map(|r| r.rows_affected)
}

/// A transient failure: back to the queue until `next_at`.
pub async fn mark_retry(tx: &Tx, id: i64, answer: &str, next_at: i64) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Queued))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(next_at))
        .col_expr(outbox::Column::LastAnswer, Expr::value(answer))
        .col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Given up (`failed`) or no longer worth sending (`cancelled`).
pub async fn mark_final(tx: &Tx, id: i64, status: OutboxStatus, answer: &str) -> Result<(), DbErr> {
    settle(id, status, answer).exec(tx).await.map(|_| ())
}

/// Mail counts by status for the links of one organisation and purpose.
pub async fn status_counts_for_purpose(
    tx: &Tx,
    org: &str,
    template: MailTemplate,
) -> Result<Vec<(OutboxStatus, i64)>, DbErr> {
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Status)
        .column_as(outbox::Column::Id.count(), "n")
        .filter(outbox::Column::Org.eq(org))
        .filter(outbox::Column::Template.eq(template))
        .group_by(outbox::Column::Status)
        .into_tuple()
        .all(tx)
        .await
}
