//! The OpenID Connect client metadata a registration may carry
//! (post-logout redirect URIs, back-channel logout, subject type, max age,
//! auth_time, id-token algorithm): one rule each, the same through dynamic
//! registration, the portal and the CLI.

use crate::browser::{Agent, REDIRECT};
use crate::helpers::{answer, spawn_app_on, Answer, TestApp, TestDb};
use serde_json::{json, Value};

async fn open_app() -> TestApp {
    spawn_app_on(TestDb::new(), |s| s.open_registration = true).await
}

async fn register(app: &TestApp, extra: Value) -> Answer {
    let mut metadata = json!({
        "client_name": "Notes",
        "redirect_uris": ["https://notes.example/callback"],
    });
    for (k, v) in extra.as_object().unwrap() {
        metadata[k] = v.clone();
    }
    let response = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&metadata)
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn refused(app: &TestApp, extra: Value, field: &str) {
    let a = register(app, extra.clone()).await;
    assert_eq!(a.status, 400, "{extra}: {}", a.body);
    assert_eq!(a.error(), "invalid_client_metadata", "{extra}: {}", a.body);
    let description = a.body["error_description"].as_str().unwrap();
    assert!(description.starts_with(field), "{extra}: {description}");
}

#[tokio::test]
async fn registration_accepts_and_returns_the_openid_metadata() {
    let app = open_app().await;
    let a = register(
        &app,
        json!({
            "post_logout_redirect_uris": ["https://notes.example/bye"],
            "backchannel_logout_uri": "https://notes.example/bc?x=1",
            "backchannel_logout_session_required": true,
            "subject_type": "pairwise",
            "default_max_age": 3600,
            "require_auth_time": true,
            "id_token_signed_response_alg": "EdDSA",
        }),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        a.body["post_logout_redirect_uris"],
        json!(["https://notes.example/bye"])
    );
    assert_eq!(a.body["backchannel_logout_uri"], "https://notes.example/bc?x=1");
    assert_eq!(a.body["backchannel_logout_session_required"], true);
    assert_eq!(a.body["subject_type"], "pairwise");
    assert_eq!(a.body["default_max_age"], 3600);
    assert_eq!(a.body["require_auth_time"], true);
    let id = a.body["client_id"].as_str().unwrap().to_string();
    let row = app
        .database()
        .run_sync(move |c| tollgate::storage::clients::by_id(c, &id))
        .unwrap()
        .unwrap();
    assert_eq!(row.openid.sector_identifier.as_deref(), Some("notes.example"));
}

#[tokio::test]
async fn a_post_logout_uri_follows_the_redirect_uri_rules() {
    let app = open_app().await;
    refused(
        &app,
        json!({"post_logout_redirect_uris": ["http://notes.example/bye"]}),
        "post_logout_redirect_uris",
    )
    .await;
    refused(
        &app,
        json!({"post_logout_redirect_uris": ["https://notes.example/bye#x"]}),
        "post_logout_redirect_uris",
    )
    .await;
}

#[tokio::test]
async fn post_logout_uris_must_be_an_array() {
    let app = open_app().await;
    refused(
        &app,
        json!({"post_logout_redirect_uris": "https://notes.example/bye"}),
        "post_logout_redirect_uris",
    )
    .await;
}

#[tokio::test]
async fn a_backchannel_uri_must_be_https_except_on_loopback() {
    let app = open_app().await;
    refused(
        &app,
        json!({"backchannel_logout_uri": "http://notes.example/bc"}),
        "backchannel_logout_uri",
    )
    .await;
    let a = register(&app, json!({"backchannel_logout_uri": "http://127.0.0.1:9/bc"})).await;
    assert_eq!(a.status, 201, "{}", a.body);
}

