//! Dynamic client registration (RFC 7591) and its management (RFC 7592):
//! a program registers itself under the portal's rules, then reads,
//! replaces and deletes its registration with its registration access token.

use crate::helpers::{answer, spawn_app_on, Answer, TestApp, TestClient, TestDb};
use serde_json::{json, Value};

const REGISTER: &str = "/oauth2/register";
const INITIAL_TOKEN: &str = "initial-access-token-0123456789";

/// A server whose dynamic registration is open, and whose self-registered
/// clients may use client credentials (both off by default).
async fn spawn_open() -> TestApp {
    spawn_app_on(TestDb::new(), |s| {
        s.open_registration = true;
        s.self_service_client_credentials = true;
    })
    .await
}

/// An app whose scope catalogue offers `profile` and `read`.
async fn app_with_catalogue() -> TestApp {
    let app = spawn_open().await;
    add_catalogue(&app);
    app
}

fn add_catalogue(app: &TestApp) {
    for (name, description) in [("profile", "Your profile"), ("read", "Read your data")] {
        let out = app.cli(&["scope", "add", name, "--description", description], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    body: impl Into<reqwest::Body>,
    bearer: Option<&str>,
) -> Answer {
    let mut request = app
        .http
        .post(app.url(REGISTER))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    answer(request.send().await.expect("request sent")).await
}

async fn register(app: &TestApp, metadata: Value) -> Answer {
    post_raw(app, "application/json", metadata.to_string(), None).await
}

/// A web app's metadata: the code grant, one redirect URI, scope `profile`.
fn web_app() -> Value {
    json!({
        "client_name": "Photo printer",
        "redirect_uris": ["https://printer.example/callback"],
        "scope": "profile",
    })
}

/// Registers `metadata` and expects a 201.
async fn registered(app: &TestApp, metadata: Value) -> Value {
    let a = register(app, metadata).await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

/// A registered confidential client-credentials service.
async fn registered_service(app: &TestApp) -> Value {
    registered(
        app,
        json!({
            "client_name": "Report service",
            "grant_types": ["client_credentials"],
            "scope": "read",
        }),
    )
    .await
}

fn as_client(info: &Value) -> TestClient {
    TestClient {
        id: info["client_id"].as_str().unwrap().to_string(),
        secret: info["client_secret"].as_str().map(str::to_string),
    }
}

fn token_of(info: &Value) -> &str {
    info["registration_access_token"].as_str().unwrap()
}

/// `method` on the registration's RFC 7592 URI, with `token` as bearer.
async fn manage(
    app: &TestApp,
    method: reqwest::Method,
    info: &Value,
    token: &str,
    body: Option<Value>,
) -> Answer {
    let uri = info["registration_client_uri"].as_str().unwrap();
    let mut request = app.http.request(method, uri).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.expect("request sent")).await
}

fn assert_refused(a: &Answer, error: &str) {
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.error(), error, "{}", a.body);
    assert!(a.body["error_description"].is_string());
    assert_eq!(a.header("cache-control"), Some("no-store"));
}

fn assert_invalid_token(a: &Answer) {
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(a.error(), "invalid_token");
    assert_eq!(
        a.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
}

fn client_count(app: &TestApp) -> usize {
    let out = app.cli(&["client", "list", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    list.as_array().unwrap().len()
}

#[tokio::test]
async fn a_confidential_client_registers_and_gets_a_token_with_the_returned_secret() {
    let app = app_with_catalogue().await;
    let info = registered_service(&app).await;
    let client = as_client(&info);
    assert!(client.secret.is_some());
    let token = app.client_credentials_token(&client, Some("read")).await;
    let claims = crate::helpers::claims_of(&token);
    assert_eq!(claims["client_id"], client.id.as_str());
    assert_eq!(claims["scope"], "read");
}

#[tokio::test]
async fn the_registration_answer_is_a_201_with_the_registered_metadata_and_not_cached() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["client_uri"] = json!("https://printer.example");
    metadata["logo_uri"] = json!("https://printer.example/logo.png");
    let a = register(&app, metadata).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let info = &a.body;
    let id = info["client_id"].as_str().unwrap();
    assert_eq!(
        info["registration_client_uri"],
        format!("{}/oauth2/register/{id}", app.settings.issuer)
    );
    assert!(info["client_secret"].as_str().is_some_and(|s| s.len() >= 32));
    assert_eq!(info["client_secret_expires_at"], 0);
    assert!(info["client_id_issued_at"].as_i64().unwrap() > 1_600_000_000);
    assert!(token_of(info).len() >= 32);
    assert_eq!(info["client_name"], "Photo printer");
    assert_eq!(info["redirect_uris"], json!(["https://printer.example/callback"]));
    assert_eq!(
        info["grant_types"],
        json!(["authorization_code"]),
        "RFC 7591 §2 default"
    );
    assert_eq!(info["response_types"], json!(["code"]), "RFC 7591 §2 default");
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(info["scope"], "profile");
    assert_eq!(info["client_uri"], "https://printer.example");
    assert_eq!(info["logo_uri"], "https://printer.example/logo.png");
}

#[tokio::test]
async fn a_public_client_registered_with_auth_method_none_gets_no_secret() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["token_endpoint_auth_method"] = json!("none");
    let info = registered(&app, metadata).await;
    assert!(info.get("client_secret").is_none(), "{info}");
    assert!(info.get("client_secret_expires_at").is_none(), "{info}");
    assert_eq!(info["token_endpoint_auth_method"], "none");
    let out = app.cli(&["client", "list", "--json"], None);
    let list: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(list[0]["public"], true);
}

#[tokio::test]
async fn client_secret_post_is_accepted_and_echoed() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["token_endpoint_auth_method"] = json!("client_secret_post");
    let info = registered(&app, metadata).await;
    assert_eq!(info["token_endpoint_auth_method"], "client_secret_post");
    assert!(info["client_secret"].is_string());
}

#[tokio::test]
async fn a_registration_without_client_name_is_named_unnamed_client() {
    let app = app_with_catalogue().await;
    let info = registered(&app, json!({ "redirect_uris": ["https://a.example/cb"] })).await;
    assert_eq!(info["client_name"], "Unnamed client");
}

#[tokio::test]
async fn unknown_metadata_members_are_ignored() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["contacts"] = json!(["ops@printer.example"]);
    metadata["software_id"] = json!("4NRB1-0XZABZI9E6-5SM3R");
    metadata["client_name#fr"] = json!("Imprimante");
    let info = registered(&app, metadata).await;
    assert!(info.get("contacts").is_none());
}

