//! `avain serve`: the pages patrons use. The request forms (forgot PIN;
//! first login or forgotten password) and the page a mailed link opens,
//! all calling the same services as the console. The outbox worker runs
//! beside them.

pub mod guard;
pub mod pages;

use crate::config::Language;
use crate::domain::normalize::{card_key, email_key};
use crate::domain::policy::CredentialPolicy;
use crate::service::{LinkProblem, Services};
use crate::text::Words;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guard::{BehindProxy, ClientAddr, RateLimiter};
use pages::{e, field, form, layout, paragraph};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Request-form submissions per client address in 15 minutes.
const PER_CLIENT: usize = 20;
/// Submissions naming one card or one email in 15 minutes.
const PER_IDENTIFIER: usize = 5;
/// Link-page submissions per client address in 15 minutes: tokens cannot
/// be guessed, so this only bounds the hashing work one client can cause.
const LINK_PER_CLIENT: usize = 60;

pub struct WebState {
    pub services: Services,
    clients: RateLimiter,
    identifiers: RateLimiter,
    link_clients: RateLimiter,
    secure_cookies: bool,
}

type Shared = Arc<WebState>;

impl WebState {
    pub fn new(services: Services) -> Shared {
        let window = Duration::from_secs(15 * 60);
        let secure_cookies = services
            .config
            .orgs
            .iter()
            .all(|o| o.link_base_url.join("").starts_with("https://"));
        Arc::new(WebState {
            services,
            clients: RateLimiter::new(PER_CLIENT, window),
            identifiers: RateLimiter::new(PER_IDENTIFIER, window),
            link_clients: RateLimiter::new(LINK_PER_CLIENT, window),
            secure_cookies,
        })
    }

    fn texts(&self, org: Option<&str>, query: &HashMap<String, String>) -> Words {
        let lang = query
            .get("lang")
            .and_then(|l| Language::from_locale(l))
            .or_else(|| {
                org.and_then(|o| self.services.config.org(o))
                    .map(|o| o.language)
            })
            .or(self.services.config.ui.language)
            .unwrap_or_default();
        Words::new(lang, &self.services.config.mail.time_zone)
    }
}

/// `?lang=xx` to keep a language the patron picked on the next page.
fn lang_query(query: &HashMap<String, String>) -> String {
    query
        .get("lang")
        .and_then(|l| Language::from_locale(l))
        .map(|l| format!("?lang={}", l.code()))
        .unwrap_or_default()
}

/// The router with every page and the security headers.
pub fn router(state: Shared) -> Router {
    let behind_proxy = BehindProxy(state.services.config.web.behind_proxy);
    Router::new()
        .route("/", get(front))
        .route("/style.css", get(style))
        .route("/request/{org}", get(request_form).post(request_submit))
        .route("/link/{token}", get(link_form).post(link_submit))
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::Extension(behind_proxy))
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

