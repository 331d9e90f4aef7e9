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
    /// The publisher the entry concerns, so its members see it in their log.
    pub publisher_id: Option<&'a str>,
    /// The organization the entry concerns, so its admins see it in their log.
    pub organization_id: Option<&'a str>,
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
            publisher_id: None,
            organization_id: None,
        }
    }

    /// The same entry, shown to the members of `publisher_id` too.
    pub fn for_publisher(mut self, publisher_id: &'a str) -> Self {
        self.publisher_id = Some(publisher_id);
        self
    }

    /// The same entry, shown to the admins of `organization_id` too.
    pub fn for_organization(mut self, organization_id: &'a str) -> Self {
        self.organization_id = Some(organization_id);
        self
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
        "INSERT INTO audit_log (id, at, actor_id, action, target_kind, target_id, detail, publisher_id, \
         organization_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id("aud"))
    .bind(now_ms())
    .bind(entry.actor_id)
    .bind(entry.action)
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(entry.detail.to_string())
    .bind(entry.publisher_id)
    .bind(entry.organization_id)
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

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Only entries concerning this publisher.
    pub publisher_id: Option<&'a str>,
    /// Only actions starting with this (`version.`, `publisher.member_added`).
    pub action_prefix: Option<&'a str>,
    /// Only entries about this kind of target.
    pub target_kind: Option<&'a str>,
    /// Only entries after this one in newest-first order (its time and id), for the next page.
    pub before: Option<(i64, String)>,
}

/// An entry as the audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Entry id.
    pub id: String,
    /// Unix ms.
    pub at: i64,
    /// Actor's display name and email, if any.
    pub actor: Option<(String, String)>,
    /// Action.
    pub action: String,
    /// Target kind.
    pub target_kind: String,
    /// Target id.
    pub target_id: String,
    /// JSON detail.
    pub detail: String,
}

/// Entries matching `filter`, newest first, at most `limit`.
pub async fn list(
    pool: &AnyPool,
    filter: &Filter<'_>,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    // Every condition is always present; an absent filter binds a value that matches everything.
    type Row = (
        String,
        i64,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        String,
    );
    let (before_at, before_id) = filter.before.clone().unwrap_or((i64::MAX, String::new()));
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, a.at, u.display_name, u.email, a.action, a.target_kind, a.target_id, a.detail \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE ($1 = '' OR a.publisher_id = $1) AND ($2 = '' OR substr(a.action, 1, length($2)) = $2) \
         AND ($3 = '' OR a.target_kind = $3) \
         AND (a.at < $4 OR (a.at = $4 AND a.id < $5)) ORDER BY a.at DESC, a.id DESC LIMIT $6",
    )
    .bind(filter.publisher_id.unwrap_or_default())
    .bind(filter.action_prefix.unwrap_or_default())
    .bind(filter.target_kind.unwrap_or_default())
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, at, name, email, action, target_kind, target_id, detail)| Listed {
                id,
                at,
                actor: name.zip(email),
                action,
                target_kind,
                target_id,
                detail,
            },
        )
        .collect())
}
