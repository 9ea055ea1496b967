//! Multi-row INSERTs for many rows of one table, written without the query
//! builder.
//!
//! An import writes about ten million search terms per million accounts in
//! statements of 500 rows. Built by sea-orm's `insert_many`, each statement
//! is a syntax tree of 2,000 cloned values, then SQL text written afresh
//! from it; that building took more of the import's own thread than
//! anything else (a third of its samples in `perf`, mostly allocating and
//! copying). Here the SQL text is made once for a chunk size and reused,
//! and each row's values are moved out of it into the statement's
//! parameters: the same SQL and the same values as `insert_many` sends.

use super::Tx;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait, IdenStatic,
    Iterable, Statement,
};

/// Rows per statement: well under every backend's limit on bound
/// parameters (an account has 22 columns: 11,000 per statement).
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts `rows` in statements of [`ROWS_PER_STATEMENT`], each row
/// setting the columns the first one sets (a row that leaves one of them
/// unset is an error, not a silent NULL or default).
pub async fn insert_all<A>(tx: &Tx, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let backend = tx.get_database_backend();
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter()
        .filter(|c| first.get(*c).is_set())
        .collect();
    let names: Vec<String> = columns.iter().map(|c| c.as_str().to_string()).collect();
    let table = A::Entity::default().table_name().to_string();
    let mut sql = String::new();
    let mut sql_rows = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        if chunk.len() != sql_rows {
            sql = insert_sql(backend, &table, &names, chunk.len());
            sql_rows = chunk.len();
        }
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for mut row in chunk {
            for (column, name) in columns.iter().zip(&names) {
                let value = row.take(*column).into_value().ok_or_else(|| {
                    DbErr::Custom(format!("a {table} row without {name} among rows with it"))
                })?;
                values.push(value);
            }
        }
        tx.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES (…), (…)` with `rows` rows of
/// placeholders in the backend's own spelling.
fn insert_sql(backend: DbBackend, table: &str, columns: &[String], rows: usize) -> String {
    let quote = |name: &str| match backend {
        DbBackend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    };
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let row = format!("({})", super::placeholders(columns.len()));
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        quote(table),
        list.join(", "),
        vec![row; rows].join(", ")
    );
    match backend {
        DbBackend::Postgres => super::numbered(&sql),
        _ => sql,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_spelled_per_backend() {
        let columns = ["a".to_string(), "b".to_string()];
        assert_eq!(
            insert_sql(DbBackend::Sqlite, "t", &columns, 2),
            r#"INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)"#
        );
        assert_eq!(
            insert_sql(DbBackend::Postgres, "t", &columns, 2),
            r#"INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4)"#
        );
        assert_eq!(
            insert_sql(DbBackend::MySql, "t", &columns, 1),
            "INSERT INTO `t` (`a`, `b`) VALUES (?, ?)"
        );
    }
}
