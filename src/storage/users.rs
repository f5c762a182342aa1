//! The `users` table.

use super::schema::users::dsl as u;
use super::DbConnection;
use diesel::prelude::*;

/// A stored user.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::users)]
pub struct UserRow {
    /// Stable id (the `sub` of the user's tokens).
    pub id: String,
    /// Login name.
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// May administer the client registry.
    pub is_admin: bool,
    /// Refused sign-in and tokens.
    pub suspended: bool,
    /// Creation time.
    pub created_at: i64,
    /// Last password change.
    pub password_changed_at: i64,
    /// Email address (unique, whatever its case).
    pub email: Option<String>,
    /// Whether the address was shown to belong to the user.
    pub email_verified: bool,
    /// Full name.
    pub name: Option<String>,
    /// Given name(s).
    pub given_name: Option<String>,
    /// Family name(s).
    pub family_name: Option<String>,
    /// Last change of the profile (`updated_at` claim).
    pub updated_at: i64,
}

/// Inserts a user.
pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(u::users)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The user with this login name.
pub fn by_username(conn: &mut DbConnection, name: &str) -> QueryResult<Option<UserRow>> {
    u::users
        .filter(u::username.eq(name))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The user with this id.
pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    u::users
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Suspends or reinstates a user; returns whether the user exists.
pub fn set_suspended(conn: &mut DbConnection, name: &str, suspended: bool) -> QueryResult<bool> {
    diesel::update(u::users.filter(u::username.eq(name)))
        .set(u::suspended.eq(suspended))
        .execute(conn)
        .map(|n| n == 1)
}

/// Replaces a user's password hash; returns whether the user exists.
pub fn set_password(conn: &mut DbConnection, id: &str, password_hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(u::users.find(id))
        .set((u::password_hash.eq(password_hash), u::password_changed_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Deletes a user. Their sessions, codes, refresh tokens, consents and
/// consent withdrawals go with them (foreign keys `ON DELETE CASCADE`);
/// the clients they registered stay, without an owner (`ON DELETE SET NULL`).
/// Returns whether the user existed.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(u::users.find(id)).execute(conn).map(|n| n == 1)
}

/// Locks the administrators' rows for the rest of the transaction (a
/// no-op update, which both backends lock) and counts them.
pub fn lock_and_count_admins(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::is_admin.eq(true)))
        .set(u::is_admin.eq(true))
        .execute(conn)
}

/// Users by login name, at most `limit` (`i64::MAX`: every user).
pub fn list(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<UserRow>> {
    u::users
        .order(u::username)
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)
}

/// A user's profile columns, written together in one statement: a `None`
/// clears its column (`treat_none_as_null`), so what is written is the
/// whole profile, never a mix of two writers' halves.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = super::schema::users, treat_none_as_null = true)]
pub struct ProfileColumns {
    /// Email address.
    pub email: Option<String>,
    /// Whether the address was shown to belong to the user.
    pub email_verified: bool,
    /// Full name.
    pub name: Option<String>,
    /// Given name(s).
    pub given_name: Option<String>,
    /// Family name(s).
    pub family_name: Option<String>,
    /// When it was written.
    pub updated_at: i64,
}

impl ProfileColumns {
    /// The profile stored in `row`.
    pub fn of(row: &UserRow) -> ProfileColumns {
        ProfileColumns {
            email: row.email.clone(),
            email_verified: row.email_verified,
            name: row.name.clone(),
            given_name: row.given_name.clone(),
            family_name: row.family_name.clone(),
            updated_at: row.updated_at,
        }
    }
}

/// Writes a user's whole profile (see [`ProfileColumns`]); returns whether
/// the user exists. An address another user has, whatever its case, fails
/// with a unique violation that [`is_email_taken`] recognises.
pub fn set_profile(conn: &mut DbConnection, id: &str, profile: &ProfileColumns) -> QueryResult<bool> {
    diesel::update(u::users.find(id))
        .set(profile)
        .execute(conn)
        .map(|n| n == 1)
}

/// Locks the user's row until the end of the transaction; returns whether
/// the user exists. Called first in a transaction that reads the row to
/// decide what to write: the no-op update takes the row lock on PostgreSQL
/// and SQLite's write lock, so two edits of one profile are made one after
/// the other and neither undoes the other.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(u::users.find(id))
        .set(u::id.eq(u::id))
        .execute(conn)
        .map(|n| n == 1)
}

/// The name of the unique index on `lower(email)` (both migrations).
const EMAIL_INDEX: &str = "users_email";

/// Whether `error` is a write refused because another user has the email
/// address (the unique index on `lower(email)`), as opposed to any other
/// unique key (the username). PostgreSQL names the index as the constraint;
/// SQLite names it in its message (`UNIQUE constraint failed: index
/// 'users_email'`).
pub fn is_email_taken(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name() == Some(EMAIL_INDEX) || info.message().contains(EMAIL_INDEX)
        }
        _ => false,
    }
}

diesel::define_sql_function! {
    /// SQL `lower` of a text.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower` of a nullable text.
    #[sql_name = "lower"]
    fn lower_nullable(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// The `LIKE` pattern matching `needle` anywhere, its own `%`, `_` and `\`
/// escaped (with `\`), lowercased.
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Users whose login name or email address contains `needle` (any case;
/// empty: every user), by login name: `limit` of them after skipping
/// `offset`, and how many match in all.
pub fn search(
    conn: &mut DbConnection,
    needle: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let pattern = contains_pattern(needle);
    let matching = || {
        u::users.filter(
            lower(u::username)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_nullable(u::email).like(pattern.clone()).escape('\\')),
        )
    };
    let total = matching().count().get_result::<i64>(conn)?;
    let rows = matching()
        .order(u::username)
        .limit(limit)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
