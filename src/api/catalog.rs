//! The public catalog: what anyone may browse.

use crate::error::AppError;
use crate::model::catalog::{CatalogPage, ExtensionPage, Facets, PublicPublisher};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context},
    crate::model::catalog::{CatalogParams, CatalogQuery, PER_PAGE},
    crate::server::auth,
    crate::server::db::{catalog, extensions, publishers},
};

/// One page of the catalog: search text, filters, sort and page as they come from the URL.
/// Parameters that cannot be used are dropped with a notice rather than refused, so a stale or
/// mistyped link still shows the catalog.
#[server(endpoint = "search_catalog")]
pub async fn search_catalog(
    q: Option<String>,
    category: Option<String>,
    event: Option<String>,
    permission: Option<String>,
    verified: Option<String>,
    sort: Option<String>,
    page: Option<String>,
) -> Result<CatalogPage, AppError> {
    let (state, _) = context().await?;
    let params = CatalogParams {
        q,
        category,
        event,
        permission,
        verified,
        sort,
        page,
    };
    let result = async {
        let (query, notices) = CatalogQuery::parse(&params);
        let (cards, total) = catalog::search(&state.db, &query).await?;
        Ok(CatalogPage {
            query,
            notices,
            cards,
            total,
            per_page: PER_PAGE,
        })
    }
    .await;
    answer(result)
}

/// What the catalog's filters offer: the categories, trigger events and permissions listed
/// extensions use, with their counts.
#[server(endpoint = "catalog_facets")]
pub async fn catalog_facets() -> Result<Facets, AppError> {
    let (state, _) = context().await?;
    let result = async {
        let generation = state.catalog_cache.generation(&state.db.pool).await?;
        Ok(state
            .catalog_cache
            .facets(&state.db.pool, generation)
            .await?)
    }
    .await;
    answer(result)
}

/// An extension's public page: listed extensions only (published, a latest version, publisher
/// not suspended).
#[server(endpoint = "get_extension_page")]
pub async fn get_extension_page(key: String) -> Result<ExtensionPage, AppError> {
    let (state, _) = context().await?;
    let result = async {
        let pool = &state.db.pool;
        let not_found = || AppError::NotFound(format!("No extension {key} is listed."));
        let card = catalog::card(pool, &key).await?.ok_or_else(not_found)?;
        let ext = extensions::find_by_key(pool, &key)
            .await?
            .ok_or_else(not_found)?;
        let record = extensions::find_version(pool, &ext.id, &card.latest)
            .await?
            .ok_or_else(not_found)?;
        let manifest = record.manifest.clone().ok_or(AppError::Internal)?;
        let versions = catalog::published_versions(pool, &ext.id).await?;
        Ok(ExtensionPage {
            card,
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
        let extensions = catalog::of_publisher(pool, &publisher.id).await?;
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
