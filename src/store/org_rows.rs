//! Organisations as the database holds them: a slug on every row of an
//! account's history. Counting them, and moving all of one slug's rows to
//! another when an organisation is renamed. Audit rows keep the slug they
//! were written with, since the audit chain seals them.

use super::Tx;
use super::entities::{
    account, attempt, card, directory_push, directory_sync, email_history, note, outbox,
    reset_token, retired_org, search_term, staff,
};
use crate::domain::OutboxStatus;
use crate::domain::link::RevokeReason;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    Set,
};
use std::collections::BTreeMap;

#[derive(Debug, FromQueryResult)]
struct OrgCount {
    org: String,
    n: i64,
}

/// Accounts per organisation slug found in the database.
pub async fn account_counts(tx: &Tx) -> Result<BTreeMap<String, i64>, DbErr> {
    let rows = account::Entity::find()
        .select_only()
        .column(account::Column::Org)
        .column_as(account::Column::Id.count(), "n")
        .group_by(account::Column::Org)
        .into_model::<OrgCount>()
        .all(tx)
        .await?;
    Ok(rows.into_iter().map(|r| (r.org, r.n)).collect())
}

/// Links not used, revoked or expired, per organisation.
pub async fn live_link_counts(tx: &Tx, now: i64) -> Result<BTreeMap<String, i64>, DbErr> {
    let rows = reset_token::Entity::find()
        .select_only()
        .column(reset_token::Column::Org)
        .column_as(reset_token::Column::Id.count(), "n")
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_null())
        .filter(reset_token::Column::ExpiresAt.gt(now))
        .group_by(reset_token::Column::Org)
        .into_model::<OrgCount>()
        .all(tx)
        .await?;
    Ok(rows.into_iter().map(|r| (r.org, r.n)).collect())
}

/// What retiring an organisation undid.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Retired {
    pub links_revoked: u64,
    pub mails_cancelled: u64,
    pub staff_changed: u64,
}

/// Retires `slug`: its live links revoked, its queued mail cancelled, the
/// slug taken from every staff member, and the retirement recorded. Its
/// accounts and their history stay.
pub async fn retire(tx: &Tx, slug: &str, now: i64, by: Option<i64>) -> Result<Retired, DbErr> {
    let links_revoked = reset_token::Entity::update_many()
        .col_expr(reset_token::Column::RevokedAt, Expr::value(now))
        .col_expr(
            reset_token::Column::RevokeReason,
            Expr::value(RevokeReason::OrgRetired),
        )
        .filter(reset_token::Column::Org.eq(slug))
        .filter(reset_token::Column::UsedAt.is_null())
        .filter(reset_token::Column::RevokedAt.is_null())
        .filter(reset_token::Column::ExpiresAt.gt(now))
        .exec(tx)
        .await?
        .rows_affected;
    let mails_cancelled = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Cancelled))
        .col_expr(
            outbox::Column::LastAnswer,
            Expr::value("organisation retired"),
        )
        .filter(outbox::Column::Org.eq(slug))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .exec(tx)
        .await?
        .rows_affected;
    let mut staff_changed = 0;
    for member in staff::Entity::find().all(tx).await? {
        let orgs: Vec<&str> = member.orgs.split_whitespace().collect();
        if orgs.contains(&slug) {
            let kept: Vec<&str> = orgs.into_iter().filter(|o| *o != slug).collect();
            let mut row: staff::ActiveModel = member.clone().into();
            row.orgs = Set(kept.join(" "));
            row.update(tx).await?;
            staff_changed += 1;
        }
    }
    retired_org::ActiveModel {
        slug: Set(slug.to_string()),
        retired_at: Set(now),
        retired_by_staff: Set(by),
    }
    .insert(tx)
    .await?;
    Ok(Retired {
        links_revoked,
        mails_cancelled,
        staff_changed,
    })
}

/// Every retired organisation, with when.
pub async fn retired(tx: &Tx) -> Result<BTreeMap<String, i64>, DbErr> {
    Ok(retired_org::Entity::find()
        .all(tx)
        .await?
        .into_iter()
        .map(|r| (r.slug, r.retired_at))
        .collect())
}

/// Every row of `old` moved to `new` (audit rows excepted); staff who had
/// `old` have `new` in its place. Returns the accounts moved.
pub async fn rename(tx: &Tx, old: &str, new: &str) -> Result<u64, DbErr> {
    macro_rules! move_org {
        ($($entity:ident),*) => {$(
            $entity::Entity::update_many()
                .col_expr($entity::Column::Org, Expr::value(new))
                .filter($entity::Column::Org.eq(old))
                .exec(tx)
                .await?;
        )*};
    }
    let accounts = account::Entity::update_many()
        .col_expr(account::Column::Org, Expr::value(new))
        .filter(account::Column::Org.eq(old))
        .exec(tx)
        .await?
        .rows_affected;
    move_org!(
        attempt,
        card,
        directory_push,
        directory_sync,
        email_history,
        note,
        outbox,
        reset_token,
        search_term
    );
    for member in staff::Entity::find().all(tx).await? {
        let orgs: Vec<&str> = member.orgs.split_whitespace().collect();
        if orgs.contains(&old) {
            let renamed: Vec<&str> = orgs
                .iter()
                .map(|o| if *o == old { new } else { o })
                .collect();
            let mut row: staff::ActiveModel = member.clone().into();
            row.orgs = Set(renamed.join(" "));
            row.update(tx).await?;
        }
    }
    Ok(accounts)
}
