//! The `signing_keys` table.

use super::schema::signing_keys::dsl as k;
use super::DbConnection;
use diesel::prelude::*;

/// A stored signing key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::signing_keys)]
pub struct KeyRow {
    /// Key id.
    pub kid: String,
    /// JOSE algorithm name.
    pub alg: String,
    /// The private key, PKCS#8 DER.
    pub private_pkcs8: Vec<u8>,
    /// The public JWK, JSON.
    pub public_jwk: String,
    /// Creation time.
    pub created_at: i64,
    /// When it stopped signing new tokens.
    pub retired_at: Option<i64>,
}

/// Every key, newest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<KeyRow>> {
    k::signing_keys
        .select(KeyRow::as_select())
        .order((k::created_at.desc(), k::kid.desc()))
        .load(conn)
}

/// Inserts `row` and marks every key before it superseded, in one transaction.
pub fn insert_active(conn: &mut DbConnection, row: &KeyRow) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(k::signing_keys.filter(k::retired_at.is_null()))
            .set(k::retired_at.eq(Some(row.created_at)))
            .execute(conn)?;
        diesel::insert_into(k::signing_keys).values(row).execute(conn)?;
        Ok(())
    })
}
