//! What protects the patron pages: CSRF tokens (a random value in a
//! SameSite=Strict cookie that the form must echo), sliding-window rate
//! limits per client address, card and email, and the client address
//! itself (from the socket, or from the proxy when configured).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use rand::RngExt;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const CSRF_COOKIE: &str = "avain_csrf";

/// A fresh CSRF value for a form.
pub fn new_csrf() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The `Set-Cookie` value carrying it.
pub fn csrf_cookie(value: &str, secure: bool) -> String {
    format!(
        "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Does the form's value match the cookie's?
pub fn csrf_ok(headers: &HeaderMap, form_value: &str) -> bool {
    use subtle::ConstantTimeEq;
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_string());
    match cookie {
        Some(c) if !c.is_empty() && c.len() == form_value.len() => {
            bool::from(c.as_bytes().ct_eq(form_value.as_bytes()))
        }
        _ => false,
    }
}

/// Counts events per key in a sliding window.
pub struct RateLimiter {
    window: Duration,
    max: usize,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimiter {
            window,
            max,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records one event for each key; false if any key is over its limit
    /// (then nothing is recorded, so waiting always helps).
    pub fn allow(&self, keys: &[String]) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Forget old keys now and then, so the map cannot grow without bound.
        if seen.len() > 50_000 {
            seen.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        for key in keys {
            if let Some(times) = seen.get_mut(key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    times.pop_front();
                }
                if times.len() >= self.max {
                    return false;
                }
            }
        }
        for key in keys {
            seen.entry(key.clone()).or_default().push_back(now);
        }
        true
    }
}

/// The client's address, for rate limits and the attempt log.
pub struct ClientAddr(pub Option<String>);

/// Set on the router when a reverse proxy on this host forwards requests.
#[derive(Clone, Copy)]
pub struct BehindProxy(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let behind_proxy = parts.extensions.get::<BehindProxy>().is_some_and(|b| b.0);
        if behind_proxy
            && let Some(forwarded) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
        {
            return Ok(ClientAddr(Some(forwarded.trim().to_string())));
        }
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_apply_per_key_and_refusals_are_not_counted() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let a = vec!["ip:1".to_string(), "card:1".to_string()];
        assert!(limiter.allow(&a));
        assert!(limiter.allow(&a));
        assert!(!limiter.allow(&a));
        assert!(!limiter.allow(&["card:1".to_string()]));
        assert!(limiter.allow(&["card:2".to_string()]));
    }

    #[test]
    fn csrf_needs_the_same_value_in_cookie_and_form() {
        let value = new_csrf();
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            format!("x=1; {CSRF_COOKIE}={value}").parse().unwrap(),
        );
        assert!(csrf_ok(&headers, &value));
        assert!(!csrf_ok(&headers, &new_csrf()));
        assert!(!csrf_ok(&HeaderMap::new(), &value));
        assert!(!csrf_ok(&headers, ""));
    }
}
