//! The audit log: who did what to which thing, when. Entries never hold secret values.

use super::{new_id, now_ms};
use sqlx::AnyPool;

/// One audit entry to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The user who acted, if any (none for anonymous attempts and the system).
    pub actor_id: Option<&'a str>,
    /// Dotted action name, e.g. `user.signed_in`.
    pub action: &'a str,
    /// Kind of the thing acted on, e.g. `user`.
    pub target_kind: &'a str,
    /// Id of the thing acted on.
    pub target_id: &'a str,
    /// Extra facts as JSON (never secrets).
    pub detail: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// An entry with no detail.
    pub fn new(
        actor_id: Option<&'a str>,
        action: &'a str,
        target_kind: &'a str,
        target_id: &'a str,
    ) -> Self {
        Self {
            actor_id,
            action,
            target_kind,
            target_id,
            detail: serde_json::json!({}),
        }
    }

    /// The same entry with `detail`.
    pub fn with(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored audit entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    /// Entry id.
    pub id: String,
    /// Unix milliseconds.
    pub at: i64,
    /// Acting user.
    pub actor_id: Option<String>,
    /// Dotted action name.
    pub action: String,
    /// Kind of the target.
    pub target_kind: String,
    /// Id of the target.
    pub target_id: String,
    /// JSON detail.
    pub detail: String,
}

/// Appends an entry.
pub async fn record<'e, E>(executor: E, entry: Entry<'_>) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, target_kind, target_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id("aud"))
    .bind(now_ms())
    .bind(entry.actor_id)
    .bind(entry.action)
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(entry.detail.to_string())
    .execute(executor)
    .await?;
    Ok(())
}

/// Entries about one target, newest first.
pub async fn for_target(
    pool: &AnyPool,
    target_kind: &str,
    target_id: &str,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor_id, action, target_kind, target_id, detail FROM audit_log \
         WHERE target_kind = $1 AND target_id = $2 ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(target_kind)
    .bind(target_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
