//! The `sub` a client sees (OpenID Connect Core §8): the user's id for
//! `public` clients; for `pairwise` ones a random identifier stored per
//! sector and user, so clients of different sectors cannot correlate a
//! user, while clients of one sector (one host, or one sector identifier
//! document) see the same value.

use crate::oauth::clients::Client;
use crate::oauth::{secrets, Context};
use crate::storage::{self, DbConnection, QueryError, StorageError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `subject_type` value of pairwise clients.
pub const PAIRWISE: &str = "pairwise";
/// `subject_type` value of public clients (the default).
pub const PUBLIC: &str = "public";

/// The sector a pairwise client's subjects are computed for, if it is one.
pub fn pairwise_sector(client: &Client) -> Option<String> {
    (client.openid.subject_type == PAIRWISE).then(|| {
        client
            .openid
            .sector_identifier
            .clone()
            // Registration always sets one; a row without (edited by hand)
            // still never shares the user's id.
            .unwrap_or_else(|| format!("client:{}", client.id))
    })
}

/// The subject of `user_id` as `client` sees it.
pub async fn for_client(ctx: &Context, client: &Client, user_id: &str) -> Result<String, StorageError> {
    let Some(sector) = pairwise_sector(client) else {
        return Ok(user_id.to_string());
    };
    let user_id = user_id.to_string();
    let candidate = format!("pw_{}", secrets::random_token(16));
    ctx.db
        .run(move |conn| storage::pairwise::get_or_insert(conn, &sector, &user_id, &candidate))
        .await
}

/// The user a subject that `client` was given stands for: the inverse of
/// [`for_client`].
pub async fn user_of(ctx: &Context, client: &Client, sub: &str) -> Result<Option<String>, StorageError> {
    let Some(sector) = pairwise_sector(client) else {
        return Ok(Some(sub.to_string()));
    };
    let sub = sub.to_string();
    ctx.db
        .run(move |conn| storage::pairwise::user_of(conn, &sector, &sub))
        .await
}

/// The `sid` a client is told for the session `public_id`. A pairwise
/// client gets one of its own sector (a hash of the sector and the session's
/// public id): clients of two sectors that took part in one session must
/// not be able to link their pairwise subjects by a shared `sid`. The
/// public id is 128 random bits, so the hash cannot be walked back.
pub fn sid_for(client: &Client, public_id: &str) -> String {
    match pairwise_sector(client) {
        Some(sector) => sector_sid(&sector, public_id),
        None => public_id.to_string(),
    }
}

fn sector_sid(sector: &str, public_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"tollgate sid\0")
        .chain_update(sector.as_bytes())
        .chain_update(b"\0")
        .chain_update(public_id.as_bytes())
        .finalize();
    format!("ps_{}", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// The public id of the session that `sid`, as `client` was told it, names
/// among `user_id`'s sessions; `None` if none does (then it is over).
pub fn session_of(
    conn: &mut DbConnection,
    client: &Client,
    user_id: &str,
    sid: &str,
) -> Result<Option<String>, QueryError> {
    let Some(sector) = pairwise_sector(client) else {
        return Ok(Some(sid.to_string()));
    };
    Ok(storage::sessions::public_ids_of(conn, user_id)?
        .into_iter()
        .find(|public_id| sector_sid(&sector, public_id) == sid))
}

#[cfg(test)]
mod tests {
    use super::sector_sid;

    #[test]
    fn a_sessions_sid_differs_by_sector_and_is_stable_within_one() {
        let a = sector_sid("notes.example", "0123456789abcdef0123456789abcdef");
        assert_eq!(a, sector_sid("notes.example", "0123456789abcdef0123456789abcdef"));
        assert_ne!(
            a,
            sector_sid("calendar.example", "0123456789abcdef0123456789abcdef")
        );
        assert!(!a.contains("0123456789abcdef"));
    }
}
