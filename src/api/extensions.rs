//! Extensions and versions as their publishers see them: the dashboard, the listing editor, the
//! version page, and the refusal of the last plain upload.

use crate::error::AppError;
use crate::model::extension::{ExtensionOverview, UploadRefusal, VersionDetail};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, keep_input},
    crate::model::extension::Listing,
    crate::server::auth,
    crate::server::db::{audit, extensions, extensions::ExtensionRecord, publishers, users, Db},
};

/// The extension `key`, if the caller is a member of its publisher or a marketplace admin.
/// Anyone else is told it does not exist: unpublished extensions are not their business.
#[cfg(feature = "ssr")]
async fn extension_for(
    db: &Db,
    user: &users::UserRecord,
    key: &str,
) -> Result<(ExtensionRecord, bool), AppError> {
    let not_found = || AppError::NotFound(format!("No extension {key} among your publishers."));
    let ext = extensions::find_by_key(&db.pool, key)
        .await?
        .ok_or_else(not_found)?;
    let member = publishers::role_of(&db.pool, &ext.publisher_id, &user.id)
        .await?
        .is_some();
    if !member && !user.is_admin {
        return Err(not_found());
    }
    Ok((ext, member))
}

#[cfg(feature = "ssr")]
async fn overview(
    db: &Db,
    ext: ExtensionRecord,
    can_edit: bool,
) -> Result<ExtensionOverview, AppError> {
    let versions = extensions::versions_of(&db.pool, &ext.id).await?;
    Ok(ExtensionOverview {
        key: ext.key,
        name: ext.name,
        publisher: ext.publisher_slug,
        publisher_name: ext.publisher_name,
        listing: ext.listing,
        versions,
        can_edit,
        deprecation: ext.deprecation,
    })
}

/// The extensions of a publisher with all their versions (members and marketplace admins).
#[server(endpoint = "publisher_extensions")]
pub async fn publisher_extensions(slug: String) -> Result<Vec<ExtensionOverview>, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let publisher = publishers::find_by_slug(&state.db.pool, &slug)
            .await?
            .ok_or_else(|| AppError::NotFound("No such publisher.".into()))?;
        let member = publishers::role_of(&state.db.pool, &publisher.id, &user.id)
            .await?
            .is_some();
        if !member && !user.is_admin {
            return Err(AppError::Forbidden(
                "Only members of this publisher can see this.".into(),
            ));
        }
        let mut out = Vec::new();
        for ext in extensions::of_publisher(&state.db.pool, &publisher.id).await? {
            out.push(overview(&state.db, ext, member).await?);
        }
        Ok(out)
    }
    .await;
    answer(result)
}

/// One extension with its listing and versions (members and marketplace admins).
#[server(endpoint = "get_extension_overview")]
pub async fn get_extension_overview(key: String) -> Result<ExtensionOverview, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (ext, member) = extension_for(&state.db, &user, &key).await?;
        overview(&state.db, ext, member).await
    }
    .await;
    answer(result)
}

/// Replaces an extension's listing (members of its publisher).
#[server(endpoint = "update_listing")]
#[allow(clippy::too_many_arguments)]
pub async fn update_listing(
    key: String,
    summary: String,
    #[server(default)] categories: Vec<String>,
    tags: String,
    homepage: String,
    repository: String,
    support: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let form = format!("listing:{key}");
    keep_input(
        &session,
        &form,
        &[
            ("summary", &summary),
            ("categories", &categories.join(",")),
            ("tags", &tags),
            ("homepage", &homepage),
            ("repository", &repository),
            ("support", &support),
        ],
    )
    .await;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (ext, member) = extension_for(&state.db, &user, &key).await?;
        if !member {
            return Err(AppError::Forbidden(
                "Only members of the publisher can edit its listings.".into(),
            ));
        }
        let listing = Listing::parse(
            &summary,
            &categories,
            &tags,
            &homepage,
            &repository,
            &support,
        )?;
        extensions::update_listing(&state.db.pool, &ext.id, &listing).await?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&user.id),
                "extension.listing_updated",
                "extension",
                &ext.id,
            )
            .with(serde_json::json!({ "key": ext.key })),
        )
        .await?;
        // Saved: the form shows the stored listing, not what was typed.
        super::support::take_kept_input(&session, &form).await?;
        Ok(())
    }
    .await;
    if result.is_ok() && super::support::is_form_post() {
        leptos_axum::redirect(&format!("/publish/extensions/{key}?saved=1"));
    }
    answer(result)
}

