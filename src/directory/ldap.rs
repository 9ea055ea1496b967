//! LDAP (OpenLDAP, 389-ds, Active Directory) through `ldap3`: accounts
//! read with paged searches, passwords set with the Password Modify
//! extended operation so the server hashes them under its own policy
//! (replacing `userPassword`, or `unicodePwd` on Active Directory, where
//! the server lacks it), emails and locks changed with modify.

use super::ldap_values::{
    ACTIVE_DIRECTORY_OID, PASSWORD_MODIFY_OID, PPOLICY_OID, escape_filter_value, guid_filter_value,
    guid_text, result_error, unicode_pwd,
};
pub(super) use super::ldap_values::{refused_unless_ok, unavailable};
use super::{CredentialCheck, Directory, DirectoryEntry, DirectoryError, Lookup, Pager};
use crate::config::{LdapConfig, LdapPasswordWrite};
use crate::domain::DirectoryKind;
use ldap3::adapters::{EntriesOnly, PagedResults};
use ldap3::controls::RawControl;
use ldap3::exop::PasswordModify;
use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Mod, Scope, SearchEntry,
};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell};
use zeroize::Zeroizing;

/// Entries per page of a full read.
pub(super) const PAGE_SIZE: i32 = 500;

/// Result codes that mean "no such attribute" and a wrong password.
const NO_SUCH_ATTRIBUTE: u32 = 16;
const INVALID_CREDENTIALS: u32 = 49;

pub struct LdapDirectory {
    config: LdapConfig,
    url: String,
    starttls: bool,
    bind_password: Zeroizing<String>,
    /// The service account's bound connection, shared by every call
    /// (ldap3 multiplexes operations on one connection).
    service: Mutex<Option<Ldap>>,
    /// How passwords are written, decided once from the root DSE.
    write: OnceCell<LdapPasswordWrite>,
}

