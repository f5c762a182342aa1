//! Email: verification at sign-up and after a change, password reset by
//! email, the notices, and the throttles — each against a real SMTP server
//! on loopback ([`SmtpSink`]) that lettre talks to over a socket.

use crate::browser::{Agent, Page, PASSWORD};
use crate::smtp_sink::{spawn_app_with_mail, SmtpSink};
use std::time::Duration;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The verification link first sent to `to`.
pub(crate) async fn verification_link(app_address: &str, sink: &SmtpSink, to: &str) -> String {
    let mail = sink.wait_for(to, "Confirm your email address").await;
    mail.link(&format!("{app_address}/email/verify?token="))
}

/// Opens a verification link and confirms it with the page's button.
pub(crate) async fn confirm(agent: &Agent<'_>, link: &str) -> Page {
    let page = agent.get(link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    agent
        .post(
            "/email/verify",
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("token", &page.hidden("token")),
            ],
        )
        .await
}

/// The address status the account page shows.
async fn email_status(agent: &Agent<'_>) -> String {
    let page = agent.get("/account").await;
    assert_eq!(page.status, 200);
    let start = page.body.find("id=\"email-status\">").expect("an address status") + 18;
    page.body[start..].split('<').next().unwrap().to_string()
}

/// A developer signed up as `name`, their address verified, signed in.
pub(crate) async fn verified_developer<'a>(
    app: &'a crate::helpers::TestApp,
    sink: &SmtpSink,
    name: &str,
) -> Agent<'a> {
    let agent = Agent::developer(app, name).await;
    let to = format!("{name}@example.com");
    let link = verification_link(&app.address, sink, &to).await;
    assert_eq!(confirm(&agent, &link).await.status, 303);
    agent
}

/// Posts the "forgot password" form for `email`.
pub async fn ask_reset(agent: &Agent<'_>, email: &str) -> Page {
    let form = agent.get("/password/forgot").await;
    assert_eq!(form.status, 200);
    agent
        .post(
            "/password/forgot",
            &[("csrf_token", &form.hidden("csrf_token")), ("email", email)],
        )
        .await
}

/// Opens a reset link and sets `password` with its form.
async fn set_password(agent: &Agent<'_>, link: &str, password: &str) -> Page {
    let page = agent.get(link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    agent
        .post(
            "/password/reset",
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("token", &page.hidden("token")),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
}

/// The account page's "send it again".
async fn resend(agent: &Agent<'_>) -> Page {
    let page = agent.get("/account").await;
    assert!(page.body.contains("id=\"resend-verification\""), "{}", page.body);
    agent
        .post(
            "/email/verify/resend",
            &[("csrf_token", &page.hidden("csrf_token"))],
        )
        .await
}

pub(crate) async fn reset_link(app_address: &str, sink: &SmtpSink, to: &str) -> String {
    let mail = sink.wait_for(to, "Reset your password").await;
    mail.link(&format!("{app_address}/password/reset?token="))
}

#[tokio::test]
async fn a_new_account_is_sent_a_link_that_verifies_its_address_with_one_click() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = Agent::developer(&app, "alice").await;
    assert_eq!(email_status(&alice).await, "(not verified)");
    let mail = sink
        .wait_for("alice@example.com", "Confirm your email address")
        .await;
    assert!(mail.text().contains("alice"), "{}", mail.text());
    assert!(mail.body("text/html").contains("/email/verify?token="));
    let link = mail.link(&format!("{}/email/verify?token=", app.address));

    let done = confirm(&alice, &link).await;

    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/email/verified"));
    assert_eq!(email_status(&alice).await, "(verified)");
}

#[tokio::test]
async fn opening_a_verification_link_without_confirming_verifies_nothing() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = Agent::developer(&app, "alice").await;
    let link = verification_link(&app.address, &sink, "alice@example.com").await;

    // What a link scanner in a mail server does: fetch the link, twice.
    let scanner = Agent::new(&app);
    assert_eq!(scanner.get(&link).await.status, 200);
    assert_eq!(scanner.get(&link).await.status, 200);

    assert_eq!(email_status(&alice).await, "(not verified)");
}

