//! `avain backup FILE`: a consistent copy of a SQLite database while desks
//! keep working, checked after it is written. The pepper is never in it:
//! it is kept apart, so a stolen backup holds no usable hashes.

use super::{ServiceError, ServiceResult, Services, Staff};
use crate::store::Backend;
use crate::store::consistency::sqlite_copy_into;
use serde_json::json;
use std::path::Path;

impl Services {
    /// Writes the copy to `path` (admin only); returns its size in bytes.
    pub async fn backup_database(&self, admin: &Staff, path: &Path) -> ServiceResult<u64> {
        admin.require_admin()?;
        match self.store.backend() {
            Backend::Sqlite => {}
            Backend::Postgres => {
                return Err(ServiceError::Refused(
                    "for PostgreSQL use pg_dump (it gives a consistent copy too)".into(),
                ));
            }
            Backend::MySql => {
                return Err(ServiceError::Refused(
                    "for MariaDB use mariadb-dump --single-transaction".into(),
                ));
            }
        }
        if path.exists() {
            return Err(ServiceError::Refused(format!(
                "{} exists; a backup never overwrites a file",
                path.display()
            )));
        }
        sqlite_copy_into(self.store.connection(), path).await?;
        // Only the user avain runs as may read it (the umask is private,
        // but a folder's default ACL could still widen it).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| ServiceError::Refused(format!("{}: {e}", path.display())))?;
        }
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let tx = self.store.begin_write().await?;
        let detail = json!({ "file": path.display().to_string(), "bytes": bytes });
        self.audit_staff(&tx, admin, "database.backup", None, None, detail)
            .await?;
        tx.commit().await?;
        Ok(bytes)
    }
}
