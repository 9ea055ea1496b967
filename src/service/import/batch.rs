//! The import's batched path. Rows come in batches; what a batch may touch
//! (accounts by external id, login and card, their cards and earlier
//! addresses) is read in a few queries, each row is decided against that
//! exactly as the row-at-a-time path decides it (found, conflicting, new,
//! changed, unchanged), and the batch's writes go out as multi-row inserts.
//! A row that would see what an earlier row of its batch wrote (the same
//! account, or a login an earlier row gave out) starts a new batch, so it
//! reads the database after those writes, as it would one row at a time.

use super::digest;
use super::write_row::{
    FieldChange, RowOutcome, account_fields_differ, card_taken, changes_of, conflict_error,
    imported_fields, login_taken, renames_by_card_or_login,
};
use super::{ImportError, Row};
use crate::domain::normalize::{card_key, email_key};
use crate::domain::verdict::CardStatus;
use crate::store::entities::{account, card, email_history, search_term};
use crate::store::{Tx, accounts, bulk, import_rows};
use sea_orm::DbErr;
use std::collections::{HashMap, HashSet};

/// What one row came to.
pub(super) enum RowResult {
    Written(RowOutcome),
    Refused(ImportError),
}

/// Settings shared by every batch of one import.
pub(super) struct Batcher<'a> {
    pub(super) org: &'a str,
    pub(super) columns: &'a HashMap<String, usize>,
    pub(super) allow_name_changes: bool,
    pub(super) now: i64,
}

impl Batcher<'_> {
    /// Decides and writes `rows` (in file order); one result per row.
    pub(super) async fn write(&self, tx: &Tx, rows: &[Row]) -> Result<Vec<RowResult>, DbErr> {
        let mut results = Vec::with_capacity(rows.len());
        let digests: Vec<String> = rows.iter().map(digest::of).collect();
        let mut next_id = accounts::max_id(tx).await? + 1;
        let mut created = false;
        while results.len() < rows.len() {
            let rest = &rows[results.len()..];
            let rest_digests = &digests[results.len()..];
            import_rows::plan_each_query(tx).await?;
            let found = find(tx, self.org, rest, rest_digests).await?;
            let mut plan = Plan::new(next_id);
            for (row, digest) in rest.iter().zip(rest_digests) {
                match self.decide(&found, &mut plan, row, digest) {
                    Some(result) => results.push(result),
                    None => break,
                }
            }
            created |= !plan.new_accounts.is_empty();
            next_id = plan.next_id;
            plan.write(tx, self.now).await?;
        }
        if created {
            bulk::advance_account_ids(tx).await?;
        }
        Ok(results)
    }

    /// The row's result, its writes added to `plan`; `None` when the row
    /// must see the plan's writes first.
    fn decide(&self, found: &Found, plan: &mut Plan, row: &Row, digest: &str) -> Option<RowResult> {
        let existing = found.existing(row);
        let owners = row
            .card
            .iter()
            .chain(&row.old_cards)
            .filter_map(|n| found.card_owner.get(&card_key(n)))
            .chain(row.login.as_ref().and_then(|l| found.by_login.get(l)))
            .chain(existing.map(|a| &a.id));
        let sees_plan = owners.into_iter().any(|id| plan.touched.contains(id))
            || row.login.as_ref().is_some_and(|l| plan.logins.contains(l));
        if sees_plan {
            return None;
        }
        let renamed = (!self.allow_name_changes)
            .then(|| renames_by_card_or_login(row, existing))
            .flatten();
        if let Some(conflict) = renamed.or_else(|| found.taken_elsewhere(row, existing)) {
            return Some(RowResult::Refused(conflict_error(
                row,
                self.columns,
                conflict,
            )));
        }
        let outcome = match existing {
            None => plan.create(self.org, row, digest, self.now),
            // Its cards and addresses were not read: nothing to write.
            Some(a) if digest::unchanged(a, row, digest) => RowOutcome {
                created: false,
                account_id: a.id,
                changes: Vec::new(),
            },
            Some(a) => plan.update(found, a, row, digest, self.now),
        };
        Some(RowResult::Written(outcome))
    }
}

