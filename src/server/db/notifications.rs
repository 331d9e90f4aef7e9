//! In-app notifications: a message with a link, per user, read or not.

use super::{new_id, now_ms};
use crate::model::notification::Notification;
use sqlx::AnyPool;

/// Notifies every member of a publisher.
pub async fn to_publisher<'e, E>(
    executor: E,
    publisher_id: &str,
    message: &str,
    link: &str,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // One id per row from the database is not portable; a prefix plus the user id is unique
    // per notification.
    let id = new_id("ntf");
    sqlx::query(
        "INSERT INTO notifications (id, user_id, at, message, link) \
         SELECT $1 || '_' || user_id, user_id, $2, $3, $4 FROM publisher_members WHERE publisher_id = $5",
    )
    .bind(id)
    .bind(now_ms())
    .bind(message)
    .bind(link)
    .bind(publisher_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// Notifies every admin of an organization.
pub async fn to_org_admins<'e, E>(
    executor: E,
    organization_id: &str,
    message: &str,
    link: &str,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let id = new_id("ntf");
    sqlx::query(
        "INSERT INTO notifications (id, user_id, at, message, link) \
         SELECT $1 || '_' || user_id, user_id, $2, $3, $4 FROM organization_members \
         WHERE organization_id = $5 AND role = 'admin'",
    )
    .bind(id)
    .bind(now_ms())
    .bind(message)
    .bind(link)
    .bind(organization_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// Notifies every marketplace admin.
pub async fn to_admins<'e, E>(executor: E, message: &str, link: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let id = new_id("ntf");
    sqlx::query(
        "INSERT INTO notifications (id, user_id, at, message, link) \
         SELECT $1 || '_' || id, id, $2, $3, $4 FROM users WHERE is_admin <> 0",
    )
    .bind(id)
    .bind(now_ms())
    .bind(message)
    .bind(link)
    .execute(executor)
    .await?;
    Ok(())
}

/// A user's latest notifications, newest first, and how many are unread.
pub async fn for_user(
    pool: &AnyPool,
    user_id: &str,
    limit: i64,
) -> Result<(Vec<Notification>, u32), sqlx::Error> {
    type Row = (String, i64, String, Option<String>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, message, link, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let unread = unread(pool, user_id).await?;
    Ok((
        rows.into_iter()
            .map(|(id, at, message, link, read_at)| Notification {
                id,
                at,
                message,
                link,
                read: read_at.is_some(),
            })
            .collect(),
        unread,
    ))
}

/// How many notifications the user has not read.
pub async fn unread(pool: &AnyPool, user_id: &str) -> Result<u32, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(pool)
            .await?;
    Ok(n as u32)
}

/// Marks all of a user's notifications read.
pub async fn mark_all_read(pool: &AnyPool, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}