impl LdapDirectory {
    pub fn new(
        config: LdapConfig,
        bind_password: Zeroizing<String>,
    ) -> Result<Self, DirectoryError> {
        let (url, starttls) = match config.url.strip_suffix("?starttls") {
            Some(u) => (u.to_string(), true),
            None => (config.url.clone(), false),
        };
        if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
            return Err(DirectoryError::Setup(format!(
                "{}: an LDAP address starts with ldap:// or ldaps://",
                config.url
            )));
        }
        Ok(LdapDirectory {
            config,
            url,
            starttls,
            bind_password,
            service: Mutex::new(None),
            write: OnceCell::new(),
        })
    }

    pub(super) fn url(&self) -> &str {
        &self.url
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.config.timeout_seconds)
    }

    /// A new connection (not bound).
    async fn open(&self) -> Result<Ldap, DirectoryError> {
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout())
            .set_starttls(self.starttls);
        let (conn, ldap) = LdapConnAsync::with_settings(settings, &self.url)
            .await
            .map_err(|e| unavailable(&self.url, e))?;
        ldap3::drive!(conn);
        Ok(ldap)
    }

    /// The service connection, connected and bound on first use and again
    /// after an error.
    async fn service(&self) -> Result<Ldap, DirectoryError> {
        let mut slot = self.service.lock().await;
        if let Some(ldap) = slot.as_mut()
            && !ldap.is_closed()
        {
            return Ok(ldap.clone());
        }
        let mut ldap = self.open().await?;
        let bound = ldap
            .with_timeout(self.timeout())
            .simple_bind(&self.config.bind_dn, &self.bind_password)
            .await
            .map_err(|e| unavailable(&self.url, e))?;
        if bound.rc != 0 {
            return Err(DirectoryError::Setup(format!(
                "binding as {} failed: {} (result {})",
                self.config.bind_dn,
                if bound.text.is_empty() {
                    "refused"
                } else {
                    &bound.text
                },
                bound.rc
            )));
        }
        *slot = Some(ldap.clone());
        Ok(ldap)
    }

    /// Forgets the shared connection after a failure, so the next call
    /// connects again.
    pub(super) async fn reset(&self) {
        *self.service.lock().await = None;
    }

    fn attributes(&self) -> Vec<String> {
        let a = &self.config.attributes;
        let mut list = vec![
            a.id.clone(),
            a.name.clone(),
            a.email.clone(),
            a.modified.clone(),
        ];
        list.extend(
            [&a.card, &a.login, &a.phone, &a.locked]
                .into_iter()
                .flatten()
                .cloned(),
        );
        list
    }

    /// `(attr=value)` for the id: AD's binary GUID as escaped bytes.
    fn id_filter(&self, id: &str) -> String {
        let attr = &self.config.attributes.id;
        let value = if attr.eq_ignore_ascii_case("objectGUID") {
            guid_filter_value(id).unwrap_or_else(|| escape_filter_value(id))
        } else {
            escape_filter_value(id)
        };
        format!("({attr}={value})")
    }

    pub(super) fn entry(&self, raw: SearchEntry) -> Option<DirectoryEntry> {
        let a = &self.config.attributes;
        let text = |name: &str| -> Option<String> {
            raw.attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.first().cloned())
        };
        let id = text(&a.id).or_else(|| {
            raw.bin_attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&a.id))
                .and_then(|(_, v)| v.first())
                .and_then(|b| guid_text(b))
        })?;
        let locked = a.locked.as_deref().map(|attr| match text(attr) {
            // Active Directory keeps lockoutTime = 0 on unlocked accounts.
            Some(v) => v != "0",
            None => false,
        });
        Some(DirectoryEntry {
            id,
            login: a.login.as_deref().and_then(&text),
            full_name: text(&a.name).unwrap_or_default(),
            email: text(&a.email).unwrap_or_default(),
            card: a.card.as_deref().and_then(&text),
            phone: a.phone.as_deref().and_then(&text),
            locked,
            modified: text(&a.modified),
        })
    }

    /// The DN of the entry with this id.
    async fn dn_of(&self, id: &str) -> Result<String, DirectoryError> {
        let mut ldap = self.service().await?;
        let filter = format!("(&{}{})", self.config.filter, self.id_filter(id));
        let result = ldap
            .with_timeout(self.timeout())
            .search(&self.config.base_dn, Scope::Subtree, &filter, vec!["1.1"])
            .await;
        let (entries, res) = self.checked(result.map(|r| (r.0, r.1))).await?;
        refused_unless_ok(&res)?;
        entries
            .into_iter()
            .next()
            .map(|e| SearchEntry::construct(e).dn)
            .ok_or(DirectoryError::NotFound)
    }

    /// Maps a transport failure to "no answer" and drops the connection.
    async fn checked<T>(&self, result: Result<T, LdapError>) -> Result<T, DirectoryError> {
        match result {
            Ok(v) => Ok(v),
            Err(LdapError::LdapResult { result }) => Err(result_error(&result)),
            Err(e) => {
                self.reset().await;
                Err(unavailable(&self.url, e))
            }
        }
    }

    /// Decides once how passwords are written, from what the server
    /// announces in its root DSE.
    async fn password_write(&self) -> Result<LdapPasswordWrite, DirectoryError> {
        if self.config.password_write != LdapPasswordWrite::Auto {
            return Ok(self.config.password_write);
        }
        self.write
            .get_or_try_init(|| async {
                let mut ldap = self.service().await?;
                let result = ldap
                    .with_timeout(self.timeout())
                    .search(
                        "",
                        Scope::Base,
                        "(objectClass=*)",
                        vec!["supportedExtension", "supportedCapabilities"],
                    )
                    .await;
                let (entries, _) = self.checked(result.map(|r| (r.0, r.1))).await?;
                let dse = entries.into_iter().next().map(SearchEntry::construct);
                let has = |attr: &str, oid: &str| {
                    dse.as_ref().is_some_and(|e| {
                        e.attrs.iter().any(|(k, v)| {
                            k.eq_ignore_ascii_case(attr) && v.iter().any(|x| x == oid)
                        })
                    })
                };
                Ok(if has("supportedExtension", PASSWORD_MODIFY_OID) {
                    LdapPasswordWrite::PasswordModify
                } else if has("supportedCapabilities", ACTIVE_DIRECTORY_OID) {
                    LdapPasswordWrite::ActiveDirectory
                } else {
                    LdapPasswordWrite::UserPassword
                })
            })
            .await
            .copied()
    }

    fn policy_control() -> Vec<RawControl> {
        vec![RawControl {
            ctype: PPOLICY_OID.to_string(),
            crit: false,
            val: None,
        }]
    }

    async fn modify(
        &self,
        id: &str,
        mods: Vec<Mod<Vec<u8>>>,
    ) -> Result<LdapResult, DirectoryError> {
        let dn = self.dn_of(id).await?;
        let mut ldap = self.service().await?;
        let result = ldap
            .with_controls(Self::policy_control())
            .with_timeout(self.timeout())
            .modify(&dn, mods)
            .await;
        self.checked(result).await
    }
}

fn set_of(value: Vec<u8>) -> HashSet<Vec<u8>> {
    HashSet::from([value])
}

#[async_trait::async_trait]
impl Directory for LdapDirectory {
    fn kind(&self) -> DirectoryKind {
        DirectoryKind::Ldap
    }

    fn address(&self) -> &str {
        &self.config.url
    }

    async fn check(&self) -> Result<(), DirectoryError> {
        self.reset().await;
        self.service().await.map(|_| ())
    }

    fn reads_changes(&self) -> bool {
        true
    }