/// What the database holds that a batch of rows may touch.
#[derive(Default)]
struct Found {
    by_external_id: HashMap<String, i64>,
    /// The first account (lowest id) with each login.
    by_login: HashMap<String, i64>,
    /// Card key → the account owning the card.
    card_owner: HashMap<String, i64>,
    accounts: HashMap<i64, account::Model>,
    /// Each found account's cards, in id order.
    cards: HashMap<i64, Vec<card::Model>>,
    /// Each found account's earlier addresses (their keys).
    history: HashMap<i64, Vec<String>>,
    /// The accounts whose cards and addresses were read (the others are
    /// only those every row of the batch leaves unchanged).
    read: HashSet<i64>,
}

/// Reads what `rows` may touch. An account that every row finding it
/// leaves unchanged (by its import digest) needs no cards or addresses.
/// The cards of the other accounts found by external id or login are read
/// first: a re-imported row's card is usually among them, and only the
/// numbers not found there are looked up by key (cards are unique per
/// organisation, so the owner is the same).
async fn find(tx: &Tx, org: &str, rows: &[Row], digests: &[String]) -> Result<Found, DbErr> {
    let external_ids: Vec<String> = rows.iter().filter_map(|r| r.external_id.clone()).collect();
    let logins: Vec<String> = rows.iter().filter_map(|r| r.login.clone()).collect();
    let mut found = Found::default();
    for a in import_rows::by_external_ids(tx, org, &external_ids).await? {
        let x = a.external_id.clone().unwrap_or_default();
        found.by_external_id.insert(x, a.id);
        found.accounts.insert(a.id, a);
    }
    for a in import_rows::by_logins(tx, org, &logins).await? {
        let login = a.login.clone().unwrap_or_default();
        found.by_login.entry(login).or_insert(a.id);
        found.accounts.insert(a.id, a);
    }
    let checked: Vec<&Row> = rows
        .iter()
        .zip(digests)
        .filter(|(row, digest)| {
            let a = row
                .external_id
                .as_ref()
                .and_then(|x| found.by_external_id.get(x));
            let a = a.and_then(|id| found.accounts.get(id));
            !a.is_some_and(|a| digest::unchanged(a, row, digest))
        })
        .map(|(row, _)| row)
        .collect();
    let mut needed: HashSet<i64> = HashSet::new();
    for row in &checked {
        let by_id = row
            .external_id
            .as_ref()
            .and_then(|x| found.by_external_id.get(x));
        let by_login = row.login.as_ref().and_then(|l| found.by_login.get(l));
        needed.extend(by_id.into_iter().chain(by_login));
    }
    found
        .add_cards_of(tx, org, &needed.into_iter().collect::<Vec<_>>())
        .await?;
    let unknown: HashSet<String> = checked
        .iter()
        .flat_map(|r| r.card.iter().chain(&r.old_cards))
        .filter(|n| !found.card_owner.contains_key(&card_key(n)))
        .cloned()
        .collect();
    let unknown: Vec<String> = unknown.into_iter().collect();
    let mut owners = HashSet::new();
    for c in accounts::cards_with_keys(tx, org, &unknown).await? {
        if !found.read.contains(&c.account_id) {
            owners.insert(c.account_id);
        }
        found.card_owner.insert(c.number_key, c.account_id);
    }
    let owners: Vec<i64> = owners.into_iter().collect();
    let missing: Vec<i64> = owners
        .iter()
        .filter(|id| !found.accounts.contains_key(id))
        .copied()
        .collect();
    for chunk in missing.chunks(500) {
        for a in accounts::get_many(tx, chunk).await? {
            found.accounts.insert(a.id, a);
        }
    }
    found.add_cards_of(tx, org, &owners).await?;
    let ids: Vec<i64> = found.read.iter().copied().collect();
    for chunk in ids.chunks(500) {
        for (account_id, key) in import_rows::email_keys_of(tx, chunk).await? {
            found.history.entry(account_id).or_default().push(key);
        }
    }
    for cards in found.cards.values_mut() {
        cards.sort_by_key(|c| c.id);
    }
    Ok(found)
}

impl Found {
    /// Adds the cards of these accounts, and their numbers as owned.
    async fn add_cards_of(&mut self, tx: &Tx, org: &str, ids: &[i64]) -> Result<(), DbErr> {
        self.read.extend(ids);
        for chunk in ids.chunks(500) {
            for c in accounts::cards_of(tx, chunk).await? {
                if c.org == org {
                    self.card_owner.insert(c.number_key.clone(), c.account_id);
                }
                self.cards.entry(c.account_id).or_default().push(c);
            }
        }
        Ok(())
    }

