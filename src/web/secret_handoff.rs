//! A new client secret goes from the POST that made it (registration,
//! rotation) to exactly one GET of the page that shows it (POST → 303 →
//! GET), without the database ever holding it readable: it is sealed with
//! AES-256-GCM under a random key that lives only in a short-lived,
//! path-scoped, `HttpOnly`, `SameSite=Strict` cookie of the developer's
//! browser, and the row is deleted by the read that opens it. Several
//! instances share the database, so no process memory is involved; a
//! reload finds nothing, and a leaked database row cannot be opened.

use super::AppState;
use crate::oauth::sessions::Session;
use crate::storage::secret_handoffs::{self, Handoff};
use crate::storage::StorageError;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The hand-off cookie's name. Not `__Host-`: that prefix requires path `/`,
/// and this cookie goes only to the one page that shows the secret.
const COOKIE: &str = "tollgate_secret_handoff";
/// Seconds between the POST and the GET that shows the secret.
const LIFETIME: i64 = 600;

/// The page that shows the secret of `client_id` once.
pub(super) fn page_path(client_id: &str) -> String {
    format!("/portal/apps/{client_id}/secret")
}

fn cookie(state: &AppState, client_id: &str, value: String) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path(page_path(client_id))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.oauth.settings.issuer.starts_with("https://"))
        .max_age(Duration::seconds(LIFETIME))
        .finish()
}

/// The cookie that removes the hand-off cookie of `client_id`.
pub(super) fn removal(state: &AppState, client_id: &str) -> Cookie<'static> {
    let mut c = cookie(state, client_id, String::new());
    c.make_removal();
    c
}

fn random<const N: usize>() -> Result<[u8; N], StorageError> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| {
        tracing::error!("the system's random generator failed");
        StorageError::Cancelled
    })?;
    Ok(bytes)
}

fn aead_key(key: &[u8]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key).ok().map(LessSafeKey::new)
}

/// Seals `secret` for the developer of `current` and returns the cookie
/// that can open it on the secret page of `client_id`.
pub(super) async fn seal(
    state: &AppState,
    current: &Session,
    client_id: &str,
    secret: &str,
) -> Result<Cookie<'static>, StorageError> {
    let key = random::<32>()?;
    let nonce = random::<NONCE_LEN>()?;
    let id = URL_SAFE_NO_PAD.encode(random::<16>()?);
    let mut sealed = secret.as_bytes().to_vec();
    aead_key(&key)
        .and_then(|k| {
            k.seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(id.as_bytes()),
                &mut sealed,
            )
            .ok()
        })
        .ok_or_else(|| {
            tracing::error!("a client secret could not be sealed");
            StorageError::Cancelled
        })?;
    let handoff = Handoff {
        id: id.clone(),
        client_id: client_id.to_string(),
        user_id: current.user_id.clone(),
        nonce: nonce.to_vec(),
        sealed,
        expires_at: state.oauth.clock.now() + LIFETIME,
    };
    state
        .oauth
        .db
        .run(move |conn| secret_handoffs::insert(conn, &handoff))
        .await?;
    let value = format!("{id}.{}", URL_SAFE_NO_PAD.encode(key));
    Ok(cookie(state, client_id, value))
}

/// The secret of `client_id` waiting for this developer, taken: a second
/// call (a reload, another tab) finds nothing.
pub(super) async fn take(
    state: &AppState,
    req: &HttpRequest,
    current: &Session,
    client_id: &str,
) -> Result<Option<String>, StorageError> {
    let Some(value) = req.cookie(COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    let Some((id, key)) = value.split_once('.') else {
        return Ok(None);
    };
    let Ok(key) = URL_SAFE_NO_PAD.decode(key) else {
        return Ok(None);
    };
    let (id, owned_client, user, now) = (
        id.to_string(),
        client_id.to_string(),
        current.user_id.clone(),
        state.oauth.clock.now(),
    );
    let aad = id.clone();
    let taken = state
        .oauth
        .db
        .transaction(move |conn| secret_handoffs::take(conn, &id, &owned_client, &user, now))
        .await?;
    let Some((nonce, mut sealed)) = taken else {
        return Ok(None);
    };
    let opened = aead_key(&key).and_then(|k| {
        let nonce = Nonce::try_assume_unique_for_key(&nonce).ok()?;
        k.open_in_place(nonce, Aad::from(aad.as_bytes()), &mut sealed)
            .ok()
            .and_then(|plain| String::from_utf8(plain.to_vec()).ok())
    });
    if opened.is_none() {
        tracing::warn!(
            client_id,
            "a secret hand-off did not open with the key its cookie carried"
        );
    }
    Ok(opened)
}
