//! Load generator for the sign-in benchmarks (`benches/signin.sh` runs it
//! against a release server; see the README's Benchmarks section).
//!
//! Modes (`MODE`), all against `TARGET` for `SECONDS_PER_RUN` seconds:
//! - `grants`: `CONNS` connections posting valid password grants.
//! - `cc`: `CONNS` connections asking client-credentials tokens.
//! - `flood`: `FLOOD_ADDRS` loopback addresses (127.0.0.10 and up), each
//!   with `PER_ADDR` connections, signing in through the login form with a
//!   valid password; meanwhile one user signs in every half second from
//!   127.0.0.250 (the latency that matters), and `CC_CONNS` connections ask
//!   client-credentials tokens from 127.0.0.251.
//! - `soak`: `CC_CONNS` connections asking client-credentials tokens,
//!   `INTROSPECT_CONNS` introspecting one token, and `FLOWS` loops of the
//!   whole browser login (authorize, login page, sign-in, consent, code
//!   redemption) for the public client `WEB_CLIENT_ID` (redirect URI
//!   `WEB_REDIRECT`), each flow from a fresh cookie jar. Every answer of
//!   every step is counted by status.
//!
//! Prints one `RESULT key=value …` line per measured stream.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn client(from: Option<&str>, cookies: bool) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(cookies)
        .timeout(Duration::from_secs(60));
    if let Some(ip) = from {
        b = b.local_address(ip.parse::<IpAddr>().expect("an IP address"));
    }
    b.build().expect("an HTTP client")
}

#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
}

impl Stats {
    fn record(&mut self, started: Instant, status: u16) {
        self.latencies.push(started.elapsed());
        *self.statuses.entry(status).or_default() += 1;
    }

    fn report(&mut self, label: &str, seconds: f64) {
        self.latencies.sort();
        let pct = |p: f64| {
            self.latencies
                .get(((self.latencies.len() as f64 * p) as usize).min(self.latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let ok =
            self.statuses.get(&200).copied().unwrap_or(0) + self.statuses.get(&303).copied().unwrap_or(0);
        println!(
            "RESULT stream={label} requests={} ok_per_s={:.1} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} statuses={:?}",
            self.latencies.len(),
            ok as f64 / seconds,
            pct(0.50),
            pct(0.99),
            self.latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            self.statuses
        );
    }
}

/// Runs `conns` loops of `one` until `stop`, recording each answer.
fn spawn_loops<F, Fut>(
    conns: usize,
    pause: Duration,
    stop: &Arc<AtomicBool>,
    stats: &Arc<Mutex<Stats>>,
    make: impl Fn(usize) -> F,
) -> Vec<tokio::task::JoinHandle<()>>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    (0..conns)
        .map(|i| {
            let (stop, stats) = (stop.clone(), stats.clone());
            let mut one = make(i);
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let status = one().await;
                    stats.lock().unwrap().record(started, status);
                    if !pause.is_zero() {
                        tokio::time::sleep(pause).await;
                    }
                }
            })
        })
        .collect()
}

async fn post_form(http: &reqwest::Client, url: &str, form: &[(&str, &str)], basic: (&str, &str)) -> u16 {
    match http
        .post(url)
        .basic_auth(basic.0, Some(basic.1))
        .form(form)
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status().as_u16();
            let _ = r.bytes().await;
            status
        }
        Err(_) => 0,
    }
}

