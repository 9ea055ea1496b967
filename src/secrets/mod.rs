//! Secrets kept outside the database: the pepper file and what is derived
//! from it (credential hashing, the audit chain key, the outbox seal key),
//! and the small secret files of directory connections.

mod credential_hasher;
mod pepper;
mod seal;
mod secret_file;

pub use credential_hasher::{CredentialHasher, HashedCredential};
pub use pepper::{Pepper, PepperError};
pub use seal::Sealer;
pub use secret_file::{SecretFileError, read_secret_file};
