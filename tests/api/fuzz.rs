//! A bounded black-box fuzz of every HTTP endpoint: requests generated from
//! each endpoint's real parameters, mixed with mutations (wrong types, huge
//! values, repeated keys, bad encodings, odd methods and content types,
//! truncated bodies, random cookies, CSRF tokens and `Authorization`
//! headers, arbitrary JSON to registration), against a real server.
//!
//! Properties: no 5xx, no answer slower than the bound, no connection
//! dropped without an answer (a panicking handler), the process healthy
//! afterwards, and nothing half-written in the database.
//!
//! Time-boxed: `TOLLGATE_TEST_FUZZ_SECONDS` (20 by default). Seeded and
//! reproducible per task: `TOLLGATE_TEST_FUZZ_SEED` replays a run (the seed is
//! printed at the start and in every failure). Runs on SQLite only (the
//! PostgreSQL suite skips it: the parsers and handlers are the same).

use crate::browser::{Agent, PASSWORD, REDIRECT};
use crate::helpers::{spawn_app_on, TestApp, TestClient, TestDb};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use std::time::{Duration, Instant};

/// Requests in flight at once.
const TASKS: u64 = 4;
/// The slowest answer allowed (the database's own bound is 5 s).
const SLOWEST: Duration = Duration::from_secs(8);

/// What the generator may put in a request: real values a client would
/// have, so that mutations reach past the first check.
struct Material {
    confidential: TestClient,
    public: TestClient,
    access_token: String,
    refresh_token: String,
}

/// One generated request.
#[derive(Debug)]
struct Case {
    method: reqwest::Method,
    path: String,
    content_type: Option<String>,
    body: Vec<u8>,
    authorization: Option<String>,
    cookie: Option<String>,
    signed_in: bool,
}

