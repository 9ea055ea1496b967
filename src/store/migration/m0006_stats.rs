//! Statistics: each self-service attempt gets its cause as one code
//! (`reason`, filled in for the attempts already there), and the tables the
//! statistics count get an index on (org, time, what is counted), so a
//! period is a range read of one index, never a scan of every row.

use crate::domain::SelfServiceOutcome;
use crate::domain::attempt_reason::stored_attempt_reason;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each index holds every column its statistics query reads, so a period
/// is read from the index alone.
const INDEXES: [(&str, &str, &[&str]); 4] = [
    (
        "selfservice_attempt",
        "org_created",
        &["org", "created_at", "reason"],
    ),
    (
        "reset_token",
        "org_created",
        &[
            "org",
            "created_at",
            "origin",
            "used_at",
            "revoked_at",
            "expires_at",
        ],
    ),
    (
        "outbox",
        "org_created",
        &["org", "created_at", "status", "attempts"],
    ),
    ("audit", "org_at", &["org", "at", "staff_id", "action"]),
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
        let mysql = m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::MySql;
        let text = |name: &str, len: u32| {
            ColumnDef::new(Alias::new(name))
                .string_len(len)
                .not_null()
                .to_owned()
        };
        // Counts of days that can no longer change, kept so a year is read
        // from a few thousand rows (see `service::stats_days`).
        let mut days = Table::create();
        days.table(Alias::new("stats_day"))
            .if_not_exists()
            .col(text("org", 32))
            .col(text("day", 10))
            .col(text("metric", 8))
            .col(text("name", 96))
            .col(ColumnDef::new(Alias::new("n")).big_integer().not_null())
            .primary_key(
                Index::create()
                    .col(Alias::new("org"))
                    .col(Alias::new("day"))
                    .col(Alias::new("metric"))
                    .col(Alias::new("name")),
            );
        let mut done = Table::create();
        done.table(Alias::new("stats_day_done"))
            .if_not_exists()
            .col(text("org", 32))
            .col(text("day", 10))
            .col(text("time_zone", 64))
            .primary_key(
                Index::create()
                    .col(Alias::new("org"))
                    .col(Alias::new("day")),
            );
        for table in [&mut days, &mut done] {
            if mysql {
                table.character_set("utf8mb4").collate("utf8mb4_bin");
            }
            m.create_table(table.to_owned()).await?;
        }
        for (table, name, cols) in INDEXES {
            let mut index = Index::create();
            index
                .name(format!("ix_{table}_{name}"))
                .table(Alias::new(table));
            for c in cols {
                index.col(Alias::new(*c));
            }
            m.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["stats_day", "stats_day_done"] {
            m.drop_table(
                Table::drop()
                    .table(Alias::new(table))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
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
