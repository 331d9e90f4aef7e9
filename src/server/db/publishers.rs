//! Publishers and their members.

use super::{is_unique_violation, new_id, now_ms};
use crate::model::publisher::{PublisherMember, PublisherRole, PublisherSlug, PublisherSummary};
use sqlx::AnyPool;

/// A publisher row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherRecord {
    /// Id.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub display_name: String,
    /// Verified by a marketplace admin.
    pub verified: bool,
    /// Why a marketplace admin suspended it, while suspended.
    pub suspension: Option<String>,
}

/// Why a change to a publisher was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The slug is taken.
    #[error("slug taken")]
    SlugTaken,
    /// The user is already a member.
    #[error("already a member")]
    AlreadyMember,
    /// The change would leave the publisher without an owner.
    #[error("last owner")]
    LastOwner,
    /// No such member.
    #[error("not a member")]
    NotMember,
    /// Anything else.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates a publisher with `owner_id` as its first owner, in one transaction.
pub async fn create(
    pool: &AnyPool,
    slug: &PublisherSlug,
    display_name: &str,
    owner_id: &str,
) -> Result<PublisherRecord, ChangeError> {
    let now = now_ms();
    let id = new_id("pub");
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO publishers (id, slug, display_name, verified, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $4)",
    )
    .bind(&id)
    .bind(slug.as_str())
    .bind(display_name)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "publishers_slug_key") {
            ChangeError::SlugTaken
        } else {
            ChangeError::Db(e)
        }
    })?;
    sqlx::query(
        "INSERT INTO publisher_members (publisher_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
    )
    .bind(&id)
    .bind(owner_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(PublisherRecord {
        id,
        slug: slug.as_str().to_string(),
        display_name: display_name.to_string(),
        verified: false,
        suspension: None,
    })
}

/// Finds a publisher by slug.
pub async fn find_by_slug(
    pool: &AnyPool,
    slug: &str,
) -> Result<Option<PublisherRecord>, sqlx::Error> {
    find_where(pool, "slug", slug).await
}

/// Finds a publisher by id.
pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<PublisherRecord>, sqlx::Error> {
    find_where(pool, "id", id).await
}

async fn find_where(
    pool: &AnyPool,
    column: &'static str,
    value: &str,
) -> Result<Option<PublisherRecord>, sqlx::Error> {
    type Row = (String, String, String, i64, Option<i64>, Option<String>);
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT id, slug, display_name, verified, suspended_at, suspension_reason FROM publishers WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |(id, slug, display_name, verified, suspended_at, reason)| PublisherRecord {
            id,
            slug,
            display_name,
            verified: verified != 0,
            suspension: suspended_at.map(|_| reason.unwrap_or_default()),
        },
    ))
}

/// The publishers `user_id` belongs to, by name.
pub async fn for_user(pool: &AnyPool, user_id: &str) -> Result<Vec<PublisherSummary>, sqlx::Error> {
    let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT p.slug, p.display_name, p.verified, m.role FROM publishers p \
         JOIN publisher_members m ON m.publisher_id = p.id WHERE m.user_id = $1 ORDER BY p.display_name, p.slug",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, display_name, verified, role)| PublisherSummary {
            slug,
            display_name,
            verified: verified != 0,
            role: PublisherRole::parse(&role).ok(),
        })
        .collect())
}

/// The role of `user_id` in `publisher_id`, if a member.
pub async fn role_of(
    pool: &AnyPool,
    publisher_id: &str,
    user_id: &str,
) -> Result<Option<PublisherRole>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT role FROM publisher_members WHERE publisher_id = $1 AND user_id = $2",
    )
    .bind(publisher_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(r,)| PublisherRole::parse(&r).ok()))
}

/// Members, owners first, then by name.
pub async fn members(
    pool: &AnyPool,
    publisher_id: &str,
) -> Result<Vec<PublisherMember>, sqlx::Error> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, m.role FROM publisher_members m JOIN users u ON u.id = m.user_id \
         WHERE m.publisher_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, u.display_name, u.email",
    )
    .bind(publisher_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, display_name, email, role)| {
            Some(PublisherMember {
                user_id,
                display_name,
                email,
                role: PublisherRole::parse(&role).ok()?,
            })
        })
        .collect())
}

/// Adds a member.
pub async fn add_member(
    pool: &AnyPool,
    publisher_id: &str,
    user_id: &str,
    role: PublisherRole,
) -> Result<(), ChangeError> {
    sqlx::query("INSERT INTO publisher_members (publisher_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(publisher_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(now_ms())
        .execute(pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "publisher_members_pkey") {
                ChangeError::AlreadyMember
            } else {
                ChangeError::Db(e)
            }
        })?;
    Ok(())
}

/// Removes a member, refusing to remove the last owner. The check and the delete are one
/// statement, so two owners removing each other at once cannot both succeed.
pub async fn remove_member(
    pool: &AnyPool,
    publisher_id: &str,
    user_id: &str,
) -> Result<(), ChangeError> {
    let done = sqlx::query(
        "DELETE FROM publisher_members WHERE publisher_id = $1 AND user_id = $2 \
         AND (role <> 'owner' OR (SELECT COUNT(*) FROM publisher_members o \
              WHERE o.publisher_id = $1 AND o.role = 'owner') > 1)",
    )
    .bind(publisher_id)
    .bind(user_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    match role_of(pool, publisher_id, user_id).await? {
        None => Err(ChangeError::NotMember),
        Some(_) => Err(ChangeError::LastOwner),
    }
}

/// Marks a publisher verified or not.
pub async fn set_verified(
    pool: &AnyPool,
    publisher_id: &str,
    verified: bool,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE publishers SET verified = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(verified))
        .bind(now_ms())
        .bind(publisher_id)
        .execute(&mut *tx)
        .await?;
    super::catalog::refresh_publisher(&mut tx, publisher_id).await?;
    tx.commit().await
}

/// Suspends a publisher with a reason (its listings are hidden), or reinstates it with `None`.
pub async fn set_suspended(
    pool: &AnyPool,
    publisher_id: &str,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE publishers SET suspended_at = $1, suspension_reason = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(reason.map(|_| now))
    .bind(reason)
    .bind(now)
    .bind(publisher_id)
    .execute(&mut *tx)
    .await?;
    super::catalog::refresh_publisher(&mut tx, publisher_id).await?;
    tx.commit().await
}
