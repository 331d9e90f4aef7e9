//! The public catalog: extensions with a latest version whose publisher is not suspended.

use super::extensions;
use crate::model::catalog::{CatalogCard, PublicVersion};
use crate::model::extension::{latest, Listing};
use sqlx::AnyPool;

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
);

/// Listed extensions, by name. Extensions without a latest version (nothing published, or all
/// yanked or revoked) and those of suspended publishers are not listed.
pub async fn listed(pool: &AnyPool) -> Result<Vec<CatalogCard>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.key, e.name, e.summary, e.categories, e.tags, p.slug, p.display_name, p.verified, \
         e.updated_at, e.deprecated_at FROM extensions e JOIN publishers p ON p.id = e.publisher_id \
         WHERE p.suspended_at IS NULL ORDER BY e.name, e.key",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for (id, key, name, summary, cats, tags, slug, publisher_name, verified, updated, deprecated) in
        rows
    {
        let versions = extensions::versions_of(pool, &id).await?;
        let Some(latest) = latest(&versions) else {
            continue;
        };
        out.push(CatalogCard {
            key,
            name,
            publisher: slug,
            publisher_name,
            verified: verified != 0,
            listing: Listing {
                summary,
                categories: serde_json::from_str(&cats).unwrap_or_default(),
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                ..Listing::default()
            },
            latest: latest.version.clone(),
            deprecated: deprecated.is_some(),
            updated_at: updated,
        });
    }
    Ok(out)
}

/// Published versions of an extension with their badges' reasons, highest first.
pub async fn published_versions(
    pool: &AnyPool,
    extension_id: &str,
) -> Result<Vec<PublicVersion>, sqlx::Error> {
    let all = extensions::versions_of(pool, extension_id).await?;
    type VersionRow = (String, String, Option<i64>, Option<String>, Option<String>);
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT version, sha256, decided_at, yank_reason, revoke_reason FROM versions \
         WHERE extension_id = $1 AND state = 'published'",
    )
    .bind(extension_id)
    .fetch_all(pool)
    .await?;
    Ok(all
        .into_iter()
        .filter_map(|summary| {
            let (_, sha256, decided_at, yank_reason, revoke_reason) =
                rows.iter().find(|r| r.0 == summary.version)?.clone();
            Some(PublicVersion {
                published_at: decided_at.unwrap_or(summary.created_at),
                summary,
                sha256,
                yank_reason,
                revoke_reason,
            })
        })
        .collect())
}
