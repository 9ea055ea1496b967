//! Popups over the panes: help, confirmations, the small forms behind
//! the account actions, results shown once, and errors.

use super::action::Job;
use crate::service::{IdentityCheck, RevealField};
use tui_input::Input;
use zeroize::Zeroizing;

#[derive(Debug)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    /// "Do this?" Enter runs the job; Esc cancels.
    Confirm {
        job: Job,
        lines: Vec<String>,
    },
    PinForm(PinForm),
    EmailForm(EmailForm),
    /// One line of text: the unlock reason or a note.
    TextForm(TextForm),
    RevealChoice {
        account_id: i64,
        selected: usize,
    },
    /// A generated PIN/password or a revealed value, shown once.
    Secret {
        title_key: &'static str,
        /// What to do with it: tell the patron, or that the reveal is recorded.
        note_key: &'static str,
        value: Zeroizing<String>,
    },
    Error {
        message: String,
    },
}

/// Typed twice, shown as dots.
#[derive(Debug, Default)]
pub struct PinForm {
    pub account_id: i64,
    pub first: Input,
    pub second: Input,
    pub on_second: bool,
    pub error: Option<String>,
    /// "pin" or "password": which words to use.
    pub kind: &'static str,
}

#[derive(Debug)]
pub struct EmailForm {
    pub account_id: i64,
    pub email: Input,
    pub check: Option<IdentityCheck>,
    pub note: Input,
    pub field: EmailField,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailField {
    Email,
    Check,
    Note,
}

impl EmailField {
    pub fn next(self) -> Self {
        match self {
            EmailField::Email => EmailField::Check,
            EmailField::Check => EmailField::Note,
            EmailField::Note => EmailField::Email,
        }
    }

    pub fn previous(self) -> Self {
        match self {
            EmailField::Email => EmailField::Note,
            EmailField::Check => EmailField::Email,
            EmailField::Note => EmailField::Check,
        }
    }
}

pub const IDENTITY_CHECKS: [IdentityCheck; 3] = [
    IdentityCheck::InPerson,
    IdentityCheck::PhoneCallback,
    IdentityCheck::Other,
];

pub fn identity_check_key(c: IdentityCheck) -> &'static str {
    match c {
        IdentityCheck::InPerson => "email_form.in_person",
        IdentityCheck::PhoneCallback => "email_form.phone_callback",
        IdentityCheck::Other => "email_form.other",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPurpose {
    UnlockReason,
    Note,
}

#[derive(Debug)]
pub struct TextForm {
    pub account_id: i64,
    pub purpose: TextPurpose,
    pub input: Input,
    pub error: Option<String>,
}

pub const REVEAL_FIELDS: [RevealField; 3] =
    [RevealField::Email, RevealField::Card, RevealField::Phone];

pub fn reveal_field_key(f: RevealField) -> &'static str {
    match f {
        RevealField::Email => "field.email",
        RevealField::Card => "field.card",
        RevealField::Phone => "field.phone",
    }
}

impl Popup {
    /// Does the popup take typed letters (so single-letter keys must not act)?
    pub fn takes_text(&self) -> bool {
        match self {
            Popup::PinForm(_) | Popup::TextForm(_) => true,
            Popup::EmailForm(f) => f.field != EmailField::Check,
            _ => false,
        }
    }
}
