//! The `pairwise_subjects` table: one random subject per sector and user
//! (OpenID Connect Core §8.1).

use super::schema::pairwise_subjects::dsl as p;
use super::DbConnection;
use diesel::prelude::*;

/// The subject of `user_id` in `sector`, storing `candidate` if it has
/// none yet. Two requests racing to create it get the same answer.
pub fn get_or_insert(
    conn: &mut DbConnection,
    sector: &str,
    user_id: &str,
    candidate: &str,
) -> QueryResult<String> {
    if let Some(sub) = find(conn, sector, user_id)? {
        return Ok(sub);
    }
    // A savepoint, so that losing the race does not abort an enclosing
    // PostgreSQL transaction.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(p::pairwise_subjects)
            .values((p::sector.eq(sector), p::user_id.eq(user_id), p::sub.eq(candidate)))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(candidate.to_string()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            find(conn, sector, user_id)?.ok_or(diesel::result::Error::NotFound)
        }
        Err(e) => Err(e),
    }
}

/// The subject of `user_id` in `sector`, if one was issued.
pub fn find(conn: &mut DbConnection, sector: &str, user_id: &str) -> QueryResult<Option<String>> {
    p::pairwise_subjects
        .find((sector, user_id))
        .select(p::sub)
        .first(conn)
        .optional()
}

/// The user a pairwise subject of `sector` stands for.
pub fn user_of(conn: &mut DbConnection, sector: &str, sub: &str) -> QueryResult<Option<String>> {
    p::pairwise_subjects
        .filter(p::sector.eq(sector).and(p::sub.eq(sub)))
        .select(p::user_id)
        .first(conn)
        .optional()
}
