//! The `sub` a client sees (OpenID Connect Core §8): the user's id for
//! `public` clients; for `pairwise` ones a random identifier stored per
//! sector and user, so clients of different sectors cannot correlate a
//! user, while clients of one sector (one host, or one sector identifier
//! document) see the same value.

use crate::oauth::clients::Client;
use crate::oauth::{secrets, Context};
use crate::storage::{self, StorageError};

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