#[tokio::test]
async fn a_changed_address_is_sent_a_new_link_and_the_old_one_a_notice() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = verified_developer(&app, &sink, "alice").await;
    let page = alice.get("/account").await;

    let saved = alice
        .post(
            "/account/profile",
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("email", "alice@new.example"),
                ("name", ""),
                ("given_name", ""),
                ("family_name", ""),
            ],
        )
        .await;

    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(email_status(&alice).await, "(not verified)");
    let notice = sink
        .wait_for("alice@example.com", "Your email address was changed")
        .await;
    assert!(notice.text().contains("alice@new.example"), "{}", notice.text());
    let link = verification_link(&app.address, &sink, "alice@new.example").await;
    assert_eq!(confirm(&alice, &link).await.status, 303);
    assert_eq!(email_status(&alice).await, "(verified)");
}

#[tokio::test]
async fn a_used_verification_link_is_refused_with_a_page_that_says_so() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = Agent::developer(&app, "alice").await;
    let link = verification_link(&app.address, &sink, "alice@example.com").await;
    assert_eq!(confirm(&alice, &link).await.status, 303);

    let again = alice.get(&link).await;

    assert_eq!(again.status, 410);
    assert!(again.body.contains("was used already"), "{}", again.body);
}

#[tokio::test]
async fn a_verification_link_expires_after_24_hours() {
    let (app, sink) = spawn_app_with_mail(|_| {}, true).await;
    let alice = Agent::developer(&app, "alice").await;
    let link = verification_link(&app.address, &sink, "alice@example.com").await;

    app.clock.advance(Duration::from_secs(24 * 3600 + 1));
    let page = alice.get(&link).await;

    assert_eq!(page.status, 410);
    assert!(page.body.contains("has expired"), "{}", page.body);
}

#[tokio::test]
async fn a_verification_link_stops_working_once_the_address_changed() {
    // One email an hour: the new address gets no link of its own, which
    // would replace the old one; the old link must still be refused.
    let (app, sink) = spawn_app_with_mail(|s| s.email_rate_limit = 1, false).await;
    let alice = Agent::developer(&app, "alice").await;
    let link = verification_link(&app.address, &sink, "alice@example.com").await;
    let page = alice.get(&link).await;
    let account = alice.get("/account").await;
    let saved = alice
        .post(
            "/account/profile",
            &[
                ("csrf_token", &account.hidden("csrf_token")),
                ("email", "alice@other.example"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let refused = alice
        .post(
            "/email/verify",
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("token", &page.hidden("token")),
            ],
        )
        .await;

    assert_eq!(refused.status, 410, "{}", refused.body);
    assert!(refused.body.contains("address changed"), "{}", refused.body);
    assert_eq!(email_status(&alice).await, "(not verified)");
}

#[tokio::test]
async fn another_signed_in_account_cannot_use_someone_elses_verification_link() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = Agent::developer(&app, "alice").await;
    let link = verification_link(&app.address, &sink, "alice@example.com").await;
    let bob = Agent::developer(&app, "bob").await;

    let page = bob.get(&link).await;

    assert_eq!(page.status, 403);
    assert!(page.body.contains("belongs to another account"), "{}", page.body);
    assert_eq!(email_status(&alice).await, "(not verified)");
    // The link still works for its owner.
    assert_eq!(confirm(&alice, &link).await.status, 303);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_by_the_emailed_link_and_every_session_ends() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    let alice = verified_developer(&app, &sink, "alice").await;
    let stranger = Agent::new(&app);

    let asked = ask_reset(&stranger, "Alice@Example.com").await;
    assert_eq!(asked.status, 303);
    let link = reset_link(&app.address, &sink, "alice@example.com").await;
    let done = set_password(&stranger, &link, NEW_PASSWORD).await;

    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/password/reset/done"));
    // The session of the other browser is gone.
    let account = alice.get("/account").await;
    assert_eq!(account.status, 303, "still signed in: {}", account.body);
    // The old password no longer works; the new one does.
    let old = Agent::new(&app).sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(old.status, 401, "{}", old.body);
    let new = Agent::new(&app).sign_in("alice", NEW_PASSWORD, "/account").await;
    assert_eq!(new.status, 303, "{}", new.body);
    // The link worked once.
    let again = stranger.get(&link).await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains("was used already"));
    // And the user is told.
    let notice = sink
        .wait_for("alice@example.com", "Your password was changed")
        .await;
    assert!(notice.text().contains("alice"));
}

