//! A real nginx in front of two small services, for the gateway tests: the
//! nginx process runs with a generated configuration and a prefix of its
//! own under a temporary directory, on loopback ports, without root; it is
//! stopped when dropped. The services are actix servers in this test binary
//! that verify `X-Auth-Token` offline with tollgate-verify and echo what
//! they received as JSON.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tollgate_verify::Verifier;

/// Debian's nginx.
pub const NGINX: &str = "/usr/sbin/nginx";

/// Whether nginx is here; without it the tests skip with a note, unless
/// `TOLLGATE_REQUIRE_SERVICES` is set, where they fail.
pub fn nginx_available() -> bool {
    if Path::new(NGINX).exists() {
        return true;
    }
    if std::env::var("TOLLGATE_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("{NGINX} is missing and TOLLGATE_REQUIRE_SERVICES=1");
    }
    eprintln!("skipped: {NGINX} is not installed");
    false
}

/// A route of the gateway: its path prefix, the check's query (empty: no
/// check at all, a public route) and the service behind it.
pub struct Route<'a> {
    pub prefix: &'a str,
    pub check: Option<&'a str>,
    pub upstream: u16,
}

/// The `X-Auth-*` headers the gateway passes on, by nginx variable.
const PASSED: [(&str, &str); 6] = [
    ("auth_subject", "X-Auth-Subject"),
    ("auth_client_id", "X-Auth-Client-Id"),
    ("auth_scope", "X-Auth-Scope"),
    ("auth_roles", "X-Auth-Roles"),
    ("auth_session", "X-Auth-Session"),
    ("auth_token", "X-Auth-Token"),
];

/// The nginx configuration for `routes`, checking at `tollgate` (a base URL
/// with the check's path).
pub fn config(dir: &Path, port: u16, check_url: &str, routes: &[Route<'_>]) -> String {
    let d = dir.display();
    let mut locations = String::new();
    for (i, route) in routes.iter().enumerate() {
        let upstream = format!("http://127.0.0.1:{}", route.upstream);
        let Some(query) = route.check else {
            // A public route: whatever X-Auth-* headers the client sent are
            // blanked, so a service never takes them for the gateway's.
            locations += &format!("        location {} {{\n", route.prefix);
            for (_, header) in PASSED {
                locations += &format!("            proxy_set_header {header} \"\";\n");
            }
            locations += &format!("            proxy_pass {upstream};\n        }}\n");
            continue;
        };
        locations += &format!(
            "        location = /_auth_{i} {{
            internal;
            proxy_pass {check_url}?{query};
            proxy_pass_request_body off;
            proxy_set_header Content-Length \"\";
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Original-Method $request_method;
        }}
        location {prefix} {{
            auth_request /_auth_{i};
",
            prefix = route.prefix
        );
        for (var, header) in PASSED {
            let upstream_var = header.to_ascii_lowercase().replace('-', "_");
            locations += &format!("            auth_request_set ${var} $upstream_http_{upstream_var};\n");
            locations += &format!("            proxy_set_header {header} ${var};\n");
        }
        locations += &format!(
            "            proxy_set_header Authorization \"\";
            proxy_pass {upstream};
        }}
"
        );
    }
    format!(
        "worker_processes 1;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
{locations}    }}
}}
"
    )
}

/// A running nginx; stopped when dropped.
pub struct Nginx {
    child: Child,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts nginx in front of `routes`, checking at `check_url`.
    pub async fn start(check_url: &str, routes: &[Route<'_>]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, check_url, routes)).unwrap();
        let d = dir.path().display();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf)
            .arg("-g")
            .arg(format!("daemon off; pid {d}/nginx.pid;"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx starts");
        let nginx = Nginx {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        wait_for_port(port, &nginx.error_log()).await;
        nginx
    }

    fn error_log(&self) -> PathBuf {
        self._dir.path().join("error.log")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_port(port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "nginx did not listen on {port}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Starts a service named `name` that verifies `X-Auth-Token` for
/// `audience` against `issuer`'s JWKS and echoes what it saw; returns its port.
pub async fn start_service(name: &'static str, issuer: &str, audience: &str) -> u16 {
    let verifier = Verifier::discover(issuer.to_string(), audience.to_string())
        .await
        .expect("the service finds Tollgate");
    let verifier = web::Data::new(verifier);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .app_data(web::Data::new(name))
            .default_service(web::to(echo))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    port
}

/// What a service saw: its name, the identity headers, whether an
/// `Authorization` header reached it, and the internal token's verified
/// claims (or why it failed).
async fn echo(
    req: HttpRequest,
    verifier: web::Data<Verifier>,
    name: web::Data<&'static str>,
) -> HttpResponse {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let verified = match header("x-auth-token") {
        Some(token) => match verifier.verify(&token).await {
            Ok(claims) => {
                json!({ "sub": claims.sub, "aud": claims.aud, "client_id": claims.client_id, "scope": claims.scopes.join(" ") })
            }
            Err(e) => json!({ "error": e.to_string() }),
        },
        None => serde_json::Value::Null,
    };
    HttpResponse::Ok().json(json!({
        "service": *name.get_ref(),
        "path": req.path(),
        "subject": header("x-auth-subject"),
        "client_id": header("x-auth-client-id"),
        "scope": header("x-auth-scope"),
        "roles": header("x-auth-roles"),
        "session": header("x-auth-session"),
        "token": header("x-auth-token"),
        "authorization": header("authorization"),
        "verified": verified,
    }))
}
