//! `avain serve`: the pages patrons use. The request forms (forgot PIN;
//! first login or forgotten password) and the page a mailed link opens,
//! calling the same services as the console, rendered from templates.

pub mod guard;
mod link_pages;
pub mod listener;
mod render;
mod request_pages;
mod work_queue;

use crate::domain::Language;
use crate::service::Services;
use crate::text::Words;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guard::TrustedProxies;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Self-service requests worked on at once (each holds a database
/// connection), and how many may wait before the form says "busy".
const REQUESTS_AT_ONCE: usize = 4;
const REQUESTS_WAITING: usize = 2_000;

pub struct WebState {
    pub services: Services,
    /// Self-service requests answered and still to be done.
    requests: work_queue::WorkQueue,
    secure_cookies: bool,
    /// The organisations' public origins (`https://host`): a form posted
    /// from one of them is from avain's own pages.
    origins: Vec<String>,
}

type Shared = Arc<WebState>;

/// `?lang=xx`: a language the patron picked, kept from page to page.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn language(&self) -> Option<Language> {
        self.lang.as_deref().and_then(Language::from_locale)
    }

    /// For links on the next page.
    fn suffix(&self) -> String {
        self.language()
            .map(|l| format!("?lang={}", l.code()))
            .unwrap_or_default()
    }
}

/// An organisation as a page lists it.
#[derive(Serialize)]
struct OrgLink<'a> {
    slug: &'a str,
    name: &'a str,
    title: &'a str,
}

impl WebState {
    pub fn new(services: Services) -> Shared {
        let secure_cookies = services
            .config
            .orgs
            .iter()
            .all(|o| o.link_base_url.join("").starts_with("https://"));
        let origins = services
            .config
            .orgs
            .iter()
            .filter_map(|o| {
                let url = o.link_base_url.join("");
                let (scheme, rest) = url.split_once("://")?;
                Some(format!("{scheme}://{}", rest.split('/').next()?))
            })
            .collect();
        Arc::new(WebState {
            services,
            requests: work_queue::WorkQueue::new(REQUESTS_AT_ONCE, REQUESTS_WAITING),
            secure_cookies,
            origins,
        })
    }

    /// The page's words: the language asked for, else the organisation's,
    /// else the configured one.
    fn words(&self, org: Option<&str>, query: &LangQuery) -> Words {
        let lang = query
            .language()
            .or_else(|| {
                org.and_then(|o| self.services.config.org(o))
                    .map(|o| o.language)
            })
            .or(self.services.config.ui.language)
            .unwrap_or_default();
        Words::new(lang, &self.services.config.mail.time_zone)
    }

    /// Every organisation, for links on a page.
    fn org_links<'a>(&'a self, w: &'a Words) -> Vec<OrgLink<'a>> {
        self.services
            .config
            .orgs
            .iter()
            .map(|o| OrgLink {
                slug: o.slug.as_str(),
                name: &o.name,
                title: w.t(if o.uses_cards() {
                    "web.forgot_pin_title"
                } else {
                    "web.first_login_title"
                }),
            })
            .collect()
    }

    /// How long one request may take: long enough for the slowest
    /// directory the organisations use to answer a credential change.
    fn request_deadline(&self) -> Duration {
        let slowest = self
            .services
            .config
            .orgs
            .iter()
            .filter_map(|o| o.directory.timing())
            .map(|t| t.timeout_seconds)
            .max()
            .unwrap_or(0);
        Duration::from_secs(20.max(slowest + 5))
    }

    /// Checks a posted form: from avain's own page, with its CSRF pair.
    fn form_ok(&self, headers: &HeaderMap, csrf: &str) -> bool {
        guard::same_origin(headers, &self.origins)
            && guard::csrf_ok(self.services.form_key(), headers, csrf)
    }
}

/// Largest request body: the forms are a few short fields.
const MAX_BODY_BYTES: usize = 8 * 1024;

