//! The device authorization grant (RFC 8628): a device without a browser
//! (a TV, a command-line tool) asks for a device code and a user code
//! (§3.1–3.2), its user types the user code at `/device` on another device
//! and approves (§3.3), and the device polls the token endpoint until then
//! (§3.4–3.5, in `grants::device_code`).
//!
//! Decisions made here:
//! - The device code is 256 random bits, kept only as its SHA-256, and
//!   redeemed once (one conditional update).
//! - The user code is short (see [`user_code`]), so guessing it is
//!   throttled: every code looked up counts, per address (4 ×
//!   `login_max_failures` per `login_lockout` window) and for the whole
//!   server (1000 × `login_max_failures`), counted before the lookup.
//! - The user is always asked, even for a trusted client or a remembered
//!   approval: the user code may have come from someone else's device
//!   (§5.4, remote phishing), and the page is where the user sees which
//!   application it is. An approval is remembered like the code flow's.

pub mod user_code;

use crate::domain::{GrantType, ScopeSet};
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::sessions::Session;
use crate::oauth::throttle::address_key;
use crate::oauth::{secrets, Context};
use crate::storage::device_authorizations::{self as store, Decision, DeviceRow};
use crate::storage::{self, consents, StorageError};
use serde::Serialize;
use std::sync::Arc;

/// Where the user goes to enter the code.
pub const VERIFICATION_PATH: &str = "/device";
/// Where the device asks (RFC 8628 §3.1).
pub const DEVICE_AUTHORIZATION_PATH: &str = "/oauth2/device_authorization";

/// Seconds a `slow_down` adds to a device's interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: i64 = 5;

/// Attempts to find a user code nobody holds before giving up.
const USER_CODE_ATTEMPTS: usize = 5;

/// The device authorization response (RFC 8628 §3.2).
#[derive(Debug, Serialize)]
pub struct DeviceAuthorization {
    /// The device's secret, for polling.
    pub device_code: String,
    /// What the user types, `BCDF-GHJK`.
    pub user_code: String,
    /// Where the user types it.
    pub verification_uri: String,
    /// The same, with the code filled in (for a QR code or a link).
    pub verification_uri_complete: String,
    /// Seconds until both codes expire.
    pub expires_in: i64,
    /// Seconds the device waits between polls.
    pub interval: i64,
}

/// RFC 8628 §3.1–3.2: a new device authorization for `client` (already
/// authenticated), with the scope and resources asked for.
pub async fn authorize(
    ctx: &Context,
    client: &Client,
    params: &Params,
) -> Result<DeviceAuthorization, OAuthError> {
    // §3.1: the client must be allowed the grant it is starting.
    if !client.allows(GrantType::DeviceCode) {
        return Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {} grant",
            GrantType::DeviceCode
        )));
    }
    let scope = crate::oauth::grants::requested_scope(params, &client.scopes)?;
    // The audience is checked now, so a wrong resource fails here rather
    // than after the user approved (the token request repeats the rule).
    let directory = ctx.apis.get().await?;
    crate::oauth::apis::audience(
        &directory,
        ctx.settings.default_audience(),
        client,
        &scope,
        params.resources(),
    )?;
    let device_code = secrets::random_secret();
    let now = ctx.clock.now();
    let mut row = DeviceRow {
        device_code_hash: secrets::hash(&device_code),
        user_code: String::new(),
        client_id: client.id.clone(),
        scope: scope.to_string(),
        resources: params.resources().join(" "),
        status: store::PENDING.to_string(),
        user_id: None,
        session_id: None,
        granted_scope: None,
        auth_time: None,
        interval_seconds: ctx.settings.device_poll_interval,
        last_polled_at: None,
        created_at: now,
        expires_at: now + ctx.settings.device_code_ttl,
        decided_at: None,
    };
    let mut stored = false;
    for _ in 0..USER_CODE_ATTEMPTS {
        row.user_code = user_code::generate();
        let attempt = row.clone();
        match ctx.db.run(move |conn| store::insert(conn, &attempt)).await {
            Ok(()) => {
                stored = true;
                break;
            }
            // Another authorization holds this user code: draw again.
            Err(e) if e.is_unique_violation() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    if !stored {
        tracing::error!("no free user code found; the user code space is crowded");
        return Err(OAuthError::server_error());
    }
    let shown = user_code::display(&row.user_code);
    let verification_uri = format!("{}{VERIFICATION_PATH}", ctx.settings.issuer);
    let complete = format!("{verification_uri}?user_code={shown}");
    Ok(DeviceAuthorization {
        device_code,
        user_code: shown,
        verification_uri,
        verification_uri_complete: complete,
        expires_in: ctx.settings.device_code_ttl,
        interval: ctx.settings.device_poll_interval,
    })
}

/// A device authorization waiting for its user.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The user code, normalised.
    pub user_code: String,
    /// The client that asked.
    pub client: Arc<Client>,
    /// The scope it asked for.
    pub scope: ScopeSet,
}