/// The endpoints and the parameters each really takes.
const ENDPOINTS: &[(&str, &str, &[&str])] = &[
    (
        "POST",
        "/oauth2/token",
        &[
            "grant_type",
            "code",
            "redirect_uri",
            "code_verifier",
            "refresh_token",
            "scope",
            "username",
            "password",
            "client_id",
            "client_secret",
            "resource",
            "subject_token",
            "subject_token_type",
            "audience",
            "actor_token",
            "device_code",
            "client_assertion",
            "client_assertion_type",
        ],
    ),
    (
        "POST",
        "/oauth2/device_authorization",
        &[
            "client_id",
            "client_secret",
            "scope",
            "resource",
            "client_assertion",
            "client_assertion_type",
        ],
    ),
    ("GET", "/device", &["user_code"]),
    ("POST", "/device", &["csrf_token", "user_code"]),
    (
        "POST",
        "/device/decision",
        &["csrf_token", "user_code", "decision"],
    ),
    (
        "POST",
        "/oauth2/par",
        &[
            "response_type",
            "client_id",
            "client_secret",
            "redirect_uri",
            "scope",
            "state",
            "nonce",
            "prompt",
            "code_challenge",
            "code_challenge_method",
            "request_uri",
            "resource",
        ],
    ),
    ("GET", "/gateway/check", &["audience", "scope", "role"]),
    (
        "POST",
        "/oauth2/introspect",
        &["token", "token_type_hint", "client_id", "client_secret"],
    ),
    (
        "POST",
        "/oauth2/revoke",
        &["token", "token_type_hint", "client_id", "client_secret"],
    ),
    (
        "GET",
        "/oauth2/authorize",
        &[
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "nonce",
            "prompt",
            "max_age",
            "response_mode",
            "id_token_hint",
            "login_hint",
            "resource",
            "request_uri",
            "dpop_jkt",
        ],
    ),
    (
        "POST",
        "/oauth2/authorize",
        &["csrf_token", "decision", "client_id", "scope", "state"],
    ),
    ("GET", "/oauth2/userinfo", &[]),
    ("POST", "/oauth2/userinfo", &["access_token"]),
    (
        "GET",
        "/oauth2/logout",
        &[
            "id_token_hint",
            "client_id",
            "post_logout_redirect_uri",
            "state",
            "ui_locales",
        ],
    ),
    (
        "POST",
        "/oauth2/logout",
        &[
            "id_token_hint",
            "client_id",
            "post_logout_redirect_uri",
            "state",
            "csrf_token",
        ],
    ),
    ("POST", "/oauth2/register", &[]),
    ("GET", "/oauth2/register/{client}", &[]),
    ("PUT", "/oauth2/register/{client}", &[]),
    ("DELETE", "/oauth2/register/{client}", &[]),
    ("GET", "/login", &["return_to"]),
    (
        "POST",
        "/login",
        &["username", "password", "csrf_token", "return_to"],
    ),
    ("GET", "/signup", &[]),
    (
        "POST",
        "/signup",
        &["username", "password", "password_confirm", "csrf_token"],
    ),
    ("GET", "/logout", &[]),
    ("POST", "/logout", &["csrf_token"]),
    ("GET", "/account", &[]),
    (
        "POST",
        "/account/profile",
        &["csrf_token", "email", "name", "given_name", "family_name"],
    ),
    ("POST", "/account/consents/withdraw", &["csrf_token", "client_id"]),
    ("GET", "/portal", &[]),
    ("GET", "/portal/apps/new", &[]),
    (
        "POST",
        "/portal/apps",
        &[
            "csrf_token",
            "name",
            "description",
            "homepage_uri",
            "redirect_uris",
            "grant_types",
            "scopes",
            "public",
        ],
    ),
    ("GET", "/portal/apps/{client}", &[]),
    (
        "POST",
        "/portal/apps/{client}",
        &["csrf_token", "name", "description", "redirect_uris"],
    ),
    ("POST", "/portal/apps/{client}/rotate", &["csrf_token"]),
    ("POST", "/portal/apps/{client}/delete", &["csrf_token"]),
    (
        "POST",
        "/portal/apps/{client}/flags",
        &[
            "csrf_token",
            "trusted",
            "suspended",
            "verified",
            "access_token_format",
        ],
    ),
    ("GET", "/admin/users", &["q"]),
    ("POST", "/admin/users/unlock", &["csrf_token", "username"]),
    ("GET", "/admin/audit", &["kind", "user", "client", "before"]),
    ("GET", "/admin/apis", &[]),
    (
        "POST",
        "/admin/apis",
        &[
            "csrf_token",
            "identifier",
            "name",
            "scopes",
            "roles",
            "introspection",
        ],
    ),
    (
        "POST",
        "/admin/apis/update",
        &[
            "csrf_token",
            "identifier",
            "name",
            "add_scopes",
            "remove_scopes",
            "add_roles",
            "remove_roles",
        ],
    ),
    ("POST", "/admin/apis/delete", &["csrf_token", "identifier"]),
    (
        "POST",
        "/admin/users/roles",
        &["csrf_token", "username", "api", "role", "change"],
    ),
    ("GET", "/password/forgot", &[]),
    ("POST", "/password/forgot", &["csrf_token", "email"]),
    ("GET", "/password/reset", &["token"]),
    (
        "POST",
        "/password/reset",
        &["csrf_token", "token", "password", "password_confirm"],
    ),
    ("GET", "/email/verify", &["token"]),
    ("POST", "/email/verify", &["csrf_token", "token"]),
    ("POST", "/email/verify/resend", &["csrf_token"]),
    (
        "POST",
        "/account/password",
        &[
            "csrf_token",
            "current_password",
            "password",
            "password_confirm",
            "sign_out_others",
        ],
    ),
    ("POST", "/account/sessions/end", &["csrf_token", "session_id"]),
    ("POST", "/account/sessions/end-others", &["csrf_token"]),
    ("GET", "/account/delete", &[]),
    ("POST", "/account/delete", &["csrf_token", "username", "password"]),
    ("GET", "/admin", &[]),
    ("GET", "/admin/apps", &[]),
    (
        "POST",
        "/admin/apps/{client}/mark",
        &["csrf_token", "mark", "set"],
    ),
    ("GET", "/admin/scopes", &[]),
    ("POST", "/admin/scopes", &["csrf_token", "name", "description"]),
    (
        "POST",
        "/admin/scopes/describe",
        &["csrf_token", "name", "description"],
    ),
    ("POST", "/admin/scopes/remove", &["csrf_token", "name", "confirm"]),
    ("GET", "/portal/apps/{client}/delete", &[]),
    ("GET", "/portal/apps/{client}/secret", &[]),
    ("POST", "/portal/apps/{client}/logo/remove", &["csrf_token"]),
    ("GET", "/logos/{client}", &[]),
    ("POST", "/switch-account", &["csrf_token", "return_to"]),
    ("GET", "/favicon.ico", &[]),
    ("GET", "/static/app.js", &[]),
    ("GET", "/.well-known/oauth-authorization-server", &[]),
    ("GET", "/.well-known/openid-configuration", &[]),
    ("GET", "/oauth2/jwks", &[]),
    ("GET", "/static/style.css", &[]),
    ("GET", "/healthz", &[]),
    ("GET", "/readyz", &[]),
    ("GET", "/", &[]),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; rng.random_range(0..=max)];
    rng.fill_bytes(&mut bytes);
    bytes
}

