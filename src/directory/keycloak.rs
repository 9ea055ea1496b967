//! Keycloak, a login server, through its Admin REST API (its published
//! OpenAPI document is the reference): users listed with `first`/`max`,
//! the password set with `PUT …/reset-password`, the email with
//! `PUT …/users/{id}`, the brute-force lock read and cleared through
//! `attack-detection`. Keycloak cannot tell which users changed, so every
//! sync reads all of them.

use super::http::{ApiClient, read_json};
use super::{CredentialCheck, Directory, DirectoryEntry, DirectoryError, Lookup, Page, Pager};
use crate::config::KeycloakConfig;
use crate::domain::{DirectoryKind, DirectoryRefusal};
use serde_json::{Value, json};
use std::time::Duration;
use zeroize::Zeroizing;

/// Users per page of a full read.
const PAGE: usize = 500;

pub struct KeycloakDirectory {
    config: KeycloakConfig,
    api: ApiClient,
    /// `/admin/realms/{realm}`.
    admin: String,
}

impl KeycloakDirectory {
    pub fn new(config: KeycloakConfig, secret: Zeroizing<String>) -> Result<Self, DirectoryError> {
        let base = config.url.trim_end_matches('/').to_string();
        let realm = url_segment(&config.realm);
        let api = ApiClient::new(
            &base,
            format!("{base}/realms/{realm}/protocol/openid-connect/token"),
            &config.client_id,
            secret,
            Duration::from_secs(config.timeout_seconds),
        )?;
        Ok(KeycloakDirectory {
            admin: format!("/admin/realms/{realm}"),
            config,
            api,
        })
    }

    fn users_url(&self, rest: &str) -> String {
        self.api.url(&format!("{}/users{rest}", self.admin))
    }

    fn entry(&self, u: &Value, locked: Option<bool>) -> Option<DirectoryEntry> {
        let text = |v: &Value| {
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let attribute = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| u["attributes"][n].as_array())
                .and_then(|a| a.first())
                .and_then(text)
        };
        let name = [text(&u["firstName"]), text(&u["lastName"])]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Some(DirectoryEntry {
            id: text(&u["id"])?,
            login: text(&u["username"]),
            full_name: name,
            email: text(&u["email"]).unwrap_or_default(),
            card: attribute(&self.config.attributes.card),
            phone: attribute(&self.config.attributes.phone),
            // A disabled user cannot log in whatever the brute-force state.
            locked: match (u["enabled"].as_bool(), locked) {
                (Some(false), _) => Some(true),
                (_, l) => l,
            },
            modified: None,
        })
    }

    async fn get_json(&self, url: &str, query: &[(&str, String)]) -> Result<Value, DirectoryError> {
        let answer = self.api.send(|c| c.get(url).query(query)).await?;
        let answer = self.api.expect_success(answer, refusal).await?;
        read_json(answer).await
    }

    /// Is the user locked by brute-force detection right now?
    async fn brute_force_locked(&self, id: &str) -> Result<bool, DirectoryError> {
        let url = self.api.url(&format!(
            "{}/attack-detection/brute-force/users/{}",
            self.admin,
            url_segment(id)
        ));
        let status = self.get_json(&url, &[]).await?;
        Ok(status["disabled"].as_bool().unwrap_or(false))
    }
}

/// A path segment: ids and realm names are plain, but never trusted.
fn url_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Keycloak's 400 names the policy that failed in `error`
/// ("invalidPasswordMinLengthMessage", "invalidPasswordHistoryMessage" …).
fn refusal(body: &str) -> DirectoryRefusal {
    let error = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v["error"]
                .as_str()
                .or_else(|| v["errorMessage"].as_str())
                .map(str::to_lowercase)
        })
        .unwrap_or_else(|| body.to_lowercase());
    if error.contains("minlength") || error.contains("too short") {
        DirectoryRefusal::TooShort
    } else if error.contains("history") {
        DirectoryRefusal::InHistory
    } else if error.contains("invalidpassword") {
        DirectoryRefusal::TooWeak
    } else {
        DirectoryRefusal::Other
    }
}

#[async_trait::async_trait]
impl Directory for KeycloakDirectory {
    fn kind(&self) -> DirectoryKind {
        DirectoryKind::Keycloak
    }

    fn address(&self) -> &str {
        &self.config.url
    }

    async fn check(&self) -> Result<(), DirectoryError> {
        let query = [("first", "0".to_string()), ("max", "1".to_string())];
        self.get_json(&self.users_url(""), &query).await.map(|_| ())
    }

    fn reads_changes(&self) -> bool {
        false
    }

