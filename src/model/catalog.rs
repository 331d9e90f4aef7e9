//! What visitors see: listed extensions and an extension's public page.

use crate::model::extension::{Deprecation, Listing, VersionDocs, VersionSummary};
use crate::model::manifest::Manifest;
use serde::{Deserialize, Serialize};

/// An extension in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCard {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Publisher slug.
    pub publisher: String,
    /// Publisher name.
    pub publisher_name: String,
    /// Publisher verified.
    pub verified: bool,
    /// The listing.
    pub listing: Listing,
    /// The latest version.
    pub latest: String,
    /// Deprecated.
    pub deprecated: bool,
    /// Last change, unix ms.
    pub updated_at: i64,
}

/// A published version on the public page, with the reasons of its badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicVersion {
    /// The version.
    pub summary: VersionSummary,
    /// Package sha256.
    pub sha256: String,
    /// When a reviewer published it, unix ms.
    pub published_at: i64,
    /// Why it was yanked.
    pub yank_reason: Option<String>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
}

/// An extension's public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionPage {
    /// The catalog card (name, publisher, listing, latest).
    pub card: CatalogCard,
    /// The deprecation, if any.
    pub deprecation: Option<Deprecation>,
    /// Published versions, highest first.
    pub versions: Vec<PublicVersion>,
    /// The latest version's manifest.
    pub manifest: Manifest,
    /// The latest version's documents.
    pub docs: VersionDocs,
}

/// A publisher's public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPublisher {
    /// Slug.
    pub slug: String,
    /// Name.
    pub display_name: String,
    /// Verified by a marketplace admin.
    pub verified: bool,
    /// Its listed extensions.
    pub extensions: Vec<CatalogCard>,
    /// The viewer is a member or a marketplace admin (and gets the management page instead).
    pub can_manage: bool,
}
