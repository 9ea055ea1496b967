//! Fast multi-row inserts of new accounts (directory syncs, the demo and
//! benchmarks). Ids are assigned by the caller so accounts, cards and terms
//! can be written in batches without reading ids back.

use super::entities::{account, card, search_term};
use super::import_rows::{insert_all, insert_terms};
use super::{Backend, Store, Tx};
use crate::domain::AccountStatus;
use crate::domain::normalize::{card_key, email_key};
use crate::domain::search_terms::{TermSource, account_terms};
use crate::domain::verdict::CardStatus;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, Statement};

/// One new account.
#[derive(Debug, Clone, Default)]
pub struct BulkAccount {
    pub id: i64,
    pub org: String,
    pub login: Option<String>,
    pub external_id: Option<String>,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub card: Option<String>,
    pub must_set_credential: bool,
    pub legacy_credential: bool,
    /// Read from a directory at this time (`None`: not from a directory).
    pub directory_synced_at: Option<i64>,
    pub directory_locked: bool,
}

/// Accounts written per round of INSERTs.
const BATCH: usize = 500;

/// Inserts the accounts with their cards and search terms.
pub async fn insert_accounts(tx: &Tx, list: &[BulkAccount], now: i64) -> Result<(), DbErr> {
    for chunk in list.chunks(BATCH) {
        let accounts: Vec<account::ActiveModel> = chunk
            .iter()
            .map(|g| account::ActiveModel {
                id: Set(g.id),
                org: Set(g.org.clone()),
                login: Set(g.login.clone()),
                external_id: Set(g.external_id.clone()),
                full_name: Set(g.full_name.clone()),
                email_key: Set(email_key(&g.email)),
                email: Set(g.email.clone()),
                phone: Set(g.phone.clone()),
                status: Set(AccountStatus::Active),
                credential_hash: Set(None),
                credential_key_id: Set(None),
                credential_set_at: Set(None),
                legacy_credential: Set(g.legacy_credential),
                must_set_credential: Set(g.must_set_credential),
                failed_attempts: Set(0),
                locked_at: Set(None),
                lock_reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                directory_synced_at: Set(g.directory_synced_at),
                directory_locked: Set(g.directory_locked),
                // Not imported from a file: the first import reads it whole.
                import_digest: Set(None),
            })
            .collect();
        insert_all(tx, accounts).await?;
        let cards: Vec<card::ActiveModel> = chunk
            .iter()
            .filter_map(|g| {
                g.card.as_ref().map(|n| card::ActiveModel {
                    account_id: Set(g.id),
                    org: Set(g.org.clone()),
                    number: Set(n.clone()),
                    number_key: Set(card_key(n)),
                    status: Set(CardStatus::Active),
                    created_at: Set(now),
                    changed_at: Set(None),
                    ..Default::default()
                })
            })
            .collect();
        insert_all(tx, cards).await?;
        let mut terms = Vec::new();
        for g in chunk {
            let cards: Vec<String> = g.card.iter().cloned().collect();
            for (term, kind) in account_terms(&TermSource {
                full_name: &g.full_name,
                email: &g.email,
                phone: g.phone.as_deref(),
                login: g.login.as_deref(),
                cards: &cards,
            }) {
                terms.push(search_term::ActiveModel {
                    account_id: Set(g.id),
                    org: Set(g.org.clone()),
                    term: Set(term),
                    kind: Set(kind),
                    ..Default::default()
                });
            }
        }
        insert_terms(tx, terms).await?;
    }
    Ok(())
}

/// Inside a transaction that inserted explicit ids: moves PostgreSQL's id
/// sequence past them (MariaDB and SQLite do this by themselves).
pub async fn advance_account_ids(tx: &Tx) -> Result<(), DbErr> {
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let sql = "SELECT setval(pg_get_serial_sequence('account', 'id'), (SELECT COALESCE(MAX(id), 1) FROM account))";
    tx.execute_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
        .await
        .map(|_| ())
}

/// After inserting explicit ids, moves PostgreSQL's id sequence past them.
pub async fn fix_sequences(store: &Store) -> Result<(), DbErr> {
    if store.backend() != Backend::Postgres {
        return Ok(());
    }
    let sql = "SELECT setval(pg_get_serial_sequence('account', 'id'), (SELECT COALESCE(MAX(id), 1) FROM account))";
    store
        .connection()
        .execute_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
        .await
        .map(|_| ())
}

/// Gives every account of `org` that has a credential date but no hash
/// this hash (demo accounts need *a* credential, not a known one).
pub async fn fill_credentials(tx: &Tx, org: &str, phc: &str, key_id: &str) -> Result<u64, DbErr> {
    use sea_orm::prelude::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let res = account::Entity::update_many()
        .col_expr(account::Column::CredentialHash, Expr::value(phc))
        .col_expr(account::Column::CredentialKeyId, Expr::value(key_id))
        .filter(account::Column::Org.eq(org))
        .filter(account::Column::CredentialSetAt.is_not_null())
        .filter(account::Column::CredentialHash.is_null())
        .exec(tx)
        .await?;
    Ok(res.rows_affected)
}
