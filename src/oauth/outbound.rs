//! Requests Tollgate makes on a registrant's behalf (back-channel logout
//! notices, `jwks_uri`), under one set of rules against server-side
//! request forgery:
//!
//! - the host is resolved once, every address it resolves to is checked,
//!   and the connection is made to the address checked (no DNS rebinding);
//!   loopback, private, shared and link-local addresses are refused unless
//!   the operator allows them (a development setting);
//! - `https` only, unless the caller allows plain `http` (back-channel
//!   logout keeps its registered scheme; `jwks_uri` allows `http` only on
//!   loopback, behind the development setting);
//! - no redirect is followed (a 3xx is a failure), no proxy is used (a
//!   proxy would resolve the name again and connect wherever it likes);
//! - connect and total timeouts; a response body is read in chunks and
//!   abandoned past its size limit.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// What a request may do.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Loopback, private and link-local addresses may be reached.
    pub private_addresses: bool,
    /// Plain `http` is accepted (in addition to `https`).
    pub http: HttpScheme,
    /// Bound on resolution, on connecting, and on the whole request.
    pub timeout: Duration,
    /// Longest response body read.
    pub max_bytes: usize,
}

/// Where plain `http` is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpScheme {
    /// Never: `https` only.
    Refused,
    /// Only to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`).
    Loopback,
    /// Anywhere (the URL was checked when it was registered).
    Allowed,
}

/// A fetched document: the status was 200.
#[derive(Debug)]
pub struct Fetched {
    /// The `Cache-Control` header, if any.
    pub cache_control: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a request failed: a sentence to log or to show a registrant; it
/// never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutboundError(pub String);

fn fail(why: impl Into<String>) -> OutboundError {
    OutboundError(why.into())
}

/// A client for one request to `url`, pinned to the checked address.
pub async fn client_for(url: &url::Url, policy: &Policy) -> Result<reqwest::Client, OutboundError> {
    match url.scheme() {
        "https" => {}
        "http" if policy.http == HttpScheme::Allowed => {}
        "http" if policy.http == HttpScheme::Loopback && is_loopback_host(url) => {}
        "http" => return Err(fail("refused: only https URLs are fetched")),
        other => return Err(fail(format!("refused: the scheme {other:?} is not fetched"))),
    }
    let pinned = tokio::time::timeout(policy.timeout, checked_address(url, policy.private_addresses))
        .await
        .map_err(|_| fail("the name did not resolve in time"))??;
    let mut http = reqwest::Client::builder()
        // A redirect is an answer we refuse, and following it would let a
        // registrant aim us anywhere.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(policy.timeout)
        .timeout(policy.timeout);
    if let (Some(url::Host::Domain(name)), Some(addr)) = (url.host(), pinned) {
        http = http.resolve(name, addr);
    }
    http.build().map_err(|e| fail(format!("no HTTP client: {e}")))
}

/// GETs `url` under `policy`, expecting 200 and a body of at most
/// `policy.max_bytes`.
pub async fn get(url: &str, policy: &Policy, accept: &str) -> Result<Fetched, OutboundError> {
    let url = url::Url::parse(url).map_err(|e| fail(format!("not a URL: {e}")))?;
    let http = client_for(&url, policy).await?;
    let work = async {
        let response = http
            .get(url)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(fail(format!(
                "answered HTTP {} (redirects are not followed)",
                status.as_u16()
            )));
        }
        if status != reqwest::StatusCode::OK {
            return Err(fail(format!("answered HTTP {}", status.as_u16())));
        }
        if response
            .content_length()
            .is_some_and(|n| n > policy.max_bytes as u64)
        {
            return Err(fail(format!("the response exceeds {} bytes", policy.max_bytes)));
        }
        let cache_control = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > policy.max_bytes {
                return Err(fail(format!("the response exceeds {} bytes", policy.max_bytes)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { cache_control, body })
    };
    // The client's own timeout bounds each step; this bounds them all.
    tokio::time::timeout(policy.timeout, work)
        .await
        .map_err(|_| fail("no answer in time"))?
}

/// A failed request in words, without its URL (the caller names what it
/// fetched).
pub fn describe(e: reqwest::Error) -> OutboundError {
    if e.is_timeout() {
        fail("no answer in time")
    } else if e.is_connect() {
        fail("cannot connect")
    } else {
        fail(e.without_url().to_string())
    }
}

/// The `max-age` of a `Cache-Control` value, if it has one (and no
/// `no-store`/`no-cache`, which read as zero).
pub fn max_age(cache_control: &str) -> Option<u64> {
    let mut age = None;
    for directive in cache_control.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(0);
        }
        if let Some(v) = lower.strip_prefix("max-age=") {
            age = v.trim_matches('"').parse().ok();
        }
    }
    age
}

fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The address to connect to for `url`, refusing addresses a registrant
/// must not make us reach unless `private_allowed`. `None`: the URL's host
/// is an address literal, connected to as is.
pub async fn checked_address(
    url: &url::Url,
    private_allowed: bool,
) -> Result<Option<SocketAddr>, OutboundError> {
    let port = url.port_or_known_default().ok_or_else(|| fail("no port"))?;
    let (addresses, literal): (Vec<SocketAddr>, bool) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (vec![SocketAddr::new(ip.into(), port)], true),
        Some(url::Host::Ipv6(ip)) => (vec![SocketAddr::new(ip.into(), port)], true),
        Some(url::Host::Domain(name)) => (
            tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| fail(format!("cannot resolve the host: {e}")))?
                .collect(),
            false,
        ),
        None => return Err(fail("no host")),
    };
    let Some(first) = addresses.first().copied() else {
        return Err(fail("the host resolves to no address"));
    };
    if !private_allowed {
        if let Some(bad) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(fail(format!(
                "refused: the host is at {}, a loopback, private or link-local address",
                bad.ip()
            )));
        }
    }
    Ok((!literal).then_some(first))
}

/// Whether `ip` is an address on the public internet (not loopback,
/// private, shared, link-local, unspecified, multicast or documentation).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // Addresses that carry an IPv4 address (mapped, compatible,
            // NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by it.
            let embedded = |hi: u16, lo: u16| {
                std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public(IpAddr::V4(embedded(s[6], s[7])));
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(s[6], s[7])));
            }
            if s[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(s[1], s[2])));
            }
            let first = s[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_private_and_link_local_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
            "fec0::1",
            "192.0.0.8",
            "240.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn max_age_is_read_from_cache_control_and_no_store_reads_as_zero() {
        assert_eq!(max_age("public, max-age=600"), Some(600));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("private"), None);
    }

    #[tokio::test]
    async fn plain_http_is_refused_unless_allowed_and_then_only_on_loopback() {
        let policy = |http| Policy {
            private_addresses: true,
            http,
            timeout: Duration::from_secs(1),
            max_bytes: 10,
        };
        let remote = url::Url::parse("http://93.184.216.34/jwks").unwrap();
        let local = url::Url::parse("http://127.0.0.1:1/jwks").unwrap();
        assert!(client_for(&local, &policy(HttpScheme::Refused)).await.is_err());
        assert!(client_for(&remote, &policy(HttpScheme::Loopback)).await.is_err());
        assert!(client_for(&local, &policy(HttpScheme::Loopback)).await.is_ok());
    }
}