/// The router with every page and the security headers.
pub fn router(state: Shared) -> Router {
    // Checked when the configuration was loaded.
    let proxies = TrustedProxies(Arc::new(
        state.services.config.web.proxy_nets().unwrap_or_default(),
    ));
    let deadline = state.request_deadline();
    Router::new()
        .route("/", get(front))
        .route("/style.css", get(style))
        .route(
            "/request/{org}",
            get(request_pages::form).post(request_pages::submit),
        )
        .route(
            "/link/{token}",
            get(link_pages::form).post(link_pages::submit),
        )
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            deadline,
            listener::request_deadline,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::Extension(proxies))
        .with_state(state)
}

/// Every answer: a strict CSP, no referrer (a token page must not leak
/// its URL), no caching, no framing, no sniffing.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, "referrer-policy", "no-referrer");
    set(h, "cache-control", "no-store");
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    response
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A page with a form: sets the CSRF cookie whose MAC the form carries.
fn html_with_csrf(state: &WebState, cookie: &str, body: String) -> Response {
    let mut response = html(StatusCode::OK, body);
    if let Ok(value) = HeaderValue::from_str(&guard::csrf_cookie(cookie, state.secure_cookies)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css")], render::STYLE).into_response()
}

/// A page that says one thing, optionally with links to ask again.
fn message(
    state: &WebState,
    w: &Words,
    q: &LangQuery,
    status: StatusCode,
    title_key: &str,
    text: &str,
    offer_forms: bool,
) -> Response {
    let orgs = if offer_forms {
        state.org_links(w)
    } else {
        Vec::new()
    };
    let next = if offer_forms {
        w.t("web.dead_next")
    } else {
        ""
    };
    html(
        status,
        render::page(
            w,
            "message.html",
            w.t(title_key),
            &q.suffix(),
            json!({ "class": "error", "text": text, "next": next, "orgs": orgs }),
        ),
    )
}

async fn not_found(State(state): State<Shared>) -> Response {
    let q = LangQuery::default();
    let w = state.words(None, &q);
    message(
        &state,
        &w,
        &q,
        StatusCode::NOT_FOUND,
        "web.not_found",
        "",
        false,
    )
}

fn too_many(state: &WebState, w: &Words, q: &LangQuery) -> Response {
    let text = w.t("web.too_many_text");
    message(
        state,
        w,
        q,
        StatusCode::TOO_MANY_REQUESTS,
        "web.too_many_title",
        text,
        false,
    )
}

fn busy(state: &WebState, w: &Words, q: &LangQuery) -> Response {
    let text = w.t("web.busy_text");
    let mut response = message(
        state,
        w,
        q,
        StatusCode::SERVICE_UNAVAILABLE,
        "web.busy_title",
        text,
        false,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

fn form_refused(state: &WebState, w: &Words, q: &LangQuery) -> Response {
    let text = w.t("web.csrf_text");
    message(
        state,
        w,
        q,
        StatusCode::FORBIDDEN,
        "web.csrf_title",
        text,
        false,
    )
}

fn server_error(state: &WebState, q: &LangQuery, err: crate::service::ServiceError) -> Response {
    tracing::error!("patron page: {err}");
    let w = state.words(None, q);
    let text = w.t("web.unavailable_text");
    message(
        state,
        &w,
        q,
        StatusCode::SERVICE_UNAVAILABLE,
        "web.unavailable_title",
        text,
        false,
    )
}

async fn front(State(state): State<Shared>, Query(q): Query<LangQuery>) -> Response {
    let w = state.words(None, &q);
    let orgs = state.org_links(&w);
    html(
        StatusCode::OK,
        render::page(
            &w,
            "front.html",
            w.t("web.title"),
            &q.suffix(),
            json!({ "intro": w.t("web.front_intro"), "orgs": orgs }),
        ),
    )
}

/// Serves the pages on `listener` until `shutdown` completes; requests
/// under way are finished first.
pub async fn serve_pages(
    services: Services,
    listener: tokio::net::TcpListener,
    limits: listener::Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = WebState::new(services.clone());
    let requests = state.requests.clone();
    let served = listener::serve_http(listener, router(state), limits, shutdown).await;
    requests.finish(Duration::from_secs(30)).await;
    if let Err(e) = services.flush_rate_events().await {
        tracing::warn!("writing rate-limit events: {e}");
    }
    served
}
