//! One append-only audit row, chained to the previous by an HMAC.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub staff_id: Option<i64>,
    pub action: String,
    pub org: Option<String>,
    pub account_id: Option<i64>,
    pub detail: String,
    pub prev_mac: String,
    pub mac: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
