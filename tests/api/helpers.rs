//! Starting the server and its database for one test.

use diesel::{Connection, RunQueryDsl};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use tollgate::config::Settings;
use tollgate::domain::Clock;
use tollgate::startup::Application;

/// The variable that switches the suite to PostgreSQL.
pub const PG_URL_VAR: &str = "TOLLGATE_TEST_DATABASE_URL";

/// A database of the test's own, removed when dropped.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var(PG_URL_VAR) {
            Ok(admin_url) if !admin_url.is_empty() => TestDb::postgres(&admin_url),
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("tollgate.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
        }
    }

    /// A fresh PostgreSQL database on the server `admin_url` names.
    pub fn postgres(admin_url: &str) -> TestDb {
        let name = format!("tollgate_test_{}", random_lowercase(12));
        let mut admin =
            diesel::PgConnection::establish(admin_url).expect("connect to the test PostgreSQL server");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create test database");
        let mut url = url::Url::parse(admin_url).expect("a valid PostgreSQL URL");
        url.set_path(&name);
        // Loopback needs no TLS, and libpq's TLS state torn down by the exit
        // of a test process while a server thread still uses a connection
        // crashes that process (SIGSEGV/SIGABRT at exit, not a test failure).
        if !url.query_pairs().any(|(k, _)| k == "sslmode") {
            url.query_pairs_mut().append_pair("sslmode", "disable");
        }
        TestDb {
            url: url.to_string(),
            _dir: None,
            pg: Some((admin_url.to_string(), name)),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

pub fn random_lowercase(n: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..n).map(|_| (b'a' + rng.random_range(0..26)) as char).collect()
}

/// Settings for a test server: defaults, a random port, the given database,
/// and EdDSA signing keys.
///
/// The server's default is RS256, and generating an RSA-2048 key is most of
/// what starting a test server costs (an Ed25519 key takes microseconds).
/// Tests about RS256, or about the default algorithm, set `signing_alg`
/// themselves ([`default_signing_alg`]).
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::load(None).expect("default settings are valid");
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.database_url = database_url.to_string();
    settings.database_pool_size = 4;
    settings.signing_alg = tollgate::domain::SigningAlg::EdDsa;
    settings
}

/// The signing algorithm a server uses when its configuration names none.
pub fn default_signing_alg() -> tollgate::domain::SigningAlg {
    Settings::load(None)
        .expect("default settings are valid")
        .signing_alg
}

/// A running server.
pub struct TestApp {
    pub address: String,
    pub settings: Settings,
    pub http: reqwest::Client,
    pub db: TestDb,
    /// The server's clock: the system's, or the manual one of
    /// [`spawn_app_with_clock`]. Rows the test writes itself take their
    /// time from it too.
    pub clock: Clock,
}

/// Starts the server on a random port with a fresh database.
pub async fn spawn_app() -> TestApp {
    let db = TestDb::new();
    spawn_app_on(db, |_| {}).await
}

/// Starts the server on `db`, after `adjust` has changed its settings.
pub async fn spawn_app_on(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_at(db, adjust, Clock::system()).await
}

/// Like [`spawn_app_on`], on a manual clock that starts at the current time
/// and moves only when the test advances it (`app.clock.advance(..)`), so
/// that expiry is seen without waiting for it.
pub async fn spawn_app_with_clock(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_at(db, adjust, Clock::manual(Clock::system().now())).await
}

async fn spawn_app_at(db: TestDb, adjust: impl FnOnce(&mut Settings), clock: Clock) -> TestApp {
    let mut settings = test_settings(&db.url);
    adjust(&mut settings);
    let address = start_server_with_clock(settings.clone(), clock.clone()).await;
    settings.issuer = address.clone();
    TestApp {
        address,
        settings,
        http: reqwest::Client::new(),
        db,
        clock,
    }
}

/// Starts a server with `settings` (its issuer set to its own address) and
/// returns its base URL.
pub async fn start_server(settings: Settings) -> String {
    start_server_with_clock(settings, Clock::system()).await
}

