//! Installations and the organization-wide settings of installed extensions.

use super::{is_unique_violation, new_id, now_ms};
use crate::model::installation::{InstallStatus, InstallationSummary};
use sqlx::{AnyConnection, AnyPool};
use std::collections::BTreeMap;

/// A stored installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallationRecord {
    /// Id.
    pub id: String,
    /// Organization id.
    pub organization_id: String,
    /// Project id.
    pub project_id: String,
    /// Extension id.
    pub extension_id: String,
    /// Pinned version.
    pub version: String,
    /// Version before the last upgrade.
    pub previous_version: Option<String>,
    /// Status.
    pub status: InstallStatus,
    /// Why it is disabled.
    pub disabled_reason: Option<String>,
    /// Non-secret installation-scope values.
    pub settings: BTreeMap<String, String>,
    /// Consented permissions.
    pub granted_permissions: Vec<String>,
    /// The furthest wizard step reached.
    pub setup_step: i64,
    /// Installed, unix ms.
    pub created_at: i64,
    /// Last configured, unix ms.
    pub configured_at: Option<i64>,
}

/// Why an installation could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The extension is already installed in the project.
    #[error("already installed")]
    AlreadyInstalled,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const COLUMNS: &str =
    "id, organization_id, project_id, extension_id, version, previous_version, status, \
     disabled_reason, settings, granted_permissions, setup_step, created_at, configured_at";

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
    Option<i64>,
);

fn from_row(r: Row) -> InstallationRecord {
    InstallationRecord {
        id: r.0,
        organization_id: r.1,
        project_id: r.2,
        extension_id: r.3,
        version: r.4,
        previous_version: r.5,
        status: InstallStatus::parse(&r.6).unwrap_or(InstallStatus::Disabled),
        disabled_reason: r.7,
        settings: serde_json::from_str(&r.8).unwrap_or_default(),
        granted_permissions: serde_json::from_str(&r.9).unwrap_or_default(),
        setup_step: r.10,
        created_at: r.11,
        configured_at: r.12,
    }
}

/// What a new installation starts with.
pub struct NewInstallation<'a> {
    /// Organization id.
    pub organization_id: &'a str,
    /// Project id.
    pub project_id: &'a str,
    /// Extension id.
    pub extension_id: &'a str,
    /// Version.
    pub version: &'a str,
    /// Defaults of the installation-scope settings.
    pub settings: &'a BTreeMap<String, String>,
    /// The permissions consented to.
    pub permissions: &'a [String],
    /// The admin who consented.
    pub actor_id: &'a str,
}

/// Creates an installation in setup.
pub async fn create(
    conn: &mut AnyConnection,
    new: NewInstallation<'_>,
) -> Result<InstallationRecord, CreateError> {
    let id = new_id("ins");
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO installations (id, organization_id, project_id, extension_id, version, status, settings, \
         granted_permissions, consented_by, consented_at, setup_step, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'setup', $6, $7, $8, $9, 0, $8, $9, $9)",
    )
    .bind(&id)
    .bind(new.organization_id)
    .bind(new.project_id)
    .bind(new.extension_id)
    .bind(new.version)
    .bind(serde_json::to_string(new.settings).unwrap_or_else(|_| "{}".into()))
    .bind(serde_json::to_string(new.permissions).unwrap_or_else(|_| "[]".into()))
    .bind(new.actor_id)
    .bind(now)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e, "installations_live_key") => {
            return Err(CreateError::AlreadyInstalled)
        }
        Err(e) => return Err(e.into()),
    }
    Ok(find(&mut *conn, &id).await?.expect("just inserted"))
}

/// One installation.
pub async fn find<'e, E>(executor: E, id: &str) -> Result<Option<InstallationRecord>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM installations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(from_row))
}

/// The live (not uninstalled) installation of an extension in a project.
pub async fn live_in_project(
    pool: &AnyPool,
    project_id: &str,
    extension_id: &str,
) -> Result<Option<InstallationRecord>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM installations WHERE project_id = $1 AND extension_id = $2 \
         AND status <> 'uninstalled'"
    ))
    .bind(project_id)
    .bind(extension_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(from_row))
}

