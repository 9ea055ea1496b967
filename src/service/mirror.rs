//! Keeping the mirror in step with a directory: entries read from it are
//! written into accounts (new ones in bulk, changed ones field by field,
//! the rest only marked read), earlier emails and replaced cards kept as
//! history, and accounts the directory no longer has marked removed. Sync,
//! the refresh when an account is opened and the refresh before a verdict
//! all write through here.

use super::{ServiceResult, Services};
use crate::directory::DirectoryEntry;
use crate::domain::link::RevokeReason;
use crate::domain::normalize::card_key;
use crate::domain::verdict::CardStatus;
use crate::store::bulk::{self, BulkAccount};
use crate::store::entities::{account, card};
use crate::store::{Tx, accounts, mirror, tokens};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What writing a batch of entries did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub created: u64,
    pub unchanged: u64,
    /// Per changed account: its id and the fields that changed.
    pub changed: Vec<(i64, Vec<&'static str>)>,
    /// Entries that could not be written whole, and why.
    pub problems: Vec<String>,
}

/// Which fields of an account differ from the directory's entry.
fn differences(
    a: &account::Model,
    active_card: Option<&str>,
    e: &DirectoryEntry,
) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if a.full_name != e.full_name {
        fields.push("name");
    }
    if a.email != e.email {
        fields.push("email");
    }
    if a.login.as_deref() != e.login.as_deref() {
        fields.push("login");
    }
    if a.phone.as_deref() != e.phone.as_deref() {
        fields.push("phone");
    }
    if let Some(c) = &e.card
        && active_card.map(card_key) != Some(card_key(c))
    {
        fields.push("card");
    }
    if e.locked.is_some_and(|l| l != a.directory_locked) {
        fields.push("lock");
    }
    if a.status == crate::domain::AccountStatus::Removed {
        fields.push("restored");
    }
    fields
}

impl Services {
    /// Writes directory entries of `org` into the mirror inside `tx`.
    pub(crate) async fn apply_entries(
        &self,
        tx: &Tx,
        org: &str,
        entries: &[DirectoryEntry],
        adopt: bool,
        now: i64,
    ) -> ServiceResult<Applied> {
        let mut applied = Applied::default();
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        let existing = mirror::by_external_ids(tx, org, &ids).await?;
        let account_ids: Vec<i64> = existing.iter().map(|a| a.id).collect();
        let cards = accounts::cards_of(tx, &account_ids).await?;
        let by_id: HashMap<&str, &account::Model> = existing
            .iter()
            .filter_map(|a| a.external_id.as_deref().map(|x| (x, a)))
            .collect();
        let mut untouched = Vec::new();
        let mut new = Vec::new();
        let mut seen = HashSet::new();
        for e in entries {
            if !seen.insert(e.id.as_str()) {
                continue;
            }
            let found = match by_id.get(e.id.as_str()) {
                Some(a) => Some((*a).clone()),
                None if adopt => self.adoptable(tx, org, e).await?,
                None => None,
            };
            let Some(a) = found else {
                new.push(e);
                continue;
            };
            let own_cards: Vec<&card::Model> =
                cards.iter().filter(|c| c.account_id == a.id).collect();
            let active = own_cards
                .iter()
                .find(|c| c.status == CardStatus::Active)
                .map(|c| c.number.as_str());
            let mut fields = differences(&a, active, e);
            if a.external_id.as_deref() != Some(e.id.as_str()) {
                fields.push("linked");
            }
            if fields.is_empty() {
                untouched.push(a.id);
                continue;
            }
            if let Some(problem) = self
                .change_account(tx, &a, &own_cards, e, &fields, now)
                .await?
            {
                applied.problems.push(problem);
            }
            applied.changed.push((a.id, fields));
        }
        mirror::touch(tx, &untouched, now).await?;
        applied.unchanged = untouched.len() as u64;
        applied.created = self
            .create_accounts(tx, org, &new, now, &mut applied.problems)
            .await?;
        Ok(applied)
    }

    /// An account made before the directory was connected (a CSV import)
    /// that this entry is: same login, else same active card.
    async fn adoptable(
        &self,
        tx: &Tx,
        org: &str,
        e: &DirectoryEntry,
    ) -> ServiceResult<Option<account::Model>> {
        if let Some(login) = &e.login
            && let Some(a) = accounts::find_by_login(tx, org, login).await?
            && a.external_id.is_none()
        {
            return Ok(Some(a));
        }
        if let Some(number) = &e.card
            && let Some(c) = accounts::find_card(tx, org, number).await?
            && let Some(a) = accounts::get(tx, c.account_id).await?
            && a.external_id.is_none()
        {
            return Ok(Some(a));
        }
        Ok(None)
    }

