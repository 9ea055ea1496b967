//! Systems of record: when each mirrored account was last read from its
//! directory and whether the directory has it locked; a claim on a link
//! while its new credential goes to the directory; every push to a
//! directory (started, finished, how it went); each organisation's sync
//! state (its high-water mark and a lease so one process syncs at a time).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let alter = |table: &str, col: ColumnDef| {
            Table::alter()
                .table(Alias::new(table))
                .add_column(col)
                .to_owned()
        };
        m.alter_table(alter("account", big_null("directory_synced_at")))
            .await?;
        m.alter_table(alter(
            "account",
            ColumnDef::new(Alias::new("directory_locked"))
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ))
        .await?;
        m.alter_table(alter("reset_token", big_null("claimed_until")))
            .await?;

        let mut push = Table::create();
        push.table(Alias::new("directory_push"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("id"))
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("org")).string_len(32).not_null())
            .col(
                ColumnDef::new(Alias::new("account_id"))
                    .big_integer()
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("kind")).string_len(16).not_null())
            .col(
                ColumnDef::new(Alias::new("actor"))
                    .string_len(128)
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("token_id")).big_integer().null())
            .col(
                ColumnDef::new(Alias::new("started_at"))
                    .big_integer()
                    .not_null(),
            )
            .col(big_null("finished_at"))
            .col(ColumnDef::new(Alias::new("outcome")).string_len(16).null())
            .col(ColumnDef::new(Alias::new("detail")).text().null());
        if b == sea_orm_migration::sea_orm::DbBackend::MySql {
            push.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(push.to_owned()).await?;
        m.create_index(
            Index::create()
                .name("ix_directory_push_open")
                .table(Alias::new("directory_push"))
                .col(Alias::new("finished_at"))
                .col(Alias::new("started_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_directory_push_account")
                .table(Alias::new("directory_push"))
                .col(Alias::new("account_id"))
                .to_owned(),
        )
        .await?;

        let mut sync = Table::create();
        sync.table(Alias::new("directory_sync"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("id"))
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("org")).string_len(32).not_null())
            .col(ColumnDef::new(Alias::new("mark")).string_len(255).null())
            .col(big_null("last_full_at"))
            .col(big_null("last_run_at"))
            .col(ColumnDef::new(Alias::new("last_result")).text().null())
            .col(big_null("lease_until"))
            .col(
                ColumnDef::new(Alias::new("lease_owner"))
                    .string_len(64)
                    .null(),
            );
        if b == sea_orm_migration::sea_orm::DbBackend::MySql {
            sync.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(sync.to_owned()).await?;
        m.create_index(
            Index::create()
                .name("ix_directory_sync_org")
                .table(Alias::new("directory_sync"))
                .col(Alias::new("org"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_account_org_synced")
                .table(Alias::new("account"))
                .col(Alias::new("org"))
                .col(Alias::new("status"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["directory_sync", "directory_push"] {
            m.drop_table(Table::drop().table(Alias::new(name)).if_exists().to_owned())
                .await?;
        }
        for (table, col) in [
            ("account", "directory_synced_at"),
            ("account", "directory_locked"),
            ("reset_token", "claimed_until"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
