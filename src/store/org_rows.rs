//! Organisations as the database holds them: a slug on every row of an
//! account's history. Counting them, and moving all of one slug's rows to
//! another when an organisation is renamed. Audit rows keep the slug they
//! were written with, since the audit chain seals them.

use super::Tx;
use super::entities::{
    account, attempt, card, directory_push, directory_sync, email_history, note, outbox,
    reset_token, search_term, staff,
};
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
