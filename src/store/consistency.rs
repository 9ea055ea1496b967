//! After a crash or a restore: is the database whole? SQLite's own
//! `PRAGMA integrity_check`, then avain's invariants, which one transaction
//! per action should make impossible to break: every link has its mail row,
//! every mail row with a link points at one, and a stored credential is a
//! complete Argon2id hash with its key id and time.

use super::{Backend, Tx};
use sea_orm::{ConnectionTrait, DbErr, Statement};
use serde::Serialize;

/// Ids listed per problem; the count says how many there are in all.
const IDS_SHOWN: usize = 20;

/// Rows breaking one invariant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Violations {
    pub count: u64,
    /// The first few ids.
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyReport {
    /// `Some("ok")` or SQLite's findings; `None` on server databases, which
    /// check their own pages.
    pub integrity_check: Option<String>,
    /// Reset links without an outbox row.
    pub links_without_mail: Violations,
    /// Outbox rows naming a link that does not exist.
    pub mail_without_link: Violations,
    /// Accounts whose credential columns are only partly written.
    pub half_written_credentials: Violations,
}

impl ConsistencyReport {
    pub fn ok(&self) -> bool {
        self.integrity_check.as_deref().is_none_or(|r| r == "ok")
            && self.links_without_mail.count == 0
            && self.mail_without_link.count == 0
            && self.half_written_credentials.count == 0
    }
}

async fn ids(tx: &Tx, sql: &str) -> Result<Violations, DbErr> {
    let backend = tx.get_database_backend();
    let rows = tx
        .query_all_raw(Statement::from_string(backend, sql.to_string()))
        .await?;
    let mut found = Violations {
        count: rows.len() as u64,
        ids: Vec::new(),
    };
    for row in rows.iter().take(IDS_SHOWN) {
        found.ids.push(row.try_get_by_index::<i64>(0)?);
    }
    Ok(found)
}

/// Runs every check in one read transaction.
pub async fn check(tx: &Tx, backend: Backend) -> Result<ConsistencyReport, DbErr> {
    let integrity_check = if backend == Backend::Sqlite {
        let rows = tx
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA integrity_check".to_string(),
            ))
            .await?;
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .collect();
        Some(lines.join("; "))
    } else {
        None
    };
    let links_without_mail = ids(
        tx,
        "SELECT t.id FROM reset_token t WHERE NOT EXISTS \
         (SELECT 1 FROM outbox o WHERE o.token_id = t.id) ORDER BY t.id",
    )
    .await?;
    let mail_without_link = ids(
        tx,
        "SELECT o.id FROM outbox o WHERE o.token_id IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM reset_token t WHERE t.id = o.token_id) ORDER BY o.id",
    )
    .await?;
    let half_written_credentials = ids(
        tx,
        "SELECT a.id FROM account a WHERE a.credential_hash IS NOT NULL AND \
         (a.credential_key_id IS NULL OR a.credential_set_at IS NULL \
          OR a.credential_hash NOT LIKE '$argon2id$%') ORDER BY a.id",
    )
    .await?;
    Ok(ConsistencyReport {
        integrity_check,
        links_without_mail,
        mail_without_link,
        half_written_credentials,
    })
}

/// A consistent copy of a SQLite database at `path` (which must not
/// exist), made while others keep reading and writing: `VACUUM INTO`
/// writes one snapshot, compacted. Other databases have their own tools.
pub async fn sqlite_copy_into(
    db: &sea_orm::DatabaseConnection,
    path: &std::path::Path,
) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    let target = path.to_string_lossy().replace('\'', "''");
    db.execute_raw(Statement::from_string(
        sea_orm::DbBackend::Sqlite,
        format!("VACUUM INTO '{target}'"),
    ))
    .await?;
    Ok(())
}
