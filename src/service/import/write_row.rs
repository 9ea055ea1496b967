//! Writing one checked CSV row: find the account it updates, refuse cards
//! and logins that belong to another account, then create or update the
//! account, its cards and its earlier addresses.

use super::{ImportError, Row};
use crate::domain::mask::{mask_card, mask_email, mask_phone};
use crate::domain::normalize::{card_key, email_key};
use crate::domain::verdict::CardStatus;
use crate::service::{ServiceResult, Services};
use crate::store::entities::{account, card};
use crate::store::{Tx, accounts};
use std::collections::HashMap;

impl Services {
    /// Writes one checked row. `Ok(true)` created, `Ok(false)` updated,
    /// `Err` a conflict with data already in the database.
    pub(super) async fn import_row(
        &self,
        tx: &Tx,
        org: &str,
        row: &Row,
        columns: &HashMap<String, usize>,
        allow_name_changes: bool,
    ) -> ServiceResult<Result<RowOutcome, ImportError>> {
        let now = self.now();
        let existing = existing_account(tx, org, row).await?;
        let renamed = (!allow_name_changes)
            .then(|| renames_by_card_or_login(row, existing.as_ref()))
            .flatten();
        let conflict = match renamed {
            Some(found) => Some(found),
            None => taken_elsewhere(tx, org, row, existing.as_ref()).await?,
        };
        if let Some(conflict) = conflict {
            return Ok(Err(conflict_error(row, columns, conflict)));
        }
        let created = existing.is_none();
        let mut changes = Vec::new();
        let account = match existing {
            None => insert_account(tx, org, row, now).await?,
            Some(a) => {
                changes = changes_of(&a, row, &accounts::cards_of(tx, &[a.id]).await?);
                if account_fields_differ(&a, row) {
                    update_account(tx, a, row, now).await?
                } else {
                    a
                }
            }
        };
        apply_cards(tx, &account, row, now).await?;
        add_previous_emails(tx, &account, row).await?;
        accounts::refresh_terms(tx, &account).await?;
        // Last: writing its cards and addresses emptied the digest.
        accounts::set_import_digest(tx, account.id, Some(super::digest::of(row))).await?;
        Ok(Ok(RowOutcome {
            created,
            account_id: account.id,
            changes,
        }))
    }
}

/// The error for a row whose column `col` conflicts with the database.
pub(super) fn conflict_error(
    row: &Row,
    columns: &HashMap<String, usize>,
    (col, message): (&'static str, String),
) -> ImportError {
    ImportError {
        line: row.line,
        column: columns.get(col).map(|n| (*n, col.to_string())),
        message,
    }
}

/// What writing one row did.
pub(super) struct RowOutcome {
    pub(super) created: bool,
    pub(super) account_id: i64,
    /// For an updated account, each field the row changes.
    pub(super) changes: Vec<FieldChange>,
}

/// One field an import would change, with personal data masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

/// Whether the row changes the account's own fields (an account whose
/// fields stay is not written, and keeps its `updated_at`).
pub(super) fn account_fields_differ(a: &account::Model, row: &Row) -> bool {
    a.full_name != row.full_name
        || a.email != row.email
        || a.login != row.login
        || a.phone != row.phone
        || a.legacy_credential != row.legacy
        || a.must_set_credential != row.must_set
}

/// The fields of `a` (with these cards) that `row` changes: name and login
/// as they are (staff see them anyway), email, phone and the active card
/// masked.
pub(super) fn changes_of(a: &account::Model, row: &Row, cards: &[card::Model]) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut change = |field: &'static str, from: String, to: String| {
        if from != to {
            out.push(FieldChange { field, from, to });
        }
    };
    let masked =
        |v: &Option<String>, f: fn(&str) -> String| v.as_deref().map(f).unwrap_or_default();
    change("full_name", a.full_name.clone(), row.full_name.clone());
    if a.email != row.email {
        // Masks hide a change of letter case; say it plainly.
        let (from, to) = (mask_email(&a.email), mask_email(&row.email));
        let to = if from == to {
            format!("{to} (letters differ)")
        } else {
            to
        };
        change("email", from, to);
    }
    change(
        "login",
        a.login.clone().unwrap_or_default(),
        row.login.clone().unwrap_or_default(),
    );
    if a.phone != row.phone {
        change(
            "phone",
            masked(&a.phone, mask_phone),
            masked(&row.phone, mask_phone),
        );
    }
    change(
        "legacy_credential",
        a.legacy_credential.to_string(),
        row.legacy.to_string(),
    );
    change(
        "must_set_credential",
        a.must_set_credential.to_string(),
        row.must_set.to_string(),
    );
    if let Some(number) = &row.card {
        let active = cards.iter().find(|c| c.status == CardStatus::Active);
        if active.is_none_or(|c| c.number_key != card_key(number)) {
            let from = active.map(|c| mask_card(&c.number)).unwrap_or_default();
            // Masks of two short numbers can be alike; say it plainly.
            let to = match mask_card(number) {
                to if to == from => format!("{to} (another number)"),
                to => to,
            };
            change("card_number", from, to);
        }
    }
    out
}

/// The account a row updates: same external id, else same card, else same
/// login.
async fn existing_account(tx: &Tx, org: &str, row: &Row) -> ServiceResult<Option<account::Model>> {
    Ok(match (&row.external_id, &row.card, &row.login) {
        (Some(x), _, _) => accounts::find_by_external_id(tx, org, x).await?,
        (None, Some(c), _) => match accounts::find_card(tx, org, c).await? {
            Some(card) => accounts::get(tx, card.account_id).await?,
            None => None,
        },
        (None, None, Some(l)) => accounts::find_by_login(tx, org, l).await?,
        _ => None,
    })
}

