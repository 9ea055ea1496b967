//! In-test HTTP servers that accept exactly the requests Koha's and
//! Keycloak's published API descriptions define and answer as they
//! document. They are contract checks, not the real systems: Koha's
//! `api/v1/swagger/` (paths `patrons.yaml`, `patrons_password.yaml`,
//! `auth.yaml`, `oauth.yaml`; definition `patron.yaml`) and Keycloak's
//! Admin REST API (`users`, `reset-password`, `attack-detection`, the
//! OpenID Connect token endpoint). A request outside the description gets
//! 400 with the reason, and the test that sent it fails.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "avain";
pub const CLIENT_SECRET: &str = "contract-secret-1234";

/// What the server holds and what it saw.
#[derive(Default)]
pub struct World {
    /// Koha patrons by patron_id, or Keycloak users by id.
    pub records: BTreeMap<String, Value>,
    /// Passwords by record id (what a login would check).
    pub passwords: HashMap<String, String>,
    /// Keycloak brute-force state: failures by user id.
    pub failures: HashMap<String, u32>,
    /// Tokens handed out, and how many token requests came.
    pub tokens: Vec<String>,
    pub token_requests: u32,
    /// Every request: method, path and query.
    pub log: Vec<String>,
    /// Requests that broke the description (the tests assert none).
    pub violations: Vec<String>,
    /// Answer 503 to everything but the token (Koha under maintenance).
    pub maintenance: bool,
    /// Minimum password length the system's policy enforces.
    pub min_length: usize,
}

pub type Shared = Arc<Mutex<World>>;

/// A JSON answer (axum's JSON extractor is not built into avain).
struct Js(Value);

impl IntoResponse for Js {
    fn into_response(self) -> Response {
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.0.to_string(),
        )
            .into_response()
    }
}

fn problem(w: &mut World, status: StatusCode, why: &str) -> Response {
    w.violations.push(why.to_string());
    (status, Js(json!(json!({ "error": why })))).into_response()
}

/// The bearer token, if it is one this server issued.
fn authorised(w: &World, headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| w.tokens.iter().any(|x| x == t))
}

fn token_answer(w: &mut World, body: &Bytes) -> Response {
    w.token_requests += 1;
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let ok = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            Js(json!(json!({ "error": "unauthorized_client" }))),
        )
            .into_response();
    }
    let token = format!("tok{}", w.token_requests);
    w.tokens.push(token.clone());
    Js(json!(
        json!({ "access_token": token, "token_type": "Bearer", "expires_in": 3600 })
    ))
    .into_response()
}

/// Starts `router` on a loopback port; returns its base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

