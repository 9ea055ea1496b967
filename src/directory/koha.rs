//! Koha, the library system, through its REST API (`api/v1/swagger/` in
//! Koha's repository is the reference): patrons listed page by page and by
//! `updated_on`, the PIN set with `POST /patrons/{id}/password`, the email
//! and the failed-login counter changed with `PUT /patrons/{id}`.

use super::http::{ApiClient, read_json};
use super::{CredentialCheck, Directory, DirectoryEntry, DirectoryError, Lookup, Page, Pager};
use crate::config::KohaConfig;
use crate::domain::{DirectoryKind, DirectoryRefusal};
use serde_json::{Value, json};
use std::time::Duration;
use zeroize::Zeroizing;

/// Patrons per page of a full read.
const PER_PAGE: usize = 500;

/// Fields a patron carries in answers that its update must not send back
/// (read-only in the API description, or only there when embedded).
const NOT_WRITABLE: &[&str] = &[
    "restricted",
    "anonymized",
    "checkouts_count",
    "overdues_count",
    "account_balance",
    "library",
    "_strings",
    "extended_attributes",
];

pub struct KohaDirectory {
    config: KohaConfig,
    api: ApiClient,
}

impl KohaDirectory {
    pub fn new(config: KohaConfig, secret: Zeroizing<String>) -> Result<Self, DirectoryError> {
        let base = config.url.trim_end_matches('/').to_string();
        let api = ApiClient::new(
            &base,
            format!("{base}/api/v1/oauth/token"),
            &config.client_id,
            secret,
            Duration::from_secs(config.timeout_seconds),
        )?;
        Ok(KohaDirectory { config, api })
    }

    fn entry(&self, p: &Value) -> Option<DirectoryEntry> {
        let text = |k: &str| {
            p[k].as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let id = p["patron_id"].as_i64()?.to_string();
        let name = [text("firstname"), text("surname")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let attempts = p["login_attempts"].as_i64();
        let locked = attempts.map(|n| {
            // Koha sets -1 for an administrative lock.
            n < 0
                || self
                    .config
                    .failed_login_attempts
                    .is_some_and(|max| n >= i64::from(max))
        });
        Some(DirectoryEntry {
            id,
            login: text("userid"),
            full_name: name,
            email: text("email").unwrap_or_default(),
            card: text("cardnumber"),
            phone: text("phone").or_else(|| text("mobile")),
            locked,
            modified: text("updated_on"),
        })
    }

    async fn patron(&self, id: &str) -> Result<Value, DirectoryError> {
        let url = self.api.url(&format!("/api/v1/patrons/{}", path_id(id)?));
        let answer = self.api.send(|c| c.get(&url)).await?;
        let answer = self.api.expect_success(answer, refusal).await?;
        read_json(answer).await
    }

    async fn patrons(&self, query: &[(&str, String)]) -> Result<Vec<Value>, DirectoryError> {
        let url = self.api.url("/api/v1/patrons");
        let answer = self.api.send(|c| c.get(&url).query(query)).await?;
        let answer = self.api.expect_success(answer, refusal).await?;
        read_json(answer).await
    }

    /// Reads the patron, changes it, and writes the whole record back (the
    /// API's update replaces the patron).
    async fn update(&self, id: &str, change: impl Fn(&mut Value)) -> Result<(), DirectoryError> {
        let mut patron = self.patron(id).await?;
        if let Some(map) = patron.as_object_mut() {
            for key in NOT_WRITABLE {
                map.remove(*key);
            }
        }
        change(&mut patron);
        let url = self.api.url(&format!("/api/v1/patrons/{}", path_id(id)?));
        let answer = self.api.send(|c| c.put(&url).json(&patron)).await?;
        self.api.expect_success(answer, refusal).await.map(|_| ())
    }
}

/// Koha's patron ids are numbers; anything else cannot be one.
fn path_id(id: &str) -> Result<u64, DirectoryError> {
    id.parse::<u64>().map_err(|_| DirectoryError::NotFound)
}

/// A 400 from Koha in words: its password checks say "too short",
/// "weak" or "whitespace".
fn refusal(body: &str) -> DirectoryRefusal {
    let lower = body.to_lowercase();
    if lower.contains("short") || lower.contains("length") {
        DirectoryRefusal::TooShort
    } else if lower.contains("weak") || lower.contains("whitespace") || lower.contains("strength") {
        DirectoryRefusal::TooWeak
    } else {
        DirectoryRefusal::Other
    }
}

#[async_trait::async_trait]
impl Directory for KohaDirectory {
    fn kind(&self) -> DirectoryKind {
        DirectoryKind::Koha
    }

    fn address(&self) -> &str {
        &self.config.url
    }

    async fn check(&self) -> Result<(), DirectoryError> {
        self.patrons(&[("_per_page", "1".into())]).await.map(|_| ())
    }

    fn reads_changes(&self) -> bool {
        true
    }

    async fn list<'a>(
        &'a self,
        since: Option<&str>,
    ) -> Result<Box<dyn Pager + 'a>, DirectoryError> {
        let q = since.map(|mark| json!({ "updated_on": { ">=": mark } }).to_string());
        Ok(Box::new(KohaPager {
            directory: self,
            q,
            page: 1,
            done: false,
        }))
    }

