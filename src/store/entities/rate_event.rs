//! One counted event of a shared rate limit (see `store::rate_limits`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A MAC of what is counted (never the card or address itself).
    pub bucket: String,
    pub at: i64,
    /// The process that counted it (it counts its own in memory).
    pub owner: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
