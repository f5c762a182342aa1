//! `tollgate audit list`: reading the audit trail.

use super::{open, utc, UsageError};
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::audit;
use crate::storage::{self, audit::AuditFilter};
use clap::Subcommand;
use serde_json::json;
use std::io::Write;

/// `tollgate audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List security events, newest first.
    List {
        /// Only events about or by this user (login name or user id).
        #[arg(long, value_name = "U")]
        user: Option<String>,
        /// Only events about this client (client id; write `--client=ID`,
        /// since an id may begin with `-`).
        #[arg(long, value_name = "C")]
        client: Option<String>,
        /// Only events since T: a date (`2026-11-29`), a UTC time
        /// (`2026-11-29T10:00:00Z`), seconds since the epoch, or a span
        /// back from now (`90s`, `15m`, `2h`, `7d`).
        #[arg(long, value_name = "T")]
        since: Option<String>,
        /// At most this many events.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
        /// Print one JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `tollgate audit list`
pub fn list_audit(
    settings: &Settings,
    user: Option<&str>,
    client: Option<&str>,
    since: Option<&str>,
    limit: i64,
    as_json: bool,
) -> anyhow::Result<()> {
    let since = since
        .map(|t| {
            parse_time(t, Clock::system().now())
                .ok_or_else(|| UsageError(format!("--since: cannot read {t:?} as a time")))
        })
        .transpose()?;
    let db = open(settings)?;
    let user_id = match user {
        Some(u) if u.starts_with("user_") => Some(u.to_string()),
        // A name no account has any more names nothing: the filter matches nothing.
        Some(name) => Some(
            db.run_sync(|conn| storage::users::by_username(conn, name))?
                .map_or_else(|| format!("unknown:{name}"), |u| u.id),
        ),
        None => None,
    };
    let filter = AuditFilter {
        user_id,
        client_id: client.map(str::to_string),
        since,
        before_id: None,
    };
    let rows = audit::list_sync(&db, &filter, limit)?;
    if as_json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                let detail: serde_json::Value = serde_json::from_str(&r.detail_json).unwrap_or_default();
                json!({
                    "id": r.id, "at": r.at, "kind": r.kind, "actor_kind": r.actor_kind,
                    "actor_user_id": r.actor_user_id, "user_id": r.user_id,
                    "client_id": r.client_id, "address": r.address, "detail": detail,
                })
            })
            .collect();
        writeln!(std::io::stdout().lock(), "{}", serde_json::Value::Array(list))?;
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    for r in rows {
        let actor = match &r.actor_user_id {
            Some(id) => format!("{}:{id}", r.actor_kind),
            None => r.actor_kind.clone(),
        };
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{}\t{}\tactor={actor}\tuser={}\tclient={}\taddress={}\t{}",
            utc(r.at),
            r.kind,
            dash(&r.user_id),
            dash(&r.client_id),
            dash(&r.address),
            r.detail_json
        )?;
    }
    Ok(())
}

/// A time as `--since` takes it, in UTC seconds.
fn parse_time(raw: &str, now: i64) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<i64>() {
        return Some(secs);
    }
    if let Some(unit) = raw.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        if let Ok(n) = raw[..raw.len() - 1].parse::<i64>() {
            let scale = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return None,
            };
            return Some(now - n.checked_mul(scale)?);
        }
    }
    let (date, time) = match raw.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim_end_matches('Z'))),
        None => (raw, None),
    };
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = 0;
    if let Some(time) = time {
        let parts: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let (h, mi, s) = match parts[..] {
            [h, mi] => (h, mi, 0),
            [h, mi, s] => (h, mi, s),
            _ => return None,
        };
        if h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0 {
            return None;
        }
        secs = h * 3600 + mi * 60 + s;
    }
    Some(crate::domain::days_from_civil(y, m, d) * 86_400 + secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_dates_times_epoch_seconds_and_spans() {
        assert_eq!(parse_time("1970-01-02", 0), Some(86_400));
        assert_eq!(parse_time("2026-11-29T10:15:00Z", 0), Some(1_795_947_300));
        assert_eq!(parse_time("2026-11-29 10:15", 0), Some(1_795_947_300));
        assert_eq!(parse_time("1234", 0), Some(1234));
        assert_eq!(parse_time("2h", 10_000), Some(2_800));
        assert_eq!(parse_time("yesterday", 0), None);
        assert_eq!(parse_time("2026-13-01", 0), None);
    }
}
