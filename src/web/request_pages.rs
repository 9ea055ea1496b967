//! The request forms: card and email for a library (forgot PIN), email
//! for an email-login organisation (first login, forgotten password). The
//! answer is the same neutral page whatever matched, sent before the
//! lookup, so a match and a miss look and take the same.

use super::guard::ClientAddr;
use super::{LangQuery, Shared, WebState, html, html_with_csrf, not_found, render};
use crate::config::OrgConfig;
use crate::domain::normalize::{card_key, email_key, within_typed_limits};
use crate::service::{Limit, ServiceError};
use crate::text::Words;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

/// What the form sends.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    card: String,
    #[serde(default)]
    email: String,
}

fn page(
    state: &WebState,
    w: &Words,
    org: &OrgConfig,
    q: &LangQuery,
    error: Option<&str>,
) -> Response {
    let csrf = super::guard::new_csrf(state.services.form_key());
    let (title, intro) = if org.uses_cards() {
        ("web.forgot_pin_title", "web.forgot_pin_intro")
    } else {
        ("web.first_login_title", "web.first_login_intro")
    };
    let body = render::page(
        w,
        "request.html",
        w.t(title),
        &q.suffix(),
        json!({
            "intro": w.t(intro),
            "error": error.unwrap_or_default(),
            "org": org.slug.as_str(),
            "csrf": csrf.field,
            "uses_cards": org.uses_cards(),
            "card_label": w.t("web.card"),
            "email_label": w.t("web.email"),
            "send": w.t("web.send"),
            "help": w.f("web.help", &[("contact", &org.help_contact)]),
        }),
    );
    html_with_csrf(state, &csrf.cookie, body)
}

pub async fn form(
    State(state): State<Shared>,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let Some(org) = state.services.config.org(&slug) else {
        return not_found(State(state.clone())).await;
    };
    let w = state.words(Some(&slug), &q);
    page(&state, &w, org, &q, None)
}

pub async fn submit(
    State(state): State<Shared>,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<RequestForm>,
) -> Response {
    let Some(org) = state.services.config.org(&slug).cloned() else {
        return not_found(State(state.clone())).await;
    };
    let w = state.words(Some(&slug), &q);
    if !state.form_ok(&headers, &form.csrf) {
        return super::form_refused(&state, &w, &q);
    }
    let email = form.email;
    let card = org.uses_cards().then_some(form.card);
    // Lengths first: nothing longer than a real card or address is looked
    // up, hashed or kept.
    if !within_typed_limits(card.as_deref(), &email) {
        let mut response = page(&state, &w, &org, &q, Some(w.t("web.too_long")));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    let pair = match &card {
        Some(c) => format!("{slug}:{}:{}", card_key(c), email_key(&email)),
        None => format!("{slug}:{}", email_key(&email)),
    };
    let client_name = client.as_deref().unwrap_or("unknown");
    let events = [
        (Limit::FormClient, client_name),
        (Limit::FormPair, pair.as_str()),
    ];
    match state.services.take_rate(&events).await {
        Ok(true) => {}
        Ok(false) => return super::too_many(&state, &w, &q),
        Err(err) => return super::server_error(&state, &q, err),
    }
    // The answer does not wait for the lookup, the hashing or the mail:
    // a match and a miss take the same time and look the same.
    let services = state.services.clone();
    let work = move || {
        let (services, slug, card, email, client) = (
            services.clone(),
            slug.clone(),
            card.clone(),
            email.clone(),
            client.clone(),
        );
        async move {
            services
                .self_service_request(&slug, card.as_deref(), &email, client.as_deref())
                .await
                .map(|_| ())
        }
    };
    let database_trouble = |e: &ServiceError| matches!(e, ServiceError::Store(_));
    if !state
        .requests
        .submit("self-service request", work, database_trouble)
    {
        return super::busy(&state, &w, &q);
    }
    html(
        StatusCode::OK,
        render::page(
            &w,
            "sent.html",
            w.t("web.sent_title"),
            &q.suffix(),
            json!({
                "text": w.t("web.sent_text"),
                "hint": w.t("web.sent_hint"),
                "help": w.f("web.help", &[("contact", &org.help_contact)]),
            }),
        ),
    )
}