/// Deprecates an extension (members of its publisher): a reason, optionally the extension to use
/// instead and a deadline (`YYYY-MM-DD`) after which new installs are refused.
#[server(endpoint = "deprecate_extension")]
pub async fn deprecate_extension(
    key: String,
    reason: String,
    #[server(default)] replacement: String,
    #[server(default)] deadline: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    // Kept under the listing form's name: the management page takes one set of kept input.
    let form = format!("listing:{key}");
    keep_input(
        &session,
        &form,
        &[
            ("reason", &reason),
            ("replacement", &replacement),
            ("deadline", &deadline),
        ],
    )
    .await;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (ext, member) = extension_for(&state.db, &user, &key).await?;
        if !member {
            return Err(AppError::Forbidden(
                "Only members of the publisher can deprecate its extensions.".into(),
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::field(
                "reason",
                "Say why: the reason is shown on the extension's page.",
            ));
        }
        if reason.chars().count() > 1_000 {
            return Err(AppError::field("reason", "At most 1,000 characters."));
        }
        let replacement = replacement.trim();
        let replacement = if replacement.is_empty() {
            None
        } else if replacement == ext.key {
            return Err(AppError::field(
                "replacement",
                "An extension cannot replace itself.",
            ));
        } else if extensions::find_by_key(&state.db.pool, replacement)
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "replacement",
                format!("No extension has the key {replacement:?}."),
            ));
        } else {
            Some(replacement.to_string())
        };
        let now = crate::server::db::now_ms();
        let deadline = crate::model::extension::parse_deadline(&deadline, now)?;
        let d = crate::model::extension::Deprecation {
            since: now,
            reason: reason.to_string(),
            replacement,
            deadline,
        };
        extensions::set_deprecation(&state.db.pool, &ext.id, Some(&d)).await?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(Some(&user.id), "extension.deprecated", "extension", &ext.id)
                .with(serde_json::json!({
                    "key": ext.key,
                    "reason": d.reason,
                    "replacement": d.replacement,
                    "deadline": d.deadline,
                }))
                .for_publisher(&ext.publisher_id),
        )
        .await?;
        super::support::take_kept_input(&session, &form).await?;
        Ok(())
    }
    .await;
    if result.is_ok() && super::support::is_form_post() {
        leptos_axum::redirect(&format!("/publish/extensions/{key}"));
    }
    answer(result)
}

/// Lifts an extension's deprecation (members of its publisher).
#[server(endpoint = "undeprecate_extension")]
pub async fn undeprecate_extension(key: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (ext, member) = extension_for(&state.db, &user, &key).await?;
        if !member {
            return Err(AppError::Forbidden(
                "Only members of the publisher can change its extensions.".into(),
            ));
        }
        extensions::set_deprecation(&state.db.pool, &ext.id, None).await?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&user.id),
                "extension.undeprecated",
                "extension",
                &ext.id,
            )
            .with(serde_json::json!({ "key": ext.key }))
            .for_publisher(&ext.publisher_id),
        )
        .await?;
        Ok(())
    }
    .await;
    if result.is_ok() && super::support::is_form_post() {
        leptos_axum::redirect(&format!("/publish/extensions/{key}"));
    }
    answer(result)
}

/// One version with its findings, files and documents (members and marketplace admins).
#[server(endpoint = "get_version")]
pub async fn get_version(key: String, version: String) -> Result<VersionDetail, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (ext, member) = extension_for(&state.db, &user, &key).await?;
        let v = extensions::find_version(&state.db.pool, &ext.id, &version)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("{key} has no version {version}.")))?;
        let manifest = v.manifest.clone().ok_or_else(|| {
            tracing::error!(%key, %version, "a stored manifest could not be read back");
            AppError::Internal
        })?;
        let review =
            super::review::review_info(&state.db, &key, &v, &manifest, user.is_admin, member)
                .await?;
        Ok(VersionDetail {
            key: ext.key,
            name: ext.name,
            publisher: ext.publisher_slug,
            summary: v.summary,
            sha256: v.sha256,
            unpacked_bytes: v.unpacked_bytes,
            manifest_path: v.manifest_path,
            manifest,
            release_notes: v.release_notes,
            findings: v.findings,
            files: v.files,
            docs: v.docs,
            uploaded_by: v.uploaded_by,
            review,
        })
    }
    .await;
    answer(result)
}

/// Why the caller's last plain (no-JavaScript) upload was refused, once.
#[server(endpoint = "take_upload_refusal")]
pub async fn take_upload_refusal() -> Result<Option<UploadRefusal>, AppError> {
    let (_, session) = context().await?;
    let result = async {
        let refusal: Option<UploadRefusal> =
            session.remove(crate::server::upload::REFUSAL_KEY).await?;
        Ok(refusal)
    }
    .await;
    answer(result)
}
