//! The page a mailed link opens: the organisation, its PIN or password
//! rule, the new value twice. A refusal (the policy, the directory) shows
//! the form again with the reason; a dead link says which kind of dead,
//! without account data, and offers the request forms.

use super::guard::ClientAddr;
use super::{LangQuery, Shared, WebState, html, html_with_csrf, message, render};
use crate::domain::link::LinkProblem;
use crate::domain::policy::{CredentialPolicy, MAX_PASSWORD_CHARS};
use crate::service::{Limit, LinkInfo, ServiceError};
use crate::text::Words;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

/// What the form sends; the new values are wiped from memory when dropped.
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    first: Zeroizing<String>,
    #[serde(default)]
    second: Zeroizing<String>,
}

fn dead(state: &WebState, w: &Words, q: &LangQuery, problem: LinkProblem) -> Response {
    let status = match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        LinkProblem::Busy => StatusCode::CONFLICT,
        _ => StatusCode::GONE,
    };
    // A link in use right now works again in a moment: no forms offered.
    let offer = problem != LinkProblem::Busy;
    message(
        state,
        w,
        q,
        status,
        "web.dead_title",
        w.link_problem(problem),
        offer,
    )
}

fn page(
    state: &WebState,
    w: &Words,
    token: &str,
    q: &LangQuery,
    info: &LinkInfo,
    error: Option<&str>,
) -> Response {
    let csrf = super::guard::new_csrf(state.services.form_key());
    let (title, label, rule, input_rule) = match info.policy {
        CredentialPolicy::Pin { digits } => (
            "web.set_pin_title",
            "web.new_pin",
            w.f("web.pin_rule", &[("digits", &digits.to_string())]),
            format!("inputmode=\"numeric\" maxlength=\"{digits}\""),
        ),
        CredentialPolicy::Password { min_length } => (
            "web.set_password_title",
            "web.new_password",
            w.f("web.password_rule", &[("min", &min_length.to_string())]),
            format!("minlength=\"{min_length}\" maxlength=\"{MAX_PASSWORD_CHARS}\""),
        ),
    };
    let body = render::page(
        w,
        "link.html",
        w.t(title),
        &q.suffix(),
        json!({
            "org_name": info.org_name,
            "rule": rule,
            "error": error.map(|e| format!("{} {e}", w.t("web.refused"))).unwrap_or_default(),
            "token": token,
            "csrf": csrf.field,
            "new_label": w.t(label),
            "again_label": w.t("web.again"),
            "input_rule": input_rule,
            "save": w.t("web.save"),
            "expires": w.f("web.expires", &[("at", &w.long_time(info.expires_at))]),
        }),
    );
    html_with_csrf(state, &csrf.cookie, body)
}

pub async fn form(
    State(state): State<Shared>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    match state.services.inspect_link(&token).await {
        Ok(Ok(info)) => {
            let w = state.words(Some(&info.org), &q);
            page(&state, &w, &token, &q, &info, None)
        }
        Ok(Err(problem)) => dead(&state, &state.words(None, &q), &q, problem),
        Err(err) => super::server_error(&state, &q, err),
    }
}

pub async fn submit(
    State(state): State<Shared>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LinkForm>,
) -> Response {
    let info = match state.services.inspect_link(&token).await {
        Ok(Ok(info)) => info,
        Ok(Err(problem)) => return dead(&state, &state.words(None, &q), &q, problem),
        Err(err) => return super::server_error(&state, &q, err),
    };
    let w = state.words(Some(&info.org), &q);
    if !state.form_ok(&headers, &form.csrf) {
        return super::form_refused(&state, &w, &q);
    }
    let client_name = client.as_deref().unwrap_or("unknown");
    match state
        .services
        .take_rate(&[(Limit::LinkClient, client_name)])
        .await
    {
        Ok(true) => {}
        Ok(false) => return super::too_many(&state, &w, &q),
        Err(err) => return super::server_error(&state, &q, err),
    }
    let answer = state
        .services
        .redeem(&token, form.first, form.second, client.as_deref())
        .await;
    let again = |reason: &str| page(&state, &w, &token, &q, &info, Some(reason));
    match answer {
        Ok(Ok(_)) => {
            let text = match info.policy {
                CredentialPolicy::Pin { .. } => "web.done_pin",
                CredentialPolicy::Password { .. } => "web.done_password",
            };
            html(
                StatusCode::OK,
                render::page(
                    &w,
                    "message.html",
                    w.t("web.done_title"),
                    &q.suffix(),
                    json!({ "class": "note", "text": w.t(text), "next": "", "orgs": [] }),
                ),
            )
        }
        Ok(Err(problem)) => dead(&state, &w, &q, problem),
        Err(ServiceError::Policy(refusal)) => again(&w.policy(&refusal)),
        // The system of record said no or did not answer: the link still
        // works, so the form comes back with the reason.
        Err(ServiceError::Directory { error, .. }) => again(&w.directory_error_for_patron(&error)),
        Err(ServiceError::Removed { .. }) => again(w.t("web.directory_broken")),
        Err(err) => super::server_error(&state, &q, err),
    }
}