#[tokio::test]
async fn an_http_redirect_uri_off_loopback_is_invalid_redirect_uri() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["redirect_uris"] = json!(["http://printer.example/callback"]);
    assert_refused(&register(&app, metadata).await, "invalid_redirect_uri");
}

#[tokio::test]
async fn an_http_loopback_redirect_uri_is_accepted() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["redirect_uris"] = json!(["http://127.0.0.1:8765/callback"]);
    registered(&app, metadata).await;
}

#[tokio::test]
async fn a_redirect_uri_with_a_fragment_is_invalid_redirect_uri() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["redirect_uris"] = json!(["https://printer.example/callback#here"]);
    assert_refused(&register(&app, metadata).await, "invalid_redirect_uri");
}

#[tokio::test]
async fn the_code_grant_without_a_redirect_uri_is_invalid_redirect_uri() {
    let app = app_with_catalogue().await;
    let a = register(&app, json!({ "client_name": "No redirect" })).await;
    assert_refused(&a, "invalid_redirect_uri");
}

#[tokio::test]
async fn a_scope_outside_the_catalogue_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["scope"] = json!("profile admin");
    assert_refused(&register(&app, metadata).await, "invalid_client_metadata");
}

#[tokio::test]
async fn the_password_grant_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    let a = register(
        &app,
        json!({ "client_name": "Greedy", "grant_types": ["password"], "scope": "profile" }),
    )
    .await;
    assert_refused(&a, "invalid_client_metadata");
}

#[tokio::test]
async fn client_credentials_for_a_public_client_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    let a = register(
        &app,
        json!({ "grant_types": ["client_credentials"], "token_endpoint_auth_method": "none" }),
    )
    .await;
    assert_refused(&a, "invalid_client_metadata");
}

#[tokio::test]
async fn the_implicit_grant_is_refused_unless_the_operator_allows_it() {
    let spa = json!({
        "client_name": "Old SPA",
        "redirect_uris": ["https://spa.example/"],
        "grant_types": ["implicit"],
        "response_types": ["token"],
        "token_endpoint_auth_method": "none",
    });
    let app = app_with_catalogue().await;
    assert_refused(&register(&app, spa.clone()).await, "invalid_client_metadata");

    let allowing = spawn_app_on(TestDb::new(), |s| {
        s.open_registration = true;
        s.self_service_implicit = true;
    })
    .await;
    let info = registered(&allowing, spa).await;
    assert_eq!(info["grant_types"], json!(["implicit"]));
    assert_eq!(
        info["response_types"],
        json!(["token", "id_token", "id_token token"])
    );
}