/// Writes the client secret file (0600) into `dir`.
pub fn write_secret(dir: &std::path::Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("{CLIENT_SECRET}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

// ---------------------------------------------------------------- Koha

/// Query parameters `GET /patrons` defines (patrons.yaml), and the
/// common ones it refers to (parameters.yaml: _match, _order_by, _page,
/// _per_page, q).
const KOHA_LIST_PARAMS: &[&str] = &[
    "patron_id",
    "cardnumber",
    "surname",
    "firstname",
    "email",
    "phone",
    "userid",
    "updated_on",
    "login_attempts",
    "_match",
    "_order_by",
    "_page",
    "_per_page",
    "q",
];

/// Properties of the patron definition (patron.yaml); `additionalProperties: false`.
const KOHA_PATRON_PROPS: &[&str] = &[
    "patron_id",
    "cardnumber",
    "surname",
    "firstname",
    "preferred_name",
    "middle_name",
    "title",
    "other_name",
    "initials",
    "pronouns",
    "street_number",
    "street_type",
    "address",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "email",
    "phone",
    "mobile",
    "fax",
    "secondary_email",
    "secondary_phone",
    "altaddress_street_number",
    "altaddress_street_type",
    "altaddress_address",
    "altaddress_address2",
    "altaddress_city",
    "altaddress_state",
    "altaddress_postal_code",
    "altaddress_country",
    "altaddress_email",
    "altaddress_phone",
    "date_of_birth",
    "library_id",
    "category_id",
    "date_enrolled",
    "expiry_date",
    "date_renewed",
    "incorrect_address",
    "patron_card_lost",
    "restricted",
    "staff_notes",
    "relationship_type",
    "gender",
    "userid",
    "opac_notes",
    "altaddress_notes",
    "statistics_1",
    "statistics_2",
    "autorenew_checkouts",
    "altcontact_firstname",
    "altcontact_surname",
    "altcontact_address",
    "altcontact_address2",
    "altcontact_city",
    "altcontact_state",
    "altcontact_postal_code",
    "altcontact_country",
    "altcontact_phone",
    "sms_number",
    "sms_provider_id",
    "privacy",
    "privacy_guarantor_checkouts",
    "privacy_guarantor_fines",
    "check_previous_checkout",
    "updated_on",
    "last_seen",
    "lang",
    "login_attempts",
    "overdrive_auth_token",
    "anonymized",
    "extended_attributes",
    "checkouts_count",
    "overdues_count",
    "account_balance",
    "library",
    "protected",
    "_strings",
];
const KOHA_READ_ONLY: &[&str] = &["restricted", "anonymized"];

/// A synthetic Koha patron.
pub fn koha_patron(n: usize) -> Value {
    json!({
        "patron_id": n,
        "cardnumber": format!("29{n:08}"),
        "surname": format!("Example{n}"),
        "firstname": "Patron",
        "email": format!("patron{n}@example.org"),
        "phone": format!("+358 40 {n:07}"),
        "userid": format!("p{n}"),
        "library_id": "MAIN",
        "category_id": "ADULT",
        "updated_on": format!("2026-11-{:02}T10:00:00+00:00", 1 + n % 28),
        "login_attempts": 0,
        "restricted": false,
        "anonymized": false,
        "privacy": 1,
    })
}

pub fn koha_world(patrons: usize) -> Shared {
    let mut w = World {
        min_length: 3,
        ..World::default()
    };
    for n in 1..=patrons {
        w.records.insert(n.to_string(), koha_patron(n));
        w.passwords.insert(n.to_string(), "1357".into());
    }
    Arc::new(Mutex::new(w))
}

pub fn koha_router(world: Shared) -> Router {
    Router::new()
        .route("/api/v1/oauth/token", post(koha_token))
        .route("/api/v1/patrons", get(koha_list))
        .route("/api/v1/patrons/{id}", get(koha_get).put(koha_put))
        .route("/api/v1/patrons/{id}/password", post(koha_password))
        .route("/api/v1/auth/password/validation", post(koha_validate))
        .with_state(world)
}

async fn koha_token(State(world): State<Shared>, body: Bytes) -> Response {
    let mut w = world.lock().unwrap();
    w.log.push("POST /api/v1/oauth/token".into());
    token_answer(&mut w, &body)
}

/// Common checks: logged, authorised, not under maintenance.
fn koha_gate(w: &mut World, headers: &HeaderMap, line: String) -> Option<Response> {
    w.log.push(line);
    if !authorised(w, headers) {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                Js(json!(json!({"error": "Authentication failure."}))),
            )
                .into_response(),
        );
    }
    if w.maintenance {
        return Some(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Js(json!(json!({"error": "System is under maintenance."}))),
            )
                .into_response(),
        );
    }
    None
}