    async fn list<'a>(
        &'a self,
        _since: Option<&str>,
    ) -> Result<Box<dyn Pager + 'a>, DirectoryError> {
        Ok(Box::new(KeycloakPager {
            directory: self,
            first: 0,
            done: false,
        }))
    }

    async fn find(&self, lookup: &Lookup) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let mut found = Vec::new();
        for id in &lookup.ids {
            match self
                .get_json(&self.users_url(&format!("/{}", url_segment(id))), &[])
                .await
            {
                Ok(user) => {
                    let locked = self.brute_force_locked(id).await?;
                    found.extend(self.entry(&user, Some(locked)));
                }
                Err(DirectoryError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let mut queries = Vec::new();
        if let Some(email) = &lookup.email {
            queries.push(vec![
                ("email", email.clone()),
                ("exact", "true".to_string()),
                ("briefRepresentation", "false".to_string()),
            ]);
        }
        if let (Some(attr), Some(card)) = (&self.config.attributes.card, &lookup.card) {
            queries.push(vec![
                ("q", format!("{attr}:{card}")),
                ("briefRepresentation", "false".to_string()),
            ]);
        }
        for query in queries {
            let users = self.get_json(&self.users_url(""), &query).await?;
            for user in users.as_array().into_iter().flatten() {
                found.extend(self.entry(user, None));
            }
        }
        found.sort_by(|a, b| a.id.cmp(&b.id));
        // Keep the entry read by id (it carries the lock state).
        found.dedup_by(|later, first| {
            if later.id == first.id && first.locked.is_none() {
                first.locked = later.locked;
            }
            later.id == first.id
        });
        Ok(found)
    }

    async fn set_credential(&self, id: &str, secret: &str) -> Result<(), DirectoryError> {
        let url = self.users_url(&format!("/{}/reset-password", url_segment(id)));
        let body = Zeroizing::new(
            json!({ "type": "password", "value": secret, "temporary": false }).to_string(),
        );
        let answer = self
            .api
            .send(|c| {
                c.put(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.as_str().to_owned())
            })
            .await?;
        self.api.expect_success(answer, refusal).await.map(|_| ())
    }

    async fn set_email(&self, id: &str, email: &str) -> Result<(), DirectoryError> {
        let url = self.users_url(&format!("/{}", url_segment(id)));
        let body = json!({ "email": email });
        let answer = self.api.send(|c| c.put(&url).json(&body)).await?;
        self.api.expect_success(answer, refusal).await.map(|_| ())
    }

    async fn unlock(&self, id: &str) -> Result<(), DirectoryError> {
        let url = self.api.url(&format!(
            "{}/attack-detection/brute-force/users/{}",
            self.admin,
            url_segment(id)
        ));
        let answer = self.api.send(|c| c.delete(&url)).await?;
        self.api.expect_success(answer, refusal).await.map(|_| ())
    }

    async fn check_credential(
        &self,
        _id: &str,
        _secret: &str,
    ) -> Result<CredentialCheck, DirectoryError> {
        // The Admin API has no password check; a login would need a client
        // allowed to take passwords directly, which avain does not ask for.
        Ok(CredentialCheck::CannotCheck)
    }
}

struct KeycloakPager<'a> {
    directory: &'a KeycloakDirectory,
    first: usize,
    done: bool,
}

#[async_trait::async_trait]
impl Pager for KeycloakPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Page>, DirectoryError> {
        if self.done {
            return Ok(None);
        }
        let query = [
            ("first", self.first.to_string()),
            ("max", PAGE.to_string()),
            ("briefRepresentation", "false".to_string()),
        ];
        let users = self
            .directory
            .get_json(&self.directory.users_url(""), &query)
            .await?;
        let users = users.as_array().cloned().unwrap_or_default();
        self.first += users.len();
        self.done = users.len() < PAGE;
        Ok(Some(
            users
                .iter()
                .filter_map(|u| self.directory.entry(u, None))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(url_segment("a1-b.c_d~"), "a1-b.c_d~");
        assert_eq!(url_segment("../x y"), "..%2Fx%20y");
    }

    #[test]
    fn policy_errors_name_the_rule() {
        let body = r#"{"error":"invalidPasswordMinLengthMessage","error_description":"Invalid password: minimum length 8."}"#;
        assert_eq!(refusal(body), DirectoryRefusal::TooShort);
        assert_eq!(
            refusal(r#"{"error":"invalidPasswordHistoryMessage"}"#),
            DirectoryRefusal::InHistory
        );
        assert_eq!(refusal("garbage"), DirectoryRefusal::Other);
    }
}