/// A page with a form: sets the CSRF cookie the form echoes.
fn html_with_csrf(state: &WebState, csrf: &str, body: String) -> Response {
    let mut response = html(StatusCode::OK, body);
    if let Ok(cookie) = HeaderValue::from_str(&guard::csrf_cookie(csrf, state.secure_cookies)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css")], pages::STYLE).into_response()
}

async fn not_found(State(state): State<Shared>) -> Response {
    let t = state.texts(None, &HashMap::new());
    html(StatusCode::NOT_FOUND, layout(&t, t.t("web.not_found"), ""))
}

async fn front(State(state): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let t = state.texts(None, &q);
    let mut items = String::new();
    for org in &state.services.config.orgs {
        let title = if org.uses_cards() {
            "web.forgot_pin_title"
        } else {
            "web.first_login_title"
        };
        items.push_str(&format!(
            "<li><a href=\"/request/{slug}{lang}\">{name}: {title}</a></li>",
            slug = e(org.slug.as_str()),
            lang = lang_query(&q),
            name = e(&org.name),
            title = e(t.t(title))
        ));
    }
    let body = format!("{}<ul>{items}</ul>", paragraph(t.t("web.front_intro"), ""));
    html(StatusCode::OK, layout(&t, t.t("web.title"), &body))
}

fn request_page(
    state: &WebState,
    t: &Words,
    org: &crate::config::OrgConfig,
    lang: &str,
    error: Option<&str>,
) -> Response {
    let csrf = guard::new_csrf();
    let (title, intro) = if org.uses_cards() {
        ("web.forgot_pin_title", "web.forgot_pin_intro")
    } else {
        ("web.first_login_title", "web.first_login_intro")
    };
    let mut fields = String::new();
    if org.uses_cards() {
        fields.push_str(&field(
            "card",
            t.t("web.card"),
            "text",
            "off",
            "inputmode=\"numeric\"",
        ));
    }
    fields.push_str(&field("email", t.t("web.email"), "email", "email", ""));
    let mut body = paragraph(t.t(intro), "");
    if let Some(err) = error {
        body.push_str(&paragraph(err, "error"));
    }
    body.push_str(&form(
        &format!("/request/{}{lang}", org.slug.as_str()),
        &csrf,
        &fields,
        t.t("web.send"),
    ));
    body.push_str(&paragraph(
        &t.f("web.help", &[("contact", &org.help_contact)]),
        "note",
    ));
    html_with_csrf(state, &csrf, layout(t, t.t(title), &body))
}

async fn request_form(
    State(state): State<Shared>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(org) = state.services.config.org(&slug) else {
        return not_found(State(state.clone())).await;
    };
    let t = state.texts(Some(&slug), &q);
    request_page(&state, &t, org, &lang_query(&q), None)
}

/// A page that only says what went wrong.
fn message_page(t: &Words, status: StatusCode, title_key: &str, text_key: &str) -> Response {
    html(
        status,
        layout(t, t.t(title_key), &paragraph(t.t(text_key), "error")),
    )
}

fn too_many(t: &Words) -> Response {
    message_page(
        t,
        StatusCode::TOO_MANY_REQUESTS,
        "web.too_many_title",
        "web.too_many_text",
    )
}

fn csrf_failed(t: &Words) -> Response {
    message_page(t, StatusCode::FORBIDDEN, "web.csrf_title", "web.csrf_text")
}

async fn request_submit(
    State(state): State<Shared>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let Some(org) = state.services.config.org(&slug).cloned() else {
        return not_found(State(state.clone())).await;
    };
    let t = state.texts(Some(&slug), &q);
    if !guard::csrf_ok(&headers, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return csrf_failed(&t);
    }
    let email = form.get("email").cloned().unwrap_or_default();
    let card = org
        .uses_cards()
        .then(|| form.get("card").cloned().unwrap_or_default());
    let client_key = format!("client:{}", client.as_deref().unwrap_or("unknown"));
    if !state.clients.allow(&[client_key]) {
        return too_many(&t);
    }
    let mut identifiers = vec![format!("email:{slug}:{}", email_key(&email))];
    if let Some(c) = &card {
        identifiers.push(format!("card:{slug}:{}", card_key(c)));
    }
    if !state.identifiers.allow(&identifiers) {
        return too_many(&t);
    }
    // The answer does not wait for the lookup, the hashing or the mail:
    // a match and a miss take the same time and look the same.
    let services = state.services.clone();
    tokio::spawn(async move {
        if let Err(err) = services
            .self_service_request(&slug, card.as_deref(), &email, client.as_deref())
            .await
        {
            tracing::warn!("self-service request failed: {err}");
        }
    });
    let mut body = paragraph(t.t("web.sent_text"), "note");
    body.push_str(&paragraph(t.t("web.sent_hint"), ""));
    body.push_str(&paragraph(
        &t.f("web.help", &[("contact", &org.help_contact)]),
        "note",
    ));
    html(StatusCode::OK, layout(&t, t.t("web.sent_title"), &body))
}

fn dead_link(state: &WebState, t: &Words, lang: &str, problem: LinkProblem) -> Response {
    let mut body = paragraph(t.link_problem(problem), "error");
    body.push_str(&paragraph(t.t("web.dead_next"), ""));
    body.push_str("<ul>");
    for org in &state.services.config.orgs {
        body.push_str(&format!(
            "<li><a href=\"/request/{}{lang}\">{}</a></li>",
            e(org.slug.as_str()),
            e(&org.name)
        ));
    }
    body.push_str("</ul>");
    let status = if problem == LinkProblem::Unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::GONE
    };
    html(status, layout(t, t.t("web.dead_title"), &body))
}

