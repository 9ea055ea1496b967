//! Schema migrations, run automatically when avain opens a database.

use sea_orm_migration::prelude::*;

mod m0001_initial;
mod m0002_directory;
mod m0003_limits;
mod m0004_ssh;
mod m0005_retired_org;
mod m0006_stats;
mod m0007_term_probe;
mod m0008_term_covering;
mod m0009_name_pairs;
mod m0010_import_digest;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_directory::Migration),
            Box::new(m0003_limits::Migration),
            Box::new(m0004_ssh::Migration),
            Box::new(m0005_retired_org::Migration),
            Box::new(m0006_stats::Migration),
            Box::new(m0007_term_probe::Migration),
            Box::new(m0008_term_covering::Migration),
            Box::new(m0009_name_pairs::Migration),
            Box::new(m0010_import_digest::Migration),
        ]
    }
}
