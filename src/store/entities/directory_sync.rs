//! An organisation's sync with its directory: the high-water mark of the
//! last complete read, when it ran, and a lease so one process syncs.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_sync")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org: String,
    /// The directory's own "changed since" value after the last read.
    pub mark: Option<String>,
    pub last_full_at: Option<i64>,
    pub last_run_at: Option<i64>,
    /// The last run's summary (JSON).
    pub last_result: Option<String>,
    pub lease_until: Option<i64>,
    pub lease_owner: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
