//! A row's import digest: a hash of the card, old cards and earlier
//! addresses it lists (their keys, as the import compares them). It is
//! stored on the account when the row has been applied, and every other
//! write to the account's cards or addresses empties it (`store::cards`,
//! `store::accounts::add_previous_email`). So an account whose fields
//! equal its row and whose digest equals the row's already has that card
//! active, those old cards and those addresses: a re-import decides such
//! a row without reading its cards and addresses, and the decision is the
//! one reading them would give (tests/import_digest.rs).

use super::Row;
use crate::domain::normalize::{card_key, email_key};
use crate::store::entities::account;

/// Hex characters kept of the SHA-256 (128 bits).
const DIGEST_CHARS: usize = 32;

/// The row's digest.
pub(super) fn of(row: &Row) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    // A tag before each key and a newline after it (no key has one): the
    // same keys in other columns give another digest.
    let mut add = |tag: &str, key: String| {
        hash.update(tag.as_bytes());
        hash.update(key.as_bytes());
        hash.update(b"\n");
    };
    if let Some(number) = &row.card {
        add("card ", card_key(number));
    }
    for number in &row.old_cards {
        add("old ", card_key(number));
    }
    for email in &row.previous_emails {
        add("email ", email_key(email));
    }
    let mut hex = String::with_capacity(DIGEST_CHARS);
    for byte in hash.finalize().iter().take(DIGEST_CHARS / 2) {
        use std::fmt::Write;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Whether the row, with this digest, would change nothing of `a`: it
/// found `a` by external id (a row found by card or login may rename, and
/// is checked in full), its fields are `a`'s and its digest is `a`'s.
pub(super) fn unchanged(a: &account::Model, row: &Row, digest: &str) -> bool {
    row.external_id.is_some()
        && a.import_digest.as_deref() == Some(digest)
        && !super::write_row::account_fields_differ(a, row)
}
