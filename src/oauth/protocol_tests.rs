//! The protocol exercised in-process, without HTTP: the authorization
//! decision and the code grant against a temporary database (the habit
//! oxide-auth's own tests have). The black-box tests in `tests/api/` cover
//! the same paths over HTTP; these read as the protocol's rules.

use crate::config::Settings;
use crate::domain::SigningAlg;
use crate::oauth::audit::Actor;
use crate::oauth::authorize::{self, Refusal};
use crate::oauth::form::Params;
use crate::oauth::registry::{self, NewClient, Registrant};
use crate::oauth::{accounts, grants, keys, sessions, Context};
use crate::storage::Database;
use secrecy::SecretString;

const REDIRECT: &str = "https://app.example/cb";
/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Fixture {
    ctx: Context,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&format!("sqlite://{}/t.db", dir.path().display()), 2).unwrap();
    db.migrate().unwrap();
    keys::ensure_active(&db, SigningAlg::EdDsa, crate::domain::Clock::system().now()).unwrap();
    let mut settings = Settings::load(None).unwrap();
    settings.issuer = "https://auth.example".into();
    Fixture {
        ctx: Context::new(crate::startup::protocol_settings(&settings), db),
        _dir: dir,
    }
}

/// A web app: the code grant, one redirect URI, scope `profile`. `verified`
/// false registers it as a developer would (portal).
async fn web_app(ctx: &Context, verified: bool) -> String {
    let new = NewClient {
        name: "App".into(),
        redirect_uris: vec![REDIRECT.into()],
        grant_types: vec!["authorization_code".into()],
        scopes: vec!["profile".into()],
        // Public (PKCE, no secret): token requests need no client secret here.
        public: true,
        ..Default::default()
    };
    let valid = new.validate(&Registrant::Operator).unwrap();
    let registered = registry::register(&ctx.db, &Actor::operator(), valid, !verified, ctx.clock.now())
        .await
        .unwrap();
    registered.client_id
}

fn query(pairs: &[(&str, &str)]) -> Params {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    Params::parse(q.as_bytes()).unwrap()
}

fn code_request<'a>(client_id: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("state", "s1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(extra);
    pairs
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_refused_with_a_page_never_a_redirect() {
    let f = fixture();
    let id = web_app(&f.ctx, true).await;
    let mut pairs = code_request(&id, &[]);
    pairs[2] = ("redirect_uri", "https://app.example/cb/");
    let refusal = authorize::check(&f.ctx, &query(&pairs)).await.err().unwrap();
    assert!(matches!(refusal, Refusal::Page(_)), "{refusal:?}");
}

#[tokio::test]
async fn an_invalid_scope_from_a_verified_client_goes_back_with_state_and_iss() {
    let f = fixture();
    let id = web_app(&f.ctx, true).await;
    let pairs = code_request(&id, &[("scope", "admin")]);
    let Err(Refusal::Redirect(url)) = authorize::check(&f.ctx, &query(&pairs)).await else {
        panic!("a redirect");
    };
    let url = url::Url::parse(&url).unwrap();
    let got: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(got["error"], "invalid_scope");
    assert_eq!(got["state"], "s1");
    assert_eq!(got["iss"], "https://auth.example");
}

#[tokio::test]
async fn an_unverified_clients_error_before_sign_in_is_a_link_not_a_redirect() {
    let f = fixture();
    let id = web_app(&f.ctx, false).await;
    let pairs = code_request(&id, &[("scope", "admin")]);
    let refusal = authorize::check(&f.ctx, &query(&pairs)).await.err().unwrap();
    assert!(matches!(refusal, Refusal::Link { .. }), "{refusal:?}");
}

#[tokio::test]
async fn a_plain_pkce_challenge_is_refused_unless_the_client_allows_it() {
    let f = fixture();
    let id = web_app(&f.ctx, true).await;
    let mut pairs = code_request(&id, &[]);
    pairs[4] = ("code_challenge", VERIFIER);
    pairs[5] = ("code_challenge_method", "plain");
    let Err(Refusal::Redirect(url)) = authorize::check(&f.ctx, &query(&pairs)).await else {
        panic!("a redirect");
    };
    assert!(url.contains("error=invalid_request"), "{url}");
}

/// Approves a code request for a signed-in user; returns the code.
async fn approved_code(ctx: &Context, client_id: &str) -> String {
    let user = accounts::create_user(
        &ctx.db,
        &Actor::operator(),
        "alice",
        &SecretString::from("correct horse battery"),
        false,
        ctx.clock.now(),
    )
    .unwrap();
    let cookie = sessions::sign_in(ctx, None, &user).await.unwrap();
    let session = sessions::find(ctx, &cookie).await.unwrap().unwrap();
    let request = authorize::check(ctx, &query(&code_request(client_id, &[])))
        .await
        .unwrap();
    let url = request.approve(ctx, &session).await.unwrap();
    let url = url::Url::parse(&url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

async fn redeem(
    ctx: &Context,
    client_id: &str,
    code: &str,
    verifier: &str,
) -> Result<grants::TokenResponse, crate::oauth::error::OAuthError> {
    let params = query(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", client_id),
        ("code_verifier", verifier),
    ]);
    grants::exchange(ctx, &params, None, "127.0.0.1", None).await
}

#[tokio::test]
async fn a_code_is_redeemed_once_and_a_replay_is_invalid_grant() {
    let f = fixture();
    let id = web_app(&f.ctx, true).await;
    let code = approved_code(&f.ctx, &id).await;
    let tokens = redeem(&f.ctx, &id, &code, VERIFIER).await.unwrap();
    assert_eq!(tokens.scope, "profile");
    let replay = redeem(&f.ctx, &id, &code, VERIFIER).await.err().unwrap();
    assert_eq!(replay.code.as_str(), "invalid_grant");
}

#[tokio::test]
async fn a_code_with_the_wrong_verifier_is_invalid_grant() {
    let f = fixture();
    let id = web_app(&f.ctx, true).await;
    let code = approved_code(&f.ctx, &id).await;
    let wrong = VERIFIER.replace('d', "e");
    let refused = redeem(&f.ctx, &id, &code, &wrong).await.err().unwrap();
    assert_eq!(refused.code.as_str(), "invalid_grant");
    assert!(
        refused.description.contains("does not match"),
        "{}",
        refused.description
    );
}
