//! The first schema: accounts, cards, email history, links, outbox,
//! self-service attempts, staff, audit chain, notes, search terms.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Column kinds used by this schema.
enum Col {
    /// VARCHAR(n), not null.
    Str(u32),
    /// VARCHAR(n), nullable.
    StrNull(u32),
    /// Unbounded text, not null.
    Text,
    TextNull,
    /// 64-bit integer (times are Unix milliseconds), not null.
    Int,
    IntNull,
    Bool,
    /// 32-bit counter, default 0.
    Count,
    /// Search term: byte-ordered on every database so prefix ranges work.
    Term,
}

fn table(backend: DbBackend, name: &str, cols: &[(&str, Col)]) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(Alias::new(name)).if_not_exists();
    t.col(
        ColumnDef::new(Alias::new("id"))
            .big_integer()
            .not_null()
            .auto_increment()
            .primary_key(),
    );
    for (col_name, kind) in cols {
        let mut c = ColumnDef::new(Alias::new(*col_name));
        match kind {
            Col::Str(n) => c.string_len(*n).not_null(),
            Col::StrNull(n) => c.string_len(*n).null(),
            Col::Text => c.text().not_null(),
            Col::TextNull => c.text().null(),
            Col::Int => c.big_integer().not_null(),
            Col::IntNull => c.big_integer().null(),
            Col::Bool => c.boolean().not_null().default(false),
            Col::Count => c.integer().not_null().default(0),
            Col::Term => {
                c.string_len(64).not_null();
                match backend {
                    DbBackend::Postgres => c.extra("COLLATE \"C\""),
                    DbBackend::MySql => c.extra("COLLATE utf8mb4_bin"),
                    _ => &mut c,
                }
            }
        };
        t.col(c);
    }
    if backend == DbBackend::MySql {
        // Byte comparison everywhere, as on SQLite: "A" and "Ä" are different keys.
        t.character_set("utf8mb4").collate("utf8mb4_bin");
    }
    t.to_owned()
}

fn foreign_key(t: &mut TableCreateStatement, from: &str, col: &str, to: &str) {
    t.foreign_key(
        ForeignKey::create()
            .name(format!("fk_{from}_{col}"))
            .from(Alias::new(from), Alias::new(col))
            .to(Alias::new(to), Alias::new("id"))
            .on_delete(ForeignKeyAction::Cascade),
    );
}

fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{name}"))
        .table(Alias::new(table))
        .if_not_exists();
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Col::*;
        let b = m.get_database_backend();

        m.create_table(table(
            b,
            "account",
            &[
                ("org", Str(32)),
                ("login", StrNull(128)),
                ("external_id", StrNull(128)),
                ("full_name", Text),
                ("email", Str(254)),
                ("email_key", Str(254)),
                ("phone", StrNull(32)),
                ("status", Str(16)),
                ("credential_hash", StrNull(255)),
                ("credential_key_id", StrNull(32)),
                ("credential_set_at", IntNull),
                ("legacy_credential", Bool),
                ("must_set_credential", Bool),
                ("failed_attempts", Count),
                ("locked_at", IntNull),
                ("lock_reason", StrNull(255)),
                ("created_at", Int),
                ("updated_at", Int),
            ],
        ))
        .await?;
        m.create_index(index("account", "org_email", &["org", "email_key"], false))
            .await?;
        m.create_index(index("account", "org_login", &["org", "login"], true))
            .await?;
        m.create_index(index(
            "account",
            "org_external",
            &["org", "external_id"],
            true,
        ))
        .await?;

        let mut card = table(
            b,
            "card",
            &[
                ("account_id", Int),
                ("org", Str(32)),
                ("number", Str(64)),
                ("number_key", Str(64)),
                ("status", Str(16)),
                ("created_at", Int),
                ("changed_at", IntNull),
            ],
        );
        foreign_key(&mut card, "card", "account_id", "account");
        m.create_table(card).await?;
        m.create_index(index("card", "org_number", &["org", "number_key"], true))
            .await?;
        m.create_index(index("card", "account", &["account_id"], false))
            .await?;

        let mut history = table(
            b,
            "email_history",
            &[
                ("account_id", Int),
                ("org", Str(32)),
                ("email", Str(254)),
                ("email_key", Str(254)),
                ("until_at", Int),
                ("changed_by", StrNull(128)),
            ],
        );
        foreign_key(&mut history, "email_history", "account_id", "account");
        m.create_table(history).await?;
        m.create_index(index(
            "email_history",
            "org_email",
            &["org", "email_key"],
            false,
        ))
        .await?;
        m.create_index(index("email_history", "account", &["account_id"], false))
            .await?;

        let mut token = table(
            b,
            "reset_token",
            &[
                ("account_id", Int),
                ("org", Str(32)),
                ("purpose", Str(16)),
                ("origin", Str(16)),
                ("token_hash", Str(64)),
                ("sent_to", Str(254)),
                ("created_at", Int),
                ("expires_at", Int),
                ("used_at", IntNull),
                ("revoked_at", IntNull),
                ("revoke_reason", StrNull(32)),
                ("created_by_staff", IntNull),
            ],
        );
        foreign_key(&mut token, "reset_token", "account_id", "account");
        m.create_table(token).await?;
        m.create_index(index("reset_token", "hash", &["token_hash"], true))
            .await?;
        m.create_index(index(
            "reset_token",
            "account",
            &["account_id", "purpose", "created_at"],
            false,
        ))
        .await?;

        let mut outbox = table(
            b,
            "outbox",
            &[
                ("org", Str(32)),
                ("account_id", IntNull),
                ("token_id", IntNull),
                ("recipient", Str(254)),
                ("template", Str(32)),
                ("language", Str(8)),
                ("params", Text),
                ("sealed_link", TextNull),
                ("status", Str(16)),
                ("attempts", Count),
                ("next_attempt_at", Int),
                ("last_answer", TextNull),
                ("message_id", StrNull(255)),
                ("created_at", Int),
                ("sent_at", IntNull),
                ("claimed_until", IntNull),
            ],
        );
        foreign_key(&mut outbox, "outbox", "account_id", "account");
        m.create_table(outbox).await?;
        m.create_index(index(
            "outbox",
            "due",
            &["status", "next_attempt_at"],
            false,
        ))
        .await?;
        m.create_index(index("outbox", "token", &["token_id"], false))
            .await?;
        m.create_index(index("outbox", "account", &["account_id"], false))
            .await?;

        let mut attempt = table(
            b,
            "selfservice_attempt",
            &[
                ("org", Str(32)),
                ("account_id", IntNull),
                ("card_typed", StrNull(255)),
                ("email_typed", StrNull(255)),
                ("accepted", Bool),
                ("verdict", Text),
                ("outcome", Str(32)),
                ("client", StrNull(64)),
                ("created_at", Int),
            ],
        );
        foreign_key(&mut attempt, "selfservice_attempt", "account_id", "account");
        m.create_table(attempt).await?;
        m.create_index(index(
            "selfservice_attempt",
            "account",
            &["account_id", "created_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "selfservice_attempt",
            "created",
            &["created_at"],
            false,
        ))
        .await?;

        m.create_table(table(
            b,
            "staff",
            &[
                ("login", Str(64)),
                ("full_name", Str(255)),
                ("role", Str(16)),
                ("orgs", Str(1024)),
                ("password_hash", StrNull(255)),
                ("password_key_id", StrNull(32)),
                ("active", Bool),
                ("failed_attempts", Count),
                ("locked_at", IntNull),
                ("created_at", Int),
            ],
        ))
        .await?;
        m.create_index(index("staff", "login", &["login"], true))
            .await?;

        m.create_table(table(
            b,
            "audit",
            &[
                ("seq", Int),
                ("at", Int),
                ("actor", Str(128)),
                ("staff_id", IntNull),
                ("action", Str(64)),
                ("org", StrNull(32)),
                ("account_id", IntNull),
                ("detail", Text),
                ("prev_mac", Str(64)),
                ("mac", Str(64)),
            ],
        ))
        .await?;
        m.create_index(index("audit", "seq", &["seq"], true))
            .await?;
        m.create_index(index("audit", "account", &["account_id", "seq"], false))
            .await?;
        m.create_table(table(b, "audit_head", &[("seq", Int), ("mac", Str(64))]))
            .await?;
        // The single head row every audit write locks and moves forward.
        m.exec_stmt(
            Query::insert()
                .into_table(Alias::new("audit_head"))
                .columns([Alias::new("id"), Alias::new("seq"), Alias::new("mac")])
                .values_panic([1i64.into(), 0i64.into(), "".into()])
                .to_owned(),
        )
        .await?;

        let mut note = table(
            b,
            "note",
            &[
                ("account_id", Int),
                ("org", Str(32)),
                ("staff_id", IntNull),
                ("author", Str(128)),
                ("text", Text),
                ("created_at", Int),
            ],
        );
        foreign_key(&mut note, "note", "account_id", "account");
        m.create_table(note).await?;
        m.create_index(index(
            "note",
            "account",
            &["account_id", "created_at"],
            false,
        ))
        .await?;

        let mut term = table(
            b,
            "search_term",
            &[
                ("account_id", Int),
                ("org", Str(32)),
                ("term", Term),
                ("kind", Str(8)),
            ],
        );
        foreign_key(&mut term, "search_term", "account_id", "account");
        m.create_table(term).await?;
        // A prefix range in term order, filtered by org (m0008 adds the
        // kind, so the range is answered from the index alone).
        m.create_index(index(
            "search_term",
            "term",
            &["term", "org", "account_id"],
            false,
        ))
        .await?;
        m.create_index(index("search_term", "account", &["account_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "search_term",
            "note",
            "audit_head",
            "audit",
            "staff",
            "selfservice_attempt",
            "outbox",
            "reset_token",
            "email_history",
            "card",
            "account",
        ] {
            m.drop_table(Table::drop().table(Alias::new(name)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