/// The live installations of an extension in an organization: project slug → installation id.
pub async fn live_in_organization(
    pool: &AnyPool,
    organization_id: &str,
    extension_id: &str,
) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.slug, i.id FROM installations i JOIN projects p ON p.id = i.project_id \
         WHERE i.organization_id = $1 AND i.extension_id = $2 AND i.status <> 'uninstalled'",
    )
    .bind(organization_id)
    .bind(extension_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The installations of an organization (uninstalled ones too, last), by project and name.
pub async fn of_organization(
    pool: &AnyPool,
    organization_id: &str,
) -> Result<Vec<InstallationSummary>, sqlx::Error> {
    type SummaryRow = (String, String, String, String, String, String, String);
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT i.id, p.slug, p.name, e.key, e.name, i.version, i.status FROM installations i \
         JOIN projects p ON p.id = i.project_id JOIN extensions e ON e.id = i.extension_id \
         WHERE i.organization_id = $1 \
         ORDER BY CASE WHEN i.status = 'uninstalled' THEN 1 ELSE 0 END, p.name, e.name, i.created_at DESC",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| InstallationSummary {
            id: r.0,
            project: (r.1, r.2),
            extension: (r.3, r.4),
            version: r.5,
            status: InstallStatus::parse(&r.6).unwrap_or(InstallStatus::Disabled),
        })
        .collect())
}

/// Saves wizard progress: the non-secret values and the furthest step reached.
pub async fn save_progress(
    conn: &mut AnyConnection,
    id: &str,
    settings: &BTreeMap<String, String>,
    step: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE installations SET settings = $1, setup_step = CASE WHEN setup_step > $2 THEN setup_step ELSE $2 END, \
         updated_at = $3 WHERE id = $4",
    )
    .bind(serde_json::to_string(settings).unwrap_or_else(|_| "{}".into()))
    .bind(step)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the setup finished: active, configured now, with the runtime token's hash (kept when
/// `token_hash` is `None`).
pub async fn activate(
    conn: &mut AnyConnection,
    id: &str,
    token_hash: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "UPDATE installations SET status = CASE WHEN status = 'setup' THEN 'active' ELSE status END, \
         runtime_token_hash = COALESCE($1, runtime_token_hash), configured_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the status (enable, disable, uninstall) with its reason.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: InstallStatus,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let uninstalled = (status == InstallStatus::Uninstalled).then_some(now);
    sqlx::query(
        "UPDATE installations SET status = $1, disabled_reason = $2, updated_at = $3, \
         uninstalled_at = COALESCE($4, uninstalled_at), \
         runtime_token_hash = CASE WHEN $1 = 'uninstalled' THEN NULL ELSE runtime_token_hash END \
         WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(now)
    .bind(uninstalled)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Extension-scope values of an extension in an organization, and when its organization-level
/// wizard was finished (`None`: never).
pub async fn extension_config(
    pool: &AnyPool,
    organization_id: &str,
    extension_id: &str,
) -> Result<(BTreeMap<String, String>, Option<i64>), sqlx::Error> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT settings, configured_at FROM extension_configs WHERE organization_id = $1 AND extension_id = $2",
    )
    .bind(organization_id)
    .bind(extension_id)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some((settings, at)) => (serde_json::from_str(&settings).unwrap_or_default(), at),
        None => (BTreeMap::new(), None),
    })
}

/// Saves extension-scope values; `configured` marks the organization-level wizard finished.
pub async fn save_extension_config(
    conn: &mut AnyConnection,
    organization_id: &str,
    extension_id: &str,
    settings: &BTreeMap<String, String>,
    configured: bool,
    actor_id: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let configured_at = configured.then_some(now);
    sqlx::query(
        "INSERT INTO extension_configs (organization_id, extension_id, settings, configured_by, configured_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organization_id, extension_id) DO UPDATE SET \
         settings = excluded.settings, configured_by = excluded.configured_by, \
         configured_at = COALESCE(excluded.configured_at, extension_configs.configured_at), \
         updated_at = excluded.updated_at",
    )
    .bind(organization_id)
    .bind(extension_id)
    .bind(serde_json::to_string(settings).unwrap_or_else(|_| "{}".into()))
    .bind(actor_id)
    .bind(configured_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the organization-level wizard of an extension finished, keeping the stored values.
pub async fn mark_extension_configured(
    conn: &mut AnyConnection,
    organization_id: &str,
    extension_id: &str,
    actor_id: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO extension_configs (organization_id, extension_id, settings, configured_by, configured_at, updated_at) \
         VALUES ($1, $2, '{}', $3, $4, $4) ON CONFLICT (organization_id, extension_id) DO UPDATE SET \
         configured_at = COALESCE(extension_configs.configured_at, excluded.configured_at)",
    )
    .bind(organization_id)
    .bind(extension_id)
    .bind(actor_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Active installations of an extension (its install count in the catalog).
pub async fn active_count(
    conn: &mut AnyConnection,
    extension_id: &str,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM installations WHERE extension_id = $1 AND status = 'active'",
    )
    .bind(extension_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}