    /// The account a row updates: same external id, else same card, else
    /// same login.
    fn existing(&self, row: &Row) -> Option<&account::Model> {
        let id = match (&row.external_id, &row.card, &row.login) {
            (Some(x), _, _) => self.by_external_id.get(x),
            (None, Some(c), _) => self.card_owner.get(&card_key(c)),
            (None, None, Some(l)) => self.by_login.get(l),
            _ => None,
        };
        id.and_then(|id| self.accounts.get(id))
    }

    /// A card or login of the row that belongs to another account.
    fn taken_elsewhere(
        &self,
        row: &Row,
        existing: Option<&account::Model>,
    ) -> Option<(&'static str, String)> {
        let is_other = |id: i64| existing.is_none_or(|a| a.id != id);
        for number in row.card.iter().chain(&row.old_cards) {
            if let Some(&owner) = self.card_owner.get(&card_key(number))
                && is_other(owner)
            {
                return Some(card_taken(row, number, owner));
            }
        }
        let login = row.login.as_ref()?;
        let owner = *self.by_login.get(login)?;
        is_other(owner).then(|| login_taken(login, owner))
    }
}

/// The writes of one batch, in the order the rows asked for them.
struct Plan {
    next_id: i64,
    new_accounts: Vec<account::ActiveModel>,
    updates: Vec<(i64, accounts::ImportedFields)>,
    /// Digests of accounts whose own fields stay (see [`digest`]).
    digests: Vec<(i64, String)>,
    card_status: Vec<(i64, CardStatus)>,
    new_cards: Vec<card::ActiveModel>,
    history: Vec<email_history::ActiveModel>,
    /// New accounts' search terms.
    terms: Vec<search_term::ActiveModel>,
    /// Found accounts whose terms are brought to `renewed_terms`.
    renewed: Vec<i64>,
    renewed_terms: Vec<search_term::ActiveModel>,
    /// Accounts this batch writes to.
    touched: HashSet<i64>,
    /// Logins this batch gives to accounts.
    logins: HashSet<String>,
}

impl Plan {
    fn new(next_id: i64) -> Plan {
        Plan {
            next_id,
            new_accounts: Vec::new(),
            updates: Vec::new(),
            digests: Vec::new(),
            card_status: Vec::new(),
            new_cards: Vec::new(),
            history: Vec::new(),
            terms: Vec::new(),
            renewed: Vec::new(),
            renewed_terms: Vec::new(),
            touched: HashSet::new(),
            logins: HashSet::new(),
        }
    }

    /// A new account from the row, with its cards and earlier addresses.
    fn create(&mut self, org: &str, row: &Row, digest: &str, now: i64) -> RowOutcome {
        let id = self.next_id;
        self.next_id += 1;
        let account = account::Model {
            id,
            org: org.to_string(),
            login: row.login.clone(),
            external_id: row.external_id.clone(),
            full_name: row.full_name.clone(),
            email_key: email_key(&row.email),
            email: row.email.clone(),
            phone: row.phone.clone(),
            status: crate::domain::AccountStatus::Active,
            credential_hash: None,
            credential_key_id: None,
            credential_set_at: row.credential_set_at,
            legacy_credential: row.legacy,
            must_set_credential: row.must_set,
            failed_attempts: 0,
            locked_at: None,
            lock_reason: None,
            created_at: now,
            updated_at: now,
            directory_synced_at: None,
            directory_locked: false,
            import_digest: Some(digest.to_string()),
        };
        let mut numbers = Vec::new();
        for (number, status) in row
            .card
            .iter()
            .map(|n| (n, CardStatus::Active))
            .chain(row.old_cards.iter().map(|n| (n, CardStatus::Replaced)))
        {
            self.new_cards
                .push(import_rows::new_card(&account, number, status, now));
            numbers.push(number.clone());
        }
        for e in &row.previous_emails {
            if email_key(e) != account.email_key {
                let at = accounts::UNKNOWN_TIME;
                let history =
                    import_rows::new_previous_email(&account, e, at, Some("import".into()));
                self.history.push(history);
            }
        }
        self.terms.extend(import_rows::terms_of(&account, &numbers));
        self.touched.insert(id);
        self.logins.extend(row.login.clone());
        self.new_accounts.push(account_row(account));
        RowOutcome {
            created: true,
            account_id: id,
            changes: Vec::new(),
        }
    }

