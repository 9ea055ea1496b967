//! The search benchmarks' databases: N generated accounts in a SQLite
//! file, or in a database on a PostgreSQL or MariaDB server, built once
//! and reused; and the sample queries of each kind.

use super::{Kind, insert_generated, open_services, services_on};
use crate::service::{Services, Staff};
use crate::store::{Store, accounts};
use sea_orm::ConnectionTrait;

/// Opens (or builds) the SQLite database of `size` generated accounts.
pub(crate) async fn prepare(
    dir: &std::path::Path,
    size: u64,
) -> anyhow::Result<(Services, Staff, Vec<Kind>)> {
    let file = dir.join(format!("bench-{size}.db"));
    let services = open_services(&file).await?;
    let what = file.display().to_string();
    prepare_on(services, size, &what).await
}

/// Opens (or builds) database `name` of `size` generated accounts on the
/// server at `admin_url` (a database there that avain may create).
pub(crate) async fn prepare_server(
    admin_url: &str,
    size: u64,
) -> anyhow::Result<(Services, Staff, Vec<Kind>)> {
    let name = format!("avain_bench_search_{size}");
    let url = server_database(admin_url, &name, false).await?;
    let services = services_on(Store::open(&url).await?)?;
    prepare_on(services, size, &name).await
}

/// A database named `name` on the server at `admin_url` (emptied first
/// when `fresh`); its URL.
pub(crate) async fn server_database(
    admin_url: &str,
    name: &str,
    fresh: bool,
) -> anyhow::Result<String> {
    let admin = sea_orm::Database::connect(admin_url).await?;
    if fresh {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await?;
    }
    let exists = match admin.get_database_backend() {
        sea_orm::DbBackend::Postgres => admin
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
            ))
            .await?
            .is_some(),
        _ => false,
    };
    if !exists {
        let if_not = if admin.get_database_backend() == sea_orm::DbBackend::Postgres {
            ""
        } else {
            "IF NOT EXISTS "
        };
        admin
            .execute_unprepared(&format!("CREATE DATABASE {if_not}{name}"))
            .await?;
    }
    admin.close().await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    Ok(match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    })
}

/// Drops database `name` on the server at `admin_url`.
pub(crate) async fn drop_server_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let admin = sea_orm::Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    admin.close().await?;
    Ok(())
}

/// Fills `services`' database with `size` generated accounts unless it
/// has them; the bench staff member and the sample queries.
async fn prepare_on(
    services: Services,
    size: u64,
    what: &str,
) -> anyhow::Result<(Services, Staff, Vec<Kind>)> {
    let list = super::generated(&services, size);
    let tx = services.store.begin_read().await?;
    let existing = accounts::count(&tx, None).await?;
    tx.commit().await?;
    if existing != size {
        anyhow::ensure!(
            existing == 0,
            "{what} has {existing} accounts, expected {size}: delete it"
        );
        insert_generated(&services, &list).await?;
        // On a server, as its background maintenance would soon after: the
        // planner learns the sizes, and PostgreSQL's autovacuum marks the
        // pages all-visible, without which every index-only read of a term
        // also visits its table page. (avain never runs ANALYZE on SQLite.)
        let sql = match services.store.backend() {
            crate::store::Backend::Postgres => Some("VACUUM (ANALYZE) account, card, search_term"),
            crate::store::Backend::MySql => Some("ANALYZE TABLE account, card, search_term"),
            crate::store::Backend::Sqlite => None,
        };
        if let Some(sql) = sql {
            services.store.execute_unprepared(sql).await?;
        }
    }
    let _ = services.create_first_admin("bench", "Bench").await;
    let staff = services.identify_os_user("bench").await?;
    let pick = |f: &dyn Fn(&crate::store::bulk::BulkAccount) -> Option<String>| -> Vec<String> {
        list.iter()
            .step_by((list.len() / 500).max(1))
            .filter_map(f)
            .collect()
    };
    let mut rare = crate::demo::rare_surname_prefixes(&list);
    rare.truncate(500);
    let kinds = vec![
        Kind {
            name: "card number",
            selective: true,
            queries: pick(&|g| g.card.clone()),
        },
        Kind {
            name: "email",
            selective: true,
            queries: pick(&|g| Some(g.email.clone())),
        },
        Kind {
            name: "rare name prefix",
            selective: true,
            queries: rare,
        },
        Kind {
            name: "two words (first name, surname prefix)",
            selective: false,
            queries: pick(&|g| {
                let mut words = g.full_name.split_whitespace();
                let first = words.next()?.to_lowercase();
                let last: String = words.last()?.chars().take(4).collect();
                Some(format!("{first} {}", last.to_lowercase()))
            }),
        },
        Kind {
            name: "common name prefix",
            selective: false,
            queries: [
                "virt", "kors", "mäki", "niem", "aino", "matti", "lind", "ahon",
            ]
            .map(String::from)
            .to_vec(),
        },
    ];
    anyhow::ensure!(
        kinds.iter().all(|k| !k.queries.is_empty()),
        "no sample queries at {size} accounts"
    );
    Ok((services, staff, kinds))
}
