//! Organizations, their members and projects, and their secrets.
//!
//! Secrets are write-only here: values come in through [`set_secret`] and never go out; the
//! pages list keys and metadata. A value is never kept for a form shown again after an error.

use crate::error::AppError;
use crate::model::organization::{OrgDetail, OrgSummary};
use crate::model::secret::SecretList;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, keep_input},
    crate::model::account::{DisplayName, Email},
    crate::model::organization::OrgRole,
    crate::model::publisher::PublisherSlug,
    crate::model::secret::{check_key, check_value},
    crate::server::auth,
    crate::server::db::organizations::{self, ChangeError, OrgRecord, ProjectRecord},
    crate::server::db::{users, Db},
    crate::server::secrets::Scope,
    secrecy::SecretString,
};

#[cfg(feature = "ssr")]
fn change_error(e: ChangeError) -> AppError {
    match e {
        ChangeError::SlugTaken => AppError::field("slug", "This slug is taken. Choose another."),
        ChangeError::AlreadyMember => AppError::field("email", "This person is already a member."),
        ChangeError::LastAdmin => AppError::Conflict(
            "An organization needs at least one admin: make someone else an admin first.".into(),
        ),
        ChangeError::NotMember => AppError::NotFound("This person is not a member.".into()),
        ChangeError::Db(e) => AppError::from(e),
    }
}

/// The organization `slug` and the caller's role; others are told it does not exist.
#[cfg(feature = "ssr")]
pub(crate) async fn org_for(
    db: &Db,
    user: &users::UserRecord,
    slug: &str,
) -> Result<(OrgRecord, OrgRole), AppError> {
    let not_found = || AppError::NotFound("No such organization.".into());
    let org = organizations::find_by_slug(&db.pool, slug)
        .await?
        .ok_or_else(not_found)?;
    let role = organizations::role_of(&db.pool, &org.id, &user.id)
        .await?
        .ok_or_else(not_found)?;
    Ok((org, role))
}

#[cfg(feature = "ssr")]
pub(crate) async fn require_org_admin(
    db: &Db,
    user: &users::UserRecord,
    slug: &str,
    what: &str,
) -> Result<OrgRecord, AppError> {
    let (org, role) = org_for(db, user, slug).await?;
    if role != OrgRole::Admin {
        return Err(AppError::Forbidden(format!(
            "Only admins of this organization can {what}."
        )));
    }
    Ok(org)
}

/// The project of a secrets form: `None` for the organization's own secrets.
#[cfg(feature = "ssr")]
async fn project_of(
    db: &Db,
    org: &OrgRecord,
    project: &Option<String>,
) -> Result<Option<ProjectRecord>, AppError> {
    match project.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(slug) => Ok(Some(
            organizations::find_project(&db.pool, &org.id, slug)
                .await?
                .ok_or_else(|| AppError::NotFound("No such project.".into()))?,
        )),
    }
}

#[cfg(feature = "ssr")]
fn scope_of(org: &OrgRecord, project: &Option<ProjectRecord>) -> Scope {
    match project {
        Some(p) => Scope::project(&p.id),
        None => Scope::organization(&org.id),
    }
}

#[cfg(feature = "ssr")]
fn secrets_path(org: &OrgRecord, project: &Option<ProjectRecord>) -> String {
    match project {
        Some(p) => format!("/orgs/{}/projects/{}/secrets", org.slug, p.slug),
        None => format!("/orgs/{}/secrets", org.slug),
    }
}

/// Creates an organization; the caller becomes its admin.
#[server(endpoint = "create_organization")]
pub async fn create_organization(slug: String, name: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let parsed = PublisherSlug::parse(&slug)?;
        let name = DisplayName::parse(&name).map_err(|e| AppError::field("name", e.to_string()))?;
        let org = organizations::create(&state.db.pool, parsed.as_str(), name.as_str(), &user.id)
            .await
            .map_err(change_error)?;
        leptos_axum::redirect(&format!("/orgs/{}", org.slug));
        Ok(())
    }
    .await;
    if result.is_err() {
        keep_input(
            &session,
            "create_organization",
            &[("slug", &slug), ("name", &name)],
        )
        .await;
    }
    answer(result)
}

/// The caller's organizations.
#[server(endpoint = "my_organizations")]
pub async fn my_organizations() -> Result<Vec<OrgSummary>, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        Ok(organizations::for_user(&state.db.pool, &user.id).await?)
    }
    .await;
    answer(result)
}

/// An organization with its members and projects (its members only).
#[server(endpoint = "get_organization")]
pub async fn get_organization(slug: String) -> Result<OrgDetail, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (org, role) = org_for(&state.db, &user, &slug).await?;
        Ok(OrgDetail {
            members: organizations::members(&state.db.pool, &org.id).await?,
            projects: organizations::projects(&state.db.pool, &org.id).await?,
            installations: crate::server::db::installations::of_organization(
                &state.db.pool,
                &org.id,
            )
            .await?,
            slug: org.slug,
            name: org.name,
            role,
        })
    }
    .await;
    answer(result)
}

