//! Review and lifecycle storage: applying a decided transition, the version's history, the review
//! queue and its statistics.

use super::{new_id, now_ms};
use crate::model::extension::VersionState;
use crate::model::review::{Action, HistoryEntry, QueueItem, Standing};
use sqlx::AnyPool;

/// A version's id, standing and owning publisher, for deciding a transition.
#[derive(Debug, Clone)]
pub struct VersionRef {
    /// Version id.
    pub id: String,
    /// Owning publisher's id.
    pub publisher_id: String,
    /// Where it stands.
    pub standing: Standing,
}

/// Finds a version by extension key and version text.
pub async fn find(
    pool: &AnyPool,
    key: &str,
    version: &str,
) -> Result<Option<VersionRef>, sqlx::Error> {
    type Row = (String, String, String, Option<i64>, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT v.id, e.publisher_id, v.state, v.yanked_at, v.revoked_at FROM versions v \
         JOIN extensions e ON e.id = v.extension_id WHERE e.key = $1 AND v.version = $2",
    )
    .bind(key)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    Ok(
        row.map(|(id, publisher_id, state, yanked, revoked)| VersionRef {
            id,
            publisher_id,
            standing: Standing {
                state: VersionState::parse(&state).unwrap_or(VersionState::Submitted),
                yanked: yanked.is_some(),
                revoked: revoked.is_some(),
            },
        }),
    )
}

/// Applies a transition that `model::review::decide` allowed. The update only matches while the
/// version still stands at `from`: of two concurrent decisions one applies and the other gets
/// `Ok(false)`. The history row and the audit entry are written in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    pool: &AnyPool,
    target: &VersionRef,
    key: &str,
    version: &str,
    to: Standing,
    action: Action,
    actor_id: &str,
    message: &str,
) -> Result<bool, sqlx::Error> {
    let (version_id, from) = (target.id.as_str(), target.standing);
    let now = now_ms();
    let message = Some(message.trim()).filter(|m| !m.is_empty());
    let mut tx = pool.begin().await?;
    let set = match action {
        Action::Claim => "state = $5, reviewer_id = $6, updated_at = $7",
        Action::Approve | Action::RequestChanges | Action::Reject => {
            "state = $5, reviewer_id = $6, review_message = $7, decided_at = $8, updated_at = $8"
        }
        Action::Withdraw => "state = $5, updated_at = $6",
        Action::Yank => "yanked_at = $5, yank_reason = $6, updated_at = $5",
        Action::Unyank => "yanked_at = NULL, yank_reason = NULL, updated_at = $5",
        Action::Revoke => "revoked_at = $5, revoke_reason = $6, updated_at = $5",
    };
    // Every update carries the same guard: it applies only while the version stands at `from`.
    let sql = format!(
        "UPDATE versions SET {set} WHERE id = $1 AND state = $2 \
         AND (yanked_at IS NULL) = $3 AND (revoked_at IS NULL) = $4"
    );
    let guarded = sqlx::query(&sql)
        .bind(version_id)
        .bind(from.state.as_str())
        .bind(!from.yanked)
        .bind(!from.revoked);
    let query = match action {
        Action::Claim => guarded.bind(to.state.as_str()).bind(actor_id).bind(now),
        Action::Approve | Action::RequestChanges | Action::Reject => guarded
            .bind(to.state.as_str())
            .bind(actor_id)
            .bind(message)
            .bind(now),
        Action::Withdraw => guarded.bind(to.state.as_str()).bind(now),
        Action::Yank | Action::Revoke => guarded.bind(now).bind(message),
        Action::Unyank => guarded.bind(now),
    };
    let updated = query.execute(&mut *tx).await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO version_events (id, version_id, at, actor_id, action, from_state, to_state, message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id("vev"))
    .bind(version_id)
    .bind(now)
    .bind(actor_id)
    .bind(action.as_str())
    .bind(from.state.as_str())
    .bind(to.state.as_str())
    .bind(message)
    .execute(&mut *tx)
    .await?;
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(
            Some(actor_id),
            &format!("version.{}", action.as_str()),
            "version",
            version_id,
        )
        .with(serde_json::json!({
            "key": key,
            "version": version,
            "from": from.state.as_str(),
            "to": to.state.as_str(),
            "reason": message,
        }))
        .for_publisher(&target.publisher_id),
    )
    .await?;
    // Claims are the reviewer's business; every other change is the publisher's news.
    if action != Action::Claim {
        let text = match message {
            Some(m) => format!("{key} {version}: {} — “{m}”", action.label().to_lowercase()),
            None => format!("{key} {version}: {}.", action.label().to_lowercase()),
        };
        super::notifications::to_publisher(
            &mut *tx,
            &target.publisher_id,
            &text,
            &format!("/publish/extensions/{key}/versions/{version}"),
        )
        .await?;
    }
    // A revoked version stops working wherever it is installed; the organizations' admins hear why.
    if action == Action::Revoke {
        let reason = format!(
            "Version {version} was revoked by the marketplace: {}",
            message.unwrap_or("security")
        );
        let affected: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT i.id, i.organization_id, o.slug FROM installations i \
             JOIN organizations o ON o.id = i.organization_id JOIN versions v ON v.extension_id = i.extension_id \
             WHERE v.id = $1 AND i.version = v.version AND i.status IN ('active', 'setup', 'disabled')",
        )
        .bind(version_id)
        .fetch_all(&mut *tx)
        .await?;
        for (installation, organization, slug) in &affected {
            sqlx::query(
                "UPDATE installations SET status = CASE WHEN status = 'setup' THEN 'setup' ELSE 'disabled' END, \
                 disabled_reason = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(&reason)
            .bind(now)
            .bind(installation)
            .execute(&mut *tx)
            .await?;
            super::audit::record(
                &mut *tx,
                super::audit::Entry::new(
                    Some(actor_id),
                    "installation.disabled",
                    "installation",
                    installation,
                )
                .with(serde_json::json!({ "reason": reason }))
                .for_organization(organization),
            )
            .await?;
            super::notifications::to_org_admins(
                &mut *tx,
                organization,
                &format!("{key}: {reason}"),
                &format!("/orgs/{slug}/installations/{installation}"),
            )
            .await?;
        }
    }
    // Approving, yanking, un-yanking and revoking can change what the catalog shows.
    if matches!(
        action,
        Action::Approve | Action::Yank | Action::Unyank | Action::Revoke
    ) {
        let (extension_id,): (String,) =
            sqlx::query_as("SELECT extension_id FROM versions WHERE id = $1")
                .bind(version_id)
                .fetch_one(&mut *tx)
                .await?;
        super::catalog::refresh(&mut tx, &extension_id).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A version's history, oldest first.
pub async fn history(pool: &AnyPool, version_id: &str) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let rows: Vec<(i64, Option<String>, String, Option<String>)> = sqlx::query_as(
        "SELECT ev.at, u.display_name, ev.action, ev.message FROM version_events ev \
         LEFT JOIN users u ON u.id = ev.actor_id WHERE ev.version_id = $1 ORDER BY ev.at, ev.id",
    )
    .bind(version_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, actor, action, message)| {
            Some(HistoryEntry {
                at,
                actor,
                action: Action::parse(&action)?,
                message,
            })
        })
        .collect())
}