fn percent(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// A value for `name`: a real one, a near miss, or something hostile.
fn value(rng: &mut StdRng, name: &str, m: &Material) -> String {
    let real: Vec<String> = match name {
        "grant_type" => [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
            "implicit",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ]
        .map(String::from)
        .to_vec(),
        "client_id" => vec![m.confidential.id.clone(), m.public.id.clone(), "nope".into()],
        "client_secret" => vec![m.confidential.secret.clone().unwrap_or_default(), "wrong".into()],
        "token" | "access_token" | "subject_token" | "actor_token" => {
            vec![m.access_token.clone(), m.refresh_token.clone()]
        }
        "subject_token_type" => vec![
            "urn:ietf:params:oauth:token-type:access_token".into(),
            "urn:ietf:params:oauth:token-type:refresh_token".into(),
        ],
        "audience" => vec!["https://notes.example".into(), "https://other.example".into()],
        "refresh_token" => vec![m.refresh_token.clone()],
        "redirect_uri" | "post_logout_redirect_uri" | "return_to" | "homepage_uri" | "redirect_uris" => vec![
            REDIRECT.into(),
            "http://127.0.0.1:1/cb".into(),
            "https://evil.example/#x".into(),
            "javascript:alert(1)".into(),
            "//evil.example".into(),
        ],
        "scope" | "scopes" => vec![
            "openid profile email".into(),
            "read".into(),
            "a\"b".into(),
            String::new(),
        ],
        "response_type" => ["code", "token", "id_token", "code id_token", "none"]
            .map(String::from)
            .to_vec(),
        "code_challenge_method" => vec!["S256".into(), "plain".into(), "S512".into()],
        "username" => vec!["alice".into(), "admin".into(), "nobody".into()],
        "password" => vec![PASSWORD.into(), "wrong".into()],
        "prompt" => ["none", "login", "consent", "select_account", "none login"]
            .map(String::from)
            .to_vec(),
        "max_age" => vec![
            "0".into(),
            "-1".into(),
            "99999999999999999999".into(),
            "abc".into(),
        ],
        "resource" | "identifier" | "api" => vec![
            "https://api.example".into(),
            "https://notes.example".into(),
            "not a uri".into(),
        ],
        "role" | "roles" | "add_roles" | "remove_roles" => {
            vec!["reader".into(), "admin writer".into(), "bad role".into()]
        }
        "change" => vec!["add".into(), "remove".into()],
        "decision" => vec!["allow".into(), "deny".into()],
        _ => vec!["x".into()],
    };
    match rng.random_range(0..10) {
        0..=4 => pick(rng, &real).clone(),
        5 => "A".repeat(rng.random_range(1000..40_000)),
        6 => percent(&random_bytes(rng, 24)),
        7 => String::from_utf8_lossy(&random_bytes(rng, 32)).into_owned(),
        8 => format!("{}%00{}", pick(rng, &real), "z"),
        _ => [
            "", "0", "-1", "[]", "{}", "null", "true", "%", "%zz", "+", "&", "=",
        ]
        .map(String::from)[rng.random_range(0..12)]
        .clone(),
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `name=value&…` from the endpoint's parameters, with some dropped, some
/// repeated, unknown ones added, and now and then raw bytes.
fn form(rng: &mut StdRng, params: &[&str], m: &Material) -> Vec<u8> {
    let mut pairs: Vec<Vec<u8>> = Vec::new();
    for name in params {
        if rng.random_bool(0.6) {
            let v = value(rng, name, m);
            // Values with a `%` stay raw sometimes: bad encodings on purpose.
            let v = if rng.random_bool(0.8) { encode(&v) } else { v };
            pairs.push(format!("{name}={v}").into_bytes());
        }
    }
    if !pairs.is_empty() && rng.random_bool(0.1) {
        let again = pairs[rng.random_range(0..pairs.len())].clone();
        pairs.push(again);
    }
    if rng.random_bool(0.1) {
        pairs.push(random_bytes(rng, 64));
    }
    if rng.random_bool(0.05) {
        for i in 0..rng.random_range(60..200) {
            pairs.push(format!("p{i}=v").into_bytes());
        }
    }
    let mut body = pairs.join(&b'&');
    if !body.is_empty() && rng.random_bool(0.1) {
        body.truncate(rng.random_range(0..body.len()));
    }
    body
}

/// Registration metadata: real members with random values, or any JSON.
fn registration_json(rng: &mut StdRng) -> Vec<u8> {
    let values = [
        serde_json::json!([REDIRECT]),
        serde_json::json!(["http://evil.example/cb"]),
        serde_json::json!("a string"),
        serde_json::json!(12),
        serde_json::json!(null),
        serde_json::json!({"nested": [1, 2, {"x": "y"}]}),
        serde_json::json!("A".repeat(5000)),
        serde_json::json!(["authorization_code", "client_credentials", "implicit"]),
        serde_json::json!("client_secret_basic"),
        serde_json::json!("pairwise"),
    ];
    let members = [
        "redirect_uris",
        "client_name",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
        "scope",
        "subject_type",
        "post_logout_redirect_uris",
        "backchannel_logout_uri",
        "logo_uri",
        "client_uri",
        "jwks",
        "software_statement",
        "unknown",
    ];
    if rng.random_bool(0.1) {
        return random_bytes(rng, 200);
    }
    let mut doc = serde_json::Map::new();
    for _ in 0..rng.random_range(0..8) {
        doc.insert(pick(rng, &members).to_string(), pick(rng, &values).clone());
    }
    serde_json::Value::Object(doc).to_string().into_bytes()
}

fn authorization(rng: &mut StdRng, m: &Material) -> Option<String> {
    let basic = |id: &str, secret: &str| format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    match rng.random_range(0..10) {
        0..=2 => None,
        3 => Some(basic(
            &m.confidential.id,
            m.confidential.secret.as_deref().unwrap_or(""),
        )),
        4 => Some(basic(&m.confidential.id, "wrong")),
        5 => Some(format!("Bearer {}", m.access_token)),
        6 => Some(format!(
            "Bearer {}",
            URL_SAFE_NO_PAD.encode(random_bytes(rng, 300))
        )),
        7 => Some(format!("Basic {}", STANDARD.encode(random_bytes(rng, 64)))),
        8 => Some("Bearer ".to_string() + &"x".repeat(rng.random_range(0..9000))),
        _ => Some(header_garbage(rng, 40)),
    }
}

/// Random printable bytes a header may carry (no control characters, which
/// no HTTP client sends), as text: visible ASCII and the Latin-1 range
/// (obs-text) alike.
fn header_garbage(rng: &mut StdRng, max: usize) -> String {
    random_bytes(rng, max)
        .into_iter()
        .map(|b| match b {
            0x00..=0x1f | 0x7f => char::from(b'a' + b % 26),
            _ => char::from(b),
        })
        .collect()
}

fn case(rng: &mut StdRng, m: &Material) -> Case {
    let (method, path, params) = *pick(rng, ENDPOINTS);
    let client = if rng.random_bool(0.5) {
        &m.confidential.id
    } else {
        "unknown-client"
    };
    let mut path = path.replace("{client}", client);
    let mut method: reqwest::Method = method.parse().unwrap();
    if rng.random_bool(0.08) {
        method = pick(rng, &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
            .parse()
            .unwrap();
    }
    let body = if path.starts_with("/oauth2/register") && method != reqwest::Method::GET {
        registration_json(rng)
    } else {
        form(rng, params, m)
    };
    let (body, content_type) = if method == reqwest::Method::GET || method == reqwest::Method::HEAD {
        if !body.is_empty() {
            path = format!(
                "{path}?{}",
                String::from_utf8_lossy(&body).replace(['#', ' '], "")
            );
        }
        (Vec::new(), None)
    } else {
        let types = [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=latin1",
            "",
        ];
        let natural = if path.starts_with("/oauth2/register") {
            types[1]
        } else {
            types[0]
        };
        let ct = if rng.random_bool(0.85) {
            natural
        } else {
            *pick(rng, &types)
        };
        (body, (!ct.is_empty()).then(|| ct.to_string()))
    };
    let cookie = match rng.random_range(0..6) {
        0 => Some(format!(
            "tollgate_session={}",
            URL_SAFE_NO_PAD.encode(random_bytes(rng, 40))
        )),
        1 => Some(header_garbage(rng, 60)),
        _ => None,
    };
    Case {
        method,
        path,
        content_type,
        body,
        authorization: authorization(rng, m),
        cookie,
        signed_in: rng.random_bool(0.4),
    }
}

impl Case {
    /// The request in a few hundred characters (values can be 40 KB).
    fn summary(&self) -> String {
        let cut = |s: &str| s.chars().take(300).collect::<String>();
        format!(
            "{} {} (content-type {:?}, {} body bytes: {:?}, authorization {:?}, cookie {:?}, signed in: {})",
            self.method,
            cut(&self.path),
            self.content_type,
            self.body.len(),
            cut(&String::from_utf8_lossy(&self.body)),
            self.authorization.as_deref().map(cut),
            self.cookie.as_deref().map(cut),
            self.signed_in
        )
    }
}

/// Sends `case`; the failure, if any, in words.
async fn send(
    app: &TestApp,
    anonymous: &reqwest::Client,
    signed_in: &reqwest::Client,
    case: &Case,
) -> Result<u16, String> {
    let http = if case.signed_in { signed_in } else { anonymous };
    let mut request = http
        .request(case.method.clone(), app.url(&case.path))
        .timeout(SLOWEST);
    if let Some(ct) = &case.content_type {
        request = request.header("content-type", ct);
    }
    let raw = |s: &str| {
        reqwest::header::HeaderValue::from_bytes(&s.chars().map(|c| c as u32 as u8).collect::<Vec<u8>>())
    };
    if let Some(Ok(a)) = case.authorization.as_deref().map(raw) {
        request = request.header("authorization", a);
    }
    if let Some(Ok(c)) = case.cookie.as_deref().filter(|_| !case.signed_in).map(raw) {
        request = request.header("cookie", c);
    }
    let started = Instant::now();
    let response = match request.body(case.body.clone()).build() {
        // reqwest refuses some generated header values itself: not a server case.
        Err(_) => return Ok(0),
        Ok(built) => http.execute(built).await,
    };
    match response {
        Ok(r) if r.status().is_server_error() => Err(format!("answered {}", r.status())),
        Ok(r) => {
            let status = r.status().as_u16();
            let _ = r.bytes().await;
            match started.elapsed() {
                t if t > SLOWEST => Err(format!("answered after {t:?}")),
                _ => Ok(status),
            }
        }
        // The client library refuses some generated requests itself (a URI
        // longer than 64 KiB): they never reach the server.
        Err(e) if e.is_builder() => Ok(0),
        Err(e) if e.is_timeout() => Err(format!("no answer within {SLOWEST:?}")),
        Err(e) => Err(format!("no answer: {e}")),
    }
}

/// Rows that would show a half-written change: each query counts them.
const HALF_WRITTEN: &[(&str, &str)] = &[
    ("confidential clients without a secret hash", "SELECT COUNT(*) AS n FROM clients WHERE is_public = false AND secret_hash IS NULL"),
    ("refresh tokens of a missing client", "SELECT COUNT(*) AS n FROM refresh_tokens r WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = r.client_id)"),
    ("codes of a missing client", "SELECT COUNT(*) AS n FROM authorization_codes a WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = a.client_id)"),
    ("sessions of a missing user", "SELECT COUNT(*) AS n FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)"),
    ("consents of a missing client or user", "SELECT COUNT(*) AS n FROM consents x WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = x.client_id) OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.user_id)"),
    ("clients registered without redirect URIs that need them", "SELECT COUNT(*) AS n FROM clients WHERE grant_types LIKE '%authorization_code%' AND redirect_uris = ''"),
];

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn half_written(app: &TestApp) -> Vec<String> {
    use diesel::RunQueryDsl;
    use tollgate::storage::DbConnection;
    let db = app.database();
    let mut found = Vec::new();
    for (what, sql) in HALF_WRITTEN {
        let n = db
            .run_sync(|conn| {
                let rows: Vec<Count> = match conn {
                    DbConnection::Sqlite(c) => diesel::sql_query(*sql).load(c)?,
                    DbConnection::Pg(c) => diesel::sql_query(*sql).load(c)?,
                };
                Ok(rows.first().map_or(0, |r| r.n))
            })
            .unwrap();
        if n > 0 {
            found.push(format!("{n} {what}"));
        }
    }
    found
}

fn seconds() -> u64 {
    std::env::var("TOLLGATE_TEST_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_generated_request_gets_a_5xx_a_hang_or_leaves_anything_half_written() {
    if std::env::var("TOLLGATE_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        eprintln!("the endpoint fuzz runs on SQLite only; skipped on PostgreSQL");
        return;
    }
    let seed = std::env::var("TOLLGATE_TEST_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::rng().next_u64());
    eprintln!("endpoint fuzz: seed {seed} (TOLLGATE_TEST_FUZZ_SEED={seed} replays it)");
    let app = spawn_app_on(TestDb::new(), |s| {
        s.open_registration = true;
        // As many hashing threads as requests in flight: the fuzz tests the
        // endpoints, not load shedding (a full queue answers 503 by design).
        s.password_hash_concurrency = TASKS as u32;
    })
    .await;
    let api = app.cli(
        &[
            "api",
            "create",
            "--identifier",
            "https://notes.example",
            "--name",
            "Notes",
            "--role",
            "reader",
            "--scope",
            "notes.read",
        ],
        None,
    );
    assert_eq!(api.code, 0, "{}", api.stderr);
    let confidential = app.first_party_client();
    let exchange = app.cli(
        &[
            "exchange",
            "allow",
            "--client-id",
            &confidential.id,
            "--audience",
            "https://notes.example",
        ],
        None,
    );
    assert_eq!(exchange.code, 0, "{}", exchange.stderr);
    let public = app.create_client(&["--public", "--redirect-uri", REDIRECT, "--scope", "openid"]);
    let access_token = app.client_credentials_token(&app.service_client(), None).await;
    let refresh_token = app.alice_refresh_token(&confidential).await;
    let material = Material {
        confidential,
        public,
        access_token,
        refresh_token,
    };
    let agent = Agent::admin(&app).await;
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(seconds());
    let tasks = (0..TASKS).map(|task| {
        let (app, material, anonymous, signed_in) = (&app, &material, &anonymous, &agent.http);
        async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(task));
            let mut sent = 0u64;
            let mut classes = [0u64; 6];
            while Instant::now() < deadline {
                let case = case(&mut rng, material);
                match send(app, anonymous, signed_in, &case).await {
                    Ok(status) => classes[usize::from(status / 100).min(5)] += 1,
                    Err(failure) => {
                        return Err(format!(
                            "seed {seed}, task {task}, request {sent}: {failure}\n{}",
                            case.summary()
                        ))
                    }
                }
                sent += 1;
            }
            Ok((sent, classes))
        }
    });
    let started = Instant::now();
    let results = futures_util::future::join_all(tasks).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (mut total, mut classes) = (0, [0u64; 6]);
    for result in results {
        match result {
            Ok((sent, by_class)) => {
                total += sent;
                classes.iter_mut().zip(by_class).for_each(|(c, n)| *c += n);
            }
            Err(failure) => panic!("{failure}"),
        }
    }
    eprintln!(
        "endpoint fuzz: {total} requests in {elapsed:.1} s ({:.0}/s): {} 2xx, {} 3xx, {} 4xx, {} not sent; seed {seed}",
        total as f64 / elapsed,
        classes[2],
        classes[3],
        classes[4],
        classes[0]
    );

    let health = anonymous.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "seed {seed}: not healthy after the fuzz");
    let found = half_written(&app);
    assert!(found.is_empty(), "seed {seed}: half-written rows: {found:?}");
}
