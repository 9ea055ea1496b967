//! Staff: who may use avain, with which role and organisations, and how
//! they are identified (Unix login or password).

use super::{Role, ServiceError, ServiceResult, Services, Staff};
use crate::secrets::HashedCredential;
use crate::store::entities::staff;
use crate::store::staff_rows;
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

/// Minimum length of a staff password.
pub const MIN_STAFF_PASSWORD: usize = 12;

pub struct NewStaffMember {
    pub login: String,
    pub full_name: String,
    pub role: Role,
    /// Ignored for admins (they see every organisation).
    pub orgs: Vec<String>,
    pub password: Option<Zeroizing<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffListing {
    pub id: i64,
    pub login: String,
    pub full_name: String,
    pub role: Role,
    pub orgs: Vec<String>,
    pub active: bool,
    pub locked: bool,
    pub has_password: bool,
}

impl Services {
    pub(super) fn staff_from_row(&self, row: &staff::Model) -> ServiceResult<Staff> {
        if !row.active {
            return Err(ServiceError::Forbidden(format!(
                "staff account {:?} is disabled",
                row.login
            )));
        }
        if row.locked_at.is_some() {
            return Err(ServiceError::Forbidden(format!(
                "staff account {:?} is locked after failed passwords",
                row.login
            )));
        }
        let role = row.role;
        let orgs = match role {
            Role::Admin => self
                .config
                .orgs
                .iter()
                .map(|o| o.slug.to_string())
                .collect(),
            Role::Desk => row
                .orgs
                .split_whitespace()
                .filter(|o| self.config.org(o).is_some())
                .map(str::to_string)
                .collect(),
        };
        Ok(Staff {
            id: row.id,
            login: row.login.clone(),
            name: row.full_name.clone(),
            role,
            orgs,
        })
    }

    /// `os-user` mode: the Unix login name is the staff login.
    pub async fn identify_os_user(&self, login: &str) -> ServiceResult<Staff> {
        let tx = self.store.begin_read().await?;
        let row = staff_rows::by_login(&tx, login).await?;
        tx.commit().await?;
        let row = row.ok_or_else(|| {
            ServiceError::Forbidden(format!(
                "the user {login:?} is not avain staff: an admin adds them with `avain staff add {login}`"
            ))
        })?;
        self.staff_from_row(&row)
    }

    /// `password` mode: checks the password; failures count towards a lock.
    pub async fn identify_password(
        &self,
        login: &str,
        password: Zeroizing<String>,
    ) -> ServiceResult<Staff> {
        let tx = self.store.begin_read().await?;
        let row = staff_rows::by_login(&tx, login).await?;
        tx.commit().await?;
        let refused = || ServiceError::Forbidden("unknown login or wrong password".into());
        let Some(row) = row else {
            // Same work as a real check, so timing does not reveal logins.
            let _ = self.hasher.hash_off_runtime(password).await;
            return Err(refused());
        };
        let stored = match (&row.password_hash, &row.password_key_id) {
            (Some(h), Some(k)) => HashedCredential {
                phc: h.clone(),
                key_id: k.clone(),
            },
            _ => return Err(refused()),
        };
        let ok = self.hasher.verify_off_runtime(password, stored).await;
        let tx = self.store.begin_write().await?;
        if ok {
            staff_rows::clear_failures(&tx, row.id).await?;
        } else {
            staff_rows::record_failure(
                &tx,
                row.id,
                self.config.security.max_failed_attempts,
                self.now(),
            )
            .await?;
        }
        self.audit(
            &tx,
            &super::Actor {
                name: format!("staff:{}", row.login),
                staff_id: Some(row.id),
            },
            "staff.login",
            None,
            None,
            json!({ "ok": ok }),
        )
        .await?;
        tx.commit().await?;
        if !ok {
            return Err(refused());
        }
        self.staff_from_row(&row)
    }

    /// Adds a staff member (admin only).
    pub async fn add_staff(&self, admin: &Staff, new: NewStaffMember) -> ServiceResult<i64> {
        admin.require_admin()?;
        self.insert_staff(Some(admin), new).await
    }

