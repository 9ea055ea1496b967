//! `avain check`: the database's own integrity check, avain's invariants
//! and the audit chain, in one report (admin only).

use super::{AuditVerification, ServiceResult, Services, Staff};
use crate::store::consistency::{self, ConsistencyReport};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseCheck {
    #[serde(flatten)]
    pub consistency: ConsistencyReport,
    pub audit: AuditVerification,
}

impl DatabaseCheck {
    pub fn ok(&self) -> bool {
        self.consistency.ok() && self.audit.ok()
    }
}

impl Services {
    /// Checks the whole database; read-only.
    pub async fn check_database(&self, staff: &Staff) -> ServiceResult<DatabaseCheck> {
        staff.require_admin()?;
        let tx = self.store.begin_read().await?;
        let consistency = consistency::check(&tx, self.store.backend()).await?;
        tx.commit().await?;
        let audit = self.audit_verify(staff).await?;
        Ok(DatabaseCheck { consistency, audit })
    }
}
