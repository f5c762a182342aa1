//! The client's address behind reverse proxies the operator trusts.
//!
//! `Forwarded` (RFC 7239) and `X-Forwarded-For` are written by whoever
//! sends the request, so they are believed only when the TCP peer is one of
//! `trusted_proxies`, and then only as far back as the chain of trusted
//! proxies goes: the list is read from the nearest hop backwards, and the
//! first address that is not a trusted proxy is the client. An address a
//! client wrote itself in front of the chain is never reached, so it cannot
//! choose the address its sign-in attempts are counted against. Anything
//! malformed stops the walk at the last address known to be good.

use ipnet::IpNet;
use std::net::IpAddr;

/// The client address for a request from `peer` with these header values,
/// given the trusted proxies.
pub fn client_ip(
    peer: IpAddr,
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // RFC 7239 §7.4: `Forwarded` when present; `X-Forwarded-For` otherwise.
    let hops: Vec<Option<IpAddr>> = match (forwarded, x_forwarded_for) {
        (Some(f), _) => f.split(',').map(forwarded_for).collect(),
        (None, Some(x)) => x.split(',').map(|h| parse_ip(h.trim())).collect(),
        (None, None) => return peer,
    };
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Unreadable or obfuscated: the walk cannot go further back.
            None => break,
        }
    }
    client
}

/// The `for=` address of one `Forwarded` element (RFC 7239 §4, §6).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        parse_ip(value.trim().trim_matches('"'))
    })
}

/// An address as a hop writes it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_ip(raw: &str) -> Option<IpAddr> {
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = raw.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse().ok();
    }
    let (host, port) = raw.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies() -> Vec<IpNet> {
        vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()]
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let peer = ip("203.0.113.9");
        assert_eq!(client_ip(peer, None, Some("198.51.100.1"), &proxies()), peer);
        assert_eq!(client_ip(peer, Some("for=198.51.100.1"), None, &proxies()), peer);
        assert_eq!(client_ip(peer, None, Some("198.51.100.1"), &[]), peer);
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client() {
        let peer = ip("10.0.0.2");
        let xff = "6.6.6.6, 198.51.100.7, 10.0.0.5";
        assert_eq!(client_ip(peer, None, Some(xff), &proxies()), ip("198.51.100.7"));
    }

    #[test]
    fn a_spoofed_first_hop_is_never_reached() {
        let peer = ip("10.0.0.2");
        // The client wrote 10.9.9.9 (a "trusted" address) itself; the proxy appended its real address.
        let xff = "10.9.9.9, 198.51.100.7";
        assert_eq!(client_ip(peer, None, Some(xff), &proxies()), ip("198.51.100.7"));
    }

    #[test]
    fn forwarded_is_preferred_and_its_forms_are_read() {
        let peer = ip("::1");
        let forwarded = r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#;
        assert_eq!(
            client_ip(peer, Some(forwarded), Some("6.6.6.6"), &proxies()),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            client_ip(peer, Some("for=192.0.2.60:8080"), None, &proxies()),
            ip("192.0.2.60")
        );
    }

    #[test]
    fn garbage_stops_at_the_last_good_address() {
        let peer = ip("10.0.0.2");
        assert_eq!(client_ip(peer, None, Some("not-an-ip"), &proxies()), peer);
        assert_eq!(client_ip(peer, Some("for=unknown"), None, &proxies()), peer);
        assert_eq!(
            client_ip(peer, Some("for=_hidden, for=10.0.0.3"), None, &proxies()),
            ip("10.0.0.3")
        );
        assert_eq!(client_ip(peer, None, Some(""), &proxies()), peer);
    }
}
