//! The audit chain: append-only rows, each with an HMAC over its content
//! and the previous row's MAC. Writers serialise on the single
//! `audit_head` row, so the chain never forks, on any database.

use super::Tx;
use super::entities::{audit, audit_head};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::prelude::Expr;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use sha2::Sha256;

/// What an audit row says (the chain fields are added on append).
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: i64,
    pub actor: String,
    pub staff_id: Option<i64>,
    pub action: String,
    pub org: Option<String>,
    pub account_id: Option<i64>,
    /// JSON without secrets.
    pub detail: String,
}

/// The MAC of one row: HMAC-SHA256 over a JSON array of its fields.
pub fn mac(key: &[u8], seq: i64, e: &Entry, prev_mac: &str) -> String {
    let content = serde_json::to_string(&(
        seq,
        e.at,
        &e.actor,
        e.staff_id,
        &e.action,
        &e.org,
        e.account_id,
        &e.detail,
        prev_mac,
    ))
    .expect("plain values serialise");
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    m.update(content.as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The head's own MAC: over the newest row's sequence number and MAC.
pub fn head_mac(key: &[u8], seq: i64, row_mac: &str) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    m.update(format!("avain-audit-head-v1:{seq}:{row_mac}").as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The head row.
pub async fn head(tx: &Tx) -> Result<Option<audit_head::Model>, DbErr> {
    audit_head::Entity::find_by_id(1).one(tx).await
}

/// The MAC of row `seq`, if the row exists.
pub async fn mac_at(tx: &Tx, seq: i64) -> Result<Option<String>, DbErr> {
    Ok(audit::Entity::find()
        .filter(audit::Column::Seq.eq(seq))
        .one(tx)
        .await?
        .map(|r| r.mac))
}

/// Appends one row inside the caller's transaction.
pub async fn append(tx: &Tx, key: &[u8], entry: Entry) -> Result<i64, DbErr> {
    // The UPDATE takes the head's row lock first (PostgreSQL, MariaDB);
    // SQLite's BEGIN IMMEDIATE already serialises writers.
    let bumped = audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(1),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(tx)
        .await?;
    if bumped.rows_affected != 1 {
        return Err(DbErr::Custom(
            "the audit head row is missing: the audit chain was tampered with".into(),
        ));
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(tx)
        .await?
        .ok_or_else(|| DbErr::Custom("the audit head row is missing".into()))?;
    let seq = head.seq;
    let row_mac = mac(key, seq, &entry, &head.mac);
    audit::ActiveModel {
        seq: Set(seq),
        at: Set(entry.at),
        actor: Set(entry.actor),
        staff_id: Set(entry.staff_id),
        action: Set(entry.action),
        org: Set(entry.org),
        account_id: Set(entry.account_id),
        detail: Set(entry.detail),
        prev_mac: Set(head.mac),
        mac: Set(row_mac.clone()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::HeadMac,
            Expr::value(head_mac(key, seq, &row_mac)),
        )
        .col_expr(audit_head::Column::Mac, Expr::value(row_mac))
        .filter(audit_head::Column::Id.eq(1))
        .exec(tx)
        .await?;
    Ok(seq)
}

/// Filters for listing.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub account_id: Option<i64>,
    pub orgs: Option<Vec<String>>,
    pub limit: u64,
}

/// Newest first.
pub async fn list(tx: &Tx, f: &Filter) -> Result<Vec<audit::Model>, DbErr> {
    let mut q = audit::Entity::find();
    if let Some(id) = f.account_id {
        q = q.filter(audit::Column::AccountId.eq(id));
    }
    if let Some(orgs) = &f.orgs {
        q = q.filter(audit::Column::Org.is_in(orgs.iter().cloned()));
    }
    q.order_by_desc(audit::Column::Seq)
        .limit(std::cmp::max(f.limit, 1))
        .all(tx)
        .await
}

/// One thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub seq: i64,
    pub what: String,
}

/// Walks the whole chain in pages and reports every break.
pub async fn verify(tx: &Tx, key: &[u8]) -> Result<(u64, Vec<Problem>), DbErr> {
    const PAGE: u64 = 5_000;
    let mut problems = Vec::new();
    let mut expected_seq = 1i64;
    let mut prev_mac = String::new();
    let mut checked = 0u64;
    loop {
        let rows = audit::Entity::find()
            .filter(audit::Column::Seq.gte(expected_seq))
            .order_by_asc(audit::Column::Seq)
            .limit(PAGE)
            .all(tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            checked += 1;
            if row.seq != expected_seq {
                problems.push(Problem {
                    seq: expected_seq,
                    what: format!("rows {expected_seq}..{} are missing", row.seq - 1),
                });
            }
            if row.prev_mac != prev_mac {
                problems.push(Problem {
                    seq: row.seq,
                    what: "does not follow the previous row (inserted or reordered)".into(),
                });
            }
            let entry = Entry {
                at: row.at,
                actor: row.actor.clone(),
                staff_id: row.staff_id,
                action: row.action.clone(),
                org: row.org.clone(),
                account_id: row.account_id,
                detail: row.detail.clone(),
            };
            if !crate::domain::token::hashes_equal(
                &mac(key, row.seq, &entry, &row.prev_mac),
                &row.mac,
            ) {
                problems.push(Problem {
                    seq: row.seq,
                    what: "content was altered (MAC mismatch)".into(),
                });
            }
            prev_mac = row.mac.clone();
            expected_seq = row.seq + 1;
        }
    }
    match head(tx).await? {
        // Never written since heads were keyed: the next audited action keys it.
        Some(h) if h.head_mac.is_empty() && h.seq > 0 => problems.push(Problem {
            seq: h.seq,
            what: "the audit head is not keyed yet (written by an older avain); \
                   the next audited action keys it"
                .into(),
        }),
        Some(h)
            if !h.head_mac.is_empty()
                && !crate::domain::token::hashes_equal(
                    &h.head_mac,
                    &head_mac(key, h.seq, &h.mac),
                ) =>
        {
            problems.push(Problem {
                seq: h.seq,
                what: "the audit head was changed without the key (wound back?)".into(),
            })
        }
        Some(h) if h.seq == expected_seq - 1 && h.mac == prev_mac => {}
        Some(h) => problems.push(Problem {
            seq: h.seq,
            what: format!(
                "the chain ends at row {} but the head says {}: rows were deleted at the end",
                expected_seq - 1,
                h.seq
            ),
        }),
        None => problems.push(Problem {
            seq: 0,
            what: "the audit head row is missing".into(),
        }),
    }
    Ok((checked, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_covers_every_field() {
        let e = Entry {
            at: 1,
            actor: "staff:a".into(),
            staff_id: Some(1),
            action: "link.send".into(),
            org: Some("kirjasto".into()),
            account_id: Some(7),
            detail: "{}".into(),
        };
        let base = mac(b"key", 1, &e, "");
        assert_eq!(base.len(), 64);
        assert_ne!(base, mac(b"other", 1, &e, ""));
        assert_ne!(base, mac(b"key", 2, &e, ""));
        assert_ne!(base, mac(b"key", 1, &e, "x"));
        assert_ne!(
            base,
            mac(
                b"key",
                1,
                &Entry {
                    account_id: Some(8),
                    ..e.clone()
                },
                ""
            )
        );
        assert_ne!(
            base,
            mac(
                b"key",
                1,
                &Entry {
                    detail: "{\"a\":1}".into(),
                    ..e.clone()
                },
                ""
            )
        );
    }
}
