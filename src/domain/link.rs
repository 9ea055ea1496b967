//! Reset links as the domain sees them: purpose, who started them, and the
//! state at a given moment (active, used, expired, revoked and why).

use super::codes::code_enum;
use serde::Serialize;

code_enum!(
    /// What a link lets the patron do.
    LinkPurpose { Reset = "reset", FirstLogin = "first_login" }
);
code_enum!(
    /// Who caused the link to be issued.
    LinkOrigin { Staff = "staff", SelfService = "self_service", Bulk = "bulk" }
);
code_enum!(
    /// Why a link was revoked before use.
    RevokeReason { Superseded = "superseded", Staff = "staff", EmailChanged = "email_changed", CredentialSet = "credential_set", AccountRemoved = "account_removed", OrgRetired = "org_retired" }
);

impl LinkPurpose {
    /// The link an account gets when nobody asks for a particular one: an
    /// email-login account still waiting for its first login after the
    /// migration gets the set-password invitation, everyone else a reset.
    /// (A library's patrons always reset: their first PIN comes the same way.)
    pub fn for_account(must_set_credential: bool, org_uses_cards: bool) -> LinkPurpose {
        if must_set_credential && !org_uses_cards {
            LinkPurpose::FirstLogin
        } else {
            LinkPurpose::Reset
        }
    }
}

code_enum!(
    /// Why a link cannot be used; its page says which, with no account data.
    LinkProblem {
        Unknown = "unknown",
        Expired = "expired",
        Used = "used",
        Revoked = "revoked",
        /// Another submission of it is on its way to the directory.
        Busy = "busy",
    }
);

/// A link's state at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    Active {
        expires_in_ms: i64,
    },
    Used {
        at: i64,
    },
    Revoked {
        at: i64,
        reason: Option<RevokeReason>,
    },
    Expired {
        at: i64,
    },
}

impl LinkState {
    pub fn code(&self) -> &'static str {
        match self {
            LinkState::Active { .. } => "active",
            LinkState::Used { .. } => "used",
            LinkState::Revoked { .. } => "revoked",
            LinkState::Expired { .. } => "expired",
        }
    }
}

/// The times that decide a link's state.
pub struct LinkTimes {
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<RevokeReason>,
}

/// Used and revoked win over expiry; a link is usable strictly before
/// `expires_at` (at the very millisecond it is expired).
pub fn state(times: &LinkTimes, now_ms: i64) -> LinkState {
    if let Some(at) = times.used_at {
        LinkState::Used { at }
    } else if let Some(at) = times.revoked_at {
        LinkState::Revoked {
            at,
            reason: times.revoke_reason,
        }
    } else if now_ms >= times.expires_at {
        LinkState::Expired {
            at: times.expires_at,
        }
    } else {
        LinkState::Active {
            expires_in_ms: times.expires_at - now_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(used: Option<i64>, revoked: Option<i64>) -> LinkTimes {
        LinkTimes {
            expires_at: 10_000,
            used_at: used,
            revoked_at: revoked,
            revoke_reason: None,
        }
    }

    #[test]
    fn states_at_the_edges() {
        assert_eq!(
            state(&times(None, None), 9_000),
            LinkState::Active {
                expires_in_ms: 1_000
            }
        );
        assert_eq!(state(&times(None, None), 9_999).code(), "active");
        assert_eq!(state(&times(None, None), 10_000).code(), "expired");
        assert_eq!(state(&times(Some(5), None), 20_000).code(), "used");
        assert_eq!(state(&times(None, Some(5)), 1).code(), "revoked");
    }

    #[test]
    fn codes_round_trip() {
        for p in LinkPurpose::ALL {
            assert_eq!(LinkPurpose::parse(p.code()), Some(*p));
        }
        for o in LinkOrigin::ALL {
            assert_eq!(LinkOrigin::parse(o.code()), Some(*o));
        }
        for r in RevokeReason::ALL {
            assert_eq!(RevokeReason::parse(r.code()), Some(*r));
        }
        assert_eq!(LinkPurpose::parse("nope"), None);
    }
}
