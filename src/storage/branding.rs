//! The `client_branding` table: an application's organisation (set by an
//! administrator) and its uploaded logo. A client without a row has neither.

use super::schema::client_branding::dsl as b;
use super::DbConnection;
use diesel::prelude::*;

/// An uploaded logo: its bytes, their checked content type, and when it
/// was uploaded (the validator of its `ETag`).
pub struct Logo {
    /// The image, as uploaded.
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`, from the bytes.
    pub content_type: String,
    /// Unix seconds.
    pub updated_at: i64,
}

/// The organisation named as the owner of `client_id`, if any.
pub fn organisation(conn: &mut DbConnection, client_id: &str) -> QueryResult<Option<String>> {
    Ok(b::client_branding
        .find(client_id)
        .select(b::organisation)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// When the logo of `client_id` was uploaded, if it has one.
pub fn logo_updated_at(conn: &mut DbConnection, client_id: &str) -> QueryResult<Option<i64>> {
    Ok(b::client_branding
        .find(client_id)
        .filter(b::logo.is_not_null())
        .select(b::logo_updated_at)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten())
}

/// The logo of `client_id`, if it has one.
pub fn logo(conn: &mut DbConnection, client_id: &str) -> QueryResult<Option<Logo>> {
    let row = b::client_branding
        .find(client_id)
        .select((b::logo, b::logo_content_type, b::logo_updated_at))
        .first::<(Option<Vec<u8>>, Option<String>, Option<i64>)>(conn)
        .optional()?;
    Ok(match row {
        Some((Some(bytes), Some(content_type), Some(updated_at))) => Some(Logo {
            bytes,
            content_type,
            updated_at,
        }),
        _ => None,
    })
}

/// Makes sure `client_id` has a row, so that the updates below change
/// only their own columns (an administrator's organisation and a
/// developer's logo never overwrite each other).
fn ensure_row(conn: &mut DbConnection, client_id: &str) -> QueryResult<()> {
    let exists = b::client_branding
        .find(client_id)
        .select(b::client_id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(b::client_branding)
            .values(b::client_id.eq(client_id))
            .execute(conn)?;
    }
    Ok(())
}

/// Sets (or, with `None`, clears) the organisation of `client_id`.
pub fn set_organisation(
    conn: &mut DbConnection,
    client_id: &str,
    organisation: Option<&str>,
) -> QueryResult<()> {
    ensure_row(conn, client_id)?;
    diesel::update(b::client_branding.find(client_id))
        .set(b::organisation.eq(organisation))
        .execute(conn)?;
    Ok(())
}

/// Sets (or, with `None`, removes) the logo of `client_id`.
pub fn set_logo(conn: &mut DbConnection, client_id: &str, logo: Option<Logo>) -> QueryResult<()> {
    ensure_row(conn, client_id)?;
    let (bytes, content_type, updated_at) = match logo {
        Some(l) => (Some(l.bytes), Some(l.content_type), Some(l.updated_at)),
        None => (None, None, None),
    };
    diesel::update(b::client_branding.find(client_id))
        .set((
            b::logo.eq(bytes),
            b::logo_content_type.eq(content_type),
            b::logo_updated_at.eq(updated_at),
        ))
        .execute(conn)?;
    Ok(())
}
