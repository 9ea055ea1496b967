//! A mail waiting to be sent, being sent, sent or failed; the link inside is sealed.

use crate::domain::{Language, MailTemplate, OutboxStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org: String,
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    pub recipient: String,
    pub template: MailTemplate,
    pub language: Language,
    pub params: String,
    pub sealed_link: Option<String>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_answer: Option<String>,
    pub message_id: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub claimed_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
