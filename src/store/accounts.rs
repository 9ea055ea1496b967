//! Account, card and email-history queries, and keeping an account's
//! search terms in step with its data.

use super::Tx;
use super::entities::{account, card, email_history, search_term};
use crate::domain::AccountStatus;
use crate::domain::normalize::{card_key, email_key};
use crate::domain::verdict::{Candidate, CandidateCard, PreviousEmail};
use sea_orm::prelude::Expr;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeSet;

pub use super::account_flags::{lock, record_failure, set_credential, unlock};
pub use super::cards::{add_card, cards_of, cards_with_keys, find_card, set_card_status};

pub async fn get(tx: &Tx, id: i64) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find_by_id(id).one(tx).await
}

/// Holds the account's row until `tx` ends, so two transactions that
/// change the same account's links take turns (PostgreSQL and MariaDB;
/// SQLite's one writer at a time already does this).
pub async fn lock_for_update(tx: &Tx, id: i64) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, QuerySelect};
    if tx.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        return Ok(());
    }
    account::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await
        .map(|_| ())
}

pub async fn get_many(tx: &Tx, ids: &[i64]) -> Result<Vec<account::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(tx)
        .await
}

pub async fn count(tx: &Tx, org: Option<&str>) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut q = account::Entity::find();
    if let Some(org) = org {
        q = q.filter(account::Column::Org.eq(org));
    }
    q.count(tx).await
}

/// Accounts whose login or external id is exactly `text`, or that own a
/// card with this key, within the given organisations.
pub async fn find_by_identifier(
    tx: &Tx,
    orgs: &[String],
    text: &str,
) -> Result<Vec<account::Model>, DbErr> {
    let key = card_key(text);
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    if !key.is_empty() {
        let cards = card::Entity::find()
            .filter(card::Column::NumberKey.eq(key))
            .filter(card::Column::Org.is_in(orgs.iter().cloned()))
            .all(tx)
            .await?;
        ids.extend(cards.iter().map(|c| c.account_id));
    }
    let by_login = account::Entity::find()
        .filter(account::Column::Org.is_in(orgs.iter().cloned()))
        .filter(
            account::Column::Login
                .eq(text)
                .or(account::Column::ExternalId.eq(text)),
        )
        .all(tx)
        .await?;
    ids.extend(by_login.iter().map(|a| a.id));
    let ids: Vec<i64> = ids.into_iter().collect();
    get_many(tx, &ids).await
}

pub async fn find_by_external_id(
    tx: &Tx,
    org: &str,
    external_id: &str,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find()
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::ExternalId.eq(external_id))
        .one(tx)
        .await
}

pub async fn find_by_login(
    tx: &Tx,
    org: &str,
    login: &str,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find()
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::Login.eq(login))
        .one(tx)
        .await
}

/// Accounts of the organisation with a current email of this key.
pub async fn with_email_key(tx: &Tx, org: &str, key: &str) -> Result<Vec<account::Model>, DbErr> {
    account::Entity::find()
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::EmailKey.eq(key))
        .all(tx)
        .await
}

pub async fn email_history_of(
    tx: &Tx,
    account_ids: &[i64],
) -> Result<Vec<email_history::Model>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    email_history::Entity::find()
        .filter(email_history::Column::AccountId.is_in(account_ids.iter().copied()))
        .order_by_desc(email_history::Column::UntilAt)
        .all(tx)
        .await
}

/// Everything the match verdict needs: the accounts of `org` that have a
/// card with the typed key, or the typed email now or before. Accounts
/// removed from their directory are left out: to the form they no longer
/// exist.
pub async fn verdict_candidates(
    tx: &Tx,
    org: &str,
    card_typed: Option<&str>,
    email_typed: &str,
) -> Result<Vec<Candidate>, DbErr> {
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    if let Some(card) = card_typed.map(card_key).filter(|k| !k.is_empty()) {
        let hits = card::Entity::find()
            .filter(card::Column::Org.eq(org))
            .filter(card::Column::NumberKey.eq(card))
            .all(tx)
            .await?;
        ids.extend(hits.iter().map(|c| c.account_id));
    }
    let ek = email_key(email_typed);
    if !ek.is_empty() {
        ids.extend(with_email_key(tx, org, &ek).await?.iter().map(|a| a.id));
        let previous = email_history::Entity::find()
            .filter(email_history::Column::Org.eq(org))
            .filter(email_history::Column::EmailKey.eq(ek))
            .all(tx)
            .await?;
        ids.extend(previous.iter().map(|h| h.account_id));
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    let accounts: Vec<account::Model> = get_many(tx, &ids)
        .await?
        .into_iter()
        .filter(|a| a.status == AccountStatus::Active)
        .collect();
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let cards = cards_of(tx, &ids).await?;
    let history = email_history_of(tx, &ids).await?;
    Ok(accounts
        .into_iter()
        .map(|a| Candidate {
            account_id: a.id,
            cards: cards
                .iter()
                .filter(|c| c.account_id == a.id)
                .map(|c| CandidateCard {
                    number: c.number.clone(),
                    status: c.status,
                })
                .collect(),
            previous_emails: history
                .iter()
                .filter(|h| h.account_id == a.id)
                .map(|h| PreviousEmail {
                    email: h.email.clone(),
                    until_ms: (h.until_at > UNKNOWN_TIME).then_some(h.until_at),
                })
                .collect(),
            email: a.email,
        })
        .collect())
}

/// A new account's data.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub org: String,
    pub login: Option<String>,
    pub external_id: Option<String>,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub credential_hash: Option<(String, String)>,
    pub credential_set_at: Option<i64>,
    pub legacy_credential: bool,
    pub must_set_credential: bool,
}

