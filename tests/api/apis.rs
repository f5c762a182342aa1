//! Registered APIs: the CLI that manages them, and the audience of the
//! tokens asked for them (RFC 8707 `resource`, or a scope an API owns).

use crate::helpers::{claims_of, spawn_app, TestApp, TestClient};

pub const ORDERS: &str = "https://orders.example/api";
pub const BILLING: &str = "https://billing.example";

/// Registers the orders API (scope `orders:read`, roles `reader` and
/// `clerk`) and the billing API (scope `billing:read`, role `payer`)
/// through the CLI.
pub fn register_two_apis(app: &TestApp) {
    let orders = app.cli(
        &[
            "api",
            "create",
            "--identifier",
            ORDERS,
            "--name",
            "Orders",
            "--scope",
            "orders:read",
            "--role",
            "reader",
            "--role",
            "clerk",
        ],
        None,
    );
    assert_eq!(orders.code, 0, "{}", orders.stderr);
    let billing = app.cli(
        &[
            "api",
            "create",
            "--identifier",
            BILLING,
            "--name",
            "Billing",
            "--scope",
            "billing:read",
            "--role",
            "payer",
        ],
        None,
    );
    assert_eq!(billing.code, 0, "{}", billing.stderr);
}

/// A service client allowed the scopes of both APIs and `read`.
pub fn service(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        "orders:read",
        "--scope",
        "billing:read",
        "--scope",
        "read",
    ])
}

fn api_list(app: &TestApp) -> serde_json::Value {
    let out = app.cli(&["api", "list", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[tokio::test]
async fn an_api_is_created_listed_updated_and_deleted_through_the_cli() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let list = api_list(&app);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["identifier"], ORDERS);
    assert_eq!(list[1]["name"], "Orders");
    assert_eq!(list[1]["scopes"], serde_json::json!(["orders:read"]));
    assert_eq!(list[1]["roles"], serde_json::json!(["clerk", "reader"]));

    let update = app.cli(
        &[
            "api",
            "update",
            "--identifier",
            ORDERS,
            "--name",
            "Order desk",
            "--add-role",
            "auditor",
            "--remove-role",
            "clerk",
            "--add-scope",
            "orders:write",
            "--remove-scope",
            "orders:read",
        ],
        None,
    );
    assert_eq!(update.code, 0, "{}", update.stderr);
    let list = api_list(&app);
    assert_eq!(list[1]["name"], "Order desk");
    assert_eq!(list[1]["scopes"], serde_json::json!(["orders:write"]));
    assert_eq!(list[1]["roles"], serde_json::json!(["auditor", "reader"]));
    // A released scope stays in the catalogue.
    assert!(app.cli(&["scope", "list"], None).stdout.contains("orders:read"));

    let deleted = app.cli(&["api", "delete", "--identifier", ORDERS], None);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    let list = api_list(&app);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["identifier"], BILLING);
    assert!(app.cli(&["scope", "list"], None).stdout.contains("orders:write"));
    let again = app.cli(&["api", "delete", "--identifier", ORDERS], None);
    assert_ne!(again.code, 0);
}

#[tokio::test]
async fn the_cli_refuses_bad_identifiers_names_roles_duplicates_and_foreign_scopes() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let refused = [
        vec![
            "api",
            "create",
            "--identifier",
            "http://orders.example",
            "--name",
            "X",
        ],
        vec![
            "api",
            "create",
            "--identifier",
            "https://x.example/#frag",
            "--name",
            "X",
        ],
        vec!["api", "create", "--identifier", "not a uri", "--name", "X"],
        vec![
            "api",
            "create",
            "--identifier",
            "https://x.example",
            "--name",
            "  ",
        ],
        vec![
            "api",
            "create",
            "--identifier",
            "https://x.example",
            "--name",
            "X",
            "--role",
            "two words",
        ],
        vec!["api", "create", "--identifier", ORDERS, "--name", "Again"],
        vec![
            "api",
            "create",
            "--identifier",
            "https://x.example",
            "--name",
            "X",
            "--scope",
            "orders:read",
        ],
        vec![
            "api",
            "update",
            "--identifier",
            BILLING,
            "--add-scope",
            "orders:read",
        ],
        vec![
            "api",
            "update",
            "--identifier",
            "https://nowhere.example",
            "--name",
            "Y",
        ],
    ];
    for args in refused {
        let out = app.cli(&args, None);
        assert_ne!(out.code, 0, "{args:?} was accepted");
        assert!(!out.stderr.is_empty(), "{args:?} said nothing");
    }
    let many: Vec<String> = (0..65).map(|i| format!("r{i}")).collect();
    let mut args = vec![
        "api",
        "create",
        "--identifier",
        "https://x.example",
        "--name",
        "X",
    ];
    for role in &many {
        args.extend(["--role", role.as_str()]);
    }
    assert_ne!(app.cli(&args, None).code, 0, "65 roles were accepted");
    assert_eq!(api_list(&app).as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_resource_naming_a_registered_api_is_the_tokens_audience() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let client = service(&app);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "billing:read read"),
        ("resource", BILLING),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        claims_of(answer.body["access_token"].as_str().unwrap())["aud"],
        BILLING
    );
    // Not without one of its scopes (nobody was asked about that API), and
    // never with another API's.
    for scope in ["read", "orders:read"] {
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("resource", BILLING),
        ];
        let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
        assert_eq!(answer.error(), "invalid_target", "{scope}: {}", answer.body);
    }
    // A resource that is neither an API nor on the client's list is refused.
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "read"),
        ("resource", "https://other.example"),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(answer.error(), "invalid_target");
}

