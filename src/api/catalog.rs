//! The public catalog: what anyone may browse.

use crate::error::AppError;
use crate::model::catalog::{CatalogCard, ExtensionPage, PublicPublisher};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context},
    crate::server::auth,
    crate::server::db::{catalog, extensions, publishers},
};

/// Listed extensions.
#[server(endpoint = "list_catalog")]
pub async fn list_catalog() -> Result<Vec<CatalogCard>, AppError> {
    let (state, _) = context().await?;
    answer(
        catalog::listed(&state.db.pool)
            .await
            .map_err(AppError::from),
    )
}

/// An extension's public page: listed extensions only (published, a latest version, publisher
/// not suspended).
#[server(endpoint = "get_extension_page")]
pub async fn get_extension_page(key: String) -> Result<ExtensionPage, AppError> {
    let (state, _) = context().await?;
    let result = async {
        let pool = &state.db.pool;
        let not_found = || AppError::NotFound(format!("No extension {key} is listed."));
        let ext = extensions::find_by_key(pool, &key)
            .await?
            .ok_or_else(not_found)?;
        let publisher = publishers::find_by_slug(pool, &ext.publisher_slug)
            .await?
            .ok_or_else(not_found)?;
        if publisher.suspension.is_some() {
            return Err(not_found());
        }
        let summaries = extensions::versions_of(pool, &ext.id).await?;
        let latest = crate::model::extension::latest(&summaries)
            .cloned()
            .ok_or_else(not_found)?;
        let record = extensions::find_version(pool, &ext.id, &latest.version)
            .await?
            .ok_or_else(not_found)?;
        let manifest = record.manifest.clone().ok_or(AppError::Internal)?;
        let versions = catalog::published_versions(pool, &ext.id).await?;
        let updated_at = versions
            .iter()
            .find(|v| v.summary.version == latest.version)
            .map(|v| v.published_at)
            .unwrap_or(latest.created_at);
        Ok(ExtensionPage {
            card: crate::model::catalog::CatalogCard {
                key: ext.key,
                name: ext.name,
                publisher: ext.publisher_slug,
                publisher_name: ext.publisher_name,
                verified: publisher.verified,
                listing: ext.listing,
                latest: latest.version,
                deprecated: ext.deprecation.is_some(),
                updated_at,
            },
            deprecation: ext.deprecation,
            versions,
            manifest,
            docs: record.docs,
        })
    }
    .await;
    answer(result)
}

/// A publisher's public page: its listed extensions. Members and marketplace admins are told they
/// may manage it; a suspended publisher is visible to them only.
#[server(endpoint = "get_public_publisher")]
pub async fn get_public_publisher(slug: String) -> Result<PublicPublisher, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let pool = &state.db.pool;
        let not_found = || AppError::NotFound("No such publisher.".into());
        let publisher = publishers::find_by_slug(pool, &slug)
            .await?
            .ok_or_else(not_found)?;
        let can_manage = match auth::current_user(&state.db, &session).await? {
            Some(user) => {
                user.is_admin
                    || publishers::role_of(pool, &publisher.id, &user.id)
                        .await?
                        .is_some()
            }
            None => false,
        };
        if publisher.suspension.is_some() && !can_manage {
            return Err(not_found());
        }
        let extensions = catalog::listed(pool)
            .await?
            .into_iter()
            .filter(|c| c.publisher == publisher.slug)
            .collect();
        Ok(PublicPublisher {
            slug: publisher.slug,
            display_name: publisher.display_name,
            verified: publisher.verified,
            extensions,
            can_manage,
        })
    }
    .await;
    answer(result)
}
