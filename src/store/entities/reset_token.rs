//! A reset or set-password link. Only the SHA-256 of the token is stored.

use crate::domain::link::{LinkOrigin, LinkPurpose, RevokeReason};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reset_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub org: String,
    pub purpose: LinkPurpose,
    pub origin: LinkOrigin,
    pub token_hash: String,
    pub sent_to: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<RevokeReason>,
    pub created_by_staff: Option<i64>,
    /// While its new credential is on the way to a directory, the link is
    /// claimed until then: a second submission waits instead of pushing.
    pub claimed_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
