//! `avain check`: the database's own integrity check, avain's invariants
//! and the audit chain, in one report (admin only).

use super::{AuditVerification, ServiceResult, Services, Staff};
use crate::store::consistency::{self, ConsistencyReport};
use crate::store::mirror;
use serde::Serialize;

/// A change sent to a directory that never finished: the process ended
/// while it waited. The directory may or may not have it; staff should
/// look at the account (and set the credential again if in doubt).
#[derive(Debug, Clone, Serialize)]
pub struct CutPush {
    pub account_id: i64,
    pub org: String,
    pub change: String,
    pub started_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseCheck {
    #[serde(flatten)]
    pub consistency: ConsistencyReport,
    pub audit: AuditVerification,
    /// Pushes to a directory cut off in the middle (older than an hour).
    pub cut_pushes: Vec<CutPush>,
}

impl DatabaseCheck {
    pub fn ok(&self) -> bool {
        self.consistency.ok() && self.audit.ok() && self.cut_pushes.is_empty()
    }
}

/// A push still open after this long was cut off, not merely slow.
const PUSH_CUT_AFTER_MS: i64 = 3_600_000;

impl Services {
    /// Checks the whole database; read-only.
    pub async fn check_database(&self, staff: &Staff) -> ServiceResult<DatabaseCheck> {
        staff.require_admin()?;
        let tx = self.store.begin_read().await?;
        let consistency = consistency::check(&tx, self.store.backend()).await?;
        let cut_pushes = mirror::unfinished_pushes(&tx, self.now() - PUSH_CUT_AFTER_MS)
            .await?
            .into_iter()
            .map(|p| CutPush {
                account_id: p.account_id,
                org: p.org,
                change: p.kind,
                started_at: p.started_at,
            })
            .collect();
        tx.commit().await?;
        let audit = self.audit_verify(staff).await?;
        Ok(DatabaseCheck {
            consistency,
            audit,
            cut_pushes,
        })
    }
}
