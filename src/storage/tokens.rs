//! Refresh tokens, authorization codes and revoked access-token ids.

use super::schema::{
    authorization_codes::dsl as ac, refresh_tokens::dsl as rt, revoked_access_tokens::dsl as ra,
};
use super::DbConnection;
use diesel::prelude::*;

/// A stored refresh token (its SHA-256, never the token).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::refresh_tokens)]
pub struct RefreshRow {
    /// SHA-256 of the token.
    pub token_hash: String,
    /// The family: every token rotated from one grant.
    pub family_id: String,
    /// The token this one replaced.
    pub parent_hash: Option<String>,
    /// The client it was issued to.
    pub client_id: String,
    /// The user, for user-bound grants.
    pub user_id: Option<String>,
    /// The login session behind it (its public id), if any.
    pub session_id: Option<String>,
    /// Granted scope.
    pub scope: String,
    /// Audience of the access tokens it yields.
    pub audience: String,
    /// Issue time.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// When it was exchanged for a successor.
    pub rotated_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// When the user signed in for the grant it came from (`auth_time` of
    /// the id tokens a refresh issues).
    pub auth_time: Option<i64>,
    /// The thumbprint of the DPoP key the family is bound to (RFC 9449 §5).
    pub dpop_jkt: Option<String>,
}

