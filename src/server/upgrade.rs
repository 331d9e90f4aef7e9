//! Changing an installation's version (SPEC §7): upgrades and rollbacks are never silent. The
//! admin sees the release notes in between and what changes (permissions, events, settings, where
//! data goes); added permissions need consent again; new required settings send the admin
//! through the wizard; the version left behind stays available for rolling back.

use crate::error::AppError;
use crate::model::diff::diff;
use crate::model::extension::VersionState;
use crate::model::installation::{describe_permission, InstallStatus, VersionChange};
use crate::model::manifest::settings::{Setting, SettingScope};
use crate::model::manifest::wizard::is_shown;
use crate::server::db::extensions;
use crate::server::db::{audit, catalog, now_ms};
use crate::server::install::{self, Setup};
use crate::server::state::AppState;
use semver::Version;

/// The change of `setup` to version `to` (default: the latest installable version).
pub async fn preview(
    state: &AppState,
    setup: &Setup,
    to: Option<&str>,
) -> Result<VersionChange, AppError> {
    if setup.installation.status == InstallStatus::Uninstalled {
        return Err(AppError::Conflict(
            "This installation was uninstalled.".into(),
        ));
    }
    let target = match to.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => v.to_string(),
        None => latest_other(state, setup).await?.ok_or_else(|| {
            AppError::Conflict(format!(
                "{} {} is the latest version.",
                setup.extension.name, setup.installation.version
            ))
        })?,
    };
    if target == setup.installation.version {
        return Err(AppError::Conflict(format!(
            "Version {target} is the one installed."
        )));
    }
    let item = target_version(state, setup, &target).await?;
    let pool = &state.db.pool;
    let old = extensions::find_version(pool, &setup.extension.id, &setup.installation.version)
        .await?
        .ok_or(AppError::Internal)?;
    let new = extensions::find_version(pool, &setup.extension.id, &target)
        .await?
        .ok_or(AppError::Internal)?;
    let changes = diff(
        Some((&setup.installation.version, &setup.manifest, &old.files)),
        (&item, &new.files),
    );
    let (from_v, to_v) = (
        Version::parse(&setup.installation.version).ok(),
        Version::parse(&target).ok(),
    );
    let upgrade = matches!((&from_v, &to_v), (Some(a), Some(b)) if b > a);
    // Release notes of every published version in between (the target included).
    let mut notes = Vec::new();
    for v in extensions::versions_of(pool, &setup.extension.id).await? {
        let Ok(parsed) = Version::parse(&v.version) else {
            continue;
        };
        let between = match (&from_v, &to_v) {
            (Some(a), Some(b)) if upgrade => &parsed > a && &parsed <= b,
            (Some(a), Some(b)) => &parsed >= b && &parsed < a,
            _ => false,
        };
        if between && v.state == VersionState::Published {
            let record = extensions::find_version(pool, &setup.extension.id, &v.version)
                .await?
                .ok_or(AppError::Internal)?;
            notes.push((v.version.clone(), record.release_notes.unwrap_or_default()));
        }
    }
    let granted: Vec<&String> = setup.installation.granted_permissions.iter().collect();
    let needs_consent: Vec<_> = item
        .permissions
        .iter()
        .filter(|p| !granted.contains(p))
        .map(|p| describe_permission(p))
        .collect();
    Ok(VersionChange {
        installation: setup.installation.id.clone(),
        org: (setup.org.slug.clone(), setup.org.name.clone()),
        project: (setup.project.slug.clone(), setup.project.name.clone()),
        extension: (setup.extension.key.clone(), setup.extension.name.clone()),
        from: setup.installation.version.clone(),
        to: target,
        upgrade,
        diff: changes,
        needs_consent,
        release_notes: notes,
        changelog_html: new.docs.changelog_html.clone(),
        new_required: missing_required(state, setup, &item)
            .await?
            .into_iter()
            .map(|s| s.label)
            .collect(),
    })
}

/// The manifest of `version` when the installation may move to it: published and not revoked;
/// a yanked one only when rolling back to the version it came from.
async fn target_version(
    state: &AppState,
    setup: &Setup,
    version: &str,
) -> Result<crate::model::manifest::Manifest, AppError> {
    let versions = extensions::versions_of(&state.db.pool, &setup.extension.id).await?;
    let found = versions
        .iter()
        .find(|v| v.version == version && v.state == VersionState::Published)
        .ok_or_else(|| AppError::NotFound(format!("Version {version} is not published.")))?;
    if found.revoked {
        return Err(AppError::Conflict(format!(
            "Version {version} was revoked by the marketplace and cannot be installed."
        )));
    }
    let rollback = setup.installation.previous_version.as_deref() == Some(version);
    if found.yanked && !rollback {
        return Err(AppError::Conflict(format!(
            "Version {version} was yanked by its publisher and cannot be installed."
        )));
    }
    extensions::find_version(&state.db.pool, &setup.extension.id, version)
        .await?
        .and_then(|r| r.manifest)
        .ok_or(AppError::Internal)
}

