//! A user agent for the page tests: keeps cookies, follows no redirect,
//! reads the hidden fields of forms.

use crate::helpers::{TestApp, TestClient};
use oauth2::PkceCodeChallenge;

/// The password of the accounts the helpers create.
pub const PASSWORD: &str = "correct horse battery";

pub const REDIRECT: &str = "https://app.example/callback";

pub struct Agent<'a> {
    pub app: &'a TestApp,
    pub http: reqwest::Client,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The language the page says it is in (`Content-Language`), or "".
    pub fn language(&self) -> &str {
        self.headers
            .get("content-language")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the page is in `lang`: its `Content-Language` and its `<html lang>`.
    pub fn assert_in(&self, lang: &str) {
        assert_eq!(self.language(), lang, "{}", self.body);
        assert!(
            self.body.contains(&format!(r#"<html lang="{lang}">"#)),
            "{}",
            self.body
        );
    }

    /// The value of the hidden input `name` (the first one).
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name} in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        html_unescape(&self.body[start..end])
    }

    pub fn location_url(&self) -> url::Url {
        url::Url::parse(self.location.as_deref().expect("a redirect")).unwrap()
    }

    /// A parameter of the redirect's query.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.location_url()
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A parameter of the redirect's fragment.
    pub fn fragment_param(&self, name: &str) -> Option<String> {
        let url = self.location_url();
        url::form_urlencoded::parse(url.fragment().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#61;", "=")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

impl<'a> Agent<'a> {
    pub fn new(app: &'a TestApp) -> Agent<'a> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Agent { app, http }
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Page {
            status,
            location,
            headers,
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&self, path_or_url: &str) -> Page {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            self.app.url(path_or_url)
        };
        Self::page(self.http.get(url).send().await.unwrap()).await
    }

    /// Posts `form` plus the CSRF token of `page` (a page with a form) to `path`.
    pub async fn post_with_csrf(&self, page: &Page, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = page.hidden("csrf_token");
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// Posts `form` to `path` with the CSRF token of the page at `from`,
    /// which must load.
    pub async fn post_from(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let page = self.get(from).await;
        assert_eq!(page.status, 200, "{}", page.body);
        self.post_with_csrf(&page, path, form).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(self.app.url(path))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A user agent whose preferred language is `language` (it sends
    /// `Accept-Language: <language>` with every request).
    pub fn speaking(app: &'a TestApp, language: &str) -> Agent<'a> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_str(language).unwrap(),
        );
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Agent { app, http }
    }

    /// A developer who signed up at `/signup` as `username` (password
    /// [`PASSWORD`]) and is signed in.
    pub async fn developer(app: &'a TestApp, username: &str) -> Agent<'a> {
        Agent::new(app).signed_up(username).await
    }

    /// This agent, signed up at `/signup` as `username` (password
    /// [`PASSWORD`], address `<username>@example.com`) and signed in.
    pub async fn signed_up(self, username: &str) -> Agent<'a> {
        let form = self.get("/signup").await;
        assert_eq!(form.status, 200);
        let page = self
            .post(
                "/signup",
                &[
                    ("csrf_token", &form.hidden("csrf_token")),
                    ("username", username),
                    ("email", &format!("{username}@example.com")),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/portal"));
        self
    }

    /// The administrator `root` (password [`PASSWORD`]), created and signed in.
    pub async fn admin(app: &'a TestApp) -> Agent<'a> {
        Agent::new(app).signed_in_as_admin().await
    }

    /// This agent, signed in as the administrator `root` (created here).
    pub async fn signed_in_as_admin(self) -> Agent<'a> {
        self.app.create_admin("root", PASSWORD);
        self.sign_in("root", PASSWORD, "/portal").await;
        self
    }

    /// Signs in through the login page.
    pub async fn sign_in(&self, username: &str, password: &str, return_to: &str) -> Page {
        let form = self
            .get(&format!("/login?return_to={}", urlencode(return_to)))
            .await;
        assert_eq!(form.status, 200);
        let csrf = form.hidden("csrf_token");
        self.post(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("return_to", return_to),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// Follows a redirect inside Tollgate.
    pub async fn follow(&self, page: &Page) -> Page {
        let location = page.location.clone().expect("a redirect");
        self.get(&location).await
    }

    /// Posts the consent form of `consent` with `decision`.
    pub async fn decide(&self, consent: &Page, decision: &str) -> Page {
        let csrf = consent.hidden("csrf_token");
        let request = consent.hidden("request");
        self.post(
            "/oauth2/authorize/decision",
            &[
                ("csrf_token", &csrf),
                ("request", &request),
                ("decision", decision),
            ],
        )
        .await
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An authorization request for `client` with PKCE S256; returns the path and verifier.
pub fn authorize_path(client: &TestClient, extra: &[(&str, &str)]) -> (String, oauth2::PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", &client.id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "xyz-state")
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    (format!("/oauth2/authorize?{}", q.finish()), verifier)
}

/// A web app client: authorization code + refresh, scopes profile and email.
pub fn web_app(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "profile",
        "--scope",
        "email",
    ])
}