    async fn list<'a>(
        &'a self,
        since: Option<&str>,
    ) -> Result<Box<dyn Pager + 'a>, DirectoryError> {
        let filter = match since {
            Some(mark) => format!(
                "(&{}({}>={}))",
                self.config.filter,
                self.config.attributes.modified,
                escape_filter_value(mark)
            ),
            None => self.config.filter.clone(),
        };
        let mut ldap = self.service().await?;
        let adapters: Vec<Box<dyn ldap3::adapters::Adapter<'static, String, Vec<String>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let stream = ldap
            .with_timeout(self.timeout())
            .streaming_search_with(
                adapters,
                &self.config.base_dn,
                Scope::Subtree,
                &filter,
                self.attributes(),
            )
            .await;
        let stream = self.checked(stream).await?;
        Ok(Box::new(super::ldap_pager::LdapPager {
            directory: self,
            stream: Some(stream),
        }))
    }

    async fn find(&self, lookup: &Lookup) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let a = &self.config.attributes;
        let mut any: Vec<String> = lookup.ids.iter().map(|id| self.id_filter(id)).collect();
        if let (Some(attr), Some(card)) = (&a.card, &lookup.card) {
            any.push(format!("({attr}={})", escape_filter_value(card)));
        }
        if let Some(email) = &lookup.email {
            any.push(format!("({}={})", a.email, escape_filter_value(email)));
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let filter = format!("(&{}(|{}))", self.config.filter, any.concat());
        let mut ldap = self.service().await?;
        let result = ldap
            .with_timeout(self.timeout())
            .search(
                &self.config.base_dn,
                Scope::Subtree,
                &filter,
                self.attributes(),
            )
            .await;
        let (entries, res) = self.checked(result.map(|r| (r.0, r.1))).await?;
        refused_unless_ok(&res)?;
        Ok(entries
            .into_iter()
            .filter_map(|e| self.entry(SearchEntry::construct(e)))
            .collect())
    }

    async fn set_credential(&self, id: &str, secret: &str) -> Result<(), DirectoryError> {
        match self.password_write().await? {
            LdapPasswordWrite::PasswordModify | LdapPasswordWrite::Auto => {
                let dn = self.dn_of(id).await?;
                let mut ldap = self.service().await?;
                let result = ldap
                    .with_controls(Self::policy_control())
                    .with_timeout(self.timeout())
                    .extended(PasswordModify {
                        user_id: Some(&dn),
                        old_pass: None,
                        new_pass: Some(secret),
                    })
                    .await;
                let ldap3::result::ExopResult(_, res) = self.checked(result).await?;
                refused_unless_ok(&res)
            }
            LdapPasswordWrite::UserPassword => {
                let value = Zeroizing::new(secret.as_bytes().to_vec());
                let res = self
                    .modify(
                        id,
                        vec![Mod::Replace(
                            b"userPassword".to_vec(),
                            set_of(value.to_vec()),
                        )],
                    )
                    .await?;
                refused_unless_ok(&res)
            }
            LdapPasswordWrite::ActiveDirectory => {
                if !(self.url.starts_with("ldaps://") || self.starttls) {
                    return Err(DirectoryError::Setup(
                        "Active Directory takes passwords only over TLS: use ldaps:// or ?starttls"
                            .into(),
                    ));
                }
                let res = self
                    .modify(
                        id,
                        vec![Mod::Replace(
                            b"unicodePwd".to_vec(),
                            set_of(unicode_pwd(secret).to_vec()),
                        )],
                    )
                    .await?;
                refused_unless_ok(&res)
            }
        }
    }

    async fn set_email(&self, id: &str, email: &str) -> Result<(), DirectoryError> {
        let attr = self.config.attributes.email.as_bytes().to_vec();
        let res = self
            .modify(
                id,
                vec![Mod::Replace(attr, set_of(email.as_bytes().to_vec()))],
            )
            .await?;
        refused_unless_ok(&res)
    }

    async fn unlock(&self, id: &str) -> Result<(), DirectoryError> {
        let Some(attr) = self.config.attributes.locked.clone() else {
            return Ok(());
        };
        let change = if attr.eq_ignore_ascii_case("lockoutTime") {
            Mod::Replace(attr.into_bytes(), set_of(b"0".to_vec()))
        } else {
            Mod::Delete(attr.into_bytes(), HashSet::new())
        };
        let res = self.modify(id, vec![change]).await?;
        if res.rc == NO_SUCH_ATTRIBUTE {
            return Ok(());
        }
        refused_unless_ok(&res)
    }

    async fn check_credential(
        &self,
        id: &str,
        secret: &str,
    ) -> Result<CredentialCheck, DirectoryError> {
        if secret.is_empty() {
            // An empty password is an unauthenticated bind, not a check.
            return Ok(CredentialCheck::Wrong);
        }
        let dn = self.dn_of(id).await?;
        let mut ldap = self.open().await?;
        let result = ldap
            .with_timeout(self.timeout())
            .simple_bind(&dn, secret)
            .await;
        let _ = ldap.unbind().await;
        match result {
            Ok(res) if res.rc == 0 => Ok(CredentialCheck::Matches),
            Ok(res) if res.rc == INVALID_CREDENTIALS => Ok(CredentialCheck::Wrong),
            Ok(res) => Err(result_error(&res)),
            Err(e) => Err(unavailable(&self.url, e)),
        }
    }
}
