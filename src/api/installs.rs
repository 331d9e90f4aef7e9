//! Installing extensions: where to install, consent, the setup wizard, the installation page.
//! Organization admins install and configure; members see installations; anyone else is told
//! the organization does not exist.

use crate::error::AppError;
use crate::model::installation::{
    Consent, InstallOptions, InstallationDetail, ShownOnce, VersionChange, WizardPage,
};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use {
    super::orgs::{org_for, require_org_admin},
    super::support::{answer, context, keep_input, take_kept_input},
    crate::model::installation::{describe_permission, InstallTarget},
    crate::model::manifest::Delivery,
    crate::model::organization::OrgRole,
    crate::server::auth,
    crate::server::db::organizations::{self, OrgRecord},
    crate::server::db::{installations, users, Db},
    crate::server::install::{self, Moved, Nav, Posted},
    crate::server::upgrade,
};

/// The organization `slug` when the caller administers it.
#[cfg(feature = "ssr")]
async fn admin_of(db: &Db, user: &users::UserRecord, slug: &str) -> Result<OrgRecord, AppError> {
    require_org_admin(db, user, slug, "install and configure extensions").await
}

#[cfg(feature = "ssr")]
fn setup_path(org: &str, id: &str, step: usize) -> String {
    format!("/orgs/{org}/installations/{id}/setup?step={step}")
}

/// Where the caller can install `key`: the organizations they administer, with their projects.
#[server(endpoint = "install_choice")]
pub async fn install_choice(key: String) -> Result<InstallOptions, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let item = install::installable(&state, &key, None).await?;
        let mut targets = Vec::new();
        let mut member_only = Vec::new();
        for org in organizations::for_user(&state.db.pool, &user.id).await? {
            if org.role != OrgRole::Admin {
                member_only.push(org.name);
                continue;
            }
            let Some(record) = organizations::find_by_slug(&state.db.pool, &org.slug).await? else {
                continue;
            };
            let live =
                installations::live_in_organization(&state.db.pool, &record.id, &item.extension.id)
                    .await?;
            let projects = organizations::projects(&state.db.pool, &record.id)
                .await?
                .into_iter()
                .map(|p| {
                    let existing = live.get(&p.slug).cloned();
                    (p.slug, p.name, existing)
                })
                .collect();
            targets.push(InstallTarget {
                org: org.slug,
                org_name: org.name,
                projects,
            });
        }
        Ok(InstallOptions {
            key: item.extension.key,
            name: item.extension.name,
            version: item.version,
            targets,
            member_only,
        })
    }
    .await;
    answer(result)
}

/// The consent screen for installing `key` (at `version`, default the latest) into a project.
#[server(endpoint = "install_consent")]
pub async fn install_consent(
    org: String,
    project: String,
    key: String,
    version: Option<String>,
) -> Result<Consent, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let project = organizations::find_project(&state.db.pool, &organization.id, &project)
            .await?
            .ok_or_else(|| AppError::NotFound("No such project.".into()))?;
        let item = install::installable(&state, &key, version.as_deref()).await?;
        let card = crate::server::db::catalog::card(&state.db.pool, &key)
            .await?
            .ok_or_else(|| AppError::NotFound("No such extension.".into()))?;
        let existing =
            installations::live_in_project(&state.db.pool, &project.id, &item.extension.id)
                .await?
                .map(|i| i.id);
        let mut events: Vec<String> = item
            .manifest
            .triggers
            .iter()
            .map(|t| t.event.clone())
            .collect();
        events.sort();
        events.dedup();
        let host = match &item.manifest.delivery {
            Delivery::Internal => None,
            Delivery::Http { url } => Some(host_of(url)),
        };
        Ok(Consent {
            key: item.extension.key,
            name: item.extension.name,
            version: item.version,
            publisher: card.publisher,
            publisher_name: card.publisher_name,
            verified: card.verified,
            permissions: item
                .manifest
                .permissions
                .iter()
                .map(|p| describe_permission(p))
                .collect(),
            events,
            host,
            org: (organization.slug, organization.name),
            project: (project.slug, project.name),
            existing,
        })
    }
    .await;
    answer(result)
}

/// The host of a delivery URL, for the consent screen; a `${VAR}` host says that a setting
/// decides it.
#[cfg(feature = "ssr")]
fn host_of(url: &str) -> String {
    if let Some(start) = url.find("${") {
        if let Some(end) = url[start..].find('}') {
            return format!("the address you enter as {}", &url[start + 2..start + end]);
        }
    }
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string())
}

/// Installs after consent: the installation starts its setup wizard.
#[server(endpoint = "begin_install")]
pub async fn begin_install(
    org: String,
    project: String,
    key: String,
    version: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let project = organizations::find_project(&state.db.pool, &organization.id, &project)
            .await?
            .ok_or_else(|| AppError::NotFound("No such project.".into()))?;
        let item = install::installable(&state, &key, Some(&version)).await?;
        let record = install::begin(&state, &user.id, &organization, &project, &item).await?;
        let setup = install::load(&state, &organization, &record.id).await?;
        if setup.steps.is_empty() {
            // Nothing to ask: finished at once.
            install::submit_empty(&state, &user.id, &setup).await?;
            leptos_axum::redirect(&format!(
                "/orgs/{}/installations/{}/done",
                organization.slug, record.id
            ));
        } else {
            leptos_axum::redirect(&setup_path(&organization.slug, &record.id, 0));
        }
        Ok(())
    }
    .await;
    answer(result)
}