/// Stores a refresh token.
pub fn insert_refresh(conn: &mut DbConnection, row: &RefreshRow) -> QueryResult<()> {
    diesel::insert_into(rt::refresh_tokens)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The refresh token with this hash.
pub fn refresh_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<RefreshRow>> {
    rt::refresh_tokens
        .find(hash)
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()
}

/// Locks a refresh token's row until the end of the transaction: the
/// first statement of a rotation, so that concurrent uses of one token are
/// decided one after the other. Without it, uses that lost the race to
/// [`mark_rotated`] (which locks nothing when it changes nothing) all
/// counted one successor and all made a sibling (seen on PostgreSQL: three
/// live tokens from three simultaneous refreshes). Returns whether it exists.
pub fn lock_refresh(conn: &mut DbConnection, hash: &str) -> QueryResult<bool> {
    diesel::update(rt::refresh_tokens.find(hash))
        .set(rt::token_hash.eq(rt::token_hash))
        .execute(conn)
        .map(|n| n == 1)
}

/// Marks a token rotated if it was not already: the one atomic step that
/// lets exactly one of two concurrent refreshes win.
pub fn mark_rotated(conn: &mut DbConnection, hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        rt::refresh_tokens
            .find(hash)
            .filter(rt::rotated_at.is_null())
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::rotated_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Revokes every token of a family; returns how many were live.
pub fn revoke_family(conn: &mut DbConnection, family: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::family_id.eq(family))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// A stored authorization code (its SHA-256, never the code).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::authorization_codes)]
pub struct CodeRow {
    /// SHA-256 of the code.
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user who approved it.
    pub user_id: String,
    /// The login session it came from (its public id).
    pub session_id: Option<String>,
    /// The `redirect_uri` of the authorization request, if it had one.
    pub redirect_uri: Option<String>,
    /// Granted scope.
    pub scope: String,
    /// Audience of the access tokens.
    pub audience: String,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
    /// Issue time.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// Redemption time.
    pub redeemed_at: Option<i64>,
    /// The refresh-token family its redemption started.
    pub issued_family_id: Option<String>,
    /// The access token its redemption issued.
    pub issued_access_jti: Option<String>,
    /// The OpenID Connect `nonce` of the authorization request, for the id token.
    pub nonce: Option<String>,
    /// When the user last signed in, at the time of the approval (`auth_time`).
    pub auth_time: Option<i64>,
    /// The thumbprint of the DPoP key the code is bound to (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
}

/// Stores a code.
pub fn insert_code(conn: &mut DbConnection, row: &CodeRow) -> QueryResult<()> {
    diesel::insert_into(ac::authorization_codes)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The code with this hash.
pub fn code_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<CodeRow>> {
    ac::authorization_codes
        .find(hash)
        .select(CodeRow::as_select())
        .first(conn)
        .optional()
}

/// Redeems a code if nobody has: one atomic update (single use).
pub fn redeem_code(conn: &mut DbConnection, hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        ac::authorization_codes
            .find(hash)
            .filter(ac::redeemed_at.is_null()),
    )
    .set(ac::redeemed_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records what a code's redemption issued, so a replay can revoke it.
pub fn record_code_issue(
    conn: &mut DbConnection,
    hash: &str,
    family: Option<&str>,
    jti: &str,
) -> QueryResult<()> {
    diesel::update(ac::authorization_codes.find(hash))
        .set((
            ac::issued_family_id.eq(family),
            ac::issued_access_jti.eq(Some(jti)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Revokes an access token by its `jti`, remembered until it would expire.
/// Revoking it twice, even at once, is no error.
pub fn revoke_jti(conn: &mut DbConnection, jti: &str, expires_at: i64) -> QueryResult<()> {
    // A savepoint, so that losing the race to insert does not abort an
    // enclosing PostgreSQL transaction.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(ra::revoked_access_tokens)
            .values((ra::jti.eq(jti), ra::expires_at.eq(expires_at)))
            .execute(conn)
    });
    match inserted {
        Ok(_) => super::revocations::record(conn, super::revocations::Kind::Jti, jti, "", expires_at),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Whether an access token was revoked.
pub fn is_jti_revoked(conn: &mut DbConnection, jti: &str) -> QueryResult<bool> {
    ra::revoked_access_tokens
        .find(jti)
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Forgets revoked ids whose tokens have expired anyway.
pub fn purge_expired(conn: &mut DbConnection, now: i64) -> QueryResult<usize> {
    diesel::delete(ra::revoked_access_tokens.filter(ra::expires_at.lt(now))).execute(conn)
}

/// Revokes the refresh tokens issued under a login session (its public id).
pub fn revoke_for_session(conn: &mut DbConnection, session_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::session_id.eq(session_id))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// Revokes the refresh tokens a client holds for a user.
pub fn revoke_for_user_client(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::client_id.eq(client_id))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// Revokes every refresh token of a user.
pub fn revoke_for_user(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// How many tokens a refresh token was rotated into.
pub fn successors(conn: &mut DbConnection, parent: &str) -> QueryResult<i64> {
    rt::refresh_tokens
        .filter(rt::parent_hash.eq(parent))
        .count()
        .get_result(conn)
}

/// Deletes up to `limit` refresh tokens of families that are dead: every
/// token of the family expired before `cutoff`. A family with one token
/// left at or after `cutoff` is kept whole, rotated-out tokens included,
/// so that reuse detection still recognises them. Returns how many rows
/// went; a batch shorter than `limit` means none is left.
pub fn purge_dead_families(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    use diesel::dsl::{exists, not};
    let newer = diesel::alias!(super::schema::refresh_tokens as newer);
    let dead = rt::refresh_tokens
        .select(rt::token_hash)
        .filter(rt::expires_at.lt(cutoff))
        .filter(not(exists(
            newer
                .filter(newer.field(rt::family_id).eq(rt::family_id))
                .filter(newer.field(rt::expires_at).ge(cutoff)),
        )))
        .limit(limit)
        .load::<String>(conn)?;
    // Checked again as it is deleted: a dead family cannot come back to
    // life (a refresh needs an unexpired token), so the expiry suffices.
    diesel::delete(
        rt::refresh_tokens
            .filter(rt::token_hash.eq_any(&dead))
            .filter(rt::expires_at.lt(cutoff)),
    )
    .execute(conn)
}

/// Deletes up to `limit` authorization codes that expired before `cutoff`.
pub fn purge_codes(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let expired = ac::authorization_codes
        .select(ac::code_hash)
        .filter(ac::expires_at.lt(cutoff))
        .limit(limit)
        .load::<String>(conn)?;
    diesel::delete(
        ac::authorization_codes
            .filter(ac::code_hash.eq_any(&expired))
            .filter(ac::expires_at.lt(cutoff)),
    )
    .execute(conn)
}

/// Deletes up to `limit` revoked access-token ids whose tokens expired
/// before `cutoff`: an expired token is refused for its `exp` anyway.
pub fn purge_revoked_jtis(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let expired = ra::revoked_access_tokens
        .select(ra::jti)
        .filter(ra::expires_at.lt(cutoff))
        .limit(limit)
        .load::<String>(conn)?;
    diesel::delete(
        ra::revoked_access_tokens
            .filter(ra::jti.eq_any(&expired))
            .filter(ra::expires_at.lt(cutoff)),
    )
    .execute(conn)
}
