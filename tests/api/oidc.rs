//! What the OpenID Connect tests share: relying parties, the code flow,
//! id tokens checked against the published JWKS, and settings no endpoint
//! writes yet (pairwise subjects, a default `max_age`, profile data).

use crate::browser::{authorize_path, Agent, PASSWORD, REDIRECT};
use crate::helpers::{Answer, TestApp, TestClient};
use serde_json::Value;

/// A confidential relying party: code and refresh grants, scopes
/// `openid profile email`.
pub fn relying_party(app: &TestApp) -> TestClient {
    relying_party_at(app, REDIRECT)
}

/// A relying party whose redirect URI is `redirect`.
pub fn relying_party_at(app: &TestApp, redirect: &str) -> TestClient {
    app.create_client(&[
        "--redirect-uri",
        redirect,
        "--scope",
        "openid",
        "--scope",
        "profile",
        "--scope",
        "email",
    ])
}

/// A public client allowed the implicit grant, scopes `openid profile email`.
pub fn implicit_party(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--public",
        "--grant-type",
        "implicit",
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "openid",
        "--scope",
        "profile",
        "--scope",
        "email",
    ])
}

/// A browser with `username` created and signed in.
pub async fn signed_in<'a>(app: &'a TestApp, username: &str) -> Agent<'a> {
    app.create_user(username, PASSWORD);
    let agent = Agent::new(app);
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

/// The authorization request of `client` with `extra`, consent approved if
/// asked, and its code redeemed: the token response.
pub async fn code_flow(
    app: &TestApp,
    agent: &Agent<'_>,
    client: &TestClient,
    extra: &[(&str, &str)],
) -> Answer {
    let (path, verifier) = authorize_path(client, extra);
    let mut page = agent.get(&path).await;
    if page.status == 200 {
        page = agent.decide(&page, "approve").await;
    }
    assert_eq!(page.status, 303, "{}", page.body);
    let code = page
        .query_param("code")
        .unwrap_or_else(|| panic!("a code, not {:?}", page.location));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

/// The `return_to` of a redirect to the login page.
pub fn return_to(location: &str) -> String {
    assert!(location.starts_with("/login?"), "{location}");
    url::Url::parse(&format!("http://x{location}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "return_to")
        .expect("a return_to")
        .1
        .into_owned()
}

/// The claims of an id token for `client_id`, after checking it as a
/// relying party would: typed `JWT`, signed by a key of the JWKS with the
/// key's algorithm, `iss`, `aud` and `exp`.
pub async fn verify_id_token(app: &TestApp, token: &str, client_id: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a JWT");
    assert_eq!(header.typ.as_deref(), Some("JWT"), "an id token is never at+jwt");
    let kid = header.kid.expect("a kid");
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the key is published");
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&[&app.settings.issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap_or_else(|e| panic!("the id token verifies: {e}"))
        .claims
}

/// Core §3.1.3.6: base64url of the left half of the hash of `value`, the
/// hash being the one of the token's `alg` (SHA-512 for EdDSA).
pub fn left_half_hash(token: &str, value: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let alg = jsonwebtoken::decode_header(token).unwrap().alg;
    let digest = match alg {
        jsonwebtoken::Algorithm::EdDSA => sha2::Sha512::digest(value.as_bytes()).to_vec(),
        _ => sha2::Sha256::digest(value.as_bytes()).to_vec(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// Changes what `client` registered as a relying party, as registration
/// would (written before the server first reads the client).
pub fn set_openid(
    app: &TestApp,
    client: &TestClient,
    change: impl FnOnce(&mut tollgate::storage::clients::OpenIdSettings) + Send,
) {
    use tollgate::storage::clients::{self, ClientDetails};
    let id = client.id.clone();
    app.database()
        .run_sync(move |conn| {
            let row = clients::by_id(conn, &id)?.expect("the client exists");
            let mut details = ClientDetails {
                name: row.name,
                description: row.description,
                homepage_uri: row.homepage_uri,
                logo_uri: row.logo_uri,
                redirect_uris: row.redirect_uris,
                grant_types: row.grant_types,
                scopes: row.scopes,
                resources: row.resources,
                updated_at: row.updated_at,
                openid: row.openid,
            };
            change(&mut details.openid);
            clients::update_details(conn, &id, &details, false)
        })
        .unwrap();
}

/// Makes `client` a pairwise client of `sector`.
pub fn make_pairwise(app: &TestApp, client: &TestClient, sector: &str) {
    let sector = sector.to_string();
    set_openid(app, client, move |o| {
        o.subject_type = "pairwise".into();
        o.sector_identifier = Some(sector);
    });
}

/// Gives the user `user_id` a name and an email address.
pub fn set_profile(app: &TestApp, user_id: &str, name: &str, email: &str) {
    use diesel::prelude::*;
    use tollgate::storage::schema::users::dsl as u;
    let (user_id, name, email) = (user_id.to_string(), name.to_string(), email.to_string());
    app.database()
        .run_sync(move |conn| {
            diesel::update(u::users.find(user_id))
                .set((u::name.eq(Some(name)), u::email.eq(Some(email))))
                .execute(conn)
        })
        .unwrap();
}