#[tokio::test]
async fn a_backchannel_uri_cannot_have_a_fragment() {
    let app = open_app().await;
    refused(
        &app,
        json!({"backchannel_logout_uri": "https://notes.example/bc#top"}),
        "backchannel_logout_uri",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_subject_type_is_refused() {
    let app = open_app().await;
    refused(&app, json!({"subject_type": "anonymous"}), "subject_type").await;
}

#[tokio::test]
async fn a_sector_identifier_uri_is_not_supported() {
    let app = open_app().await;
    refused(
        &app,
        json!({"subject_type": "pairwise", "sector_identifier_uri": "https://notes.example/sector.json"}),
        "sector_identifier_uri",
    )
    .await;
}

#[tokio::test]
async fn a_pairwise_client_needs_one_redirect_host() {
    let app = open_app().await;
    refused(
        &app,
        json!({
            "subject_type": "pairwise",
            "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
        }),
        "subject_type",
    )
    .await;
}

#[tokio::test]
async fn default_max_age_must_be_a_non_negative_integer() {
    let app = open_app().await;
    refused(&app, json!({"default_max_age": -1}), "default_max_age").await;
    refused(&app, json!({"default_max_age": "3600"}), "default_max_age").await;
}

#[tokio::test]
async fn require_auth_time_must_be_a_boolean() {
    let app = open_app().await;
    refused(&app, json!({"require_auth_time": "yes"}), "require_auth_time").await;
}

#[tokio::test]
async fn the_none_algorithm_is_never_accepted_for_id_tokens() {
    let app = open_app().await;
    for alg in ["none", "HS256"] {
        refused(
            &app,
            json!({"id_token_signed_response_alg": alg}),
            "id_token_signed_response_alg",
        )
        .await;
    }
}

#[tokio::test]
async fn an_algorithm_no_signing_key_has_is_refused() {
    let app = open_app().await;
    // The tests' server signs with EdDSA only.
    refused(
        &app,
        json!({"id_token_signed_response_alg": "RS256"}),
        "id_token_signed_response_alg",
    )
    .await;
}

#[tokio::test]
async fn a_replacing_put_replaces_the_openid_metadata_too() {
    let app = open_app().await;
    let a = register(
        &app,
        json!({"post_logout_redirect_uris": ["https://notes.example/bye"], "require_auth_time": true}),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let replaced = app
        .http
        .put(a.body["registration_client_uri"].as_str().unwrap())
        .bearer_auth(a.body["registration_access_token"].as_str().unwrap())
        .json(&json!({
            "client_id": a.body["client_id"],
            "client_name": "Notes",
            "redirect_uris": ["https://notes.example/callback"],
        }))
        .send()
        .await
        .unwrap();
    let replaced = answer(replaced).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["post_logout_redirect_uris"], json!([]));
    assert_eq!(replaced.body["require_auth_time"], false);
}

async fn post(agent: &Agent<'_>, fields: Vec<(&'static str, String)>) -> crate::browser::Page {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    agent.post("/portal/apps", &pairs).await
}

#[tokio::test]
async fn the_portal_form_sets_the_logout_uris_and_shows_errors_next_to_them() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let agent = Agent::developer(&app, "dev").await;
    let form = agent.get("/portal/apps/new").await;
    let fields = |backchannel: &'static str| {
        vec![
            ("csrf_token", form.hidden("csrf_token")),
            ("name", "Notes".to_string()),
            ("client_type", "confidential".to_string()),
            ("grant_authorization_code", "on".to_string()),
            ("redirect_uris", REDIRECT.to_string()),
            ("post_logout_redirect_uris", "https://app.example/bye".to_string()),
            ("backchannel_logout_uri", backchannel.to_string()),
            ("backchannel_logout_session_required", "on".to_string()),
        ]
    };
    let bad = post(&agent, fields("http://app.example/bc")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"backchannel_logout_uri-error\""));
    let good = post(&agent, fields("https://app.example/bc")).await;
    assert_eq!(good.status, 303, "{}", good.body);
    let rows = app.database().run_sync(tollgate::storage::clients::all).unwrap();
    let row = rows.iter().find(|r| r.name == "Notes").unwrap();
    assert_eq!(row.openid.post_logout_redirect_uris, "https://app.example/bye");
    assert_eq!(
        row.openid.backchannel_logout_uri.as_deref(),
        Some("https://app.example/bc")
    );
    assert!(row.openid.backchannel_logout_session_required);
}

