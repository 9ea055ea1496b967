//! Finding accounts as staff type: indexed prefix search over card
//! numbers, emails, phones, logins and name words, accent-insensitive,
//! exact matches first, only in the staff member's organisations.

use super::{ServiceResult, Services, Staff};
use crate::domain::mask::{mask_card, mask_email};
use crate::domain::search_terms::query_words;
use crate::store::search::{self, SummaryRow};
use crate::store::{Pool, accounts};
use serde::Serialize;
use std::collections::HashSet;

/// Rows read first per result wanted (an account can match with several
/// terms, e.g. its name and its email).
const SCAN_PER_RESULT: u64 = 3;
/// Most rows read for one search (reached only when thousands of terms of
/// a few accounts share the prefix).
const MAX_SCAN: u64 = 20_000;

pub use crate::domain::Badge;

/// One search result, personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct AccountSummary {
    pub id: i64,
    pub org: String,
    pub full_name: String,
    pub card_masked: Option<String>,
    pub email_masked: String,
    /// Which field the first query word matched ("card", "email", "name"...).
    pub matched: String,
    pub badges: Vec<Badge>,
}

impl Services {
    /// Ids of the organisation's active accounts (benchmarks pick from them).
    pub async fn account_ids(&self, staff: &Staff, org: &str) -> ServiceResult<Vec<i64>> {
        staff.require_admin()?;
        let tx = self.store.begin_read().await?;
        let ids = accounts::active_ids(&tx, org).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Up to `limit` accounts matching every word of `query` as a prefix.
    pub async fn search(
        &self,
        staff: &Staff,
        query: &str,
        limit: usize,
    ) -> ServiceResult<Vec<AccountSummary>> {
        let words = query_words(query);
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        let db = self.store.connection();
        let mut order = matching_accounts(db, staff, &words, limit).await?;
        order.truncate(limit);
        let ids: Vec<i64> = order.iter().map(|(id, _)| *id).collect();
        let found = search::summaries(db, &staff.orgs, &ids, now).await?;
        Ok(order
            .into_iter()
            .filter_map(|(id, matched)| {
                let a = found.iter().find(|a| a.id == id)?;
                Some(AccountSummary {
                    id,
                    org: a.org.clone(),
                    full_name: a.full_name.clone(),
                    card_masked: a.active_card.as_deref().map(mask_card),
                    email_masked: mask_email(&a.email),
                    matched,
                    badges: badges_of(a),
                })
            })
            .collect())
    }
}

/// Accounts whose search terms start with every word, in the order the
/// scan met them, each with the kind of term that matched. The longest
/// word is usually the most selective, so the scan runs over its terms and
/// the other words are checked per row in the same query. An account can
/// match with several terms (its name and its email), so when the rows
/// read give fewer accounts than wanted, more rows are read.
async fn matching_accounts(
    db: &Pool,
    staff: &Staff,
    words: &[String],
    limit: usize,
) -> ServiceResult<Vec<(i64, String)>> {
    let driver = words.iter().max_by_key(|w| w.len()).expect("non-empty");
    let others: Vec<String> = {
        let mut rest = words.to_vec();
        let at = rest.iter().position(|w| w == driver).expect("in words");
        rest.remove(at);
        rest
    };
    let mut scan = limit as u64 * SCAN_PER_RESULT;
    loop {
        let hits = search::prefix(db, &staff.orgs, driver, &others, scan).await?;
        let more_rows = hits.len() as u64 == scan;
        let mut order: Vec<(i64, String)> = Vec::new();
        let mut seen = HashSet::new();
        for hit in hits {
            if seen.insert(hit.account_id) {
                order.push((hit.account_id, hit.kind));
            }
        }
        if order.len() >= limit || !more_rows || scan >= MAX_SCAN {
            return Ok(order);
        }
        scan *= 4;
    }
}

/// What a result row warns about, most serious first.
fn badges_of(a: &SummaryRow) -> Vec<Badge> {
    let mut badges = Vec::new();
    if a.status == crate::domain::AccountStatus::Removed {
        badges.push(Badge::Removed);
    }
    if a.locked {
        badges.push(Badge::Locked);
    }
    if a.legacy_credential {
        badges.push(Badge::LegacyPin);
    }
    if a.must_set_credential {
        badges.push(Badge::AwaitingFirstLogin);
    }
    if a.has_live_link {
        badges.push(Badge::ActiveLink);
    }
    badges
}
