//! The prefix index of search terms carries the term's kind too, so a
//! search's range scan is answered from the index alone: before, every
//! term read also looked up its row for the kind (on MariaDB a primary-key
//! lookup per row, on PostgreSQL a heap fetch, on SQLite a table seek).
//! The new index replaces (term, org, account_id), which it extends.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NEW: &str = "ix_search_term_prefix";
const OLD: &str = "ix_search_term_term";

/// An index on search_term over `columns`.
fn create(name: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(Alias::new("search_term"))
        .if_not_exists();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index.to_owned()
}

/// Drops one of search_term's indexes.
fn drop(name: &str) -> IndexDropStatement {
    Index::drop()
        .name(name)
        .table(Alias::new("search_term"))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(create(NEW, &["term", "org", "account_id", "kind"]))
            .await?;
        m.drop_index(drop(OLD)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(create(OLD, &["term", "org", "account_id"]))
            .await?;
        m.drop_index(drop(NEW)).await
    }
}
