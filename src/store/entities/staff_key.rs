//! A staff member's SSH public key (the OpenSSH line as given) and its
//! SHA-256 fingerprint, which is what a login is matched on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub staff_id: i64,
    pub fingerprint: String,
    pub public_key: String,
    pub comment: Option<String>,
    pub added_at: i64,
    pub added_by_staff: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