/// What looking up a typed user code found.
#[derive(Debug)]
pub enum Lookup {
    /// A pending authorization.
    Found(Pending),
    /// No pending, unexpired authorization has this code.
    Unknown,
    /// Too many codes were tried: wait this many seconds.
    Throttled(i64),
}

/// Looks up the user code someone at `address` typed (or a form sent
/// back), counting the attempt first against the address and the server.
pub async fn find(ctx: &Context, typed: &str, address: &str) -> Result<Lookup, OAuthError> {
    if let Some(wait) = count_attempt(ctx, address).await? {
        return Ok(Lookup::Throttled(wait));
    }
    let Some(code) = user_code::normalise(typed) else {
        return Ok(Lookup::Unknown);
    };
    let now = ctx.clock.now();
    let lookup = code.clone();
    let Some(row) = ctx
        .db
        .run(move |conn| store::pending_by_user_code(conn, &lookup, now))
        .await?
    else {
        return Ok(Lookup::Unknown);
    };
    let client = match ctx.clients.get(&row.client_id).await? {
        Some(c) if !c.suspended => c,
        _ => return Ok(Lookup::Unknown),
    };
    Ok(Lookup::Found(Pending {
        user_code: code,
        client,
        scope: ScopeSet::parse(&row.scope).unwrap_or_default(),
    }))
}

/// Counts one user-code lookup; `Some(seconds)` if the address or the
/// server is locked.
async fn count_attempt(ctx: &Context, address: &str) -> Result<Option<i64>, StorageError> {
    let per_address = ctx.settings.login_max_failures.saturating_mul(4);
    let everyone = ctx.settings.login_max_failures.saturating_mul(1000);
    let keys = [
        (format!("device:address:{}", address_key(address)), per_address),
        ("device:all".to_string(), everyone),
    ];
    let (now, window) = (ctx.clock.now(), ctx.settings.login_lockout);
    ctx.db
        .run(move |conn| {
            for (key, max) in &keys {
                let counted = storage::throttle::count(conn, key, now, *max, window)?;
                if let Some(wait) = counted.locked_for {
                    return Ok(Some(wait.max(1)));
                }
            }
            Ok(None)
        })
        .await
}

/// RFC 8628 §3.3: records the signed-in user's decision on `pending`.
/// `false` if the authorization was decided, or expired, in the meantime.
/// An approval is remembered as consent (with what the user approved
/// before) and audited, and the session is recorded as one the client
/// took part in (for logout), all in one transaction.
pub async fn decide(
    ctx: &Context,
    session: &Session,
    pending: &Pending,
    approve: bool,
) -> Result<bool, OAuthError> {
    let decision = Decision {
        user_id: session.user_id.clone(),
        session_id: session.public_id.clone(),
        auth_time: session.authenticated_at,
        granted_scope: approve.then(|| pending.scope.to_string()),
    };
    let (code, scope, now) = (pending.user_code.clone(), pending.scope.clone(), ctx.clock.now());
    let decided = ctx
        .db
        .transaction(move |conn| {
            let Some(row) = store::decide(conn, &code, &decision, now)? else {
                return Ok(false);
            };
            if decision.granted_scope.is_none() {
                return Ok(true);
            }
            let (user, client) = (decision.user_id, row.client_id);
            let before = consents::scope_for(conn, &user, &client)?.unwrap_or_default();
            let union = ScopeSet::parse(&format!("{before} {scope}")).unwrap_or(scope);
            consents::grant(conn, &user, &client, &union.to_string(), now)?;
            storage::sessions::record_participant(conn, &decision.session_id, &client, now)?;
            let granted = Event::ConsentGranted {
                user_id: user.clone(),
                client_id: client,
                scope: union,
            };
            audit::record_in(conn, &Actor::user(&user), granted, now);
            Ok(true)
        })
        .await?;
    Ok(decided)
}