    /// Writes a changed entry into its account. Returns a problem when
    /// part of it could not be kept (a card another account holds).
    async fn change_account(
        &self,
        tx: &Tx,
        a: &account::Model,
        own_cards: &[&card::Model],
        e: &DirectoryEntry,
        fields: &[&'static str],
        now: i64,
    ) -> ServiceResult<Option<String>> {
        if fields.contains(&"email") && !a.email.is_empty() {
            accounts::add_previous_email(tx, a, &a.email, now, Some("directory".into())).await?;
            let dead = tokens::live_not_sent_to(tx, a.id, &e.email, now).await?;
            tokens::revoke_ids(tx, &dead, RevokeReason::EmailChanged, now).await?;
            self.retire_link_mails(tx, &dead, "the email on file changed")
                .await?;
        }
        mirror::update_from_directory(
            tx,
            a.id,
            &mirror::MirroredFields {
                external_id: &e.id,
                login: e.login.as_deref(),
                full_name: &e.full_name,
                email: &e.email,
                phone: e.phone.as_deref(),
                locked: e.locked,
            },
            now,
        )
        .await?;
        let mut problem = None;
        if fields.contains(&"card")
            && let Some(number) = &e.card
        {
            problem = self.move_card(tx, a, own_cards, number, now).await?;
        }
        let updated = accounts::get(tx, a.id).await?.expect("just updated");
        accounts::refresh_terms(tx, &updated).await?;
        Ok(problem)
    }

    /// Makes `number` the account's active card; the old one is kept as
    /// replaced. A number another account holds is left where it is.
    async fn move_card(
        &self,
        tx: &Tx,
        a: &account::Model,
        own_cards: &[&card::Model],
        number: &str,
        now: i64,
    ) -> ServiceResult<Option<String>> {
        let key = card_key(number);
        if let Some(other) = accounts::find_card(tx, &a.org, number).await?
            && other.account_id != a.id
        {
            return Ok(Some(format!(
                "entry {:?}: card {number:?} belongs to account #{}",
                a.external_id.as_deref().unwrap_or_default(),
                other.account_id
            )));
        }
        for c in own_cards
            .iter()
            .filter(|c| c.status == CardStatus::Active && c.number_key != key)
        {
            accounts::set_card_status(tx, c.id, CardStatus::Replaced, now).await?;
        }
        match own_cards.iter().find(|c| c.number_key == key) {
            Some(c) if c.status != CardStatus::Active => {
                accounts::set_card_status(tx, c.id, CardStatus::Active, now).await?
            }
            Some(_) => {}
            None => {
                accounts::add_card(tx, a, number, CardStatus::Active, now).await?;
            }
        }
        Ok(None)
    }

    /// Inserts the entries the mirror does not have, in bulk. A card that
    /// another account already holds (or another new entry) is left off
    /// and reported.
    async fn create_accounts(
        &self,
        tx: &Tx,
        org: &str,
        new: &[&DirectoryEntry],
        now: i64,
        problems: &mut Vec<String>,
    ) -> ServiceResult<u64> {
        if new.is_empty() {
            return Ok(0);
        }
        let numbers: Vec<String> = new.iter().filter_map(|e| e.card.clone()).collect();
        let taken: HashSet<String> = accounts::cards_with_keys(tx, org, &numbers)
            .await?
            .into_iter()
            .map(|c| c.number_key)
            .collect();
        let mut claimed: HashSet<String> = HashSet::new();
        let mut next = accounts::max_id(tx).await? + 1;
        let mut rows = Vec::with_capacity(new.len());
        for e in new {
            let card = e.card.clone().filter(|n| {
                let key = card_key(n);
                let free = !key.is_empty() && !taken.contains(&key) && claimed.insert(key);
                if !free {
                    problems.push(format!("entry {:?}: card {n:?} is another account's", e.id));
                }
                free
            });
            rows.push(BulkAccount {
                id: next,
                org: org.to_string(),
                login: e.login.clone(),
                external_id: Some(e.id.clone()),
                full_name: e.full_name.clone(),
                email: e.email.clone(),
                phone: e.phone.clone(),
                card,
                must_set_credential: false,
                legacy_credential: false,
                directory_synced_at: Some(now),
                directory_locked: e.locked.unwrap_or(false),
            });
            next += 1;
        }
        bulk::insert_accounts(tx, &rows, now).await?;
        bulk::advance_account_ids(tx).await?;
        Ok(rows.len() as u64)
    }

    /// Marks accounts removed from their directory and stops their links.
    pub(crate) async fn remove_accounts(
        &self,
        tx: &Tx,
        ids: &[i64],
        now: i64,
    ) -> ServiceResult<u64> {
        let n = mirror::mark_removed(tx, ids, now).await?;
        for id in ids {
            let dead =
                tokens::revoke_live(tx, *id, None, RevokeReason::AccountRemoved, now).await?;
            self.retire_link_mails(tx, &dead, "the account was removed from its directory")
                .await?;
        }
        Ok(n)
    }
}

/// Counts changed fields over many accounts ("email": 3, "card": 1).
pub(crate) fn count_fields(changed: &[(i64, Vec<&'static str>)]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for (_, fields) in changed {
        for f in fields {
            *counts.entry(f.to_string()).or_insert(0) += 1;
        }
    }
    counts
}
