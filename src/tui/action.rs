//! What flows through the console: `Action`s come in (keys, and results
//! of background work, named in the past tense), `Effect`s go out (work
//! the event loop starts). Results carry the request id they answer, so
//! a stale one is dropped.

use crate::domain::link::LinkPurpose;
use crate::domain::policy::CredentialKind;
use crate::service::{AccountDetail, AccountSummary, IdentityCheck, RevealField, SentLink};
use crossterm::event::{KeyEvent, MouseEvent};
use zeroize::Zeroizing;

/// A failed service call, as shown to staff (already plain text).
pub type Failure = String;

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Once a second while a countdown shows; faster while a spinner turns.
    Tick,
    /// No key for `security.idle_lock_minutes`.
    IdleTimeout,
    SearchFinished {
        request: u64,
        result: Result<Vec<AccountSummary>, Failure>,
    },
    DetailLoaded {
        request: u64,
        result: Result<Box<AccountDetail>, Failure>,
    },
    VerifyFinished {
        request: u64,
        result: Result<VerifyOutcome, Failure>,
    },
    JobFinished {
        request: u64,
        result: Result<JobOutput, Failure>,
    },
    StatsLoaded {
        request: u64,
        result: Result<Box<crate::service::stats::OrgStats>, Failure>,
    },
    /// The background mailer sent, retried or failed something.
    MailProgressed,
    /// The staff password typed on the lock screen was checked.
    UnlockChecked {
        ok: bool,
        message: Option<String>,
    },
}

pub use crate::service::Verification as VerifyOutcome;

/// Work the event loop starts for the app.
#[derive(Debug)]
pub enum Effect {
    Search {
        request: u64,
        query: String,
    },
    /// `audited`: opening an account is recorded; re-reading it after a change is not.
    LoadDetail {
        request: u64,
        account_id: i64,
        audited: bool,
    },
    /// `org: None` tries each organisation the staff member sees.
    Verify {
        request: u64,
        org: Option<String>,
        card: Option<String>,
        email: String,
    },
    Run {
        request: u64,
        job: Job,
    },
    /// The statistics of one organisation over the last `days` days.
    LoadStats {
        request: u64,
        org: String,
        days: u32,
    },
    /// New mail is waiting: wake the mailer.
    WakeMailer,
    CheckStaffPassword {
        password: Zeroizing<String>,
    },
}

/// An account action, confirmed by staff.
#[derive(Debug, Clone)]
pub enum Job {
    SendLink {
        account_id: i64,
        purpose: LinkPurpose,
    },
    SetPin {
        account_id: i64,
        first: Zeroizing<String>,
        second: Zeroizing<String>,
    },
    GeneratePin {
        account_id: i64,
    },
    ChangeEmail {
        account_id: i64,
        email: String,
        checked: IdentityCheck,
        note: Option<String>,
    },
    Unlock {
        account_id: i64,
        reason: String,
    },
    Revoke {
        account_id: i64,
        token_id: i64,
    },
    AddNote {
        account_id: i64,
        text: String,
    },
    Reveal {
        account_id: i64,
        field: RevealField,
    },
}

impl Job {
    pub fn account_id(&self) -> i64 {
        match self {
            Job::SendLink { account_id, .. }
            | Job::SetPin { account_id, .. }
            | Job::GeneratePin { account_id }
            | Job::ChangeEmail { account_id, .. }
            | Job::Unlock { account_id, .. }
            | Job::Revoke { account_id, .. }
            | Job::AddNote { account_id, .. }
            | Job::Reveal { account_id, .. } => *account_id,
        }
    }

    /// The i18n key of "doing it…" shown beside the spinner, for an
    /// account with a `kind` of credential.
    pub fn busy_key(&self, kind: CredentialKind) -> &'static str {
        match self {
            Job::SendLink { .. } => "busy.send_link",
            Job::SetPin { .. } | Job::GeneratePin { .. } => match kind {
                CredentialKind::Pin => "busy.set_pin",
                CredentialKind::Password => "busy.set_password",
            },
            Job::ChangeEmail { .. } => "busy.change_email",
            Job::Unlock { .. } => "busy.unlock",
            Job::Revoke { .. } => "busy.revoke",
            Job::AddNote { .. } => "busy.add_note",
            Job::Reveal { .. } => "busy.reveal",
        }
    }

    /// Does it queue mail?
    pub fn queues_mail(&self) -> bool {
        matches!(
            self,
            Job::SendLink { .. }
                | Job::SetPin { .. }
                | Job::GeneratePin { .. }
                | Job::ChangeEmail { .. }
        )
    }
}

/// What a finished job reports.
#[derive(Debug)]
pub enum JobOutput {
    LinkSent(SentLink),
    /// A PIN/password drawn at random: shown once.
    Generated(Zeroizing<String>),
    CredentialSet,
    EmailChanged,
    Unlocked,
    Revoked,
    NoteAdded,
    Revealed {
        field: RevealField,
        value: Zeroizing<String>,
    },
}