#[tokio::test]
async fn a_scope_an_api_owns_makes_that_api_the_audience() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let client = service(&app);
    let token = app
        .client_credentials_token(&client, Some("orders:read read"))
        .await;
    assert_eq!(claims_of(&token)["aud"], ORDERS);
    let token = app.client_credentials_token(&client, Some("read")).await;
    assert_eq!(claims_of(&token)["aud"], app.settings.issuer.as_str());
}

#[tokio::test]
async fn scopes_of_two_apis_in_one_request_are_an_invalid_scope() {
    let app = spawn_app().await;
    register_two_apis(&app);
    let client = service(&app);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "orders:read billing:read"),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_scope");
    let description = answer.body["error_description"].as_str().unwrap();
    assert!(description.contains("one token is for one API"), "{description}");
    assert!(
        description.contains(ORDERS) && description.contains(BILLING),
        "{description}"
    );
}

#[tokio::test]
async fn an_administrator_registers_changes_and_deletes_an_api_on_its_page_with_csrf() {
    use crate::browser::Agent;
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let page = admin.get("/admin/apis").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.hidden("csrf_token");
    let form = [
        ("identifier", ORDERS),
        ("name", "Orders"),
        ("scopes", "orders:read"),
        ("roles", "reader clerk"),
        ("introspection", "on"),
    ];
    let without = admin.post("/admin/apis", &form).await;
    assert_ne!(without.status, 303, "a form without its CSRF token was accepted");
    assert!(api_list(&app).as_array().unwrap().is_empty());

    let mut with = form.to_vec();
    with.push(("csrf_token", &csrf));
    let created = admin.post("/admin/apis", &with).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("client_secret"), "{}", created.body);
    let list = api_list(&app);
    assert_eq!(list[0]["roles"], serde_json::json!(["clerk", "reader"]));
    assert!(list[0]["introspection_client_id"].is_string());

    let update = [
        ("csrf_token", csrf.as_str()),
        ("identifier", ORDERS),
        ("name", "Order desk"),
        ("add_roles", "auditor"),
        ("remove_roles", "clerk"),
    ];
    assert_eq!(admin.post("/admin/apis/update", &update).await.status, 303);
    assert_eq!(
        api_list(&app)[0]["roles"],
        serde_json::json!(["auditor", "reader"])
    );

    let ask = [("csrf_token", csrf.as_str()), ("identifier", ORDERS)];
    let confirm = admin.post("/admin/apis/delete", &ask).await;
    assert_eq!(confirm.status, 200);
    assert_eq!(
        api_list(&app).as_array().unwrap().len(),
        1,
        "deleted before confirming"
    );
    let sure = [
        ("csrf_token", csrf.as_str()),
        ("identifier", ORDERS),
        ("confirm", "yes"),
    ];
    assert_eq!(admin.post("/admin/apis/delete", &sure).await.status, 303);
    assert!(api_list(&app).as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_api_pages_are_not_there_for_someone_who_is_not_an_administrator() {
    use crate::browser::{Agent, PASSWORD};
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(agent.get("/admin/apis").await.status, 404);
}

#[tokio::test]
async fn the_authorization_endpoint_follows_the_same_audience_rule() {
    use crate::browser::{authorize_path, Agent, REDIRECT};
    let app = spawn_app().await;
    register_two_apis(&app);
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "orders:read",
        "--scope",
        "billing:read",
    ]);
    let (path, _) = authorize_path(&client, &[("scope", "orders:read billing:read")]);
    let refused = Agent::new(&app).get(&path).await;
    assert_eq!(
        refused.query_param("error").as_deref(),
        Some("invalid_scope"),
        "{:?}",
        refused.location
    );
    let (path, _) = authorize_path(
        &client,
        &[("scope", "orders:read"), ("resource", "https://other.example")],
    );
    let refused = Agent::new(&app).get(&path).await;
    assert_eq!(
        refused.query_param("error").as_deref(),
        Some("invalid_target"),
        "{:?}",
        refused.location
    );
}
