//! Statistics: each self-service attempt gets its cause as one code
//! (`reason`, filled in for the attempts already there), and the tables the
//! statistics count get an index on (org, time), so a period is a range
//! read, never a scan of every row.

use crate::domain::SelfServiceOutcome;
use crate::domain::attempt_reason::stored_attempt_reason;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, [&str; 2]); 4] = [
    ("selfservice_attempt", "org_created", ["org", "created_at"]),
    ("reset_token", "org_created", ["org", "created_at"]),
    ("outbox", "org_created", ["org", "created_at"]),
    ("audit", "org_at", ["org", "at"]),
];

/// Attempts filled in per statement while migrating.
const BATCH: u64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("selfservice_attempt"))
                .add_column(ColumnDef::new(Alias::new("reason")).string_len(40).null())
                .to_owned(),
        )
        .await?;
        backfill(m).await?;
        for (table, name, cols) in INDEXES {
            let mut index = Index::create();
            index
                .name(format!("ix_{table}_{name}"))
                .table(Alias::new(table));
            for c in cols {
                index.col(Alias::new(c));
            }
            m.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(format!("ix_{table}_{name}"))
                    .table(Alias::new(table))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Alias::new("selfservice_attempt"))
                .drop_column(Alias::new("reason"))
                .to_owned(),
        )
        .await
    }
}

/// Gives every attempt already recorded its reason, a batch at a time.
async fn backfill(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = m.get_database_backend();
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT id, outcome, verdict FROM selfservice_attempt \
                     WHERE reason IS NULL ORDER BY id LIMIT {BATCH}"
                ),
            ))
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            let id: i64 = row.try_get_by_index(0)?;
            let outcome: String = row.try_get_by_index(1)?;
            let verdict: String = row.try_get_by_index(2)?;
            let outcome =
                SelfServiceOutcome::parse(&outcome).unwrap_or(SelfServiceOutcome::Refused);
            let reason = stored_attempt_reason(outcome, &verdict);
            let sql = match backend {
                sea_orm_migration::sea_orm::DbBackend::Postgres => {
                    "UPDATE selfservice_attempt SET reason = $1 WHERE id = $2"
                }
                _ => "UPDATE selfservice_attempt SET reason = ? WHERE id = ?",
            };
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [Value::from(reason), Value::from(id)],
            ))
            .await?;
        }
    }
}