/// The newest installable version other than the installed one, when newer.
pub async fn latest_other(state: &AppState, setup: &Setup) -> Result<Option<String>, AppError> {
    let versions = extensions::versions_of(&state.db.pool, &setup.extension.id).await?;
    let Some(latest) = crate::model::extension::latest(&versions) else {
        return Ok(None);
    };
    let newer = match (
        Version::parse(&latest.version),
        Version::parse(&setup.installation.version),
    ) {
        (Ok(l), Ok(c)) => l > c,
        _ => false,
    };
    Ok(newer.then(|| latest.version.clone()))
}

/// Required settings of `manifest` that have no value for this installation.
async fn missing_required(
    state: &AppState,
    setup: &Setup,
    manifest: &crate::model::manifest::Manifest,
) -> Result<Vec<Setting>, AppError> {
    let values = setup.values();
    let all: Vec<&Setting> = manifest.settings.iter().collect();
    let secrets = install::secret_states_of(state, setup, &all).await?;
    Ok(manifest
        .settings
        .iter()
        .filter(|s| s.required && is_shown(s, &values))
        .filter(|s| {
            if s.secret {
                s.auto_generate.is_none()
                    && !secrets
                        .iter()
                        .any(|st| st.key == s.key && st.resolved_from.is_some())
            } else {
                values.get(&s.key).is_none_or(|v| v.trim().is_empty())
                    && s.default.is_none()
                    && s.kind != crate::model::manifest::settings::SettingType::Boolean
            }
        })
        .cloned()
        .collect())
}

/// Where the admin goes after a version change.
pub enum Changed {
    /// Everything required is set.
    Done,
    /// The wizard, at this step, for new required settings.
    Configure(usize),
}

/// Moves the installation to `to`. Added permissions need `consent`. The version left behind is
/// kept for rollback.
pub async fn change(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    to: &str,
    consent: bool,
) -> Result<Changed, AppError> {
    let preview = preview(state, setup, Some(to)).await?;
    if !preview.needs_consent.is_empty() && !consent {
        return Err(AppError::field(
            "consent",
            "This version asks for more permissions: tick the box to grant them.",
        ));
    }
    let manifest = target_version(state, setup, to).await?;
    let missing = missing_required(state, setup, &manifest).await?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    // Guarded: a concurrent change of this installation makes this one fail, not both win.
    let updated = sqlx::query(
        "UPDATE installations SET previous_version = version, version = $1, granted_permissions = $2, \
         status = CASE WHEN status = 'disabled' AND disabled_reason LIKE 'Version % was revoked%' THEN 'active' ELSE status END, \
         disabled_reason = CASE WHEN status = 'disabled' AND disabled_reason LIKE 'Version % was revoked%' THEN NULL ELSE disabled_reason END, \
         updated_at = $3 WHERE id = $4 AND version = $5",
    )
    .bind(to)
    .bind(serde_json::to_string(&manifest.permissions).unwrap_or_else(|_| "[]".into()))
    .bind(now)
    .bind(&setup.installation.id)
    .bind(&setup.installation.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(AppError::Conflict(
            "Someone changed this installation meanwhile; reload and try again.".into(),
        ));
    }
    let action = if preview.upgrade {
        "installation.upgraded"
    } else {
        "installation.rolled_back"
    };
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            action,
            "installation",
            &setup.installation.id,
        )
        .with(serde_json::json!({
            "extension": setup.extension.key,
            "from": setup.installation.version,
            "to": to,
            "permissions_added": preview.diff.permissions_added,
            "permissions_removed": preview.diff.permissions_removed,
        }))
        .for_organization(&setup.org.id),
    )
    .await?;
    catalog::refresh(&mut tx, &setup.extension.id).await?;
    // Routed by the new version's manifest, which the update above pinned.
    crate::server::delivery::emit_lifecycle(
        &mut tx,
        setup,
        "extension.upgraded",
        serde_json::json!({
            "from": setup.installation.version,
            "to": to,
            "rollback": !preview.upgrade,
        }),
        Some(actor_id),
    )
    .await?;
    tx.commit().await?;
    state.wake_delivery();
    if missing.is_empty() {
        return Ok(Changed::Done);
    }
    // The first wizard step that asks for one of them.
    let reloaded = install::load(state, &setup.org, &setup.installation.id).await?;
    let step = reloaded
        .steps
        .iter()
        .position(|p| {
            p.scope == SettingScope::Installation
                && p.step
                    .fields
                    .iter()
                    .any(|f| missing.iter().any(|m| m.key == f.key))
        })
        .unwrap_or(0);
    Ok(Changed::Configure(step))
}
