//! The Redis side of the session store: one hash per live session,
//! `tollgate:session:{sid}`, written and deleted here and nowhere else.

use crate::storage::session_store_queue::Projection;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// Longest a single Redis command may take before it counts as failed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

/// The key of the session `sid`.
pub fn key(sid: &str) -> String {
    format!("tollgate:session:{sid}")
}

/// Writes Tollgate's fields (ARGV[2..], field/value pairs), deletes the
/// `roles:*` fields not among them, leaves every other field alone and
/// expires the hash at ARGV[1] (Unix seconds). One script, so a reader
/// never sees a half-written session.
const PUT: &str = r#"
local keep = {}
for i = 2, #ARGV, 2 do keep[ARGV[i]] = true end
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 6) == 'roles:' and not keep[f] then
    redis.call('HDEL', KEYS[1], f)
  end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1
"#;

/// Why the store could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis answered with an error or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

/// A connection to the session store (reconnected as needed).
#[derive(Clone)]
pub struct Store {
    connection: ConnectionManager,
}

impl Store {
    /// A store at `url` (`redis://…`); connects lazily, so a store that is
    /// down at start-up is no error.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Store { connection })
    }

    /// Whether Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.connection.clone();
        bounded(redis::cmd("PING").query_async::<String>(&mut conn)).await?;
        Ok(())
    }

    /// Writes the live session `sid` as `projection` says.
    pub async fn put(&self, sid: &str, projection: &Projection) -> Result<(), StoreError> {
        let mut conn = self.connection.clone();
        // EVAL rather than EVALSHA: the script is a few hundred bytes.
        let mut eval = redis::cmd("EVAL");
        eval.arg(PUT).arg(1).arg(key(sid)).arg(projection.expires_at);
        for (field, value) in fields(projection) {
            eval.arg(field).arg(value);
        }
        bounded(eval.query_async::<i64>(&mut conn)).await?;
        Ok(())
    }

    /// Deletes the session `sid` (it ended, or its user can no longer use it).
    pub async fn remove(&self, sid: &str) -> Result<(), StoreError> {
        let mut conn = self.connection.clone();
        bounded(redis::cmd("DEL").arg(key(sid)).query_async::<i64>(&mut conn)).await?;
        Ok(())
    }
}

async fn bounded<T>(call: impl std::future::Future<Output = redis::RedisResult<T>>) -> Result<T, StoreError> {
    match tokio::time::timeout(COMMAND_TIMEOUT * 2, call).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(StoreError::Timeout(COMMAND_TIMEOUT * 2)),
    }
}

/// Tollgate's fields of a live session: `sub`, `username`, `auth_time`,
/// `expires_at`, `amr`, and one `roles:{api}` per API the user has roles
/// for (space-separated, sorted).
pub fn fields(p: &Projection) -> Vec<(String, String)> {
    let mut fields = vec![
        ("sub".to_string(), p.user_id.clone()),
        ("username".to_string(), p.username.clone()),
        ("auth_time".to_string(), p.auth_time.to_string()),
        ("expires_at".to_string(), p.expires_at.to_string()),
        ("amr".to_string(), "pwd".to_string()),
    ];
    let mut by_api: Vec<(String, Vec<&str>)> = Vec::new();
    for (api, role) in &p.roles {
        match by_api.last_mut() {
            Some((last, roles)) if last == api => roles.push(role),
            _ => by_api.push((api.clone(), vec![role])),
        }
    }
    for (api, roles) in by_api {
        fields.push((format!("roles:{api}"), roles.join(" ")));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_grouped_one_field_per_api() {
        let p = Projection {
            user_id: "u1".into(),
            username: "alice".into(),
            auth_time: 10,
            expires_at: 20,
            roles: vec![
                ("https://a".into(), "admin".into()),
                ("https://a".into(), "reader".into()),
                ("https://b".into(), "writer".into()),
            ],
        };
        let f = fields(&p);
        assert!(f.contains(&("roles:https://a".into(), "admin reader".into())));
        assert!(f.contains(&("roles:https://b".into(), "writer".into())));
        assert!(f.contains(&("amr".into(), "pwd".into())));
        assert_eq!(f.len(), 7);
    }
}
