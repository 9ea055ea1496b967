//! Enums with a stable text code: stored in the database, shown in JSON,
//! parsed back. The one macro that writes `code()` and `parse()`.

/// An enum whose variants each have a stable code.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and shown in JSON.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::codes::UnknownCode;
            fn from_str(code: &str) -> Result<$name, Self::Err> {
                $name::parse(code).ok_or_else(|| $crate::domain::codes::UnknownCode {
                    what: stringify!($name),
                    code: code.chars().take(40).collect(),
                })
            }
        }
    };
}

pub(crate) use code_enum;

/// A stored code no variant has (a newer avain wrote it, or a hand edit).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?} is not a known {what}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

code_enum!(
    /// A mail's place in the outbox.
    OutboxStatus {
        /// Waiting to be sent (first try or a retry).
        Queued = "queued",
        /// Claimed by a worker right now.
        Sending = "sending",
        Sent = "sent",
        /// Given up: a permanent refusal or too many tries.
        Failed = "failed",
        /// Not sent because its link died first.
        Cancelled = "cancelled",
    }
);

impl OutboxStatus {
    /// Still waiting to go out (the sealed link is kept only then).
    pub fn is_pending(self) -> bool {
        matches!(self, OutboxStatus::Queued | OutboxStatus::Sending)
    }
}

code_enum!(
    /// Whether the system of record still has an account.
    AccountStatus {
        Active = "active",
        /// Gone from the directory: kept with its history, no links.
        Removed = "removed",
    }
);

code_enum!(
    /// A staff member's role.
    Role {
        /// Works on accounts of their own organisations.
        Desk = "desk",
        /// Works on every organisation and manages staff.
        Admin = "admin",
    }
);

code_enum!(
    /// A language avain speaks.
    Language { Fi = "fi", Sv = "sv", En = "en" }
);

impl Default for Language {
    /// An organisation without a language is Finnish (the first users'
    /// language); people without one get English (see `text`).
    fn default() -> Self {
        Language::Fi
    }
}

impl Language {
    /// Reads "fi", "sv_FI.UTF-8", "en-GB" and the like.
    pub fn from_locale(locale: &str) -> Option<Self> {
        let lang = locale.split(['_', '-', '.']).next()?.to_ascii_lowercase();
        Language::parse(&lang)
    }
}

code_enum!(
    /// What happened behind the self-service form's neutral answer.
    SelfServiceOutcome {
        LinkSent = "link_sent",
        Refused = "refused",
        Locked = "locked",
        RateLimited = "rate_limited",
    }
);

code_enum!(
    /// Which mail template an outbox row uses.
    MailTemplate {
        PinReset = "pin_reset",
        PasswordReset = "password_reset",
        FirstLogin = "first_login",
        CredentialChanged = "credential_changed",
        EmailChanged = "email_changed",
    }
);

impl MailTemplate {
    /// The mail that carries a link of `purpose` for this kind of credential.
    pub fn for_link(
        purpose: super::link::LinkPurpose,
        kind: super::policy::CredentialKind,
    ) -> MailTemplate {
        use super::link::LinkPurpose;
        use super::policy::CredentialKind;
        match (purpose, kind) {
            (LinkPurpose::FirstLogin, _) => MailTemplate::FirstLogin,
            (LinkPurpose::Reset, CredentialKind::Pin) => MailTemplate::PinReset,
            (LinkPurpose::Reset, CredentialKind::Password) => MailTemplate::PasswordReset,
        }
    }
}

code_enum!(
    /// Flags shown beside a search result.
    Badge {
        /// Gone from its directory (kept with its history).
        Removed = "removed",
        Locked = "locked",
        LegacyPin = "legacy_pin",
        AwaitingFirstLogin = "first_login",
        ActiveLink = "active_link",
    }
);

code_enum!(
    /// Why a system of record refused a new PIN, password or email.
    DirectoryRefusal {
        /// Shorter than its policy allows.
        TooShort = "too_short",
        /// Fails its quality rules.
        TooWeak = "too_weak",
        /// One of the entry's recent passwords.
        InHistory = "in_history",
        /// Changed too recently to change again.
        TooSoon = "too_soon",
        /// The entry is locked there.
        Locked = "locked",
        /// The change is not allowed for this entry (or for avain).
        NotAllowed = "not_allowed",
        /// Another reason: its own words are shown.
        Other = "other",
    }
);

code_enum!(
    /// The kind of system an organisation's accounts and credentials live in.
    DirectoryKind {
        /// avain itself holds the credential (the demo, small sites).
        Local = "local",
        Ldap = "ldap",
        Koha = "koha",
        Keycloak = "keycloak",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_named() {
        for s in OutboxStatus::ALL {
            assert_eq!(s.code().parse::<OutboxStatus>().unwrap(), *s);
        }
        for s in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(s.code()), Some(*s));
        }
        let e = "bogus".parse::<Role>().unwrap_err();
        assert_eq!(e.to_string(), "\"bogus\" is not a known Role");
    }
}
