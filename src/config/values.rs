//! Parsers that validate single values.

use std::path::Path;

pub(super) fn seconds(min: i64, max: i64) -> impl Fn(&str) -> Result<i64, String> {
    move |v| match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of seconds from {min} to {max}, got {v:?}"
        )),
    }
}

pub(super) fn whole_seconds(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> {
    move |v| seconds(min as i64, max as i64)(v).map(|n| n as u64)
}

/// A comma- or space-separated list of IP addresses and CIDR ranges.
pub(super) fn networks(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    v.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or a CIDR range such as 10.0.0.0/8"))
        })
        .collect()
}

pub(super) fn boolean(v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected true or false, got {v:?}")),
    }
}

/// Where the data directory is created if missing: only for the default URL.
const DEFAULT_DATABASE_URL: &str = "sqlite://./tollgate-data/tollgate.db";

pub(super) fn database_url(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Err("the database URL cannot be empty".into());
    }
    let Some(path) = v.strip_prefix("sqlite://") else {
        if v.starts_with("postgres://") || v.starts_with("postgresql://") {
            return Ok(v.to_string());
        }
        // Only the scheme: the rest may hold a password.
        let scheme = v.split_once("://").map_or("no scheme", |(s, _)| s);
        return Err(format!(
            "expected a URL starting with sqlite://, postgres:// or postgresql://, got one with {}",
            if scheme == "no scheme" {
                scheme.to_string()
            } else {
                format!("the scheme {scheme:?}")
            }
        ));
    };
    if path.is_empty() {
        return Err("expected sqlite://PATH, with the path of the database file".into());
    }
    // The default data directory is created on first start; a directory
    // named explicitly must exist (a typo would otherwise make a new,
    // empty database somewhere unexpected).
    if v != DEFAULT_DATABASE_URL {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "the directory {} does not exist (only the default ./tollgate-data is created)",
                    dir.display()
                ));
            }
        }
    }
    Ok(v.to_string())
}

pub(super) fn issuer(v: &str) -> Result<String, String> {
    let url = url::Url::parse(v).map_err(|e| format!("{v:?} is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err("the issuer must be an http or https URL with a host".into());
    }
    // RFC 8414 §2: no query, no fragment. A trailing slash would make
    // `iss` differ from the URL clients discover metadata from.
    if url.query().is_some() || url.fragment().is_some() || v.ends_with('/') {
        return Err("the issuer cannot have a query, a fragment or a trailing slash".into());
    }
    Ok(v.to_string())
}
