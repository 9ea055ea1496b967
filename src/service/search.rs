//! Finding accounts as staff type: indexed prefix search over card
//! numbers, emails, phones, logins and name words, accent-insensitive,
//! exact matches first, only in the staff member's organisations.

use super::{ServiceResult, Services, Staff};
use crate::domain::mask::{mask_card, mask_email};
use crate::domain::search_terms::{pair_term, query_words};
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
/// Terms counted at most per word when choosing which word to scan; past
/// this a word is simply common.
const RARITY_CAP: u64 = 500;

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

/// Accounts whose search terms start with every word, each with the kind
/// of term that matched, best first. Two or more words are first looked
/// up as a name pair ("matti virt" on the terms " matti virt…"): one range,
/// however common the first name is, giving the accounts whose first word
/// is a whole name word. Only when those are fewer than `limit` are the
/// words matched one by one (a partial first word, an email, a word of a
/// long name), scanning the rarest word and checking the others per row,
/// so every account matching all words is found.
async fn matching_accounts(
    db: &Pool,
    staff: &Staff,
    words: &[String],
    limit: usize,
) -> ServiceResult<Vec<(i64, String)>> {
    let mut found: Vec<(i64, String)> = Vec::new();
    if let [first, second, rest @ ..] = words
        && let Some(pair) = pair_term(first, second)
    {
        found = scan_matches(db, &staff.orgs, &pair, rest, limit, &HashSet::new()).await?;
        if found.len() >= limit {
            return Ok(found);
        }
    }
    let driver = rarest_word(db, &staff.orgs, words).await?;
    let others: Vec<String> = words.iter().filter(|w| *w != driver).cloned().collect();
    let seen: HashSet<i64> = found.iter().map(|(id, _)| *id).collect();
    let wanted = limit - found.len();
    found.extend(scan_matches(db, &staff.orgs, driver, &others, wanted, &seen).await?);
    Ok(found)
}

/// Up to `wanted` accounts not in `seen` with a term starting with
/// `driver` and terms starting with each of `others`, in term order. An
/// account can match with several terms (its name and its email), so
/// when the rows read give fewer accounts than wanted, more rows are read.
async fn scan_matches(
    db: &Pool,
    orgs: &[String],
    driver: &str,
    others: &[String],
    wanted: usize,
    seen: &HashSet<i64>,
) -> ServiceResult<Vec<(i64, String)>> {
    let mut scan = (wanted + seen.len()) as u64 * SCAN_PER_RESULT;
    loop {
        let hits = search::prefix(db, orgs, driver, others, scan).await?;
        let more_rows = hits.len() as u64 == scan;
        let mut order: Vec<(i64, String)> = Vec::new();
        let mut new = HashSet::new();
        for hit in hits {
            if !seen.contains(&hit.account_id) && new.insert(hit.account_id) {
                order.push((hit.account_id, hit.kind));
            }
        }
        if order.len() >= wanted || !more_rows || scan >= MAX_SCAN {
            order.truncate(wanted);
            return Ok(order);
        }
        scan *= 4;
    }
}

/// The word whose range has the fewest terms (counted up to
/// `RARITY_CAP`), the longest among equals: the scan runs over it and the
/// other words are checked per row, so "matti tarak" reads the few
/// "tarak…" terms, not every Matti.
async fn rarest_word<'w>(
    db: &Pool,
    orgs: &[String],
    words: &'w [String],
) -> ServiceResult<&'w String> {
    let longest = words.iter().max_by_key(|w| w.len()).expect("non-empty");
    if words.len() == 1 {
        return Ok(longest);
    }
    let mut best = (u64::MAX, longest);
    for word in words {
        let count = search::count_prefix(db, orgs, word, RARITY_CAP).await?;
        if count < best.0 || (count == best.0 && word.len() > best.1.len()) {
            best = (count, word);
        }
    }
    Ok(best.1)
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
