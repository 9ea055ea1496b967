//! Search terms indexed by (account_id, term): a search of several words
//! checks each further word against a candidate account with one index
//! seek. The index replaces the one on account_id alone (it serves the
//! same lookups, and MariaDB's foreign key, with account_id first).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NEW: &str = "ix_search_term_account_term";
const OLD: &str = "ix_search_term_account";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NEW)
                .table(Alias::new("search_term"))
                .col(Alias::new("account_id"))
                .col(Alias::new("term"))
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(OLD)
                .table(Alias::new("search_term"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(OLD)
                .table(Alias::new("search_term"))
                .col(Alias::new("account_id"))
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(NEW)
                .table(Alias::new("search_term"))
                .to_owned(),
        )
        .await
    }
}
