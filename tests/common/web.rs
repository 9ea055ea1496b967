//! Driving the patron pages through the real router (no sockets): a
//! page's status, headers and body, and its CSRF cookie and form value.

use super::Harness;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The CSRF cookie and form value of a form page.
    pub fn csrf(&self) -> (String, String) {
        let cookie = self.headers[axum::http::header::SET_COOKIE]
            .to_str()
            .unwrap();
        let value = cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string();
        let start = self.body.find("name=\"csrf\" value=\"").expect("a form") + 19;
        let field = self.body[start..start + self.body[start..].find('"').unwrap()].to_string();
        // The form carries the cookie value's MAC, never the value itself.
        assert!(!value.is_empty() && !field.is_empty() && value != field);
        (format!("avain_csrf={value}"), field)
    }
}

pub async fn call(app: &Router, request: Request<Body>) -> Page {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

pub async fn get(app: &Router, uri: &str) -> Page {
    call(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post(app: &Router, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Page {
    call(app, form_request(uri, cookie, fields)).await
}

/// A form post as if from the client at `client` (an IP address).
pub async fn post_from(
    app: &Router,
    client: &str,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> Page {
    let mut request = form_request(uri, cookie, fields);
    let addr: std::net::SocketAddr = format!("{client}:40000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    call(app, request).await
}

fn form_request(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
        .unwrap()
}

pub fn app(h: &Harness) -> Router {
    avain::web::router(avain::web::WebState::new(h.services.clone()))
}
