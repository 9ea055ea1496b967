//! The audit head anchored outside the database: each verification that
//! finds the chain intact (and each `avain serve` start) appends the
//! head's sequence number and MAC to a file in the data folder, and each
//! verification checks that the anchored row is still in the chain with
//! that MAC. Someone who can write to the database but not to that folder
//! cannot cut rows off the end (nor empty the chain) unnoticed.

use super::{ServiceResult, Services};
use crate::store::Tx;
use crate::store::audit_log::{self, Problem};
use std::io::Write;
use std::path::Path;

/// One anchored head.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Anchor {
    seq: i64,
    mac: String,
    at: i64,
}

/// The newest anchor in the file (lines `SEQ MAC AT`), if any.
fn last_anchor(path: &Path) -> std::io::Result<Option<Anchor>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(text.lines().rev().find_map(|line| {
        let mut parts = line.split_whitespace();
        Some(Anchor {
            seq: parts.next()?.parse().ok()?,
            mac: parts.next()?.to_string(),
            at: parts.next()?.parse().ok()?,
        })
    }))
}

fn append_anchor(path: &Path, anchor: &Anchor) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{} {} {}", anchor.seq, anchor.mac, anchor.at)?;
    file.sync_all()
}

impl Services {
    /// What is wrong with the chain against the newest anchor.
    pub(crate) async fn anchor_problems(&self, tx: &Tx) -> ServiceResult<Vec<Problem>> {
        let Some(path) = self.audit_anchor_file() else {
            return Ok(Vec::new());
        };
        let anchor = last_anchor(path).map_err(|e| {
            super::ServiceError::Refused(format!("cannot read {}: {e}", path.display()))
        })?;
        let Some(anchor) = anchor else {
            return Ok(Vec::new());
        };
        let when = crate::clock::format_utc(anchor.at);
        let problem = match audit_log::mac_at(tx, anchor.seq).await? {
            _ if anchor.seq == 0 => None,
            None => Some(format!(
                "row {} was in the chain at {when} (recorded outside the database) \
                 and is gone: rows were cut off the end",
                anchor.seq
            )),
            Some(mac) if mac != anchor.mac => Some(format!(
                "row {} is not the row recorded outside the database at {when}: \
                 the chain was rewritten",
                anchor.seq
            )),
            Some(_) => None,
        };
        Ok(problem
            .map(|what| Problem {
                seq: anchor.seq,
                what,
            })
            .into_iter()
            .collect())
    }

    /// Records the current head outside the database (after a check that
    /// found nothing wrong).
    pub(crate) async fn record_anchor(&self, tx: &Tx) -> ServiceResult<()> {
        let Some(path) = self.audit_anchor_file() else {
            return Ok(());
        };
        let Some(head) = audit_log::head(tx).await? else {
            return Ok(());
        };
        let anchor = Anchor {
            seq: head.seq,
            mac: if head.mac.is_empty() {
                "-".into()
            } else {
                head.mac
            },
            at: self.now(),
        };
        if last_anchor(path)
            .ok()
            .flatten()
            .is_some_and(|a| a.seq == anchor.seq && a.mac == anchor.mac)
        {
            return Ok(());
        }
        append_anchor(path, &anchor).map_err(|e| {
            super::ServiceError::Refused(format!("cannot write {}: {e}", path.display()))
        })
    }

    /// At a server's start: checks the head against the anchor (cheap: one
    /// row) and anchors it when nothing is wrong. Returns what is wrong.
    pub async fn anchor_audit_head(&self) -> ServiceResult<Vec<Problem>> {
        let tx = self.store.begin_read().await?;
        let problems = self.anchor_problems(&tx).await?;
        if problems.is_empty() {
            self.record_anchor(&tx).await?;
        }
        tx.commit().await?;
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_well_formed_line_is_the_anchor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit-anchor");
        assert_eq!(last_anchor(&path).unwrap(), None);
        let a = Anchor {
            seq: 5,
            mac: "ab".into(),
            at: 1,
        };
        let b = Anchor {
            seq: 9,
            mac: "cd".into(),
            at: 2,
        };
        append_anchor(&path, &a).unwrap();
        append_anchor(&path, &b).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"torn line\n")
            .unwrap();
        assert_eq!(last_anchor(&path).unwrap(), Some(b));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
