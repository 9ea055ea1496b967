//! Pure rules: normalising, the card + email match verdict, credential
//! policies, tokens, masking and terminal sanitising. No I/O, no clock.

pub mod attempt_reason;
pub mod codes;
pub mod directory;
pub mod link;
pub mod mask;
pub mod normalize;
pub mod policy;
pub mod sanitize;
pub mod search_terms;
pub mod token;
pub mod verdict;

pub use codes::{
    AccountStatus, Badge, DirectoryKind, DirectoryRefusal, Language, MailTemplate, OutboxStatus,
    Role, SelfServiceOutcome,
};