async fn koha_list(
    State(world): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut w = world.lock().unwrap();
    let line = format!(
        "GET /api/v1/patrons?{}",
        serde_urlencoded::to_string(&q).unwrap()
    );
    if let Some(r) = koha_gate(&mut w, &headers, line) {
        return r;
    }
    let params: HashMap<String, String> = q.iter().cloned().collect();
    if let Some((k, _)) = q
        .iter()
        .find(|(k, _)| !KOHA_LIST_PARAMS.contains(&k.as_str()))
    {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            &format!("unknown query parameter {k}"),
        );
    }
    let page: usize = params
        .get("_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let per_page: usize = params
        .get("_per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let since = match params.get("q") {
        Some(q) => match serde_json::from_str::<Value>(q) {
            Ok(v) => v["updated_on"][">="].as_str().map(str::to_string),
            Err(_) => return problem(&mut w, StatusCode::BAD_REQUEST, "q is not JSON"),
        },
        None => None,
    };
    let exact = params.get("_match").map(String::as_str) == Some("exact");
    let matches = |p: &Value| {
        ["cardnumber", "email", "userid"]
            .iter()
            .all(|f| match params.get(*f) {
                None => true,
                Some(v) if exact => p[*f].as_str().is_some_and(|x| x.eq_ignore_ascii_case(v)),
                Some(v) => p[*f]
                    .as_str()
                    .is_some_and(|x| x.to_lowercase().contains(&v.to_lowercase())),
            })
            && since
                .as_ref()
                .is_none_or(|s| p["updated_on"].as_str().is_some_and(|u| u >= s.as_str()))
    };
    let mut all: Vec<&Value> = w.records.values().filter(|p| matches(p)).collect();
    all.sort_by_key(|p| p["patron_id"].as_i64());
    let chunk: Vec<Value> = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    Js(json!(chunk)).into_response()
}

async fn koha_get(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = koha_gate(&mut w, &headers, format!("GET /api/v1/patrons/{id}")) {
        return r;
    }
    match w.records.get(&id) {
        Some(p) => Js(json!(p.clone())).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Js(json!(json!({"error": "Patron not found"}))),
        )
            .into_response(),
    }
}

async fn koha_put(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = koha_gate(&mut w, &headers, format!("PUT /api/v1/patrons/{id}")) {
        return r;
    }
    let Ok(Value::Object(patron)) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            "the body is not a patron object",
        );
    };
    for required in ["surname", "library_id", "category_id"] {
        if !patron.contains_key(required) {
            return problem(
                &mut w,
                StatusCode::BAD_REQUEST,
                &format!("missing required {required}"),
            );
        }
    }
    if let Some(k) = patron
        .keys()
        .find(|k| !KOHA_PATRON_PROPS.contains(&k.as_str()))
    {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            &format!("property {k} not allowed"),
        );
    }
    if let Some(k) = patron.keys().find(|k| KOHA_READ_ONLY.contains(&k.as_str())) {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            &format!("read-only property {k} sent"),
        );
    }
    let Some(stored) = w.records.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Js(json!(json!({"error": "Patron not found"}))),
        )
            .into_response();
    };
    for (k, v) in patron {
        stored[k.as_str()] = v;
    }
    stored["updated_on"] = "2026-12-01T12:00:00+00:00".into();
    Js(json!(stored.clone())).into_response()
}

async fn koha_password(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = koha_gate(
        &mut w,
        &headers,
        format!("POST /api/v1/patrons/{id}/password"),
    ) {
        return r;
    }
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(&body) else {
        return problem(&mut w, StatusCode::BAD_REQUEST, "the body is not an object");
    };
    let mut keys: Vec<&str> = b.keys().map(String::as_str).collect();
    keys.sort();
    if keys != ["password", "password_2"] || !b.values().all(Value::is_string) {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            "the body must be exactly password and password_2",
        );
    }
    if !w.records.contains_key(&id) {
        return (
            StatusCode::NOT_FOUND,
            Js(json!(json!({"error": "Patron not found"}))),
        )
            .into_response();
    }
    let (p1, p2) = (
        b["password"].as_str().unwrap(),
        b["password_2"].as_str().unwrap(),
    );
    if p1 != p2 {
        return (
            StatusCode::BAD_REQUEST,
            Js(json!(json!({"error": "Passwords don't match"}))),
        )
            .into_response();
    }
    if p1.chars().count() < w.min_length {
        let msg = format!(
            "Password length ({}) is shorter than required ({})",
            p1.chars().count(),
            w.min_length
        );
        return (StatusCode::BAD_REQUEST, Js(json!(json!({ "error": msg })))).into_response();
    }
    w.passwords.insert(id, p1.to_string());
    (StatusCode::OK, Js(json!(json!("")))).into_response()
}