#[tokio::test]
async fn response_types_contradicting_grant_types_are_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["grant_types"] = json!(["authorization_code"]);
    metadata["response_types"] = json!(["token"]);
    assert_refused(&register(&app, metadata).await, "invalid_client_metadata");
}

#[tokio::test]
async fn grant_types_are_derived_from_response_types_when_omitted() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["response_types"] = json!(["code"]);
    let info = registered(&app, metadata).await;
    assert_eq!(info["grant_types"], json!(["authorization_code"]));
}

#[tokio::test]
async fn an_unknown_token_endpoint_auth_method_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    for method in ["private_key_jwt", "client_secret_jwt", "tls_client_auth", ""] {
        let mut metadata = web_app();
        metadata["token_endpoint_auth_method"] = json!(method);
        assert_refused(&register(&app, metadata).await, "invalid_client_metadata");
    }
}

#[tokio::test]
async fn malformed_json_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    for body in [
        "{",
        "[]",
        "null",
        "not json",
        r#"{"redirect_uris": "https://a.example/cb"}"#,
        r#"{"client_name": 42}"#,
        r#"{"client_name": "A", "client_name": "B"}"#,
    ] {
        let a = post_raw(&app, "application/json", body, None).await;
        assert_refused(&a, "invalid_client_metadata");
    }
}

#[tokio::test]
async fn the_wrong_content_type_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    let body = web_app().to_string();
    for content_type in ["application/x-www-form-urlencoded", "text/plain", ""] {
        let a = post_raw(&app, content_type, body.clone(), None).await;
        assert_refused(&a, "invalid_client_metadata");
    }
    let a = post_raw(&app, "application/json; charset=utf-8", body, None).await;
    assert_eq!(a.status, 201, "{}", a.body);
}

#[tokio::test]
async fn a_huge_body_is_refused_with_400() {
    let app = app_with_catalogue().await;
    let mut metadata = web_app();
    metadata["padding"] = json!("a".repeat(1 << 20));
    assert_refused(&register(&app, metadata).await, "invalid_client_metadata");
}

#[tokio::test]
async fn nothing_is_stored_after_a_refused_registration() {
    let app = app_with_catalogue().await;
    let refused = [
        json!({ "redirect_uris": ["http://evil.example/cb"] }),
        json!({ "redirect_uris": ["https://a.example/cb"], "scope": "admin" }),
        json!({ "grant_types": ["password"] }),
        json!({ "redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt" }),
        json!({ "redirect_uris": ["https://a.example/cb"], "client_uri": "javascript:alert(1)" }),
    ];
    for metadata in refused {
        let a = register(&app, metadata.clone()).await;
        assert_eq!(a.status, 400, "{metadata}: {}", a.body);
    }
    post_raw(&app, "application/json", "{", None).await;
    assert_eq!(client_count(&app), 0);
}

#[tokio::test]
async fn by_default_registration_is_closed_and_not_advertised() {
    let app = crate::helpers::spawn_app().await;
    let a = register(&app, web_app()).await;
    assert_invalid_token(&a);
    assert_eq!(client_count(&app), 0);
    let (_, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert!(metadata.get("registration_endpoint").is_none(), "{metadata}");
}

#[tokio::test]
async fn open_registration_is_advertised_in_the_metadata() {
    let app = spawn_open().await;
    let (_, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(metadata["registration_endpoint"], app.url(REGISTER));
}

#[tokio::test]
async fn by_default_self_registered_clients_cannot_use_client_credentials() {
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    add_catalogue(&app);
    let a = register(
        &app,
        json!({ "client_name": "Report service", "grant_types": ["client_credentials"], "scope": "read" }),
    )
    .await;
    assert_refused(&a, "invalid_client_metadata");
    assert_eq!(client_count(&app), 0);
}

#[tokio::test]
async fn with_an_initial_access_token_configured_registration_without_it_is_401() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.registration_initial_access_token = Some(INITIAL_TOKEN.into())
    })
    .await;
    let a = register(&app, web_app()).await;
    assert_invalid_token(&a);
    assert_eq!(client_count(&app), 0);
}