#[tokio::test]
async fn a_portal_edit_keeps_the_settings_its_form_does_not_show() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--subject-type",
        "pairwise",
        "--default-max-age",
        "600",
        "--require-auth-time",
    ]);
    let root = Agent::admin(&app).await;
    let path = format!("/portal/apps/{}", client.id);
    let detail = root.get(&path).await;
    let saved = root
        .post(
            &path,
            &[
                ("csrf_token", &detail.hidden("csrf_token")),
                ("name", "Renamed"),
                ("grant_authorization_code", "on"),
                ("redirect_uris", REDIRECT),
                ("post_logout_redirect_uris", "https://app.example/bye"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = client.id.clone();
    let row = app
        .database()
        .run_sync(move |c| tollgate::storage::clients::by_id(c, &id))
        .unwrap()
        .unwrap();
    assert_eq!(row.openid.subject_type, "pairwise");
    assert_eq!(row.openid.sector_identifier.as_deref(), Some("app.example"));
    assert_eq!(row.openid.default_max_age, Some(600));
    assert!(row.openid.require_auth_time);
    assert_eq!(row.openid.post_logout_redirect_uris, "https://app.example/bye");
}

#[tokio::test]
async fn the_cli_sets_the_openid_metadata_and_lists_it() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "Notes",
            "--redirect-uri",
            REDIRECT,
            "--post-logout-redirect-uri",
            "https://app.example/bye",
            "--backchannel-logout-uri",
            "https://app.example/bc",
            "--backchannel-logout-session-required",
            "--subject-type",
            "pairwise",
            "--default-max-age",
            "60",
            "--require-auth-time",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed: Value =
        serde_json::from_str(app.cli(&["client", "list", "--json"], None).stdout.trim()).unwrap();
    let notes = &listed[0];
    assert_eq!(
        notes["post_logout_redirect_uris"],
        json!(["https://app.example/bye"])
    );
    assert_eq!(notes["backchannel_logout_uri"], "https://app.example/bc");
    assert_eq!(notes["backchannel_logout_session_required"], true);
    assert_eq!(notes["subject_type"], "pairwise");
    assert_eq!(notes["default_max_age"], 60);
    assert_eq!(notes["require_auth_time"], true);

    let bad = app.cli(
        &[
            "client",
            "create",
            "--name",
            "X",
            "--redirect-uri",
            REDIRECT,
            "--subject-type",
            "secret",
        ],
        None,
    );
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("subject_type"), "{}", bad.stderr);
}

#[tokio::test]
async fn a_pairwise_client_on_loopback_is_refused_as_every_native_app_shares_that_host() {
    let app = open_app().await;
    refused(
        &app,
        json!({"subject_type": "pairwise", "redirect_uris": ["http://127.0.0.1/callback"]}),
        "subject_type",
    )
    .await;
}

#[tokio::test]
async fn a_pairwise_client_cannot_turn_public_by_leaving_subject_type_out_of_a_put() {
    let app = open_app().await;
    let a = register(&app, json!({"subject_type": "pairwise"})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let replaced = app
        .http
        .put(a.body["registration_client_uri"].as_str().unwrap())
        .bearer_auth(a.body["registration_access_token"].as_str().unwrap())
        .json(&json!({
            "client_id": a.body["client_id"],
            "client_name": "Notes",
            "redirect_uris": ["https://notes.example/callback"],
        }))
        .send()
        .await
        .unwrap();
    let replaced = answer(replaced).await;
    assert_eq!(replaced.status, 400, "{}", replaced.body);
    assert_eq!(replaced.error(), "invalid_client_metadata");
    assert!(
        replaced.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("subject_type"),
        "{}",
        replaced.body
    );
}
