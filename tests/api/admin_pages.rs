//! The administrators' pages: users (search, paging, a user's page with
//! suspend, reinstate, unlock, sessions and allowed apps), apps (verify,
//! trust, suspend) and the scope catalogue (add, describe, remove). Every
//! action is an administrator's only, checks its CSRF token, and is in the
//! audit trail with the administrator who did it.

use crate::browser::{Agent, Page, PASSWORD};
use crate::helpers::{spawn_app, TestApp};
use tollgate::oauth::audit;
use tollgate::oauth::registry;
use tollgate::storage::audit::{AuditFilter, AuditRow};

/// The events about `user_id` or done by them, newest first.
fn events_of_user(app: &TestApp, user_id: &str) -> Vec<AuditRow> {
    let filter = AuditFilter {
        user_id: Some(user_id.to_string()),
        ..Default::default()
    };
    audit::list_sync(&app.database(), &filter, 100).unwrap()
}

/// The newest event of `kind` about `user_id` or done by them.
fn newest_of_user(app: &TestApp, user_id: &str, kind: &str) -> AuditRow {
    events_of_user(app, user_id)
        .into_iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} event about {user_id}"))
}

/// The newest event of `kind` among every event.
fn newest(app: &TestApp, kind: &str) -> AuditRow {
    audit::list_sync(&app.database(), &AuditFilter::default(), 500)
        .unwrap()
        .into_iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} event"))
}

/// The id of the administrator `root` that [`Agent::admin`] signs in.
fn root_id(app: &TestApp) -> String {
    user_named(app, "root").id
}

fn user_named(app: &TestApp, name: &str) -> tollgate::storage::users::UserRow {
    let name = name.to_string();
    app.database()
        .run_sync(move |conn| tollgate::storage::users::by_username(conn, &name))
        .unwrap()
        .expect("the user")
}