/// Versions waiting for review, oldest first.
pub async fn queue(pool: &AnyPool) -> Result<Vec<QueueItem>, sqlx::Error> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
        i64,
        i64,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.key, e.name, v.version, p.display_name, p.verified, v.state, r.display_name, v.created_at, \
         (SELECT COUNT(*) FROM version_findings f WHERE f.version_id = v.id AND f.severity = 'blocking'), \
         (SELECT COUNT(*) FROM version_findings f WHERE f.version_id = v.id AND f.severity = 'warning') \
         FROM versions v JOIN extensions e ON e.id = v.extension_id JOIN publishers p ON p.id = e.publisher_id \
         LEFT JOIN users r ON r.id = v.reviewer_id \
         WHERE v.state IN ('submitted', 'in_review') ORDER BY v.created_at, v.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(key, name, version, publisher, verified, state, reviewer, at, blocking, warnings)| {
                QueueItem {
                    key,
                    name,
                    version,
                    publisher,
                    verified: verified != 0,
                    state: VersionState::parse(&state).unwrap_or(VersionState::Submitted),
                    reviewer,
                    submitted_at: at,
                    blocking: blocking as u32,
                    warnings: warnings as u32,
                }
            },
        )
        .collect())
}

/// Median time from upload to decision, in ms, over decisions of the last `days` days.
pub async fn median_review_ms(pool: &AnyPool, days: i64) -> Result<Option<i64>, sqlx::Error> {
    let since = now_ms() - days * 24 * 3600 * 1000;
    let mut waits: Vec<i64> = sqlx::query_as::<_, (i64,)>(
        "SELECT decided_at - created_at FROM versions WHERE decided_at IS NOT NULL AND decided_at >= $1",
    )
    .bind(since)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(w,)| w)
    .collect();
    if waits.is_empty() {
        return Ok(None);
    }
    waits.sort_unstable();
    Ok(Some(waits[waits.len() / 2]))
}

/// The last published version of an extension other than `except_version_id`, by semver.
pub async fn previous_published(
    pool: &AnyPool,
    extension_id: &str,
    except_version_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT version FROM versions WHERE extension_id = $1 AND state = 'published' AND id <> $2",
    )
    .bind(extension_id)
    .bind(except_version_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(v,)| {
            crate::model::manifest::names::Version::parse(&v)
                .ok()
                .map(|p| (p, v))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v))
}