/// [`start_server`] with its time taken from `clock`.
pub async fn start_server_with_clock(mut settings: Settings, clock: Clock) -> String {
    // The port is only known once bound, and the issuer must name it: bind
    // a free port, keep the listener, and build the server on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    settings.bind = format!("127.0.0.1:{port}").parse().unwrap();
    settings.issuer = format!("http://127.0.0.1:{port}");
    let app = tokio::task::spawn_blocking(move || Application::build_with_clock(settings, listener, clock))
        .await
        .unwrap()
        .expect("the server starts");
    tokio::spawn(app.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.http.get(self.url(path)).send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// Runs the `tollgate` binary against this test's database.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> CliOutput {
        run_cli(&self.db.url, args, stdin)
    }
}

/// What a CLI run printed and how it ended.
pub struct CliOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn tollgate_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tollgate"))
}

/// Runs `tollgate ARGS` with `TOLLGATE_DATABASE_URL` set to `database_url`.
pub fn run_cli(database_url: &str, args: &[&str], stdin: Option<&str>) -> CliOutput {
    use std::io::Write;
    let mut child = Command::new(tollgate_binary())
        .args(args)
        .env("TOLLGATE_DATABASE_URL", database_url)
        .env("TOLLGATE_LOG_FILTER", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tollgate binary runs");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    CliOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A `tollgate serve` process and the port it listens on.
pub struct ServeProcess {
    pub child: Child,
    pub port: u16,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tollgate serve` in `dir` with `envs`, on a random port, and waits
/// until it says it is listening.
pub fn spawn_serve(dir: &std::path::Path, envs: &[(&str, &str)]) -> ServeProcess {
    let mut child = Command::new(tollgate_binary())
        .arg("serve")
        .current_dir(dir)
        .env("TOLLGATE_BIND", "127.0.0.1:0")
        .env("TOLLGATE_LOG_FORMAT", "json")
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tollgate binary runs");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines.next().expect("the server logs that it listens").unwrap();
        let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if event["fields"]["message"] == "tollgate is listening" {
            break event["fields"]["port"].as_u64().unwrap() as u16;
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    ServeProcess { child, port }
}

/// A client registered for a test.
#[derive(Clone)]
pub struct TestClient {
    pub id: String,
    pub secret: Option<String>,
}

/// A raw response: status, headers, JSON body (Null if none).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl Answer {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// Registers a client as `tollgate client create ARGS` would.
    pub fn create_client(&self, args: &[&str]) -> TestClient {
        self.create_named_client("Test app", args)
    }

    /// Registers a client named `name` as `tollgate client create --name
    /// NAME ARGS` would: the arguments are parsed by the CLI's own parser
    /// and the client registered through the library in this process
    /// (`tests/api/cli.rs` runs the binary itself).
    ///
    /// A confidential client may introspect tokens for the default audience
    /// (as an operator's `--introspect-for` would allow), unless `args`
    /// name other audiences with `--introspect-for`.
    pub fn create_named_client(&self, name: &str, args: &[&str]) -> TestClient {
        self.register_client(name, args, true)
    }

    /// A client registered like [`TestApp::create_client`], but with no
    /// right to introspect unless `args` give it one.
    pub fn create_client_without_introspection(&self, args: &[&str]) -> TestClient {
        self.register_client("Test app", args, false)
    }

    fn register_client(&self, name: &str, args: &[&str], may_introspect: bool) -> TestClient {
        use clap::Parser;
        use secrecy::ExposeSecret;
        use tollgate::cli::{Cli, ClientCommand, Command};
        use tollgate::oauth::registry::{self, Registrant};
        let mut all = vec!["tollgate", "client", "create", "--name", name, "--json"];
        all.extend_from_slice(args);
        let parsed = Cli::try_parse_from(&all).unwrap_or_else(|e| panic!("client create failed: {e}"));
        let Command::Client(ClientCommand::Create(args)) = parsed.command else {
            unreachable!("parsed as client create")
        };
        let valid = args
            .new_client()
            .validate(&Registrant::Operator)
            .unwrap_or_else(|e| panic!("client create failed: {e}"));
        let db = self.database();
        let registered = block_on(registry::register(
            &db,
            &tollgate::oauth::audit::Actor::operator(),
            valid,
            false,
            self.clock.now(),
        ))
        .unwrap_or_else(|e| panic!("client create failed: {e}"));
        let mut audiences = args.introspect_for.clone();
        if audiences.is_empty() && may_introspect && registered.client_secret.is_some() {
            let default = self.settings.default_audience.as_deref();
            audiences.push(default.unwrap_or(&self.settings.issuer).to_string());
        }
        if !audiences.is_empty() {
            // Written as part of the registration: no audit record of its own.
            let (id, list, now) = (
                registered.client_id.clone(),
                audiences.join(" "),
                self.clock.now(),
            );
            db.run_sync(move |conn| {
                tollgate::storage::clients::set_introspection_audiences(conn, &id, &list, now)
            })
            .unwrap();
        }
        if let Some(format) = args.access_token_format {
            let set = block_on(tollgate::oauth::opaque::set_format(
                &db,
                &tollgate::oauth::audit::Actor::operator(),
                &registered.client_id,
                format,
                self.clock.now(),
            ))
            .unwrap();
            assert!(set, "the client exists");
        }
        if args.require_par {
            let set = block_on(tollgate::oauth::authorize::set_pushed_required(
                &db,
                &tollgate::oauth::audit::Actor::operator(),
                &registered.client_id,
                true,
                self.clock.now(),
            ))
            .unwrap();
            assert!(set, "the client exists");
        }
        TestClient {
            id: registered.client_id,
            secret: registered.client_secret.map(|s| s.expose_secret().to_string()),
        }
    }

    /// A confidential client allowed client_credentials with scopes `read write`.
    pub fn service_client(&self) -> TestClient {
        self.create_client(&[
            "--grant-type",
            "client_credentials",
            "--scope",
            "read",
            "--scope",
            "write",
        ])
    }

    /// A trusted first-party client allowed the password and refresh grants.
    pub fn first_party_client(&self) -> TestClient {
        self.create_client(&[
            "--trusted",
            "--grant-type",
            "password",
            "--grant-type",
            "refresh_token",
            "--scope",
            "profile",
            "--scope",
            "email",
        ])
    }

    /// Creates a user as `tollgate user create` would, through the library;
    /// returns its id.
    pub fn create_user(&self, username: &str, password: &str) -> String {
        self.create_account(username, password, false)
    }

    /// Creates an administrator; returns its id.
    pub fn create_admin(&self, username: &str, password: &str) -> String {
        self.create_account(username, password, true)
    }

    fn create_account(&self, username: &str, password: &str, is_admin: bool) -> String {
        let password = secrecy::SecretString::from(password.to_string());
        tollgate::oauth::accounts::create_user(
            &self.database(),
            &tollgate::oauth::audit::Actor::operator(),
            username,
            &password,
            is_admin,
            self.clock.now(),
        )
        .unwrap_or_else(|e| panic!("user create failed: {e}"))
    }

    /// POSTs a form to `path`, authenticating with HTTP Basic if `basic` is given.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], basic: Option<&TestClient>) -> Answer {
        let mut request = self.http.post(self.url(path)).form(form);
        if let Some(client) = basic {
            request = request.basic_auth(&client.id, client.secret.as_deref());
        }
        answer(request.send().await.expect("request sent")).await
    }

    /// A client-credentials token for `client` (raw request).
    pub async fn client_credentials_token(&self, client: &TestClient, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let answer = self.post_form("/oauth2/token", &form, Some(client)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["access_token"].as_str().unwrap().to_string()
    }

    /// Creates the user `alice` and signs her in through `client` with the
    /// password grant; returns the refresh token.
    pub async fn alice_refresh_token(&self, client: &TestClient) -> String {
        self.create_user("alice", "correct horse battery");
        let form = [
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ];
        let answer = self.post_form("/oauth2/token", &form, Some(client)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["refresh_token"].as_str().unwrap().to_string()
    }

    pub async fn introspect(&self, token: &str, client: &TestClient) -> serde_json::Value {
        let answer = self
            .post_form("/oauth2/introspect", &[("token", token)], Some(client))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    pub async fn revoke(&self, token: &str, client: &TestClient) -> Answer {
        self.post_form("/oauth2/revoke", &[("token", token)], Some(client))
            .await
    }

    /// The database, opened directly (for seeding what no endpoint creates yet).
    pub fn database(&self) -> tollgate::storage::Database {
        tollgate::storage::Database::open(&self.db.url, 1).unwrap()
    }
}

/// Runs a library future to its end from a synchronous helper, on a
/// runtime of its own (the test's runtime is busy running the test).
fn block_on<F>(future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a Tokio runtime")
                    .block_on(future)
            })
            .join()
            .expect("the helper's runtime ends")
    })
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// The claims of a JWT, read without verification (the tests verify separately).
pub fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}