pub async fn insert(tx: &Tx, new: NewAccount, now: i64) -> Result<account::Model, DbErr> {
    let (hash, key_id) = match new.credential_hash {
        Some((h, k)) => (Some(h), Some(k)),
        None => (None, None),
    };
    account::ActiveModel {
        org: Set(new.org),
        login: Set(new.login),
        external_id: Set(new.external_id),
        full_name: Set(new.full_name),
        email_key: Set(email_key(&new.email)),
        email: Set(new.email),
        phone: Set(new.phone),
        status: Set(AccountStatus::Active),
        credential_hash: Set(hash),
        credential_key_id: Set(key_id),
        credential_set_at: Set(new.credential_set_at),
        legacy_credential: Set(new.legacy_credential),
        must_set_credential: Set(new.must_set_credential),
        failed_attempts: Set(0),
        locked_at: Set(None),
        lock_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        directory_synced_at: Set(None),
        directory_locked: Set(false),
        ..Default::default()
    }
    .insert(tx)
    .await
}

/// Stored as `until_at` when the change date is not known (imported history).
pub const UNKNOWN_TIME: i64 = 0;

pub async fn add_previous_email(
    tx: &Tx,
    account: &account::Model,
    email: &str,
    until: i64,
    changed_by: Option<String>,
) -> Result<(), DbErr> {
    super::import_rows::new_previous_email(account, email, until, changed_by)
        .insert(tx)
        .await?;
    // The addresses changed: the next import reads them again.
    set_import_digest(tx, account.id, None).await
}

/// Recomputes the account's search terms from its current data.
pub async fn refresh_terms(tx: &Tx, account: &account::Model) -> Result<(), DbErr> {
    search_term::Entity::delete_many()
        .filter(search_term::Column::AccountId.eq(account.id))
        .exec(tx)
        .await?;
    let cards: Vec<String> = cards_of(tx, &[account.id])
        .await?
        .into_iter()
        .map(|c| c.number)
        .collect();
    let terms = super::import_rows::terms_of(account, &cards);
    if terms.is_empty() {
        return Ok(());
    }
    search_term::Entity::insert_many(terms)
        .exec_without_returning(tx)
        .await
        .map(|_| ())
}

/// Ids of the organisation's active accounts.
pub async fn active_ids(tx: &Tx, org: &str) -> Result<Vec<i64>, DbErr> {
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::Status.eq(AccountStatus::Active))
        .into_tuple()
        .all(tx)
        .await
}

/// The largest account id (for bulk generation).
pub async fn max_id(tx: &Tx) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = account::Entity::find()
        .select_only()
        .column_as(account::Column::Id.max(), "m")
        .into_tuple()
        .one(tx)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

pub async fn set_email(tx: &Tx, id: i64, email: &str, now: i64) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::Email, Expr::value(email))
        .col_expr(account::Column::EmailKey, Expr::value(email_key(email)))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// Fields an import row may change on an existing account.
pub struct ImportedFields {
    pub login: Option<String>,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub legacy_credential: bool,
    pub must_set_credential: bool,
    /// The row's import digest (see `account::Model::import_digest`).
    pub import_digest: Option<String>,
}

/// Accounts per multi-row UPDATE: each column's CASE lists every account
/// of its statement, so a row's update compares its id with each of them.
const UPDATE_CHUNK: usize = 100;

/// Writes each account's imported fields (and `updated_at`), one statement
/// per chunk of accounts instead of one per account (the row-at-a-time
/// import passes one): a re-import changing 100,000 accounts sends 1,000
/// statements, not 100,000 (each a round trip to SQLite's thread or the
/// server).
pub async fn update_from_import(
    tx: &Tx,
    updates: &[(i64, ImportedFields)],
    now: i64,
) -> Result<(), DbErr> {
    use account::Column as C;
    use sea_orm::sea_query::CaseStatement;
    for chunk in updates.chunks(UPDATE_CHUNK) {
        let column = |value: &dyn Fn(&ImportedFields) -> sea_orm::Value| -> Expr {
            let mut case = CaseStatement::new();
            for (id, fields) in chunk {
                case = case.case(C::Id.eq(*id), Expr::val(value(fields)));
            }
            case.into()
        };
        account::Entity::update_many()
            .col_expr(C::Login, column(&|f| f.login.clone().into()))
            .col_expr(C::FullName, column(&|f| f.full_name.clone().into()))
            .col_expr(C::EmailKey, column(&|f| email_key(&f.email).into()))
            .col_expr(C::Email, column(&|f| f.email.clone().into()))
            .col_expr(C::Phone, column(&|f| f.phone.clone().into()))
            .col_expr(C::LegacyCredential, column(&|f| f.legacy_credential.into()))
            .col_expr(
                C::MustSetCredential,
                column(&|f| f.must_set_credential.into()),
            )
            .col_expr(C::ImportDigest, column(&|f| f.import_digest.clone().into()))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Records (or, with `None`, forgets) the account's import digest. Not a
/// change the staff see: `updated_at` stays.
pub async fn set_import_digest(tx: &Tx, id: i64, digest: Option<String>) -> Result<(), DbErr> {
    account::Entity::update_many()
        .col_expr(account::Column::ImportDigest, Expr::value(digest))
        .filter(account::Column::Id.eq(id))
        .exec(tx)
        .await
        .map(|_| ())
}

/// (id, email, name) of the organisation's unlocked accounts awaiting their
/// first login, in id order.
pub async fn awaiting_first_login(tx: &Tx, org: &str) -> Result<Vec<(i64, String, String)>, DbErr> {
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Email)
        .column(account::Column::FullName)
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::MustSetCredential.eq(true))
        .filter(account::Column::LockedAt.is_null())
        .order_by_asc(account::Column::Id)
        .into_tuple()
        .all(tx)
        .await
}