async fn koha_validate(State(world): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = koha_gate(
        &mut w,
        &headers,
        "POST /api/v1/auth/password/validation".into(),
    ) {
        return r;
    }
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(&body) else {
        return problem(&mut w, StatusCode::BAD_REQUEST, "the body is not an object");
    };
    if let Some(k) = b
        .keys()
        .find(|k| !["identifier", "userid", "cardnumber", "password"].contains(&k.as_str()))
    {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            &format!("property {k} not allowed"),
        );
    }
    let identifier = b["identifier"].as_str().unwrap_or_default();
    let found = w.records.iter().find(|(_, p)| {
        p["userid"].as_str() == Some(identifier) || p["cardnumber"].as_str() == Some(identifier)
    });
    match found {
        Some((id, p)) if w.passwords.get(id).map(String::as_str) == b["password"].as_str() => (
            StatusCode::CREATED,
            Js(json!(json!({ "cardnumber": p["cardnumber"], "patron_id": p["patron_id"], "userid": p["userid"] }))),
        )
            .into_response(),
        _ => (StatusCode::BAD_REQUEST, Js(json!(json!({"error": "Validation failed"})))).into_response(),
    }
}

// ------------------------------------------------------------ Keycloak

pub const REALM: &str = "town";

/// UserRepresentation properties avain may send or read.
const KEYCLOAK_USER_PROPS: &[&str] = &[
    "id",
    "username",
    "firstName",
    "lastName",
    "email",
    "emailVerified",
    "enabled",
    "attributes",
    "requiredActions",
    "createdTimestamp",
    "totp",
    "federationLink",
    "notBefore",
    "access",
    "disableableCredentialTypes",
];

/// A synthetic Keycloak user; ids are UUID-shaped.
pub fn keycloak_user(n: usize) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "username": format!("user{n}@example.org"),
        "firstName": "Resident",
        "lastName": format!("Example{n}"),
        "email": format!("user{n}@example.org"),
        "emailVerified": true,
        "enabled": true,
        "createdTimestamp": 1_767_225_600_000i64,
        "attributes": { "phoneNumber": [format!("+358 50 {n:07}")] },
    })
}

pub fn keycloak_world(users: usize) -> Shared {
    let mut w = World {
        min_length: 8,
        ..World::default()
    };
    for n in 1..=users {
        let u = keycloak_user(n);
        w.records.insert(u["id"].as_str().unwrap().to_string(), u);
    }
    Arc::new(Mutex::new(w))
}

pub fn keycloak_router(world: Shared) -> Router {
    Router::new()
        .route(
            &format!("/realms/{REALM}/protocol/openid-connect/token"),
            post(kc_token),
        )
        .route(&format!("/admin/realms/{REALM}/users"), get(kc_list))
        .route(
            &format!("/admin/realms/{REALM}/users/{{id}}"),
            get(kc_get).put(kc_put),
        )
        .route(
            &format!("/admin/realms/{REALM}/users/{{id}}/reset-password"),
            axum::routing::put(kc_reset),
        )
        .route(
            &format!("/admin/realms/{REALM}/attack-detection/brute-force/users/{{id}}"),
            get(kc_brute).delete(kc_brute_clear),
        )
        .with_state(world)
}

async fn kc_token(State(world): State<Shared>, body: Bytes) -> Response {
    let mut w = world.lock().unwrap();
    w.log.push("POST token".into());
    token_answer(&mut w, &body)
}

fn kc_gate(w: &mut World, headers: &HeaderMap, line: String) -> Option<Response> {
    w.log.push(line);
    (!authorised(w, headers)).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            Js(json!(json!({"error": "HTTP 401 Unauthorized"}))),
        )
            .into_response()
    })
}

