//! Reading and verifying the audit chain.

use super::{ServiceResult, Services, Staff};
use crate::store::audit_log::{self, Problem};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub org: Option<String>,
    pub account_id: Option<i64>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditVerification {
    pub rows_checked: u64,
    pub problems: Vec<Problem>,
}

impl AuditVerification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Services {
    /// Newest first; desk staff see rows of their organisations only.
    pub async fn audit_list(
        &self,
        staff: &Staff,
        account_id: Option<i64>,
        limit: u64,
    ) -> ServiceResult<Vec<AuditRow>> {
        let tx = self.store.begin_read().await?;
        let rows = audit_log::list(
            &tx,
            &audit_log::Filter {
                account_id,
                orgs: (staff.role != super::Role::Admin).then(|| staff.orgs.clone()),
                limit,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRow {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                org: r.org,
                account_id: r.account_id,
                detail: serde_json::from_str(&r.detail)
                    .unwrap_or(serde_json::Value::String(r.detail)),
            })
            .collect())
    }

    /// Walks the whole chain and compares it with the head anchored
    /// outside the database; an intact chain is anchored anew (admin only).
    pub async fn audit_verify(&self, staff: &Staff) -> ServiceResult<AuditVerification> {
        staff.require_admin()?;
        let tx = self.store.begin_read().await?;
        let (rows_checked, mut problems) = audit_log::verify(&tx, self.audit_key()).await?;
        problems.extend(self.anchor_problems(&tx).await?);
        if problems.is_empty() {
            self.record_anchor(&tx).await?;
        }
        tx.commit().await?;
        Ok(AuditVerification {
            rows_checked,
            problems,
        })
    }
}