    /// Creates the first admin of an empty installation (init, demo).
    pub async fn create_first_admin(&self, login: &str, full_name: &str) -> ServiceResult<i64> {
        let tx = self.store.begin_read().await?;
        let existing = staff_rows::list(&tx).await?;
        tx.commit().await?;
        if !existing.is_empty() {
            return Err(ServiceError::Refused(
                "staff exist already: use `avain staff add`".into(),
            ));
        }
        self.insert_staff(
            None,
            NewStaffMember {
                login: login.into(),
                full_name: full_name.into(),
                role: Role::Admin,
                orgs: Vec::new(),
                password: None,
            },
        )
        .await
    }

    async fn insert_staff(&self, by: Option<&Staff>, new: NewStaffMember) -> ServiceResult<i64> {
        let login_ok = !new.login.is_empty()
            && new.login.len() <= 64
            && new
                .login
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !login_ok {
            return Err(ServiceError::BadInput(format!(
                "{:?} is not a valid login: use letters, digits, '.', '_' or '-'",
                new.login
            )));
        }
        for org in &new.orgs {
            if self.config.org(org).is_none() {
                return Err(ServiceError::BadInput(format!(
                    "no organisation {org:?} in the configuration"
                )));
            }
        }
        if new.role == Role::Desk && new.orgs.is_empty() {
            return Err(ServiceError::BadInput(
                "a desk staff member needs at least one organisation".into(),
            ));
        }
        let password = match new.password {
            Some(p) if p.chars().count() < MIN_STAFF_PASSWORD => {
                return Err(ServiceError::BadInput(format!(
                    "a staff password needs at least {MIN_STAFF_PASSWORD} characters"
                )));
            }
            Some(p) => {
                let h = self.hasher.hash_off_runtime(p).await;
                Some((h.phc, h.key_id))
            }
            None => None,
        };
        let orgs = new.orgs.join(" ");
        let tx = self.store.begin_write().await?;
        if staff_rows::by_login(&tx, &new.login).await?.is_some() {
            return Err(ServiceError::Refused(format!(
                "staff login {:?} exists already",
                new.login
            )));
        }
        let row = staff_rows::insert(
            &tx,
            staff_rows::NewStaff {
                login: &new.login,
                full_name: &new.full_name,
                role: new.role,
                orgs: &orgs,
                password,
            },
            self.now(),
        )
        .await?;
        let detail = json!({ "staff_id": row.id, "login": new.login, "role": new.role.code(), "orgs": new.orgs });
        match by {
            Some(admin) => {
                self.audit_staff(&tx, admin, "staff.add", None, None, detail)
                    .await?
            }
            None => {
                self.audit(
                    &tx,
                    &super::Actor::system(),
                    "staff.add",
                    None,
                    None,
                    detail,
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(row.id)
    }

    pub async fn list_staff(&self, admin: &Staff) -> ServiceResult<Vec<StaffListing>> {
        admin.require_admin()?;
        let tx = self.store.begin_read().await?;
        let rows = staff_rows::list(&tx).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| StaffListing {
                id: r.id,
                orgs: r.orgs.split_whitespace().map(str::to_string).collect(),
                login: r.login,
                full_name: r.full_name,
                role: r.role,
                active: r.active,
                locked: r.locked_at.is_some(),
                has_password: r.password_hash.is_some(),
            })
            .collect())
    }

    /// Disables a staff member (admin only; not oneself).
    pub async fn disable_staff(&self, admin: &Staff, login: &str) -> ServiceResult<()> {
        admin.require_admin()?;
        if admin.login == login {
            return Err(ServiceError::Refused("you cannot disable yourself".into()));
        }
        let tx = self.store.begin_write().await?;
        let row = staff_rows::by_login(&tx, login)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no staff login {login:?}")))?;
        staff_rows::set_active(&tx, row.id, false).await?;
        self.audit_staff(
            &tx,
            admin,
            "staff.disable",
            None,
            None,
            json!({ "staff_id": row.id, "login": login }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
