//! Retired organisations: the slug, when and by whom. The rows of its
//! accounts stay where they are, under the slug, as history.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Alias::new("retired_org"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("slug"))
                    .string_len(32)
                    .not_null()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(Alias::new("retired_at"))
                    .big_integer()
                    .not_null(),
            )
            .col(
                ColumnDef::new(Alias::new("retired_by_staff"))
                    .big_integer()
                    .null(),
            );
        if m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::MySql {
            table.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(table.to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("retired_org")).to_owned())
            .await
    }
}
