//! Users: accounts, password hashes, roles and the sign-in lockout.

use super::{is_unique_violation, new_id, now_ms};
use crate::model::account::{DisplayName, Email, UserSummary};
use sqlx::AnyPool;

/// An argon2 PHC string. Deliberately neither `Serialize` nor `Debug`-printing its content.
#[derive(Clone)]
pub struct PasswordHash(pub String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// A user row with what authentication needs.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// User id.
    pub id: String,
    /// Normalised email.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Stored argon2 hash.
    pub password_hash: PasswordHash,
    /// Marketplace admin role.
    pub is_admin: bool,
    /// When the password last changed; sessions started before it are void.
    pub password_changed_at: i64,
    /// Sign-in is refused until this time (unix ms), if set.
    pub locked_until: Option<i64>,
    /// Creation time.
    pub created_at: i64,
}

type Tuple = (String, String, String, String, i64, i64, Option<i64>, i64);

fn from_tuple(t: Tuple) -> UserRecord {
    UserRecord {
        id: t.0,
        email: t.1,
        display_name: t.2,
        password_hash: PasswordHash(t.3),
        is_admin: t.4 != 0,
        password_changed_at: t.5,
        locked_until: t.6,
        created_at: t.7,
    }
}

const COLUMNS: &str = "id, email, display_name, password_hash, is_admin, password_changed_at, \
                       locked_until, created_at";

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Another account has this email.
    #[error("email taken")]
    EmailTaken,
    /// Anything else.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates a user; the email is unique.
pub async fn create(
    pool: &AnyPool,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &PasswordHash,
    is_admin: bool,
) -> Result<UserRecord, CreateError> {
    let now = now_ms();
    let id = new_id("usr");
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, is_admin, \
         password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $6)",
    )
    .bind(&id)
    .bind(email.as_str())
    .bind(display_name.as_str())
    .bind(&password_hash.0)
    .bind(i64::from(is_admin))
    .bind(now)
    .execute(pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "users_email_key") {
            CreateError::EmailTaken
        } else {
            CreateError::Db(e)
        }
    })?;
    Ok(UserRecord {
        id,
        email: email.as_str().to_string(),
        display_name: display_name.as_str().to_string(),
        password_hash: password_hash.clone(),
        is_admin,
        password_changed_at: now,
        locked_until: None,
        created_at: now,
    })
}

/// Finds a user by normalised email.
pub async fn find_by_email(
    pool: &AnyPool,
    email: &Email,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let row: Option<Tuple> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(from_tuple))
}

/// Finds a user by id.
pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    let row: Option<Tuple> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(from_tuple))
}

/// Replaces the password hash and voids sessions started before now. Returns the new epoch.
pub async fn set_password(
    pool: &AnyPool,
    id: &str,
    password_hash: &PasswordHash,
) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, \
         locked_until = NULL WHERE id = $3",
    )
    .bind(&password_hash.0)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(now)
}

/// Grants or withdraws the marketplace admin role.
pub async fn set_admin(pool: &AnyPool, id: &str, is_admin: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET is_admin = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(is_admin))
        .bind(now_ms())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Number of marketplace admins.
pub async fn count_admins(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE is_admin = 1")
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Number of users.
pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Users ordered by email, for the admin page.
pub async fn list(
    pool: &AnyPool,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserSummary>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, email, display_name, is_admin, created_at FROM users \
         ORDER BY email LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, email, display_name, is_admin, created_at)| UserSummary {
                id,
                email,
                display_name,
                is_admin: is_admin != 0,
                created_at,
            },
        )
        .collect())
}

/// Lockout policy: this many failures within [`FAILURE_WINDOW_MS`] lock the account.
pub const MAX_FAILURES: i64 = 5;
/// Window in which failures are counted.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a locked account refuses sign-ins.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// Records a failed sign-in at `now`; returns the lock end when this failure locks the account.
pub async fn record_failure(
    pool: &AnyPool,
    id: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO sign_in_failures (id, user_id, failed_at) VALUES ($1, $2, $3)")
        .bind(new_id("sif"))
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let (recent,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sign_in_failures WHERE user_id = $1 AND failed_at > $2",
    )
    .bind(id)
    .bind(now - FAILURE_WINDOW_MS)
    .fetch_one(&mut *tx)
    .await?;
    let locked = if recent >= MAX_FAILURES {
        let until = now + LOCK_MS;
        sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(until)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Some(until)
    } else {
        None
    };
    tx.commit().await?;
    Ok(locked)
}

/// Forgets failures and any lock after a successful sign-in.
pub async fn clear_failures(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    sqlx::query("UPDATE users SET locked_until = NULL WHERE id = $1 AND locked_until IS NOT NULL")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