fn link_page(
    state: &WebState,
    t: &Words,
    token: &str,
    lang: &str,
    info: &crate::service::LinkInfo,
    error: Option<&str>,
) -> Response {
    let csrf = guard::new_csrf();
    let (title, label, rule, mode) = match info.policy {
        CredentialPolicy::Pin { digits } => (
            "web.set_pin_title",
            "web.new_pin",
            t.f("web.pin_rule", &[("digits", &digits.to_string())]),
            format!("inputmode=\"numeric\" maxlength=\"{digits}\""),
        ),
        CredentialPolicy::Password { min_length } => (
            "web.set_password_title",
            "web.new_password",
            t.f("web.password_rule", &[("min", &min_length.to_string())]),
            format!("minlength=\"{min_length}\""),
        ),
    };
    let at = t.long_time(info.expires_at);
    let mut body = format!("<p><strong>{}</strong></p>", e(&info.org_name));
    body.push_str(&paragraph(&rule, ""));
    if let Some(err) = error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{} {}</p>",
            e(t.t("web.refused")),
            e(err)
        ));
    }
    let fields = format!(
        "{}{}",
        field("first", t.t(label), "password", "new-password", &mode),
        field(
            "second",
            t.t("web.again"),
            "password",
            "new-password",
            &mode
        )
    );
    body.push_str(&form(
        &format!("/link/{token}{lang}"),
        &csrf,
        &fields,
        t.t("web.save"),
    ));
    body.push_str(&paragraph(&t.f("web.expires", &[("at", &at)]), "note"));
    html_with_csrf(state, &csrf, layout(t, t.t(title), &body))
}

async fn link_form(
    State(state): State<Shared>,
    Path(token): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match state.services.inspect_link(&token).await {
        Ok(Ok(info)) => {
            let t = state.texts(Some(&info.org), &q);
            link_page(&state, &t, &token, &lang_query(&q), &info, None)
        }
        Ok(Err(problem)) => dead_link(&state, &state.texts(None, &q), &lang_query(&q), problem),
        Err(err) => server_error(&state, &q, err),
    }
}

fn server_error(
    state: &WebState,
    q: &HashMap<String, String>,
    err: crate::service::ServiceError,
) -> Response {
    tracing::error!("patron page: {err}");
    let t = state.texts(None, q);
    message_page(
        &t,
        StatusCode::SERVICE_UNAVAILABLE,
        "web.unavailable_title",
        "web.unavailable_text",
    )
}

async fn link_submit(
    State(state): State<Shared>,
    Path(token): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(mut form): axum::Form<HashMap<String, String>>,
) -> Response {
    let info = match state.services.inspect_link(&token).await {
        Ok(Ok(info)) => info,
        Ok(Err(problem)) => {
            return dead_link(&state, &state.texts(None, &q), &lang_query(&q), problem);
        }
        Err(err) => return server_error(&state, &q, err),
    };
    let t = state.texts(Some(&info.org), &q);
    if !guard::csrf_ok(&headers, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return csrf_failed(&t);
    }
    if !state
        .link_clients
        .allow(&[format!("client:{}", client.as_deref().unwrap_or("unknown"))])
    {
        return too_many(&t);
    }
    let first = Zeroizing::new(form.remove("first").unwrap_or_default());
    let second = Zeroizing::new(form.remove("second").unwrap_or_default());
    match state
        .services
        .redeem(&token, first, second, client.as_deref())
        .await
    {
        Ok(Ok(done)) => {
            let text = if matches!(info.policy, CredentialPolicy::Pin { .. }) {
                "web.done_pin"
            } else {
                "web.done_password"
            };
            let _ = done;
            html(
                StatusCode::OK,
                layout(&t, t.t("web.done_title"), &paragraph(t.t(text), "note")),
            )
        }
        Ok(Err(LinkProblem::Busy)) => {
            message_page(&t, StatusCode::CONFLICT, "web.dead_title", "web.link_busy")
        }
        Ok(Err(problem)) => dead_link(&state, &t, &lang_query(&q), problem),
        Err(crate::service::ServiceError::Policy(refusal)) => {
            let reason = t.policy(&refusal);
            link_page(&state, &t, &token, &lang_query(&q), &info, Some(&reason))
        }
        // The system of record said no or did not answer: the link still
        // works, so the form comes back with the reason.
        Err(crate::service::ServiceError::Directory { error, .. }) => {
            let reason = t.directory_error_for_patron(&error);
            link_page(&state, &t, &token, &lang_query(&q), &info, Some(&reason))
        }
        Err(crate::service::ServiceError::Removed { .. }) => {
            let reason = t.t("web.directory_broken").to_string();
            link_page(&state, &t, &token, &lang_query(&q), &info, Some(&reason))
        }
        Err(err) => server_error(&state, &q, err),
    }
}

/// Serves the pages on `listener` until `shutdown` completes; requests
/// under way are finished first.
pub async fn serve_pages(
    services: Services,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(WebState::new(services))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
