//! SeaORM entities, one per table. Behaviour lives in the query modules
//! beside this folder, not here.

pub mod account;
pub mod attempt;
pub mod audit;
pub mod audit_head;
pub mod card;
pub mod directory_push;
pub mod directory_sync;
pub mod email_history;
pub mod note;
pub mod outbox;
pub mod rate_event;
pub mod reset_token;
pub mod retired_org;
pub mod search_term;
pub mod ssh_session;
pub mod staff;
pub mod staff_key;