/// One sign-in through the login form: GET (for the CSRF token), POST.
async fn sign_in(http: &reqwest::Client, base: &str, username: &str, password: &str) -> u16 {
    let Ok(form) = http.get(format!("{base}/login")).send().await else {
        return 0;
    };
    let body = form.text().await.unwrap_or_default();
    let marker = "name=\"csrf_token\" value=\"";
    let Some(start) = body.find(marker).map(|i| i + marker.len()) else {
        return 1;
    };
    let end = body[start..].find('"').map_or(start, |e| start + e);
    let csrf = &body[start..end];
    let fields = [
        ("csrf_token", csrf),
        ("username", username),
        ("password", password),
        ("return_to", "/account"),
    ];
    match http.post(format!("{base}/login")).form(&fields).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// The value of the hidden field `name` in an HTML form.
fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(
        body[start..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&")
            .replace("&#61;", "=")
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'"),
    )
}

/// A step of a login flow: its status and, for a redirect, where to.
async fn step(response: Result<reqwest::Response, reqwest::Error>) -> (u16, Option<String>, String) {
    match response {
        Ok(r) => {
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            (status, location, r.text().await.unwrap_or_default())
        }
        Err(_) => (0, None, String::new()),
    }
}

/// One whole browser login with the authorization code grant and PKCE;
/// each step's status goes into `stats`.
async fn login_flow(base: &str, client_id: &str, redirect: &str, user: (&str, &str), stats: &Mutex<Stats>) {
    use base64::Engine;
    use sha2::Digest;
    let http = client(None, true);
    let verifier = "soak-verifier-soak-verifier-soak-verifier-0123";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "profile")
        .append_pair("state", "soak")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let authorize = format!("{base}/oauth2/authorize?{query}");
    let absolute = |l: &str| {
        if l.starts_with('/') {
            format!("{base}{l}")
        } else {
            l.to_string()
        }
    };
    let record = |started: Instant, status: u16| stats.lock().unwrap().record(started, status);

    let t = Instant::now();
    let (status, to_login, _) = step(http.get(&authorize).send().await).await;
    record(t, status);
    let Some(to_login) = to_login else { return };
    let t = Instant::now();
    let (status, _, form) = step(http.get(absolute(&to_login)).send().await).await;
    record(t, status);
    let (Some(csrf), Some(return_to)) = (hidden(&form, "csrf_token"), hidden(&form, "return_to")) else {
        return;
    };
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("return_to", return_to.as_str()),
        ("username", user.0),
        ("password", user.1),
    ];
    let t = Instant::now();
    let (status, back, _) = step(http.post(format!("{base}/login")).form(&fields).send().await).await;
    record(t, status);
    let Some(back) = back else { return };
    let t = Instant::now();
    let (status, mut answer, consent) = step(http.get(absolute(&back)).send().await).await;
    record(t, status);
    if status == 200 {
        let (Some(csrf), Some(request)) = (hidden(&consent, "csrf_token"), hidden(&consent, "request"))
        else {
            return;
        };
        let decision = [
            ("csrf_token", csrf.as_str()),
            ("request", request.as_str()),
            ("decision", "approve"),
        ];
        let t = Instant::now();
        let (status, location, _) = step(
            http.post(format!("{base}/oauth2/authorize/decision"))
                .form(&decision)
                .send()
                .await,
        )
        .await;
        record(t, status);
        answer = location;
    }
    let Some(code) = answer.and_then(|l| url::Url::parse(&l).ok()).and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
    }) else {
        return;
    };
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("client_id", client_id),
        ("code_verifier", verifier),
    ];
    let t = Instant::now();
    let (status, _, _) = step(
        http.post(format!("{base}/oauth2/token"))
            .form(&redeem)
            .send()
            .await,
    )
    .await;
    record(t, status);
}

