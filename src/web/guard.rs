//! What protects the patron pages: CSRF pairs (a random value in a
//! SameSite=Strict cookie, and its MAC in the form), the same-origin check
//! on posts, sliding-window rate limits per client address, card and
//! email, and the client address itself (from the socket, or from the
//! proxy when configured).

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

/// A form's CSRF pair: a random value for the cookie, and for the form
/// that value's MAC under the installation's key, so a value an attacker
/// sets in both places (cookie and field) is not accepted.
pub struct Csrf {
    pub cookie: String,
    pub field: String,
}

fn mac(key: &[u8], cookie: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut m = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    m.update(b"avain-csrf-v1:");
    m.update(cookie.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// A fresh pair for a form.
pub fn new_csrf(key: &[u8]) -> Csrf {
    let bytes: [u8; 24] = rand::rng().random();
    let cookie = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    Csrf {
        field: mac(key, &cookie),
        cookie,
    }
}

/// The `Set-Cookie` value carrying the cookie half.
pub fn csrf_cookie(value: &str, secure: bool) -> String {
    cookie::Cookie::build((CSRF_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::hours(1))
        .secure(secure)
        .build()
        .to_string()
}

/// Does the form's value belong to the request's cookie?
pub fn csrf_ok(key: &[u8], headers: &HeaderMap, form_value: &str) -> bool {
    use subtle::ConstantTimeEq;
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == CSRF_COOKIE)
        .map(|c| c.value().to_string());
    match cookie {
        Some(c) if !c.is_empty() => {
            let expected = mac(key, &c);
            expected.len() == form_value.len()
                && bool::from(expected.as_bytes().ct_eq(form_value.as_bytes()))
        }
        _ => false,
    }
}

/// Was the form sent by one of avain's own pages? Browsers say where a
/// request comes from (`Sec-Fetch-Site`, `Origin`); a cross-site one is
/// refused. Requests without the headers (old browsers, scripts) rely on
/// the CSRF pair alone.
pub fn same_origin(headers: &HeaderMap, allowed: &[String]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match header("origin") {
        // No origin, or "null" (what browsers send for a page whose
        // referrer policy is no-referrer, as avain's are): the fetch
        // metadata above and the CSRF pair decide.
        None | Some("null") => true,
        Some(origin) => {
            let host = header("host").unwrap_or_default();
            let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
            (!host.is_empty() && origin_host == host)
                || allowed.iter().any(|a| a.eq_ignore_ascii_case(origin))
        }
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

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            format!("x=1; {CSRF_COOKIE}={value}").parse().unwrap(),
        );
        headers
    }

    #[test]
    fn csrf_needs_the_cookie_and_its_mac() {
        let key = [7u8; 32];
        let pair = new_csrf(&key);
        let headers = with_cookie(&pair.cookie);
        assert!(csrf_ok(&key, &headers, &pair.field));
        assert!(!csrf_ok(&key, &headers, &new_csrf(&key).field));
        assert!(!csrf_ok(&key, &HeaderMap::new(), &pair.field));
        assert!(!csrf_ok(&key, &headers, ""));
        // The same value in both places is not a pair.
        assert!(!csrf_ok(&key, &with_cookie("a"), "a"));
        assert!(!csrf_ok(&[8u8; 32], &headers, &pair.field), "another key");
        let cookie = csrf_cookie(&pair.cookie, true);
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
                && cookie.contains("Secure")
        );
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let allowed = vec!["https://avain.example.fi".to_string()];
        let mut h = HeaderMap::new();
        assert!(
            same_origin(&h, &allowed),
            "no headers: the CSRF pair decides"
        );
        h.insert("host", "127.0.0.1:8080".parse().unwrap());
        h.insert("origin", "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h, &allowed));
        h.insert("origin", "https://evil.example".parse().unwrap());
        assert!(!same_origin(&h, &allowed));
        h.insert("origin", "https://avain.example.fi".parse().unwrap());
        assert!(
            same_origin(&h, &allowed),
            "the public address behind a proxy"
        );
        h.insert("origin", "null".parse().unwrap());
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(
            same_origin(&h, &allowed),
            "a no-referrer page posts with Origin: null"
        );
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h, &allowed));
    }
}
