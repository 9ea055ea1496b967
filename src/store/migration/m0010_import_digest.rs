//! Each account's import digest: a hash of the cards and earlier addresses
//! the row that last imported it listed (see `service::import::digest`).
//! A re-import skips reading the cards and addresses of an account whose
//! fields and digest match its row. Empty for every stored account: their
//! next import reads them as before and records the digest.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("account"))
                .add_column(
                    ColumnDef::new(Alias::new("import_digest"))
                        .string_len(32)
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("account"))
                .drop_column(Alias::new("import_digest"))
                .to_owned(),
        )
        .await
    }
}
