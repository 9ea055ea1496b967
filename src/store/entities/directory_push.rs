//! One change sent to a directory: written before the call, finished
//! after it, so a change cut off in the middle is visible afterwards.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_push")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org: String,
    pub account_id: i64,
    /// "credential", "email" or "unlock".
    pub kind: String,
    pub actor: String,
    pub token_id: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// "ok", or why not ("refused", "unavailable", "not_found", "setup").
    pub outcome: Option<String>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
