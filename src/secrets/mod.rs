//! Secrets kept outside the database: the pepper file and what is derived
//! from it (credential hashing, the audit chain key, the outbox seal key).

mod credential_hasher;
mod pepper;
mod seal;

pub use credential_hasher::{CredentialHasher, HashedCredential};
pub use pepper::{Pepper, PepperError};
pub use seal::Sealer;
