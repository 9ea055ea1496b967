//! Who is acting: a staff member with a role and organisations. Every
//! staff service takes a `&Staff`, so no action runs without one.

use super::error::{ServiceError, ServiceResult};
pub use crate::domain::Role;
use serde::Serialize;

/// An identified, active staff member.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The organisations this person may see: for admins, all configured.
    pub orgs: Vec<String>,
}

impl Staff {
    pub fn can_see(&self, org: &str) -> bool {
        self.orgs.iter().any(|o| o == org)
    }

    /// The same answer as for a missing account, so desk staff cannot
    /// probe other organisations.
    pub fn require_org(&self, org: &str, what: &str) -> ServiceResult<()> {
        if self.can_see(org) {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("{what} not found")))
        }
    }

    /// An organisation slug staff typed (`--org`): one they may not see
    /// gets the same answer as one that does not exist, naming the
    /// organisations they may use so a typo is quickly put right.
    pub fn require_known_org(&self, org: &str) -> ServiceResult<()> {
        if self.can_see(org) {
            return Ok(());
        }
        Err(ServiceError::UnknownOrg {
            slug: org.to_string(),
            known: self.orgs.clone(),
        })
    }

    pub fn require_admin(&self) -> ServiceResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Desk => Err(ServiceError::Forbidden("this needs the admin role".into())),
        }
    }

    pub fn actor(&self) -> String {
        format!("staff:{}", self.login)
    }
}
