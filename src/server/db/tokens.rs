//! Personal tokens (`personal_tokens`). Only a token's SHA-256 is stored, and only from the moment
//! the account page shows the token once.

use super::{new_id, now_ms};
use crate::model::token::{PersonalToken, Scope};
use sqlx::{AnyConnection, AnyPool};

/// A new token, not shown yet.
pub struct NewToken<'a> {
    /// Owner.
    pub user_id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Scopes.
    pub scopes: &'a [Scope],
    /// Key pattern.
    pub key_pattern: Option<&'a str>,
    /// Expiry, unix ms.
    pub expires_at: Option<i64>,
}

/// A stored token found by its hash, live or not.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// Key pattern.
    pub key_pattern: Option<String>,
    /// Expiry, unix ms.
    pub expires_at: Option<i64>,
    /// Revoked, unix ms.
    pub revoked_at: Option<i64>,
}

fn scopes_of(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// Stores a new token without a hash (not shown yet) and returns its id.
pub async fn create(conn: &mut AnyConnection, t: &NewToken<'_>) -> Result<String, sqlx::Error> {
    let id = new_id("ptk");
    let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
    sqlx::query(
        "INSERT INTO personal_tokens (id, user_id, name, scopes, key_pattern, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(t.user_id)
    .bind(t.name)
    .bind(scopes.join(" "))
    .bind(t.key_pattern)
    .bind(now_ms())
    .bind(t.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Stores a token with its hash at once (the demo's token, whose text is published).
pub async fn create_shown(
    conn: &mut AnyConnection,
    t: &NewToken<'_>,
    hash: &str,
) -> Result<String, sqlx::Error> {
    let id = create(conn, t).await?;
    sqlx::query("UPDATE personal_tokens SET token_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// The newest live token of `user_id` not shown yet: (id, name).
pub async fn unrevealed(
    pool: &AnyPool,
    user_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM personal_tokens WHERE user_id = $1 AND token_hash IS NULL \
         AND revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

/// Stores the hash of a token being shown; false when it was shown meanwhile.
pub async fn set_hash(pool: &AnyPool, id: &str, hash: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE personal_tokens SET token_hash = $1 WHERE id = $2 AND token_hash IS NULL",
    )
    .bind(hash)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// The user's tokens, newest first.
pub async fn of_user(pool: &AnyPool, user_id: &str) -> Result<Vec<PersonalToken>, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        String,
        String,
        String,
        Option<String>,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    )> = sqlx::query_as(
        "SELECT id, name, scopes, key_pattern, created_at, expires_at, last_used_at, revoked_at \
         FROM personal_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, key_pattern, created_at, expires_at, last_used_at, revoked_at)| {
                PersonalToken {
                    id,
                    name,
                    scopes: scopes_of(&scopes),
                    key_pattern,
                    created_at,
                    expires_at,
                    last_used_at,
                    revoked_at,
                }
            },
        )
        .collect())
}

/// Revokes a live token of the user; false when there is none with this id.
pub async fn revoke(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE personal_tokens SET revoked_at = $1 WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The token with this hash, whether live, expired or revoked.
pub async fn find_by_hash(pool: &AnyPool, hash: &str) -> Result<Option<TokenRecord>, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        String,
        String,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
    )> = sqlx::query_as(
        "SELECT id, user_id, name, scopes, key_pattern, expires_at, revoked_at \
             FROM personal_tokens WHERE token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |(id, user_id, name, scopes, key_pattern, expires_at, revoked_at)| TokenRecord {
            id,
            user_id,
            name,
            scopes: scopes_of(&scopes),
            key_pattern,
            expires_at,
            revoked_at,
        },
    ))
}

/// Records a use of the token.
pub async fn touch(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE personal_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
