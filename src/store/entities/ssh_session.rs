//! A console session through the SSH door: who, with which key, from
//! where; `last_seen` is renewed while it runs, `ended_at` set when it ends.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ssh_session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub staff_id: i64,
    pub login: String,
    pub fingerprint: String,
    pub client: String,
    pub term: String,
    /// The server process that runs it.
    pub owner: String,
    pub started_at: i64,
    pub last_seen: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
