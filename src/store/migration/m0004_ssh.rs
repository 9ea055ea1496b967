//! The SSH door: each staff member's public keys (the line as given and
//! its SHA-256 fingerprint), and the sessions open through it (so `avain
//! ssh sessions` can list them from any process, and a session can be
//! seen to end).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id() -> ColumnDef {
    ColumnDef::new(Alias::new("id"))
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big(name: &str, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer();
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

fn text(name: &str, len: u32, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.string_len(len);
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mysql = m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::MySql;
        let mut keys = Table::create();
        keys.table(Alias::new("staff_key"))
            .if_not_exists()
            .col(id())
            .col(big("staff_id", false))
            .col(text("fingerprint", 64, false))
            .col(ColumnDef::new(Alias::new("public_key")).text().not_null())
            .col(text("comment", 255, true))
            .col(big("added_at", false))
            .col(big("added_by_staff", true));
        let mut sessions = Table::create();
        sessions
            .table(Alias::new("ssh_session"))
            .if_not_exists()
            .col(id())
            .col(big("staff_id", false))
            .col(text("login", 64, false))
            .col(text("fingerprint", 64, false))
            .col(text("client", 64, false))
            .col(text("term", 64, false))
            .col(text("owner", 32, false))
            .col(big("started_at", false))
            .col(big("last_seen", false))
            .col(big("ended_at", true))
            .col(text("end_reason", 32, true));
        for table in [&mut keys, &mut sessions] {
            if mysql {
                table.character_set("utf8mb4").collate("utf8mb4_bin");
            }
            m.create_table(table.to_owned()).await?;
        }
        for (name, table, cols, unique) in [
            (
                "ix_staff_key_staff",
                "staff_key",
                &["staff_id", "fingerprint"][..],
                true,
            ),
            (
                "ix_ssh_session_open",
                "ssh_session",
                &["ended_at", "last_seen"][..],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for c in cols {
                index.col(Alias::new(*c));
            }
            if unique {
                index.unique();
            }
            m.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ssh_session", "staff_key"] {
            m.drop_table(Table::drop().table(Alias::new(name)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
