//! A patron's own try on the self-service form and the verdict it got.

use crate::domain::SelfServiceOutcome;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "selfservice_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org: String,
    pub account_id: Option<i64>,
    pub card_typed: Option<String>,
    pub email_typed: Option<String>,
    pub accepted: bool,
    pub verdict: String,
    pub outcome: SelfServiceOutcome,
    /// The cause in one code (`domain::attempt_reason`), for statistics.
    pub reason: Option<String>,
    pub client: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