#[tokio::test]
async fn with_an_initial_access_token_configured_a_wrong_token_is_401() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.registration_initial_access_token = Some(INITIAL_TOKEN.into())
    })
    .await;
    let body = json!({ "redirect_uris": ["https://a.example/cb"] }).to_string();
    for wrong in [
        "initial-access-token-012345678",
        "initial-access-token-0123456789x",
        "x",
    ] {
        assert_invalid_token(&post_raw(&app, "application/json", body.clone(), Some(wrong)).await);
    }
    let basic = app
        .http
        .post(app.url(REGISTER))
        .basic_auth("initial-access-token", Some("0123456789"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_invalid_token(&answer(basic).await);
    assert_eq!(client_count(&app), 0);
}

#[tokio::test]
async fn with_an_initial_access_token_configured_registration_with_it_is_201() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.registration_initial_access_token = Some(INITIAL_TOKEN.into())
    })
    .await;
    let body = json!({ "redirect_uris": ["https://a.example/cb"] }).to_string();
    let a = post_raw(&app, "application/json", body, Some(INITIAL_TOKEN)).await;
    assert_eq!(a.status, 201, "{}", a.body);
}

#[tokio::test]
async fn the_registration_can_be_read_back_with_its_registration_access_token() {
    let app = app_with_catalogue().await;
    let info = registered(&app, web_app()).await;
    let a = manage(&app, reqwest::Method::GET, &info, token_of(&info), None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let mut expected = info.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(a.body, expected);
}

#[tokio::test]
async fn put_replaces_the_redirect_uris() {
    let app = app_with_catalogue().await;
    let info = registered(&app, web_app()).await;
    let mut update = web_app();
    update["client_id"] = info["client_id"].clone();
    update["redirect_uris"] = json!(["https://printer.example/v2/callback", "http://localhost:9000/cb"]);
    let a = manage(&app, reqwest::Method::PUT, &info, token_of(&info), Some(update)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body["redirect_uris"],
        json!(["https://printer.example/v2/callback", "http://localhost:9000/cb"])
    );
    assert!(a.body.get("client_secret").is_none());
    let read = manage(&app, reqwest::Method::GET, &info, token_of(&info), None).await;
    assert_eq!(read.body["redirect_uris"], a.body["redirect_uris"]);
    let out = app.cli(&["client", "list", "--json"], None);
    let list: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(list[0]["redirect_uris"], a.body["redirect_uris"]);
}

#[tokio::test]
async fn put_keeps_the_secret_working() {
    let app = app_with_catalogue().await;
    let info = registered_service(&app).await;
    let update = json!({
        "client_id": info["client_id"],
        "client_name": "Report service v2",
        "grant_types": ["client_credentials"],
        "scope": "read profile",
    });
    let a = manage(&app, reqwest::Method::PUT, &info, token_of(&info), Some(update)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let token = app
        .client_credentials_token(&as_client(&info), Some("profile"))
        .await;
    assert_eq!(crate::helpers::claims_of(&token)["scope"], "profile");
}

#[tokio::test]
async fn put_without_the_matching_client_id_is_invalid_client_metadata() {
    let app = app_with_catalogue().await;
    let info = registered(&app, web_app()).await;
    for client_id in [None, Some("someone-else")] {
        let mut update = web_app();
        if let Some(id) = client_id {
            update["client_id"] = json!(id);
        }
        let a = manage(&app, reqwest::Method::PUT, &info, token_of(&info), Some(update)).await;
        assert_refused(&a, "invalid_client_metadata");
    }
}

#[tokio::test]
async fn put_is_validated_like_a_registration_and_a_refusal_changes_nothing() {
    let app = app_with_catalogue().await;
    let info = registered(&app, web_app()).await;
    let mut update = web_app();
    update["client_id"] = info["client_id"].clone();
    update["redirect_uris"] = json!(["https://printer.example/cb#frag"]);
    let a = manage(
        &app,
        reqwest::Method::PUT,
        &info,
        token_of(&info),
        Some(update.clone()),
    )
    .await;
    assert_refused(&a, "invalid_redirect_uri");
    update["redirect_uris"] = web_app()["redirect_uris"].clone();
    update["token_endpoint_auth_method"] = json!("none");
    let a = manage(&app, reqwest::Method::PUT, &info, token_of(&info), Some(update)).await;
    assert_refused(&a, "invalid_client_metadata");
    let read = manage(&app, reqwest::Method::GET, &info, token_of(&info), None).await;
    assert_eq!(read.body["redirect_uris"], info["redirect_uris"]);
    assert_eq!(read.body["token_endpoint_auth_method"], "client_secret_basic");
}

#[tokio::test]
async fn delete_makes_the_clients_token_introspect_inactive() {
    let app = app_with_catalogue().await;
    let info = registered_service(&app).await;
    let client = as_client(&info);
    let token = app.client_credentials_token(&client, None).await;
    let introspector = app.service_client();
    assert_eq!(app.introspect(&token, &introspector).await["active"], true);

    let a = manage(&app, reqwest::Method::DELETE, &info, token_of(&info), None).await;
    assert_eq!(a.status, 204, "{}", a.body);
    assert_eq!(app.introspect(&token, &introspector).await["active"], false);
    let again = manage(&app, reqwest::Method::GET, &info, token_of(&info), None).await;
    assert_invalid_token(&again);
    let refused = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
}

#[tokio::test]
async fn a_wrong_registration_token_is_401_and_the_client_is_untouched() {
    let app = app_with_catalogue().await;
    let info = registered(&app, web_app()).await;
    let wrong = format!("{}x", token_of(&info));
    let mut update = web_app();
    update["client_id"] = info["client_id"].clone();
    update["redirect_uris"] = json!(["https://attacker.example/cb"]);
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        assert_invalid_token(&manage(&app, method, &info, &wrong, None).await);
    }
    assert_invalid_token(&manage(&app, reqwest::Method::PUT, &info, &wrong, Some(update)).await);
    let uri = info["registration_client_uri"].as_str().unwrap();
    let missing = app.http.get(uri).send().await.unwrap();
    assert_invalid_token(&answer(missing).await);

    let read = manage(&app, reqwest::Method::GET, &info, token_of(&info), None).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["redirect_uris"], info["redirect_uris"]);
}

