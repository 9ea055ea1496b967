//! A staff member: role, organisations (space-separated slugs), credentials.

use crate::domain::Role;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub login: String,
    pub full_name: String,
    pub role: Role,
    pub orgs: String,
    pub password_hash: Option<String>,
    pub password_key_id: Option<String>,
    pub active: bool,
    pub failed_attempts: i32,
    pub locked_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
