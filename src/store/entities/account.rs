//! A patron's account in one organisation. Times are Unix milliseconds.

use crate::domain::AccountStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org: String,
    pub login: Option<String>,
    pub external_id: Option<String>,
    pub full_name: String,
    pub email: String,
    pub email_key: String,
    pub phone: Option<String>,
    pub status: AccountStatus,
    pub credential_hash: Option<String>,
    pub credential_key_id: Option<String>,
    pub credential_set_at: Option<i64>,
    pub legacy_credential: bool,
    pub must_set_credential: bool,
    pub failed_attempts: i32,
    pub locked_at: Option<i64>,
    pub lock_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the mirror last read this account from its directory.
    pub directory_synced_at: Option<i64>,
    /// The directory has it locked (as of `directory_synced_at`).
    pub directory_locked: bool,
    /// The digest of the cards and earlier addresses its last imported row
    /// listed, while the account still has them all (every other write to
    /// its cards or addresses empties it); see `service::import::digest`.
    pub import_digest: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