#[tokio::main]
async fn main() {
    let mode = env("MODE", "");
    if mode.is_empty() {
        // `cargo bench` without the script: nothing to measure against.
        println!("signin_flood: set MODE (see benches/signin.sh)");
        return;
    }
    let base = env("TARGET", "http://127.0.0.1:8080");
    let seconds: u64 = env("SECONDS_PER_RUN", "8")
        .parse()
        .expect("SECONDS_PER_RUN is a number");
    let conns: usize = env("CONNS", "64").parse().expect("CONNS is a number");
    let username = env("USERNAME", "alice");
    let password = env("PASSWORD", "correct horse battery");
    let stop = Arc::new(AtomicBool::new(false));
    let mut streams: Vec<(&str, Arc<Mutex<Stats>>)> = Vec::new();
    let mut tasks = Vec::new();

    let token_url = format!("{base}/oauth2/token");
    let cc = |from: Option<&'static str>, n: usize, stats: &Arc<Mutex<Stats>>, tasks: &mut Vec<_>| {
        let (id, secret) = (env("CC_ID", ""), env("CC_SECRET", ""));
        let http = client(from, false);
        tasks.extend(spawn_loops(n, Duration::ZERO, &stop, stats, |_| {
            let (http, url, id, secret) = (http.clone(), token_url.clone(), id.clone(), secret.clone());
            move || {
                let (http, url, id, secret) = (http.clone(), url.clone(), id.clone(), secret.clone());
                async move {
                    post_form(
                        &http,
                        &url,
                        &[("grant_type", "client_credentials")],
                        (&id, &secret),
                    )
                    .await
                }
            }
        }));
    };

    match mode.as_str() {
        "grants" => {
            let stats = Arc::new(Mutex::new(Stats::default()));
            let (id, secret) = (env("CLIENT_ID", ""), env("CLIENT_SECRET", ""));
            let http = client(None, false);
            tasks.extend(spawn_loops(conns, Duration::ZERO, &stop, &stats, |_| {
                let (http, url) = (http.clone(), token_url.clone());
                let (id, secret, u, p) = (id.clone(), secret.clone(), username.clone(), password.clone());
                move || {
                    let (http, url) = (http.clone(), url.clone());
                    let (id, secret, u, p) = (id.clone(), secret.clone(), u.clone(), p.clone());
                    async move {
                        let form = [
                            ("grant_type", "password"),
                            ("username", u.as_str()),
                            ("password", p.as_str()),
                        ];
                        post_form(&http, &url, &form, (&id, &secret)).await
                    }
                }
            }));
            streams.push(("password_grant", stats));
        }
        "cc" => {
            let stats = Arc::new(Mutex::new(Stats::default()));
            cc(None, conns, &stats, &mut tasks);
            streams.push(("client_credentials", stats));
        }
        "flood" => {
            let addrs: usize = env("FLOOD_ADDRS", "20").parse().expect("FLOOD_ADDRS is a number");
            let per_addr: usize = env("PER_ADDR", "4").parse().expect("PER_ADDR is a number");
            let flood = Arc::new(Mutex::new(Stats::default()));
            for a in 0..addrs {
                let ip = format!("127.0.0.{}", 10 + a);
                tasks.extend(spawn_loops(per_addr, Duration::ZERO, &stop, &flood, |_| {
                    let http = client(Some(&ip), true);
                    let (base, u, p) = (base.clone(), username.clone(), password.clone());
                    move || {
                        let (http, base, u, p) = (http.clone(), base.clone(), u.clone(), p.clone());
                        async move { sign_in(&http, &base, &u, &p).await }
                    }
                }));
            }
            streams.push(("flood_login", flood));
            // Let the flood fill the queue before measuring.
            tokio::time::sleep(Duration::from_secs(1)).await;
            let victim = Arc::new(Mutex::new(Stats::default()));
            let (vu, vp) = (
                env("VICTIM_USERNAME", "root"),
                env("VICTIM_PASSWORD", "correct horse battery"),
            );
            tasks.extend(spawn_loops(1, Duration::from_millis(500), &stop, &victim, |_| {
                let http = client(Some("127.0.0.250"), true);
                let (base, u, p) = (base.clone(), vu.clone(), vp.clone());
                move || {
                    let (http, base, u, p) = (http.clone(), base.clone(), u.clone(), p.clone());
                    async move { sign_in(&http, &base, &u, &p).await }
                }
            }));
            streams.push(("victim_login", victim));
            let cc_stats = Arc::new(Mutex::new(Stats::default()));
            let cc_conns: usize = env("CC_CONNS", "16").parse().expect("CC_CONNS is a number");
            cc(Some("127.0.0.251"), cc_conns, &cc_stats, &mut tasks);
            streams.push(("client_credentials", cc_stats));
        }
        "soak" => {
            let cc_stats = Arc::new(Mutex::new(Stats::default()));
            let cc_conns: usize = env("CC_CONNS", "8").parse().expect("CC_CONNS is a number");
            cc(None, cc_conns, &cc_stats, &mut tasks);
            streams.push(("client_credentials", cc_stats));

            let (id, secret) = (env("CC_ID", ""), env("CC_SECRET", ""));
            let http = client(None, false);
            let issued: serde_json::Value = http
                .post(&token_url)
                .basic_auth(&id, Some(&secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .expect("a token")
                .json()
                .await
                .expect("a token response");
            let token = issued["access_token"]
                .as_str()
                .expect("an access token")
                .to_string();
            let introspect = Arc::new(Mutex::new(Stats::default()));
            let n: usize = env("INTROSPECT_CONNS", "8")
                .parse()
                .expect("INTROSPECT_CONNS is a number");
            let url = format!("{base}/oauth2/introspect");
            tasks.extend(spawn_loops(n, Duration::ZERO, &stop, &introspect, |_| {
                let (http, url, id, secret, token) = (
                    http.clone(),
                    url.clone(),
                    id.clone(),
                    secret.clone(),
                    token.clone(),
                );
                move || {
                    let (http, url, id, secret, token) = (
                        http.clone(),
                        url.clone(),
                        id.clone(),
                        secret.clone(),
                        token.clone(),
                    );
                    async move { post_form(&http, &url, &[("token", token.as_str())], (&id, &secret)).await }
                }
            }));
            streams.push(("introspection", introspect));

            let flows: usize = env("FLOWS", "2").parse().expect("FLOWS is a number");
            let steps = Arc::new(Mutex::new(Stats::default()));
            let (web_id, redirect) = (env("WEB_CLIENT_ID", ""), env("WEB_REDIRECT", ""));
            for _ in 0..flows {
                let (stop, steps) = (stop.clone(), steps.clone());
                let (base, web_id, redirect) = (base.clone(), web_id.clone(), redirect.clone());
                let (u, p) = (username.clone(), password.clone());
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        login_flow(&base, &web_id, &redirect, (&u, &p), &steps).await;
                    }
                }));
            }
            streams.push(("login_flow_steps", steps));
        }
        other => panic!("unknown MODE {other}"),
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(70), t).await;
    }
    for (label, stats) in &streams {
        stats.lock().unwrap().report(label, seconds as f64);
    }
}