#[tokio::test]
async fn forgot_password_answers_an_unknown_address_as_it_answers_a_known_one_and_sends_nothing() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;
    let visitor = Agent::new(&app);

    let unknown = ask_reset(&visitor, "nobody@example.com").await;
    let known = ask_reset(&visitor, "alice@example.com").await;

    assert_eq!(
        (unknown.status, &unknown.location),
        (known.status, &known.location)
    );
    let after_unknown = visitor.get(unknown.location.as_deref().unwrap()).await;
    let after_known = visitor.get(known.location.as_deref().unwrap()).await;
    assert!(after_known.body.contains("we have sent it a link"));
    let without_csrf = |body: &str| body.split("csrf_token").next().unwrap().to_string();
    assert_eq!(without_csrf(&after_unknown.body), without_csrf(&after_known.body));
    reset_link(&app.address, &sink, "alice@example.com").await;
    assert!(sink.to("nobody@example.com").is_empty());
}

#[tokio::test]
async fn an_unverified_address_is_sent_no_reset_link() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    Agent::developer(&app, "alice").await;
    sink.wait_for("alice@example.com", "Confirm your email address")
        .await;

    let asked = ask_reset(&Agent::new(&app), "alice@example.com").await;

    assert_eq!(asked.status, 303);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.to("alice@example.com").len(),
        1,
        "only the verification link"
    );
}

#[tokio::test]
async fn a_reset_link_expires_after_30_minutes() {
    let (app, sink) = spawn_app_with_mail(|_| {}, true).await;
    verified_developer(&app, &sink, "alice").await;
    let visitor = Agent::new(&app);
    ask_reset(&visitor, "alice@example.com").await;
    let link = reset_link(&app.address, &sink, "alice@example.com").await;

    app.clock.advance(Duration::from_secs(30 * 60 + 1));
    let page = visitor.get(&link).await;

    assert_eq!(page.status, 410);
    assert!(page.body.contains("has expired"), "{}", page.body);
    assert!(page.body.contains("href=\"/password/forgot\""));
}

#[tokio::test]
async fn a_new_password_set_by_reset_follows_the_sign_up_rules() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;
    let visitor = Agent::new(&app);
    ask_reset(&visitor, "alice@example.com").await;
    let link = reset_link(&app.address, &sink, "alice@example.com").await;

    let short = set_password(&visitor, &link, "short").await;

    assert_eq!(short.status, 422);
    assert!(short.body.contains("at least 8"), "{}", short.body);
    // Nothing was used up: the link still sets a good password.
    assert_eq!(set_password(&visitor, &link, NEW_PASSWORD).await.status, 303);
}

#[tokio::test]
async fn a_suspended_user_is_sent_no_reset_link_and_cannot_use_one_sent_before() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;
    let visitor = Agent::new(&app);
    ask_reset(&visitor, "alice@example.com").await;
    let link = reset_link(&app.address, &sink, "alice@example.com").await;

    assert_eq!(app.cli(&["user", "suspend", "--username", "alice"], None).code, 0);
    ask_reset(&visitor, "alice@example.com").await;
    let page = visitor.get(&link).await;

    assert_eq!(page.status, 403);
    assert!(page.body.contains("suspended"), "{}", page.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let resets = sink.to("alice@example.com");
    assert_eq!(
        resets
            .iter()
            .filter(|m| m.header("Subject").contains("Reset"))
            .count(),
        1
    );
}

