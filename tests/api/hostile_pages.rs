//! Hostile input to the pages: always a readable 4xx page, never a 5xx.

use crate::helpers::spawn_app;

const FORMS: [&str; 24] = [
    "/login",
    "/logout",
    "/signup",
    "/switch-account",
    "/oauth2/authorize/decision",
    "/device/decision",
    "/password/forgot",
    "/password/reset",
    "/email/verify",
    "/email/verify/resend",
    "/account/consents/withdraw",
    "/account/profile",
    "/account/password",
    "/account/sessions/end",
    "/account/sessions/end-others",
    "/account/delete",
    "/portal/apps",
    "/portal/apps/x/delete",
    "/portal/apps/x/rotate",
    "/portal/apps/x/logo/remove",
    "/admin/scopes",
    "/admin/users/unlock",
    "/admin/users/x/suspend",
    "/admin/apps/x/mark",
];

async fn post(app: &crate::helpers::TestApp, path: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
    let response = app
        .http
        .post(app.url(path))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn malformed_form_posts_get_a_4xx_page() {
    let app = spawn_app().await;
    let bodies: [(&str, Vec<u8>); 5] = [
        ("application/x-www-form-urlencoded", b"a=\xff\xfe".to_vec()),
        ("application/x-www-form-urlencoded", b"a=1&a=2".to_vec()),
        ("application/x-www-form-urlencoded", b"a=x%00y".to_vec()),
        ("application/x-www-form-urlencoded", vec![b'a'; 1 << 20]),
        ("application/json", b"{}".to_vec()),
    ];
    for path in FORMS {
        for (content_type, body) in &bodies {
            let (status, text) = post(&app, path, content_type, body.clone()).await;
            assert!(
                (400..500).contains(&status),
                "{path} {content_type} {}: {status}",
                body.len()
            );
            assert!(
                text.contains("<!DOCTYPE html>") || status == 303,
                "{path}: a page"
            );
        }
    }
}

#[tokio::test]
async fn a_malformed_authorization_query_gets_a_4xx_page() {
    let app = spawn_app().await;
    for query in [
        "client_id=%FF%FE",
        "client_id=a%00b",
        "client_id=a&client_id=b",
        "%",
        "=&=&=",
    ] {
        let response = app
            .http
            .get(format!("{}/oauth2/authorize?{query}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
}

#[tokio::test]
async fn a_forged_session_cookie_is_simply_no_session() {
    let app = spawn_app().await;
    for cookie in [
        "tollgate_session=forged",
        &format!("tollgate_session={}", "x".repeat(4000)),
    ] {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url("/account"))
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "sent to sign in");
    }
}
