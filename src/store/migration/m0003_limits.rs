//! Limits every `avain serve` on one database shares: one row per counted
//! event (a form sent, a mismatch), keyed by a MAC of what was counted so
//! no card number or address is stored, with the process that counted it;
//! and the audit head's own MAC, so winding the head back to an earlier
//! row is detected.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut events = Table::create();
        events
            .table(Alias::new("rate_event"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("id"))
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(Alias::new("bucket"))
                    .string_len(64)
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("at")).big_integer().not_null())
            .col(
                ColumnDef::new(Alias::new("owner"))
                    .string_len(32)
                    .not_null()
                    .default(""),
            );
        if m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::MySql {
            events.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(events.to_owned()).await?;
        for (name, cols) in [
            ("ix_rate_event_bucket", &["bucket", "at"][..]),
            ("ix_rate_event_at", &["at"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Alias::new("rate_event"));
            for c in cols {
                index.col(Alias::new(*c));
            }
            m.create_index(index.to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Alias::new("audit_head"))
                .add_column(
                    ColumnDef::new(Alias::new("head_mac"))
                        .string_len(64)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("rate_event"))
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("audit_head"))
                .drop_column(Alias::new("head_mac"))
                .to_owned(),
        )
        .await
    }
}