/// Adds an existing user, by email, as admin or member (admins only).
#[server(endpoint = "add_org_member")]
pub async fn add_org_member(slug: String, email: String, role: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let org = require_org_admin(&state.db, &user, &slug, "manage members").await?;
        let role = OrgRole::parse(&role)?;
        let email = Email::parse(&email)?;
        let member = users::find_by_email(&state.db.pool, &email)
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "email",
                    "No account uses this email. Ask them to sign up first.",
                )
            })?;
        organizations::add_member(&state.db.pool, &org, &member.id, role, &user.id)
            .await
            .map_err(change_error)
    }
    .await;
    if result.is_err() {
        keep_input(
            &session,
            "add_org_member",
            &[("email", &email), ("role", &role)],
        )
        .await;
    }
    answer(result)
}

/// Removes a member, by email (admins only; never the last admin).
#[server(endpoint = "remove_org_member")]
pub async fn remove_org_member(slug: String, email: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let org = require_org_admin(&state.db, &user, &slug, "manage members").await?;
        let member = users::find_by_email(&state.db.pool, &Email::parse(&email)?)
            .await?
            .ok_or_else(|| AppError::NotFound("This person is not a member.".into()))?;
        organizations::remove_member(&state.db.pool, &org, &member.id, &user.id)
            .await
            .map_err(change_error)?;
        if member.id == user.id {
            leptos_axum::redirect("/orgs");
        }
        Ok(())
    }
    .await;
    answer(result)
}

/// Creates a project (admins only).
#[server(endpoint = "create_project")]
pub async fn create_project(org: String, slug: String, name: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = require_org_admin(&state.db, &user, &org, "create projects").await?;
        let parsed = PublisherSlug::parse(&slug)?;
        let name = DisplayName::parse(&name).map_err(|e| AppError::field("name", e.to_string()))?;
        organizations::create_project(
            &state.db.pool,
            &organization,
            parsed.as_str(),
            name.as_str(),
            &user.id,
        )
        .await
        .map_err(change_error)?;
        Ok(())
    }
    .await;
    if result.is_err() {
        keep_input(
            &session,
            "create_project",
            &[("slug", &slug), ("name", &name)],
        )
        .await;
    }
    answer(result)
}

/// The secrets of an organization or of one of its projects: keys and metadata (members).
#[server(endpoint = "list_secrets")]
pub async fn list_secrets(org: String, project: Option<String>) -> Result<SecretList, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (organization, role) = org_for(&state.db, &user, &org).await?;
        let project = project_of(&state.db, &organization, &project).await?;
        let secrets = state
            .secrets
            .list(&state.db.pool, &scope_of(&organization, &project))
            .await
            .map_err(AppError::from)?;
        Ok(SecretList {
            org: organization.slug,
            org_name: organization.name,
            project: project.map(|p| (p.slug, p.name)),
            can_manage: role == OrgRole::Admin,
            secrets,
        })
    }
    .await;
    answer(result)
}

/// Sets or replaces a secret (admins only). The value is stored encrypted and never shown again.
#[server(endpoint = "set_secret")]
pub async fn set_secret(
    org: String,
    project: Option<String>,
    key: String,
    value: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let value = SecretString::from(value);
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = require_org_admin(&state.db, &user, &org, "set secrets").await?;
        let project = project_of(&state.db, &organization, &project).await?;
        let key = key.trim().to_string();
        check_key(&key)?;
        check_value(secrecy::ExposeSecret::expose_secret(&value))?;
        state
            .secrets
            .set(
                &state.db.pool,
                &organization.id,
                &scope_of(&organization, &project),
                &key,
                &value,
                &user.id,
            )
            .await
            .map_err(AppError::from)?;
        leptos_axum::redirect(&secrets_path(&organization, &project));
        Ok(())
    }
    .await;
    if result.is_err() {
        // The key only: a value is never kept.
        keep_input(&session, "set_secret", &[("key", &key)]).await;
    }
    answer(result)
}

/// Clears a secret: its ciphertext is deleted (admins only).
#[server(endpoint = "clear_secret")]
pub async fn clear_secret(
    org: String,
    project: Option<String>,
    key: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = require_org_admin(&state.db, &user, &org, "clear secrets").await?;
        let project = project_of(&state.db, &organization, &project).await?;
        let cleared = state
            .secrets
            .clear(
                &state.db.pool,
                &organization.id,
                &scope_of(&organization, &project),
                key.trim(),
                &user.id,
            )
            .await
            .map_err(AppError::from)?;
        if !cleared {
            return Err(AppError::NotFound(format!("{} is not set.", key.trim())));
        }
        leptos_axum::redirect(&secrets_path(&organization, &project));
        Ok(())
    }
    .await;
    answer(result)
}

/// Deletes an organization with its projects, members and secrets (admins only). Its data key
/// goes with it, so its ciphertexts, wherever a copy survives, can no longer be opened. The
/// caller confirms by typing the organization's slug.
#[server(endpoint = "delete_organization")]
pub async fn delete_organization(slug: String, confirm: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let org = require_org_admin(&state.db, &user, &slug, "delete it").await?;
        if confirm.trim() != org.slug {
            return Err(AppError::field(
                "confirm",
                format!("Type {} to confirm.", org.slug),
            ));
        }
        organizations::delete(&state.db.pool, &org, &user.id).await?;
        leptos_axum::redirect("/orgs");
        Ok(())
    }
    .await;
    answer(result)
}