    /// The row's changes to an account it found; nothing when it changes
    /// nothing.
    fn update(
        &mut self,
        found: &Found,
        a: &account::Model,
        row: &Row,
        digest: &str,
        now: i64,
    ) -> RowOutcome {
        let no_cards = Vec::new();
        let cards = found.cards.get(&a.id).unwrap_or(&no_cards);
        let changes: Vec<FieldChange> = changes_of(a, row, cards);
        let mut written = false;
        let mut known: Vec<String> = found.history.get(&a.id).cloned().unwrap_or_default();
        let mut account = a.clone();
        if account_fields_differ(a, row) {
            if a.email != row.email {
                let old = import_rows::new_previous_email(a, &a.email, now, Some("import".into()));
                self.history.push(old);
                known.push(a.email_key.clone());
            }
            account.login = row.login.clone();
            account.full_name = row.full_name.clone();
            account.email_key = email_key(&row.email);
            account.email = row.email.clone();
            account.phone = row.phone.clone();
            account.legacy_credential = row.legacy;
            account.must_set_credential = row.must_set;
            self.updates.push((a.id, imported_fields(row, digest)));
            written = true;
        }
        let mut numbers: Vec<String> = cards.iter().map(|c| c.number.clone()).collect();
        let cards_before = self.new_cards.len() + self.card_status.len();
        if let Some(number) = &row.card {
            let key = card_key(number);
            for c in cards
                .iter()
                .filter(|c| c.status == CardStatus::Active && c.number_key != key)
            {
                self.card_status.push((c.id, CardStatus::Replaced));
            }
            match cards.iter().find(|c| c.number_key == key) {
                Some(c) if c.status != CardStatus::Active => {
                    self.card_status.push((c.id, CardStatus::Active));
                }
                Some(_) => {}
                None => {
                    let card = import_rows::new_card(&account, number, CardStatus::Active, now);
                    self.new_cards.push(card);
                    numbers.push(number.clone());
                }
            }
        }
        for number in &row.old_cards {
            if !cards.iter().any(|c| c.number_key == card_key(number)) {
                let card = import_rows::new_card(&account, number, CardStatus::Replaced, now);
                self.new_cards.push(card);
                numbers.push(number.clone());
            }
        }
        let cards_changed = self.new_cards.len() + self.card_status.len() > cards_before;
        // A card's new status empties the digest (`accounts::set_card_status`),
        // so it is written again after the cards.
        // (An update of the fields carries the digest.) A later row for the
        // account starts a new batch, so the last row's digest is kept.
        let fields_written = written;
        let digest_stale = a.import_digest.as_deref() != Some(digest) || cards_changed;
        if !fields_written && digest_stale {
            self.digests.push((a.id, digest.to_string()));
            self.touched.insert(a.id);
        }
        for e in &row.previous_emails {
            let key = email_key(e);
            if !known.contains(&key) && key != account.email_key {
                let at = accounts::UNKNOWN_TIME;
                let history =
                    import_rows::new_previous_email(&account, e, at, Some("import".into()));
                self.history.push(history);
                written = true;
            }
        }
        if written || cards_changed {
            self.renewed.push(a.id);
            self.renewed_terms
                .extend(import_rows::terms_of(&account, &numbers));
            self.touched.insert(a.id);
            self.logins.extend(row.login.clone());
        }
        RowOutcome {
            created: false,
            account_id: a.id,
            changes,
        }
    }

    /// Writes the batch: updates a chunk of accounts per statement, then
    /// the inserts in as few statements as the backend allows, with cached
    /// plans (see [`import_rows::reuse_plans`]).
    async fn write(self, tx: &Tx, now: i64) -> Result<(), DbErr> {
        // Cards first: a card's new status empties its account's digest,
        // which the account's update then writes.
        for (id, status) in self.card_status {
            accounts::set_card_status(tx, id, status, now).await?;
        }
        accounts::update_from_import(tx, &self.updates, now).await?;
        import_rows::set_import_digests(tx, &self.digests).await?;
        let mut terms = self.terms;
        terms.extend(import_rows::renew_terms(tx, &self.renewed, self.renewed_terms).await?);
        import_rows::reuse_plans(tx).await?;
        import_rows::insert_all(tx, self.new_accounts).await?;
        import_rows::insert_all(tx, self.new_cards).await?;
        import_rows::insert_all(tx, self.history).await?;
        import_rows::insert_terms(tx, terms).await
    }
}

/// The insert of a whole account row, id included.
fn account_row(account: account::Model) -> account::ActiveModel {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    account.into_active_model().reset_all()
}
