//! The REST connectors' common ground: an HTTPS client (rustls on ring),
//! an OAuth2 client-credentials token cached until it expires, one retry
//! with a fresh token on 401, and HTTP answers mapped to what they mean
//! for avain. A client secret and a token are never logged.

use super::DirectoryError;
use crate::domain::DirectoryRefusal;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use zeroize::Zeroizing;

/// A token is renewed this long before it runs out.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);
/// Longest answer read from a REST API (a page of patrons is far less).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

pub struct ApiClient {
    http: reqwest::Client,
    /// For messages: the server's address.
    pub base: String,
    token_url: String,
    client_id: String,
    secret: Zeroizing<String>,
    token: Mutex<Option<(Zeroizing<String>, Instant)>>,
}

impl ApiClient {
    pub fn new(
        base: &str,
        token_url: String,
        client_id: &str,
        secret: Zeroizing<String>,
        timeout: Duration,
    ) -> Result<ApiClient, DirectoryError> {
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(DirectoryError::Setup(format!(
                "{base}: the address starts with https:// (or http:// on a trusted network)"
            )));
        }
        // One crypto library for every TLS connection avain makes.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("avain/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DirectoryError::Setup(format!("cannot start an HTTPS client: {e}")))?;
        Ok(ApiClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token_url,
            client_id: client_id.to_string(),
            secret,
            token: Mutex::new(None),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A bearer token, from the cache while it is good.
    async fn token(&self, fresh: bool) -> Result<Zeroizing<String>, DirectoryError> {
        let mut cached = self.token.lock().await;
        if !fresh
            && let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.as_str()),
        ];
        let answer = self
            .http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = answer.status();
        if !status.is_success() {
            let body = read_text(answer).await.unwrap_or_default();
            return Err(match status {
                StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    DirectoryError::Setup(format!(
                        "the token request for client {:?} was refused ({status}): {}",
                        self.client_id,
                        short(&body)
                    ))
                }
                _ => DirectoryError::Unavailable(format!("{}: token request: {status}", self.base)),
            });
        }
        let body: TokenAnswer = read_json(answer).await?;
        let life = Duration::from_secs(body.expires_in.unwrap_or(60));
        let until = Instant::now() + life.saturating_sub(TOKEN_MARGIN);
        let token = Zeroizing::new(body.access_token);
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    /// Sends a request with the bearer token; on 401 once more with a new
    /// token (it may have been revoked early).
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, DirectoryError> {
        for fresh in [false, true] {
            let token = self.token(fresh).await?;
            let answer = build(&self.http)
                .bearer_auth(token.as_str())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| self.unreachable(e))?;
            if answer.status() == StatusCode::UNAUTHORIZED && !fresh {
                continue;
            }
            return Ok(answer);
        }
        unreachable!("the loop returns on its second pass")
    }

    fn unreachable(&self, e: reqwest::Error) -> DirectoryError {
        // reqwest's message names the URL but never a header or a body.
        DirectoryError::Unavailable(format!("{}: {}", self.base, e.without_url()))
    }

    /// The answer if it succeeded, else what its status means. `refusal`
    /// reads a 400's body into a reason.
    pub async fn expect_success(
        &self,
        answer: Response,
        refusal: impl Fn(&str) -> DirectoryRefusal,
    ) -> Result<Response, DirectoryError> {
        let status = answer.status();
        if status.is_success() {
            return Ok(answer);
        }
        let body = read_text(answer).await.unwrap_or_default();
        let text = format!("{status}: {}", short(&body));
        Err(match status {
            StatusCode::NOT_FOUND => DirectoryError::NotFound,
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT => DirectoryError::Refused {
                reason: refusal(&body),
                text,
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => DirectoryError::Setup(format!(
                "avain's API client may not do this ({text}); check its permissions"
            )),
            _ => DirectoryError::Unavailable(format!("{}: {text}", self.base)),
        })
    }
}

/// The body as text, at most [`MAX_BODY_BYTES`].
pub async fn read_text(answer: Response) -> Result<String, DirectoryError> {
    let bytes = read_bytes(answer).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub async fn read_json<T: serde::de::DeserializeOwned>(
    answer: Response,
) -> Result<T, DirectoryError> {
    let bytes = read_bytes(answer).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        DirectoryError::Setup(format!("the answer is not what the API describes: {e}"))
    })
}

async fn read_bytes(mut answer: Response) -> Result<Vec<u8>, DirectoryError> {
    let mut out = Vec::new();
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|e| DirectoryError::Unavailable(e.without_url().to_string()))?
    {
        if out.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(DirectoryError::Setup("the answer is too large".into()));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A server's message, cut for a status line.
pub fn short(body: &str) -> String {
    crate::text::safe(body.chars().take(300).collect::<String>().trim())
}