#[tokio::test]
async fn another_clients_registration_token_cannot_read_or_delete_it() {
    let app = app_with_catalogue().await;
    let victim = registered(&app, web_app()).await;
    let other = registered(&app, web_app()).await;
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        assert_invalid_token(&manage(&app, method, &victim, token_of(&other), None).await);
    }
    let read = manage(&app, reqwest::Method::GET, &victim, token_of(&victim), None).await;
    assert_eq!(read.status, 200);
}

#[tokio::test]
async fn an_unknown_client_is_401_like_a_wrong_token() {
    let app = app_with_catalogue().await;
    let info = registered(&app, web_app()).await;
    let mut unknown = info.clone();
    unknown["registration_client_uri"] = json!(app.url("/oauth2/register/no-such-client"));
    assert_invalid_token(&manage(&app, reqwest::Method::GET, &unknown, token_of(&info), None).await);
    assert_invalid_token(&manage(&app, reqwest::Method::DELETE, &unknown, token_of(&info), None).await);
}

#[tokio::test]
async fn a_client_registered_by_the_cli_cannot_be_managed_here() {
    let app = app_with_catalogue().await;
    let client = app.service_client();
    let info = json!({ "registration_client_uri": app.url(&format!("/oauth2/register/{}", client.id)) });
    for token in [client.secret.as_deref().unwrap(), "", "anything"] {
        assert_invalid_token(&manage(&app, reqwest::Method::GET, &info, token, None).await);
        assert_invalid_token(&manage(&app, reqwest::Method::DELETE, &info, token, None).await);
    }
    assert_eq!(client_count(&app), 1);
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = app_with_catalogue().await;
    let get = app.http.get(app.url(REGISTER)).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    let info = registered(&app, web_app()).await;
    let uri = info["registration_client_uri"].as_str().unwrap();
    let post = app
        .http
        .post(uri)
        .bearer_auth(token_of(&info))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(post.headers()["allow"], "GET, PUT, DELETE");
}

#[tokio::test]
async fn one_address_cannot_register_clients_without_limit() {
    let app = crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| {
        s.open_registration = true;
        s.registration_rate_limit = 2;
    })
    .await;
    add_catalogue(&app);
    registered(&app, web_app()).await;
    registered(&app, web_app()).await;
    let third = register(&app, web_app()).await;
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.header("retry-after").is_some());
    assert_eq!(client_count(&app), 2, "nothing stored past the limit");
}
