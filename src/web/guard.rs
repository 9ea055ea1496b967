//! What protects the patron pages: CSRF pairs (a random value in a
//! SameSite=Strict cookie, and its MAC in the form), the same-origin check
//! on posts, and the client address itself (from the socket, or from a
//! trusted proxy's `X-Forwarded-For`). The rate limits are shared through
//! the database (`service::Limit`).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use ipnet::IpNet;
use rand::RngExt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

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

/// The client's address, for rate limits and the attempt log.
pub struct ClientAddr(pub Option<String>);

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: when the peer is a trusted proxy, the
    /// right-most `X-Forwarded-For` entry that is not one (each proxy
    /// appends the address it saw, so entries left of an untrusted one
    /// may be made up); otherwise the peer itself.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for entry in forwarded_for.unwrap_or_default().rsplit(',') {
            match entry.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // A malformed entry: believe nothing further left.
                Err(_) => break,
            }
        }
        client
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientAddr(None));
        };
        let proxies = parts
            .extensions
            .get::<TrustedProxies>()
            .cloned()
            .unwrap_or_default();
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientAddr(Some(
            proxies.client(peer, forwarded).to_string(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let nets = ["127.0.0.1/32", "10.0.0.0/8"].map(|n| n.parse().unwrap());
        let proxies = TrustedProxies(Arc::new(nets.to_vec()));
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // A peer that is no proxy: its header is ignored.
        assert_eq!(
            proxies.client(ip("192.0.2.7"), Some("203.0.113.9")),
            ip("192.0.2.7")
        );
        // Through the proxy: the address it saw.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), Some("203.0.113.9")),
            ip("203.0.113.9")
        );
        // A forged entry left of the real one is not believed.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), Some("1.2.3.4, 203.0.113.9")),
            ip("203.0.113.9")
        );
        // Two trusted proxies in a row.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), Some("203.0.113.9, 10.1.2.3")),
            ip("203.0.113.9")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(proxies.client(ip("127.0.0.1"), None), ip("127.0.0.1"));
        assert_eq!(
            proxies.client(ip("127.0.0.1"), Some("nonsense")),
            ip("127.0.0.1")
        );
        // Nothing trusted: the peer, always.
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("127.0.0.1"), Some("203.0.113.9")),
            ip("127.0.0.1")
        );
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
