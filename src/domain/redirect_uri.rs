use super::Invalid;
use std::fmt;

/// A redirect URI: absolute, `https` (or `http` on a loopback host, for
/// native apps and development), no fragment (RFC 6749 §3.1.2), no
/// userinfo, no wildcard. The string is kept as it was given: matching a
/// request against a registration ([`RedirectUri::matches`]) compares
/// strings exactly (RFC 9700 §4.1.3), with one exception, the port of a
/// loopback IP literal (RFC 8252 §7.3).
#[derive(Debug, Clone)]
pub struct RedirectUri {
    raw: String,
    url: url::Url,
}

impl PartialEq for RedirectUri {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for RedirectUri {}

impl std::hash::Hash for RedirectUri {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state)
    }
}

const MAX_LEN: usize = 2000;

impl RedirectUri {
    /// Parses and checks a redirect URI.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() || raw.len() > MAX_LEN {
            return Err(Invalid::rule(
                "rule-redirect-uri-length",
                format!("a redirect URI must be 1 to {MAX_LEN} characters long"),
            )
            .with("max", MAX_LEN));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Invalid::rule(
                "rule-redirect-uri-spaces",
                "a redirect URI cannot contain spaces or control characters",
            ));
        }
        if raw.contains('*') {
            return Err(Invalid::rule(
                "rule-redirect-uri-wildcard",
                "a redirect URI cannot contain a wildcard",
            ));
        }
        if raw.contains('#') {
            return Err(Invalid::rule(
                "rule-redirect-uri-fragment",
                "a redirect URI cannot contain a fragment",
            ));
        }
        let url = url::Url::parse(raw).map_err(|e| {
            Invalid::rule(
                "rule-redirect-uri-absolute",
                format!("{raw:?} is not an absolute URI ({e})"),
            )
            .with("uri", format!("{raw:?}"))
            .with("why", e.to_string())
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::rule(
                "rule-redirect-uri-user-information",
                "a redirect URI cannot contain user information",
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| Invalid::rule("rule-redirect-uri-host", "a redirect URI must name a host"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(Invalid::rule(
                    "rule-redirect-uri-http",
                    "a redirect URI must use https (http is allowed only on loopback hosts)",
                ))
            }
            other => {
                return Err(Invalid::rule(
                    "rule-redirect-uri-scheme",
                    format!("a redirect URI must use https, not {other:?}"),
                )
                .with("scheme", format!("{other:?}")))
            }
        }
        Ok(RedirectUri {
            raw: raw.to_string(),
            url,
        })
    }

    /// The URI as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The URI, parsed.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// Whether `presented` (from a request) is this registered URI: the same
    /// string, except that for an `http` URI on a loopback IP literal
    /// (`127.0.0.1`, `[::1]`) any port matches, registered with a port or
    /// without (RFC 8252 §7.3: a native app listens on a port the system
    /// gives it). `localhost` is matched exactly, like every other host: a
    /// name can resolve elsewhere (RFC 8252 §8.3).
    pub fn matches(&self, presented: &str) -> bool {
        if self.raw == presented {
            return true;
        }
        if !self.is_loopback_ip_literal() {
            return false;
        }
        let Ok(other) = RedirectUri::parse(presented) else {
            return false;
        };
        other.is_loopback_ip_literal() && without_port(&self.raw) == without_port(&other.raw)
    }

    fn is_loopback_ip_literal(&self) -> bool {
        self.url.scheme() == "http"
            && match self.url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                _ => false,
            }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The URI string with its authority's port removed, otherwise as given
/// (not normalised), so that only the port may differ. Only called on
/// `http://` URIs with an IP-literal host (no userinfo: parsing refused it).
fn without_port(raw: &str) -> String {
    let Some(rest) = raw.strip_prefix("http://") else {
        return raw.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = match authority.rfind(':') {
        // A colon inside `[…]` belongs to an IPv6 address, not a port.
        Some(i) if !authority[i..].contains(']') => &authority[..i],
        _ => authority,
    };
    format!("http://{host}{tail}")
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://app.example/cb",
            "https://app.example/cb?x=1",
            "http://127.0.0.1:9000/cb",
            "http://localhost/cb",
            "http://[::1]:8000/cb",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn unsafe_redirect_uris_are_refused() {
        for bad in [
            "",
            "/relative",
            "http://app.example/cb",
            "https://app.example/cb#frag",
            "https://user@evil.example/",
            "https://*.example/cb",
            "javascript:alert(1)",
            "ftp://app.example/",
            "https://app.example/ cb",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad}");
        }
    }

    fn registered(raw: &str) -> RedirectUri {
        RedirectUri::parse(raw).unwrap()
    }

    #[test]
    fn matching_is_exact_string_comparison() {
        let uri = registered("https://app.example/cb");
        assert!(uri.matches("https://app.example/cb"));
        for other in [
            "https://app.example/cb/",
            "https://APP.example/cb",
            "https://app.example/cb?x=1",
            "https://app.example/cb#x",
            "https://app.example:443/cb",
            "https://app.example/./cb",
            "https://app.example/%63b",
            "https://app.example:8443/cb",
        ] {
            assert!(!uri.matches(other), "{other}");
        }
    }

    #[test]
    fn a_loopback_ip_literal_matches_on_any_port() {
        let with_port = registered("http://127.0.0.1:9000/cb");
        let without = registered("http://127.0.0.1/cb");
        let v6 = registered("http://[::1]/cb");
        for (uri, presented) in [
            (&with_port, "http://127.0.0.1:51234/cb"),
            (&with_port, "http://127.0.0.1/cb"),
            (&without, "http://127.0.0.1:8080/cb"),
            (&v6, "http://[::1]:61000/cb"),
            (&without, "http://127.0.0.1:80/cb"),
        ] {
            assert!(uri.matches(presented), "{uri} ~ {presented}");
        }
        for (uri, presented) in [
            (&with_port, "http://127.0.0.1:51234/other"),
            (&with_port, "http://127.0.0.2:9000/cb"),
            (&with_port, "http://localhost:9000/cb"),
            (&without, "https://127.0.0.1:8080/cb"),
            (&v6, "http://127.0.0.1:61000/cb"),
        ] {
            assert!(!uri.matches(presented), "{uri} !~ {presented}");
        }
    }

    #[test]
    fn localhost_is_matched_exactly() {
        let uri = registered("http://localhost:9000/cb");
        assert!(uri.matches("http://localhost:9000/cb"));
        assert!(!uri.matches("http://localhost:9001/cb"));
    }

    #[test]
    fn the_registered_string_is_kept_verbatim() {
        let uri = RedirectUri::parse("https://App.example/cb/").unwrap();
        assert_eq!(uri.as_str(), "https://App.example/cb/");
    }
}