/// Inserts a user directly (no password hashing): for lists of many users.
fn seed_user(app: &TestApp, username: &str, email: Option<&str>) {
    let row = tollgate::storage::users::UserRow {
        id: format!("user_seed{username}"),
        username: username.to_string(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2VlZA$c2VlZA".into(),
        is_admin: false,
        suspended: false,
        created_at: 0,
        password_changed_at: 0,
        email: email.map(str::to_string),
        email_verified: false,
        name: None,
        given_name: None,
        family_name: None,
        updated_at: 0,
    };
    app.database()
        .run_sync(move |conn| tollgate::storage::users::insert(conn, &row))
        .unwrap();
}

/// The administrator's page of `user_id`, loaded.
async fn user_page(admin: &Agent<'_>, user_id: &str) -> Page {
    let page = admin.get(&format!("/admin/users/{user_id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// `alice`, created and signed in on an agent of her own; returns her id and agent.
async fn signed_in_alice(app: &TestApp) -> (String, Agent<'_>) {
    let id = app.create_user("alice", PASSWORD);
    let agent = Agent::new(app);
    assert_eq!(agent.sign_in("alice", PASSWORD, "/account").await.status, 303);
    assert_eq!(agent.get("/account").await.status, 200);
    (id, agent)
}

// The section.

#[tokio::test]
async fn the_admin_index_links_users_apps_scopes_apis_and_the_audit_trail() {
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let page = admin.get("/admin").await;
    assert_eq!(page.status, 200);
    for link in [
        "/admin/users",
        "/admin/apps",
        "/admin/scopes",
        "/admin/apis",
        "/admin/audit",
    ] {
        assert!(
            page.body.contains(&format!("href=\"{link}\"")),
            "{link} in {}",
            page.body
        );
    }
}

#[tokio::test]
async fn every_admin_page_and_action_is_not_found_for_a_user_who_is_not_an_administrator() {
    let app = spawn_app().await;
    let (alice, agent) = signed_in_alice(&app).await;
    let bob = app.create_user("bob", PASSWORD);
    let client = app.service_client();
    for path in [
        "/admin".to_string(),
        "/admin/users".into(),
        format!("/admin/users/{bob}"),
        "/admin/apps".into(),
        "/admin/scopes".into(),
    ] {
        assert_eq!(agent.get(&path).await.status, 404, "{path}");
    }
    // Her own valid CSRF token does not make her an administrator.
    let account = agent.get("/account").await;
    let posts: [(String, Vec<(&str, &str)>); 4] = [
        (format!("/admin/users/{bob}/suspend"), vec![]),
        (
            format!("/admin/apps/{}/mark", client.id),
            vec![("mark", "trusted"), ("set", "true")],
        ),
        (
            "/admin/scopes".into(),
            vec![("name", "mine"), ("description", "Mine")],
        ),
        (format!("/admin/users/{alice}/reinstate"), vec![]),
    ];
    for (path, form) in &posts {
        assert_eq!(
            agent.post_with_csrf(&account, path, form).await.status,
            404,
            "{path}"
        );
    }
    assert!(!user_named(&app, "bob").suspended);
    let registration = registry::registration(&app.database(), &client.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!registration.is_trusted);
    let catalogue = registry::catalogue(&app.database()).await.unwrap();
    assert!(!catalogue.iter().any(|(name, _)| name == "mine"));
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_and_back() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/admin/scopes").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/login?return_to=%2Fadmin%2Fscopes")
    );
}

// Users: the list.

#[tokio::test]
async fn searching_users_matches_part_of_a_username_or_email_address_in_any_case() {
    let app = spawn_app().await;
    seed_user(&app, "alice", Some("alice@example.com"));
    seed_user(&app, "bob", Some("Bob.Builder@Example.ORG"));
    seed_user(&app, "carol", None);
    let admin = Agent::admin(&app).await;

    let by_name = admin.get("/admin/users?q=ALI").await;
    assert_eq!(by_name.status, 200);
    assert!(
        by_name.body.contains(">alice<") && !by_name.body.contains(">bob<"),
        "{}",
        by_name.body
    );
    let by_email = admin.get("/admin/users?q=example.org").await;
    assert!(
        by_email.body.contains(">bob<") && !by_email.body.contains(">alice<"),
        "{}",
        by_email.body
    );
    // `%` and `_` are themselves, not wildcards.
    let wildcard = admin.get("/admin/users?q=%25").await;
    assert_eq!(wildcard.status, 200);
    assert!(wildcard.body.contains("No account matches."), "{}", wildcard.body);
    let everyone = admin.get("/admin/users").await;
    for name in ["alice", "bob", "carol", "root"] {
        assert!(everyone.body.contains(&format!(">{name}<")), "{name}");
    }
}

#[tokio::test]
async fn the_user_list_comes_fifty_a_page_and_a_page_past_the_end_is_empty() {
    let app = spawn_app().await;
    for i in 0..60 {
        seed_user(&app, &format!("user{i:02}"), None);
    }
    let admin = Agent::admin(&app).await;
    let first = admin.get("/admin/users?q=user").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("href=\"/admin/users/user_").count(), 50);
    assert!(first.body.contains("1–50 of 60"), "{}", first.body);
    assert!(first.body.contains("page=2\" id=\"next\""), "{}", first.body);

    let second = admin.get("/admin/users?q=user&page=2").await;
    assert_eq!(second.body.matches("href=\"/admin/users/user_").count(), 10);
    assert!(second.body.contains(">user59<") && !second.body.contains(">user00<"));
    assert!(!second.body.contains("id=\"next\""));

    let beyond = admin.get("/admin/users?q=user&page=9").await;
    assert_eq!(beyond.status, 200);
    assert_eq!(beyond.body.matches("href=\"/admin/users/user_").count(), 0);
}

#[tokio::test]
async fn hostile_paging_and_search_input_is_a_4xx_page_never_a_5xx() {
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let long = "a".repeat(101);
    let queries = [
        "page=0".to_string(),
        "page=-1".into(),
        "page=abc".into(),
        "page=1.5".into(),
        "page=99999999999999999999999".into(),
        "page=1&page=2".into(),
        format!("q={long}"),
        "q=%FF%FE".into(),
        "q=%00".into(),
        "q=a%0Ab".into(),
    ];
    for query in &queries {
        let page = admin.get(&format!("/admin/users?{query}")).await;
        assert_eq!(page.status, 400, "{query}: {}", page.body);
        assert!(page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
    for path in [
        "/admin/users/%00",
        "/admin/users/nobody",
        "/admin/users/%27%20OR%201=1",
    ] {
        assert_eq!(admin.get(path).await.status, 404, "{path}");
    }
    let list = admin.get("/admin/users").await;
    let hostile = admin
        .post_with_csrf(&list, "/admin/users/x%00y/suspend", &[])
        .await;
    assert_eq!(hostile.status, 404);
}

// Users: one user's page.

#[tokio::test]
async fn a_users_page_shows_their_account_sessions_and_allowed_apps() {
    let app = spawn_app().await;
    let (alice, _agent) = signed_in_alice(&app).await;
    let client = app.create_named_client("Billing", &["--redirect-uri", "https://app.example/callback"]);
    let (user, id) = (alice.clone(), client.id.clone());
    app.database()
        .run_sync(move |conn| tollgate::storage::consents::grant(conn, &user, &id, "profile", 0))
        .unwrap();
    let admin = Agent::admin(&app).await;
    let page = user_page(&admin, &alice).await;
    assert!(page.body.contains("<h1>alice</h1>"), "{}", page.body);
    assert!(page.body.contains("id=\"is-admin\">no<"));
    assert!(page.body.contains("id=\"suspended\">no<"));
    assert!(page.body.contains("Password changed"));
    assert_eq!(page.body.matches("End session").count(), 1, "{}", page.body);
    assert!(page.body.contains("Billing") && page.body.contains(&client.id));
    assert!(page.body.contains("id=\"no-lockouts\""));
}

#[tokio::test]
async fn suspending_a_user_ends_their_session_refuses_their_sign_in_and_is_audited() {
    let app = spawn_app().await;
    let (alice, agent) = signed_in_alice(&app).await;
    let admin = Agent::admin(&app).await;
    let page = user_page(&admin, &alice).await;

    let done = admin
        .post_with_csrf(&page, &format!("/admin/users/{alice}/suspend"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/admin/users/{alice}?done=suspended").as_str())
    );
    let after = admin.follow(&done).await;
    assert!(after.body.contains("id=\"notice\""), "{}", after.body);
    assert!(after.body.contains("id=\"no-sessions\""), "{}", after.body);

    let account = agent.get("/account").await;
    assert_eq!(account.status, 303, "her session ended");
    assert_ne!(
        Agent::new(&app)
            .sign_in("alice", PASSWORD, "/account")
            .await
            .status,
        303
    );
    let event = newest_of_user(&app, &alice, "user.suspended");
    assert_eq!(event.actor_kind, "admin");
    assert_eq!(event.actor_user_id.as_deref(), Some(root_id(&app).as_str()));
}

#[tokio::test]
async fn a_reinstated_user_can_sign_in_again() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PASSWORD);
    assert_eq!(app.cli(&["user", "suspend", "--username", "alice"], None).code, 0);
    let admin = Agent::admin(&app).await;
    let page = user_page(&admin, &alice).await;
    assert!(page.body.contains("id=\"reinstate\""));

    let done = admin
        .post_with_csrf(&page, &format!("/admin/users/{alice}/reinstate"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(
        Agent::new(&app)
            .sign_in("alice", PASSWORD, "/account")
            .await
            .status,
        303
    );
    assert_eq!(
        newest_of_user(&app, &alice, "user.reinstated").actor_kind,
        "admin"
    );
}

#[tokio::test]
async fn an_administrator_cannot_suspend_themselves() {
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let root = root_id(&app);
    let page = user_page(&admin, &root).await;
    assert!(page.body.contains("id=\"self\"") && !page.body.contains("id=\"suspend\""));

    let refused = admin
        .post_with_csrf(&page, &format!("/admin/users/{root}/suspend"), &[])
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(!user_named(&app, "root").suspended);
    assert_eq!(admin.get("/admin").await.status, 200, "still signed in");
}

#[tokio::test]
async fn a_user_action_without_this_sessions_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let (alice, _agent) = signed_in_alice(&app).await;
    let admin = Agent::admin(&app).await;
    let path = format!("/admin/users/{alice}/suspend");
    assert_eq!(admin.post(&path, &[]).await.status, 403);
    assert_eq!(admin.post(&path, &[("csrf_token", "forged")]).await.status, 403);
    // Another administrator's token is not this session's.
    app.create_admin("other", PASSWORD);
    let other = Agent::new(&app);
    other.sign_in("other", PASSWORD, "/admin").await;
    let theirs = other.get("/admin/scopes").await.hidden("csrf_token");
    assert_eq!(admin.post(&path, &[("csrf_token", &theirs)]).await.status, 403);
    assert!(!user_named(&app, "alice").suspended);
}

#[tokio::test]
async fn ending_a_users_session_signs_that_browser_out_and_is_audited() {
    let app = spawn_app().await;
    let (alice, agent) = signed_in_alice(&app).await;
    let admin = Agent::admin(&app).await;
    let page = user_page(&admin, &alice).await;
    let session = page.hidden("session");

    let done = admin
        .post_with_csrf(
            &page,
            &format!("/admin/users/{alice}/sessions/end"),
            &[("session", &session)],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(agent.get("/account").await.status, 303, "signed out");
    assert!(!user_named(&app, "alice").suspended);
    let event = newest_of_user(&app, &alice, "session.logged_out");
    assert_eq!(event.actor_kind, "admin");
    assert!(event.detail_json.contains(&session));

    // Another user's session, or one that ended, is not this user's to end.
    let again = admin
        .post_with_csrf(
            &page,
            &format!("/admin/users/{alice}/sessions/end"),
            &[("session", &session)],
        )
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn withdrawing_an_app_a_user_allowed_removes_the_consent_and_is_audited() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PASSWORD);
    let client = app.create_named_client("Billing", &["--redirect-uri", "https://app.example/callback"]);
    let (user, id) = (alice.clone(), client.id.clone());
    app.database()
        .run_sync(move |conn| tollgate::storage::consents::grant(conn, &user, &id, "profile", 0))
        .unwrap();
    let admin = Agent::admin(&app).await;
    let page = user_page(&admin, &alice).await;

    let done = admin
        .post_with_csrf(
            &page,
            &format!("/admin/users/{alice}/consents/withdraw"),
            &[("client_id", &client.id)],
        )
        .await;
    assert_eq!(done.status, 303);
    assert!(admin.follow(&done).await.body.contains("id=\"no-apps\""));
    let (user, id) = (alice.clone(), client.id.clone());
    let left = app
        .database()
        .run_sync(move |conn| tollgate::storage::consents::scope_for(conn, &user, &id))
        .unwrap();
    assert_eq!(left, None);
    let event = newest_of_user(&app, &alice, "consent.withdrawn");
    assert_eq!(event.actor_kind, "admin");
    assert_eq!(event.client_id.as_deref(), Some(client.id.as_str()));
}

#[tokio::test]
async fn unlocking_a_user_on_their_page_lifts_their_lockout_and_is_audited() {
    let app = crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| {
        s.login_max_failures = 1;
        s.login_lockout = 300;
    })
    .await;
    let alice = app.create_user("alice", PASSWORD);
    let guesser = Agent::new(&app);
    guesser.sign_in("alice", "wrong password", "/account").await;
    assert_ne!(
        guesser.sign_in("alice", PASSWORD, "/account").await.status,
        303,
        "locked"
    );
    let admin = Agent::admin(&app).await;
    let page = user_page(&admin, &alice).await;
    assert!(page.body.contains("id=\"unlock\""), "{}", page.body);

    let done = admin
        .post_with_csrf(&page, &format!("/admin/users/{alice}/unlock"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert!(admin.follow(&done).await.body.contains("id=\"no-lockouts\""));
    assert_eq!(guesser.sign_in("alice", PASSWORD, "/account").await.status, 303);
    assert_eq!(newest_of_user(&app, &alice, "user.unlocked").actor_kind, "admin");
}

// Apps.

#[tokio::test]
async fn the_apps_page_lists_every_app_with_its_owner_kind_and_marks_and_links_to_the_portal() {
    let app = spawn_app().await;
    let client = app.create_named_client("Billing", &["--redirect-uri", "https://app.example/callback"]);
    let admin = Agent::admin(&app).await;
    let page = admin.get("/admin/apps").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("href=\"/portal/apps/{}\"", client.id)),
        "{}",
        page.body
    );
    assert!(page.body.contains("Billing") && page.body.contains("(confidential)"));
    assert!(page.body.contains("the operator (no owner)"));
    let r = registry::registration(&app.database(), &client.id)
        .await
        .unwrap()
        .unwrap();
    let (mark, button) = if r.verified {
        (">verified<", ">Unverify<")
    } else {
        (">unverified<", ">Verify<")
    };
    assert!(
        page.body.contains(mark) && page.body.contains(button),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Trust<") && page.body.contains(">Suspend<"));
}

/// Posts the apps page's form that sets `mark` to `set` on `client_id`.
async fn mark(admin: &Agent<'_>, client_id: &str, mark: &str, set: &str) -> Page {
    let page = admin.get("/admin/apps").await;
    admin
        .post_with_csrf(
            &page,
            &format!("/admin/apps/{client_id}/mark"),
            &[("mark", mark), ("set", set)],
        )
        .await
}

#[tokio::test]
async fn verifying_trusting_and_suspending_an_app_set_its_marks_and_are_audited() {
    let app = spawn_app().await;
    let client = app.service_client();
    let admin = Agent::admin(&app).await;
    let root = root_id(&app);
    for (name, set, kind) in [
        ("verified", "false", "client.unverified"),
        ("trusted", "true", "client.trusted"),
        ("suspended", "true", "client.suspended"),
        ("verified", "true", "client.verified"),
    ] {
        let done = mark(&admin, &client.id, name, set).await;
        assert_eq!(done.status, 303, "{name}={set}: {}", done.body);
        let event = newest(&app, kind);
        assert_eq!(event.actor_user_id.as_deref(), Some(root.as_str()), "{kind}");
        assert_eq!(event.client_id.as_deref(), Some(client.id.as_str()));
    }
    let r = registry::registration(&app.database(), &client.id)
        .await
        .unwrap()
        .unwrap();
    assert!(r.verified && r.is_trusted && r.suspended);
    let page = admin.get("/admin/apps?done=suspended").await;
    assert!(page.body.contains("id=\"notice\"") && page.body.contains(">Reinstate<"));
}

#[tokio::test]
async fn a_suspended_app_is_given_no_token_until_it_is_reinstated() {
    let app = spawn_app().await;
    let client = app.service_client();
    let admin = Agent::admin(&app).await;
    assert_eq!(mark(&admin, &client.id, "suspended", "true").await.status, 303);
    let form = [("grant_type", "client_credentials")];
    let refused = app.post_form("/oauth2/token", &form, Some(&client)).await;
    assert!((400..500).contains(&refused.status), "{}", refused.body);
    assert_eq!(mark(&admin, &client.id, "suspended", "false").await.status, 303);
    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.status,
        200
    );
}

#[tokio::test]
async fn a_mark_form_with_an_unknown_mark_app_or_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let client = app.service_client();
    let admin = Agent::admin(&app).await;
    assert_eq!(mark(&admin, &client.id, "admin", "true").await.status, 400);
    assert_eq!(mark(&admin, &client.id, "trusted", "yes").await.status, 400);
    assert_eq!(mark(&admin, "no-such-app", "trusted", "true").await.status, 404);
    let forged = admin
        .post(
            &format!("/admin/apps/{}/mark", client.id),
            &[("csrf_token", "forged"), ("mark", "trusted"), ("set", "true")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let r = registry::registration(&app.database(), &client.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!r.is_trusted);
}

// The scope catalogue.

async fn scopes_post(admin: &Agent<'_>, path: &str, form: &[(&str, &str)]) -> Page {
    let page = admin.get("/admin/scopes").await;
    assert_eq!(page.status, 200);
    admin.post_with_csrf(&page, path, form).await
}

fn catalogue(app: &TestApp) -> Vec<(String, String)> {
    app.database().run_sync(tollgate::storage::scopes::all).unwrap()
}

#[tokio::test]
async fn an_administrator_adds_a_scope_and_changes_its_description_and_both_are_audited() {
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let added = scopes_post(
        &admin,
        "/admin/scopes",
        &[("name", "orders:read"), ("description", "See your orders")],
    )
    .await;
    assert_eq!(added.status, 303);
    assert_eq!(added.location.as_deref(), Some("/admin/scopes?done=added"));
    let page = admin.follow(&added).await;
    assert!(page.body.contains("id=\"notice\"") && page.body.contains("See your orders"));
    assert_eq!(newest(&app, "scope.added").actor_kind, "admin");

    let described = scopes_post(
        &admin,
        "/admin/scopes/describe",
        &[
            ("name", "orders:read"),
            ("description", "See the orders you placed"),
        ],
    )
    .await;
    assert_eq!(described.status, 303);
    assert!(catalogue(&app).contains(&("orders:read".into(), "See the orders you placed".into())));
    let event = newest(&app, "scope.described");
    assert_eq!(event.actor_user_id.as_deref(), Some(root_id(&app).as_str()));
    assert!(event.detail_json.contains("orders:read"));
}

#[tokio::test]
async fn a_scope_name_or_description_the_command_line_refuses_is_refused_beside_the_form() {
    let app = spawn_app().await;
    let before = catalogue(&app);
    let admin = Agent::admin(&app).await;
    let bad_name = scopes_post(
        &admin,
        "/admin/scopes",
        &[("name", "two\"words"), ("description", "Both")],
    )
    .await;
    assert_eq!(bad_name.status, 422);
    assert!(bad_name.body.contains("id=\"add-error\""), "{}", bad_name.body);
    assert!(bad_name.body.contains("value=\"Both\""), "the form is refilled");
    let long = "x".repeat(201);
    let bad_description = scopes_post(
        &admin,
        "/admin/scopes",
        &[("name", "fine"), ("description", &long)],
    )
    .await;
    assert_eq!(bad_description.status, 422);
    let cli = app.cli(&["scope", "add", "two\"words", "--description", "Both"], None);
    assert_ne!(cli.code, 0, "the command line refuses it too");
    assert_eq!(catalogue(&app), before);

    scopes_post(
        &admin,
        "/admin/scopes",
        &[("name", "fine"), ("description", "Fine")],
    )
    .await;
    let twice = scopes_post(
        &admin,
        "/admin/scopes",
        &[("name", "fine"), ("description", "Again")],
    )
    .await;
    assert_eq!(twice.status, 409);
    assert!(catalogue(&app).contains(&("fine".to_string(), "Fine".to_string())));
    assert_eq!(catalogue(&app).len(), before.len() + 1);
}

#[tokio::test]
async fn removing_a_scope_asks_first_then_removes_it_and_is_audited() {
    let app = spawn_app().await;
    let add = ["scope", "add", "orders:read", "--description", "See your orders"];
    assert_eq!(app.cli(&add, None).code, 0);
    let _client = app.create_client(&[
        "--redirect-uri",
        "https://app.example/callback",
        "--scope",
        "orders:read",
    ]);
    let admin = Agent::admin(&app).await;
    let has = |app: &TestApp| catalogue(app).iter().any(|(name, _)| name == "orders:read");

    let asked = scopes_post(&admin, "/admin/scopes/remove", &[("name", "orders:read")]).await;
    assert_eq!(asked.status, 200);
    assert!(
        asked.body.contains("1 app is allowed it and keeps it"),
        "{}",
        asked.body
    );
    assert!(has(&app), "nothing removed yet");

    let sure = [("name", "orders:read"), ("confirm", "yes")];
    let removed = admin.post_with_csrf(&asked, "/admin/scopes/remove", &sure).await;
    assert_eq!(removed.status, 303);
    assert!(!has(&app));
    assert_eq!(newest(&app, "scope.removed").actor_kind, "admin");
    let gone = scopes_post(&admin, "/admin/scopes/remove", &[("name", "orders:read")]).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn removing_a_scope_an_api_owns_says_the_api_stops_owning_it() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "api",
            "create",
            "--identifier",
            "https://orders.example",
            "--name",
            "Orders",
            "--scope",
            "orders:read",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let admin = Agent::admin(&app).await;
    let list = admin.get("/admin/scopes").await;
    assert!(list.body.contains("https://orders.example"), "{}", list.body);
    let asked = admin
        .post_with_csrf(&list, "/admin/scopes/remove", &[("name", "orders:read")])
        .await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("stops owning it"), "{}", asked.body);
}

#[tokio::test]
async fn a_scope_change_without_this_sessions_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let admin = Agent::admin(&app).await;
    let before = catalogue(&app);
    let page = admin.get("/admin/scopes").await;
    assert_eq!(page.status, 200);
    let forged = admin
        .post(
            "/admin/scopes",
            &[("csrf_token", "forged"), ("name", "x"), ("description", "X")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let missing = admin
        .post("/admin/scopes", &[("name", "x"), ("description", "X")])
        .await;
    assert_eq!(missing.status, 403);
    assert_eq!(catalogue(&app), before);
}

#[tokio::test]
async fn the_command_lines_scope_changes_are_audited_as_the_operators() {
    let app = spawn_app().await;
    assert_eq!(
        app.cli(&["scope", "add", "orders", "--description", "Orders"], None)
            .code,
        0
    );
    assert_eq!(
        app.cli(&["scope", "add", "orders", "--description", "Your orders"], None)
            .code,
        0
    );
    assert_eq!(app.cli(&["scope", "remove", "orders"], None).code, 0);
    for kind in ["scope.added", "scope.described", "scope.removed"] {
        assert_eq!(newest(&app, kind).actor_kind, "operator-cli", "{kind}");
    }
}