/// A row without an external id that found its account by card or login
/// but carries another name: the column that found it and what is wrong.
/// Names are compared ignoring case and spacing.
pub(super) fn renames_by_card_or_login(
    row: &Row,
    existing: Option<&account::Model>,
) -> Option<(&'static str, String)> {
    let account = existing?;
    if row.external_id.is_some() {
        return None;
    }
    let same = |a: &str, b: &str| {
        let fold = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        fold(a) == fold(b)
    };
    if same(&account.full_name, &row.full_name) {
        return None;
    }
    let (col, what) = match &row.card {
        Some(card) => ("card_number", format!("card {card:?}")),
        None => (
            "login",
            format!("login {:?}", row.login.as_deref().unwrap_or("")),
        ),
    };
    Some((
        col,
        format!(
            "{what} belongs to account #{} named {:?}, not {:?}; if this is the same \
             person under a new name, import with --allow-name-changes",
            account.id, account.full_name, row.full_name
        ),
    ))
}

/// A card or login in the row that already belongs to another account:
/// the column it came from and what is wrong.
async fn taken_elsewhere(
    tx: &Tx,
    org: &str,
    row: &Row,
    existing: Option<&account::Model>,
) -> ServiceResult<Option<(&'static str, String)>> {
    let is_other = |id: i64| existing.is_none_or(|a| a.id != id);
    for number in row.card.iter().chain(row.old_cards.iter()) {
        if let Some(card) = accounts::find_card(tx, org, number).await?
            && is_other(card.account_id)
        {
            return Ok(Some(card_taken(row, number, card.account_id)));
        }
    }
    if let Some(login) = &row.login
        && let Some(other) = accounts::find_by_login(tx, org, login).await?
        && is_other(other.id)
    {
        return Ok(Some(login_taken(login, other.id)));
    }
    Ok(None)
}

/// The row's card `number` belongs to account `owner`: the column and the
/// message.
pub(super) fn card_taken(row: &Row, number: &str, owner: i64) -> (&'static str, String) {
    let col = if row.card.as_deref() == Some(number) {
        "card_number"
    } else {
        "old_cards"
    };
    (col, format!("card {number:?} belongs to account #{owner}"))
}

/// The row's login belongs to account `owner`: the column and the message.
pub(super) fn login_taken(login: &str, owner: i64) -> (&'static str, String) {
    (
        "login",
        format!("login {login:?} belongs to account #{owner}"),
    )
}

async fn insert_account(tx: &Tx, org: &str, row: &Row, now: i64) -> ServiceResult<account::Model> {
    let new = accounts::NewAccount {
        org: org.to_string(),
        login: row.login.clone(),
        external_id: row.external_id.clone(),
        full_name: row.full_name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        credential_hash: None,
        credential_set_at: row.credential_set_at,
        legacy_credential: row.legacy,
        must_set_credential: row.must_set,
    };
    Ok(accounts::insert(tx, new, now).await?)
}

/// Updates an account from its row, keeping a changed address as an
/// earlier one.
async fn update_account(
    tx: &Tx,
    a: account::Model,
    row: &Row,
    now: i64,
) -> ServiceResult<account::Model> {
    if a.email != row.email {
        accounts::add_previous_email(tx, &a, &a.email, now, Some("import".into())).await?;
    }
    let digest = super::digest::of(row);
    accounts::update_from_import(tx, &[(a.id, imported_fields(row, &digest))], now).await?;
    Ok(accounts::get(tx, a.id).await?.expect("exists"))
}

/// The account fields a row sets.
pub(super) fn imported_fields(row: &Row, digest: &str) -> accounts::ImportedFields {
    accounts::ImportedFields {
        login: row.login.clone(),
        full_name: row.full_name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        legacy_credential: row.legacy,
        must_set_credential: row.must_set,
        import_digest: Some(digest.to_string()),
    }
}

/// Earlier addresses listed in the row that the account does not know yet.
async fn add_previous_emails(tx: &Tx, account: &account::Model, row: &Row) -> ServiceResult<()> {
    let known: Vec<String> = accounts::email_history_of(tx, &[account.id])
        .await?
        .into_iter()
        .map(|h| h.email_key)
        .collect();
    for e in &row.previous_emails {
        let key = email_key(e);
        if !known.contains(&key) && key != account.email_key {
            // The old system does not say when an address stopped being used.
            let at = accounts::UNKNOWN_TIME;
            accounts::add_previous_email(tx, account, e, at, Some("import".into())).await?;
        }
    }
    Ok(())
}

/// The row's card becomes the active one (others replaced); its old cards
/// are kept as replaced.
async fn apply_cards(tx: &Tx, account: &account::Model, row: &Row, now: i64) -> ServiceResult<()> {
    let cards = accounts::cards_of(tx, &[account.id]).await?;
    if let Some(number) = &row.card {
        let key = card_key(number);
        for c in cards
            .iter()
            .filter(|c| c.status == CardStatus::Active && c.number_key != key)
        {
            accounts::set_card_status(tx, c.id, CardStatus::Replaced, now).await?;
        }
        match cards.iter().find(|c| c.number_key == key) {
            Some(c) if c.status != CardStatus::Active => {
                accounts::set_card_status(tx, c.id, CardStatus::Active, now).await?
            }
            Some(_) => {}
            None => {
                accounts::add_card(tx, account, number, CardStatus::Active, now).await?;
            }
        }
    }
    for number in &row.old_cards {
        if !cards.iter().any(|c| c.number_key == card_key(number)) {
            accounts::add_card(tx, account, number, CardStatus::Replaced, now).await?;
        }
    }
    Ok(())
}
