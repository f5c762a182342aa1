use super::Invalid;
use std::fmt;

/// A registered redirect URI: absolute, `https` (or `http` on a loopback
/// host, for native apps and development), no fragment (RFC 6749 §3.1.2), no
/// userinfo, no wildcard. Matching against a request is exact string
/// comparison (RFC 9700 §4.1.3), so the string is kept as it was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

const MAX_LEN: usize = 2000;

impl RedirectUri {
    /// Parses and checks a redirect URI.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() || raw.len() > MAX_LEN {
            return Err(Invalid::new(format!(
                "a redirect URI must be 1 to {MAX_LEN} characters long"
            )));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Invalid::new(
                "a redirect URI cannot contain spaces or control characters",
            ));
        }
        if raw.contains('*') {
            return Err(Invalid::new("a redirect URI cannot contain a wildcard"));
        }
        if raw.contains('#') {
            return Err(Invalid::new("a redirect URI cannot contain a fragment"));
        }
        let url = url::Url::parse(raw)
            .map_err(|e| Invalid::new(format!("{raw:?} is not an absolute URI ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::new("a redirect URI cannot contain user information"));
        }
        let host = url
            .host_str()
            .ok_or_else(|| Invalid::new("a redirect URI must name a host"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(Invalid::new(
                    "a redirect URI must use https (http is allowed only on loopback hosts)",
                ))
            }
            other => {
                return Err(Invalid::new(format!(
                    "a redirect URI must use https, not {other:?}"
                )))
            }
        }
        Ok(RedirectUri(raw.to_string()))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.0
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

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

    #[test]
    fn the_registered_string_is_kept_verbatim() {
        let uri = RedirectUri::parse("https://App.example/cb/").unwrap();
        assert_eq!(uri.as_str(), "https://App.example/cb/");
    }
}
