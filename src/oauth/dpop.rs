//! DPoP at the authorization server (RFC 9449): checking the proof a
//! request carries, its single use, and the server nonce.
//!
//! The proof's form, signature and claims are checked by
//! `tollgate_verify::dpop` (the same code resource servers run); what is
//! the server's own is the replay guard (`used_jtis`, shared by every
//! instance) and the nonce, an HMAC over a time bucket, so that instances
//! sharing `dpop_nonce_secret` agree on it without storage (§8).

use crate::oauth::error::{ErrorCode, OAuthError};
use crate::oauth::{secrets, Context};
use crate::storage::used_jtis;
use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::ExposeSecret;
use tollgate_verify::dpop::{check_proof, Expected, CLOCK_SKEW};
pub use tollgate_verify::dpop::{Proof, SIGNING_ALGS};

/// The name of the proof's header (RFC 9449 §4.1) and of the nonce's.
pub const HEADER: &str = "dpop";
/// The header carrying a server nonce (RFC 9449 §8.1).
pub const NONCE_HEADER: &str = "dpop-nonce";

/// The one `DPoP` header of a request, if any: more than one is refused
/// (RFC 9449 §4.3, check 1).
pub fn single_header<'a>(mut values: impl Iterator<Item = &'a [u8]>) -> Result<Option<String>, OAuthError> {
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid("more than one DPoP header"));
    }
    let value = std::str::from_utf8(first).map_err(|_| invalid("the DPoP header is not text"))?;
    Ok(Some(value.to_string()))
}

/// Checks the proof `header` of a `method` request to this server's
/// `path`, presented with `access_token` at a resource (its `ath`), and
/// records its `jti` as used. `None` when there is no proof.
pub async fn check(
    ctx: &Context,
    header: Option<&str>,
    method: &str,
    path: &str,
    access_token: Option<&str>,
) -> Result<Option<Proof>, OAuthError> {
    let Some(raw) = header else {
        return Ok(None);
    };
    let now = ctx.clock.now();
    let lifetime = ctx.settings.dpop_proof_lifetime;
    let url = format!("{}{}", ctx.settings.issuer.trim_end_matches('/'), path);
    let proof = check_proof(
        raw,
        &Expected {
            method,
            url: &url,
            access_token,
            now,
            lifetime,
        },
    )
    .map_err(|e| invalid(e.0))?;
    if ctx.settings.dpop_nonce_required && !proof.nonce.as_deref().is_some_and(|n| nonce_is_valid(ctx, n)) {
        return Err(OAuthError::with_code(
            ErrorCode::UseDpopNonce,
            "a DPoP proof must carry the server's nonce (DPoP-Nonce)",
        ));
    }
    // §11.1: a proof is used once within its window, on whichever instance.
    let key = secrets::hash(&format!("{}.{}", proof.jkt, proof.jti));
    let until = proof.iat + lifetime + CLOCK_SKEW;
    let first = ctx
        .db
        .run(move |conn| used_jtis::first_use(conn, "dpop", &key, until, now))
        .await?;
    if !first {
        return Err(invalid("the DPoP proof was already used"));
    }
    Ok(Some(proof))
}

/// 400 `invalid_dpop_proof` (RFC 9449 §5.0).
pub fn invalid(description: &str) -> OAuthError {
    OAuthError::with_code(ErrorCode::InvalidDpopProof, description)
}

/// The nonce to hand out now (RFC 9449 §8): `<bucket>.<mac>`, valid for
/// this bucket of `dpop_proof_lifetime` seconds and the next.
pub fn current_nonce(ctx: &Context) -> String {
    nonce_for(ctx, bucket(ctx))
}

fn bucket(ctx: &Context) -> i64 {
    ctx.clock
        .now()
        .div_euclid(ctx.settings.dpop_proof_lifetime.max(1))
}

fn nonce_for(ctx: &Context, bucket: i64) -> String {
    let key = hmac::Key::new(
        hmac::HMAC_SHA256,
        ctx.settings.dpop_nonce_secret.expose_secret().as_bytes(),
    );
    let tag = hmac::sign(&key, &bucket.to_be_bytes());
    format!("{bucket}.{}", URL_SAFE_NO_PAD.encode(&tag.as_ref()[..16]))
}

fn nonce_is_valid(ctx: &Context, nonce: &str) -> bool {
    let Some(given) = nonce.split_once('.').and_then(|(b, _)| b.parse::<i64>().ok()) else {
        return false;
    };
    let now = bucket(ctx);
    (given == now || given == now - 1)
        && subtle::ConstantTimeEq::ct_eq(nonce.as_bytes(), nonce_for(ctx, given).as_bytes()).into()
}