    async fn find(&self, lookup: &Lookup) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let mut found: Vec<Value> = Vec::new();
        for id in &lookup.ids {
            match self.patron(id).await {
                Ok(p) => found.push(p),
                Err(DirectoryError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        for (field, value) in [("cardnumber", &lookup.card), ("email", &lookup.email)] {
            if let Some(value) = value {
                let query = [(field, value.clone()), ("_match", "exact".to_string())];
                found.extend(self.patrons(&query).await?);
            }
        }
        let mut entries: Vec<DirectoryEntry> = found.iter().filter_map(|p| self.entry(p)).collect();
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        entries.dedup_by(|a, b| a.id == b.id);
        Ok(entries)
    }

    async fn set_credential(&self, id: &str, secret: &str) -> Result<(), DirectoryError> {
        let url = self
            .api
            .url(&format!("/api/v1/patrons/{}/password", path_id(id)?));
        let body = Zeroizing::new(json!({ "password": secret, "password_2": secret }).to_string());
        let answer = self
            .api
            .send(|c| {
                c.post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.as_str().to_owned())
            })
            .await?;
        self.api.expect_success(answer, refusal).await.map(|_| ())
    }

    async fn set_email(&self, id: &str, email: &str) -> Result<(), DirectoryError> {
        self.update(id, |p| p["email"] = email.into()).await
    }

    async fn unlock(&self, id: &str) -> Result<(), DirectoryError> {
        self.update(id, |p| p["login_attempts"] = 0.into()).await
    }

    async fn check_credential(
        &self,
        id: &str,
        secret: &str,
    ) -> Result<CredentialCheck, DirectoryError> {
        let patron = self.patron(id).await?;
        let Some(identifier) = patron["userid"]
            .as_str()
            .or_else(|| patron["cardnumber"].as_str())
            .map(str::to_string)
        else {
            return Ok(CredentialCheck::CannotCheck);
        };
        let url = self.api.url("/api/v1/auth/password/validation");
        let body =
            Zeroizing::new(json!({ "identifier": identifier, "password": secret }).to_string());
        let answer = self
            .api
            .send(|c| {
                c.post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.as_str().to_owned())
            })
            .await?;
        match answer.status().as_u16() {
            200 | 201 => Ok(CredentialCheck::Matches),
            400 => Ok(CredentialCheck::Wrong),
            _ => self
                .api
                .expect_success(answer, refusal)
                .await
                .map(|_| CredentialCheck::CannotCheck),
        }
    }
}

struct KohaPager<'a> {
    directory: &'a KohaDirectory,
    q: Option<String>,
    page: usize,
    done: bool,
}

#[async_trait::async_trait]
impl Pager for KohaPager<'_> {
    async fn next_page(&mut self) -> Result<Option<Page>, DirectoryError> {
        if self.done {
            return Ok(None);
        }
        let mut query = vec![
            ("_page", self.page.to_string()),
            ("_per_page", PER_PAGE.to_string()),
            ("_order_by", "+patron_id".to_string()),
        ];
        if let Some(q) = &self.q {
            query.push(("q", q.clone()));
        }
        let patrons = self.directory.patrons(&query).await?;
        self.page += 1;
        self.done = patrons.len() < PER_PAGE;
        Ok(Some(
            patrons
                .iter()
                .filter_map(|p| self.directory.entry(p))
                .collect(),
        ))
    }
}