/// One step of an installation's setup wizard (admins).
#[server(endpoint = "setup_page")]
pub async fn setup_page(org: String, id: String, step: usize) -> Result<WizardPage, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        if setup.installation.status == crate::model::installation::InstallStatus::Uninstalled {
            return Err(AppError::Conflict(
                "This installation was uninstalled.".into(),
            ));
        }
        // Steps beyond the furthest reached are not skipped to by URL.
        let reachable = (setup.installation.setup_step.max(0) as usize)
            .min(setup.steps.len().saturating_sub(1));
        let index = if setup.installation.status == crate::model::installation::InstallStatus::Setup
        {
            step.min(reachable)
        } else {
            step.min(setup.steps.len().saturating_sub(1))
        };
        let mut page = install::page(&state, &setup, index, None).await?;
        // What a refused plain form post typed on this step.
        let kept = take_kept_input(&session, &kept_form(&id, index)).await?;
        page.values.extend(kept);
        Ok(page)
    }
    .await;
    answer(result)
}

/// Saves a step of the setup wizard and moves to the next (or previous) one; the last step
/// finishes the setup.
#[server(endpoint = "save_setup_step")]
pub async fn save_setup_step(
    org: String,
    id: String,
    step: usize,
    nav: String,
    #[server(default)] values: BTreeMap<String, String>,
    #[server(default)] multi: BTreeMap<String, BTreeMap<String, String>>,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let mut kept: Vec<(String, String)> = Vec::new();
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        let posted = Posted { values, multi };
        let moved = install::submit(&state, &user.id, &setup, step, &posted, Nav::parse(&nav))
            .await
            .inspect_err(|_| kept = install::typed_values(&setup, step, &posted))?;
        match moved {
            Moved::To(i) => leptos_axum::redirect(&setup_path(&organization.slug, &id, i)),
            Moved::Finished => leptos_axum::redirect(&format!(
                "/orgs/{}/installations/{}/done",
                organization.slug, id
            )),
        }
        Ok(())
    }
    .await;
    if result.is_err() && !kept.is_empty() {
        let pairs: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        keep_input(&session, &kept_form(&id, step), &pairs).await;
    }
    answer(result)
}

/// The name input is kept under for one step of one setup.
#[cfg(feature = "ssr")]
fn kept_form(id: &str, step: usize) -> String {
    format!("save_setup_step:{id}:{step}")
}

/// The credentials of a just-finished installation, shown once: the runtime token and, when
/// generated, the signing secret. Later calls return nothing.
#[server(endpoint = "installation_credentials")]
pub async fn installation_credentials(org: String, id: String) -> Result<ShownOnce, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.insert_header(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
        }
        install::reveal_once(&state, &user.id, &setup).await
    }
    .await;
    answer(result)
}

/// The installation page (members of the organization).
#[server(endpoint = "get_installation")]
pub async fn get_installation(org: String, id: String) -> Result<InstallationDetail, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (organization, role) = org_for(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        install::detail(&state, &setup, role == OrgRole::Admin).await
    }
    .await;
    answer(result)
}

/// Enables or disables an installation (admins).
#[server(endpoint = "set_installation_enabled")]
pub async fn set_installation_enabled(
    org: String,
    id: String,
    enabled: bool,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        install::set_enabled(&state, &user.id, &setup, enabled).await?;
        leptos_axum::redirect(&setup.path());
        Ok(())
    }
    .await;
    answer(result)
}

/// Uninstalls (admins), confirmed by typing the extension's key: the installation's own secrets
/// are deleted; the installation is kept, uninstalled, for the record.
#[server(endpoint = "uninstall_installation")]
pub async fn uninstall_installation(
    org: String,
    id: String,
    confirm: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        if confirm.trim() != setup.extension.key {
            return Err(AppError::field(
                "confirm",
                format!("Type {} to confirm.", setup.extension.key),
            ));
        }
        install::uninstall(&state, &user.id, &setup).await?;
        leptos_axum::redirect(&setup.path());
        Ok(())
    }
    .await;
    answer(result)
}

/// What moving an installation to version `to` (default: the latest) changes (admins).
#[server(endpoint = "preview_version_change")]
pub async fn preview_version_change(
    org: String,
    id: String,
    to: Option<String>,
) -> Result<VersionChange, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        upgrade::preview(&state, &setup, to.as_deref()).await
    }
    .await;
    answer(result)
}

/// Upgrades or rolls back an installation (admins); added permissions need `consent=yes`.
#[server(endpoint = "change_version")]
pub async fn change_version(
    org: String,
    id: String,
    to: String,
    consent: Option<String>,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        let consent = consent.as_deref() == Some("yes");
        match upgrade::change(&state, &user.id, &setup, &to, consent).await? {
            upgrade::Changed::Done => leptos_axum::redirect(&setup.path()),
            upgrade::Changed::Configure(step) => {
                leptos_axum::redirect(&setup_path(&organization.slug, &id, step))
            }
        }
        Ok(())
    }
    .await;
    answer(result)
}

/// Rotates a generated signing secret (admins): the new one is shown once; the old one signs
/// for a day more.
#[server(endpoint = "rotate_signing_secret")]
pub async fn rotate_signing_secret(org: String, id: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        install::rotate_signing_secret(&state, &user.id, &setup).await?;
        leptos_axum::redirect(&format!("{}/done", setup.path()));
        Ok(())
    }
    .await;
    answer(result)
}

/// Replaces the runtime token (admins): the old one stops working; the new one is shown once.
#[server(endpoint = "replace_runtime_token")]
pub async fn replace_runtime_token(org: String, id: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = admin_of(&state.db, &user, &org).await?;
        let setup = install::load(&state, &organization, &id).await?;
        install::replace_runtime_token(&state, &user.id, &setup).await?;
        leptos_axum::redirect(&format!("{}/done", setup.path()));
        Ok(())
    }
    .await;
    answer(result)
}