#[tokio::test]
async fn reset_requests_past_the_hourly_limit_send_nothing_and_get_the_same_answer() {
    let (app, sink) = spawn_app_with_mail(|s| s.email_rate_limit = 2, false).await;
    verified_developer(&app, &sink, "alice").await;
    let visitor = Agent::new(&app);

    let mut answers = Vec::new();
    for _ in 0..4 {
        let page = ask_reset(&visitor, "alice@example.com").await;
        answers.push((page.status, page.location));
    }

    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    sink.nth_to("alice@example.com", 3).await; // the verification link, then two resets
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.to("alice@example.com").len(), 3);
}

#[tokio::test]
async fn asking_again_for_a_verification_link_past_the_limit_says_to_wait() {
    let (app, sink) = spawn_app_with_mail(|s| s.email_rate_limit = 2, false).await;
    let alice = Agent::developer(&app, "alice").await;
    sink.nth_to("alice@example.com", 1).await;
    let second = resend(&alice).await;
    let third = resend(&alice).await;

    assert_eq!(second.status, 303);
    assert_eq!(second.location.as_deref(), Some("/email/verify/sent"));
    assert_eq!(third.status, 429);
    assert!(third.body.contains("Try again in"), "{}", third.body);
    // Only the newest link works.
    let second_link = sink.nth_to("alice@example.com", 2).await;
    let first = sink.to("alice@example.com")[0].link(&format!("{}/email/verify?token=", app.address));
    assert_eq!(alice.get(&first).await.status, 404);
    let link = second_link.link(&format!("{}/email/verify?token=", app.address));
    assert_eq!(confirm(&alice, &link).await.status, 303);
}

#[tokio::test]
async fn an_administrator_sends_a_user_a_reset_link_that_works_and_is_audited() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;
    let admin = Agent::admin(&app).await;
    let alice_id = app
        .database()
        .run_sync(|conn| tollgate::storage::users::by_username(conn, "alice"))
        .unwrap()
        .expect("alice")
        .id;
    let page = admin.get(&format!("/admin/users/{alice_id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);

    let sent = admin
        .post(
            &format!("/admin/users/{alice_id}/password-reset"),
            &[("csrf_token", &page.hidden("csrf_token"))],
        )
        .await;

    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(admin
        .follow(&sent)
        .await
        .body
        .contains("A password reset link was sent"));
    let link = reset_link(&app.address, &sink, "alice@example.com").await;
    let stranger = Agent::new(&app);
    assert_eq!(set_password(&stranger, &link, NEW_PASSWORD).await.status, 303);
    let new = Agent::new(&app).sign_in("alice", NEW_PASSWORD, "/account").await;
    assert_eq!(new.status, 303, "{}", new.body);
    let filter = tollgate::storage::audit::AuditFilter {
        user_id: Some(alice_id.clone()),
        ..Default::default()
    };
    let audited = tollgate::oauth::audit::list_sync(&app.database(), &filter, 100).unwrap();
    let sent = audited
        .iter()
        .find(|e| e.kind == "user.password_reset_sent")
        .expect("audited");
    assert_eq!(sent.actor_kind, "admin", "done by the administrator");
}

#[tokio::test]
async fn an_administrator_cannot_send_a_reset_link_without_the_csrf_token() {
    let (app, sink) = spawn_app_with_mail(|_| {}, false).await;
    verified_developer(&app, &sink, "alice").await;
    let admin = Agent::admin(&app).await;
    let alice_id = app
        .database()
        .run_sync(|conn| tollgate::storage::users::by_username(conn, "alice"))
        .unwrap()
        .expect("alice")
        .id;
    let refused = admin
        .post(
            &format!("/admin/users/{alice_id}/password-reset"),
            &[("csrf_token", "wrong")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink
        .to("alice@example.com")
        .iter()
        .all(|m| m.header("Subject") != "Reset your password"));
}