async fn kc_list(
    State(world): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut w = world.lock().unwrap();
    let line = format!("GET users?{}", serde_urlencoded::to_string(&q).unwrap());
    if let Some(r) = kc_gate(&mut w, &headers, line) {
        return r;
    }
    const PARAMS: &[&str] = &[
        "first",
        "max",
        "briefRepresentation",
        "email",
        "exact",
        "q",
        "search",
        "username",
        "firstName",
        "lastName",
        "enabled",
        "emailVerified",
        "idpAlias",
        "idpUserId",
    ];
    if let Some((k, _)) = q.iter().find(|(k, _)| !PARAMS.contains(&k.as_str())) {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            &format!("unknown query parameter {k}"),
        );
    }
    let p: HashMap<String, String> = q.into_iter().collect();
    let first: usize = p.get("first").and_then(|v| v.parse().ok()).unwrap_or(0);
    let max: usize = p.get("max").and_then(|v| v.parse().ok()).unwrap_or(100);
    let exact = p.get("exact").map(String::as_str) == Some("true");
    let matches = |u: &Value| {
        let email_ok = match p.get("email") {
            None => true,
            Some(e) if exact => u["email"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(e)),
            Some(e) => u["email"].as_str().is_some_and(|x| x.contains(e.as_str())),
        };
        let q_ok = match p.get("q").and_then(|q| q.split_once(':')) {
            None => true,
            Some((k, v)) => u["attributes"][k]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == v)),
        };
        email_ok && q_ok
    };
    let list: Vec<Value> = w
        .records
        .values()
        .filter(|u| matches(u))
        .skip(first)
        .take(max)
        .cloned()
        .collect();
    Js(json!(list)).into_response()
}

async fn kc_get(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = kc_gate(&mut w, &headers, format!("GET users/{id}")) {
        return r;
    }
    match w.records.get(&id) {
        Some(u) => Js(json!(u.clone())).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Js(json!(json!({"error": "User not found"}))),
        )
            .into_response(),
    }
}

async fn kc_put(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = kc_gate(&mut w, &headers, format!("PUT users/{id}")) {
        return r;
    }
    let Ok(Value::Object(u)) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            "the body is not a UserRepresentation",
        );
    };
    if let Some(k) = u
        .keys()
        .find(|k| !KEYCLOAK_USER_PROPS.contains(&k.as_str()))
    {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            &format!("property {k} not in UserRepresentation"),
        );
    }
    if let Some(email) = u.get("email").and_then(Value::as_str)
        && w.records
            .iter()
            .any(|(other, x)| *other != id && x["email"].as_str() == Some(email))
    {
        return (
            StatusCode::CONFLICT,
            Js(json!(
                json!({"errorMessage": "User exists with same email"})
            )),
        )
            .into_response();
    }
    let Some(stored) = w.records.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Js(json!(json!({"error": "User not found"}))),
        )
            .into_response();
    };
    for (k, v) in u {
        stored[k.as_str()] = v;
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn kc_reset(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = kc_gate(&mut w, &headers, format!("PUT users/{id}/reset-password")) {
        return r;
    }
    let Ok(Value::Object(c)) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            "the body is not a CredentialRepresentation",
        );
    };
    if c.get("type").and_then(Value::as_str) != Some("password")
        || !c.get("value").is_some_and(Value::is_string)
        || !c.get("temporary").is_some_and(Value::is_boolean)
    {
        return problem(
            &mut w,
            StatusCode::BAD_REQUEST,
            "expected type=password, value and temporary",
        );
    }
    if !w.records.contains_key(&id) {
        return (
            StatusCode::NOT_FOUND,
            Js(json!(json!({"error": "User not found"}))),
        )
            .into_response();
    }
    let value = c["value"].as_str().unwrap();
    if value.chars().count() < w.min_length {
        return (
            StatusCode::BAD_REQUEST,
            Js(json!(json!({
                "error": "invalidPasswordMinLengthMessage",
                "error_description": format!("Invalid password: minimum length {}.", w.min_length)
            }))),
        )
            .into_response();
    }
    w.passwords.insert(id, value.to_string());
    StatusCode::NO_CONTENT.into_response()
}

async fn kc_brute(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = kc_gate(&mut w, &headers, format!("GET brute-force/{id}")) {
        return r;
    }
    let n = w.failures.get(&id).copied().unwrap_or(0);
    Js(json!(
        json!({ "numFailures": n, "disabled": n >= 3, "lastIPFailure": "n/a", "lastFailure": 0 })
    ))
    .into_response()
}

async fn kc_brute_clear(
    State(world): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut w = world.lock().unwrap();
    if let Some(r) = kc_gate(&mut w, &headers, format!("DELETE brute-force/{id}")) {
        return r;
    }
    w.failures.remove(&id);
    StatusCode::NO_CONTENT.into_response()
}
