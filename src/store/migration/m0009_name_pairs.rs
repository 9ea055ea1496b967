//! Name-pair search terms (" matti virtanen", " virtanen matti") for the
//! accounts already stored, so a two-word search is one range from the
//! first start after the upgrade. Accounts written later get their pairs
//! with the rest of their terms. Pairs are derived from the stored name
//! with the same folding as every other term; a database whose pairs were
//! never written still finds every account, only more slowly.

use crate::domain::search_terms::name_pairs;
use sea_orm::{ConnectionTrait, Value};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Accounts read per statement.
const ACCOUNTS_PER_READ: u64 = 5_000;
/// Terms per INSERT: four values each, well under every backend's limit.
const TERMS_PER_INSERT: usize = 500;

/// Deletes every pair term: they are the only terms starting with a space.
async fn delete_pairs(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    db.execute_raw(crate::store::statement(
        db.get_database_backend(),
        "DELETE FROM search_term WHERE term >= ? AND term < ?",
        vec![" ".into(), "!".into()],
    ))
    .await
    .map(|_| ())
}

/// Inserts (account_id, org, term) rows as name terms.
async fn insert_pairs(m: &SchemaManager<'_>, rows: &[(i64, String, String)]) -> Result<(), DbErr> {
    let db = m.get_connection();
    for chunk in rows.chunks(TERMS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO search_term (account_id, org, term, kind) VALUES {}",
            vec!["(?, ?, ?, 'name')"; chunk.len()].join(", ")
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for (id, org, term) in chunk {
            values.extend([(*id).into(), org.as_str().into(), term.as_str().into()]);
        }
        db.execute_raw(crate::store::statement(
            db.get_database_backend(),
            &sql,
            values,
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A rerun after an interruption starts over rather than doubling.
        delete_pairs(m).await?;
        let db = m.get_connection();
        let mut after = i64::MIN;
        loop {
            let accounts = db
                .query_all_raw(crate::store::statement(
                    db.get_database_backend(),
                    "SELECT id, org, full_name FROM account WHERE id > ? ORDER BY id LIMIT ?",
                    vec![after.into(), (ACCOUNTS_PER_READ as i64).into()],
                ))
                .await?;
            let Some(last) = accounts.last() else {
                return Ok(());
            };
            after = last.try_get_by_index(0)?;
            let mut rows = Vec::new();
            for account in &accounts {
                let id: i64 = account.try_get_by_index(0)?;
                let org: String = account.try_get_by_index(1)?;
                let name: String = account.try_get_by_index(2)?;
                rows.extend(name_pairs(&name).into_iter().map(|p| (id, org.clone(), p)));
            }
            insert_pairs(m, &rows).await?;
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        delete_pairs(m).await
    }
}
