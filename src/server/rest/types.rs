//! What the REST API answers with: its public JSON shapes, kept apart from the pages' DTOs so that
//! the pages can change without breaking scripts. Each derives its OpenAPI schema.

use crate::components::time::rfc3339_ms;
use crate::model::catalog::{CatalogCard, PublicVersion};
use crate::model::checks::Finding;
use crate::model::extension::{Deprecation, VersionSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Every refusal: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The refusal itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `not_found`, `unauthorized`, `forbidden`, `validation`, `conflict`, `too_many_requests`,
    /// `unavailable` or `internal`.
    #[schema(example = "forbidden")]
    pub code: String,
    /// What to do about it, in words.
    pub message: String,
    /// The request field the message is about.
    pub field: Option<String>,
    /// A message per field, when several are wrong.
    pub fields: Option<BTreeMap<String, String>>,
}

impl ErrorBody {
    /// The body of `err`'s answer.
    pub fn of(err: &crate::error::AppError) -> Self {
        use crate::error::AppError;
        Self {
            code: err.kind().to_string(),
            message: err.to_string(),
            field: match err {
                AppError::Validation { field, .. } => Some(field.clone()),
                _ => None,
            },
            fields: match err {
                AppError::Fields(map) => Some(map.clone()),
                _ => None,
            },
        }
    }
}

/// A refused upload: the error and what the automated checks found.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishRefusal {
    /// What went wrong.
    pub error: ErrorBody,
    /// The checks' findings (blocking ones are why the package was refused).
    pub findings: Vec<FindingInfo>,
}

/// The catalog's search parameters (all optional).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Search text: name, key, summary, tags and README.
    pub q: Option<String>,
    /// Category (see the catalog's filters).
    pub category: Option<String>,
    /// Trigger event, such as `issue.created`.
    pub event: Option<String>,
    /// Permission scope, such as `issues:read`.
    pub permission: Option<String>,
    /// `true`: verified publishers only.
    pub verified: Option<String>,
    /// `relevance` (default with text), `installs` (default without), `updated` or `name`.
    pub sort: Option<String>,
    /// Page, from 1 (24 per page).
    pub page: Option<String>,
}

/// A publisher as listings show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublisherRef {
    /// Slug (`/publishers/{slug}`).
    pub slug: String,
    /// Name.
    pub name: String,
    /// Verified by the marketplace.
    pub verified: bool,
}

/// A listed extension.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionSummary {
    /// Key.
    #[schema(example = "slack-notifier")]
    pub key: String,
    /// Name.
    pub name: String,
    /// One line.
    pub summary: String,
    /// Publisher.
    pub publisher: PublisherRef,
    /// Categories.
    pub categories: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The version new installs get.
    pub latest_version: String,
    /// Active installations.
    pub installs: u64,
    /// Deprecated by its publisher.
    pub deprecated: bool,
    /// Last published or changed (RFC 3339).
    pub updated_at: String,
    /// Its page.
    pub url: String,
}

impl ExtensionSummary {
    /// From a catalog card.
    pub fn of(card: CatalogCard, base: &str) -> Self {
        Self {
            url: format!("{base}/extensions/{}", card.key),
            key: card.key,
            name: card.name,
            summary: card.listing.summary,
            publisher: PublisherRef {
                slug: card.publisher,
                name: card.publisher_name,
                verified: card.verified,
            },
            categories: card.listing.categories,
            tags: card.listing.tags,
            latest_version: card.latest,
            installs: card.installs,
            deprecated: card.deprecated,
            updated_at: rfc3339_ms(card.updated_at),
        }
    }
}

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Matching extensions in all pages.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// Results per page.
    pub per_page: u32,
    /// This page's extensions.
    pub items: Vec<ExtensionSummary>,
    /// Parameters that were ignored, and why.
    pub notices: Vec<String>,
}

/// Why an extension is deprecated.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeprecationInfo {
    /// Why.
    pub reason: String,
    /// The extension to use instead.
    pub replacement: Option<String>,
    /// After this (RFC 3339), new installs are refused.
    pub deadline: Option<String>,
}

impl From<Deprecation> for DeprecationInfo {
    fn from(d: Deprecation) -> Self {
        Self {
            reason: d.reason,
            replacement: d.replacement,
            deadline: d.deadline.map(rfc3339_ms),
        }
    }
}

/// An extension with its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionInfo {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// One line.
    pub summary: String,
    /// Publisher.
    pub publisher: PublisherRef,
    /// Categories.
    pub categories: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// Source repository.
    pub repository: Option<String>,
    /// The version new installs get (none while nothing is published).
    pub latest_version: Option<String>,
    /// Active installations.
    pub installs: u64,
    /// Set when deprecated.
    pub deprecation: Option<DeprecationInfo>,
    /// Its page.
    pub url: String,
    /// Versions, highest first: published ones for everyone, all of them for a token with the
    /// `read` scope of a member of the publisher.
    pub versions: Vec<VersionInfo>,
}

/// A version as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    /// Semver.
    #[schema(example = "1.2.0")]
    pub version: String,
    /// `submitted`, `in_review`, `published`, `changes_requested` or `rejected`.
    pub state: String,
    /// A pre-release (`1.0.0-beta.1`).
    pub prerelease: bool,
    /// Yanked: hidden from new installs; existing installs keep it.
    pub yanked: bool,
    /// Why it was yanked.
    pub yank_reason: Option<String>,
    /// Revoked by the marketplace: blocked everywhere.
    pub revoked: bool,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
    /// Package size in bytes.
    pub size_bytes: u64,
    /// Package sha256 (hex); absent in lists of unpublished versions.
    pub sha256: Option<String>,
    /// Uploaded (RFC 3339).
    pub created_at: String,
    /// Published (RFC 3339).
    pub published_at: Option<String>,
    /// The package.
    pub download_url: String,
}

impl VersionInfo {
    /// From a published version with its reasons.
    pub fn published(key: &str, v: PublicVersion, base: &str) -> Self {
        let mut info = Self::of(key, v.summary, base);
        info.sha256 = Some(v.sha256);
        info.yank_reason = v.yank_reason;
        info.revoke_reason = v.revoke_reason;
        info.published_at = Some(rfc3339_ms(v.published_at));
        info
    }

    /// From a version summary (no reasons, no hash).
    pub fn of(key: &str, v: VersionSummary, base: &str) -> Self {
        Self {
            download_url: format!(
                "{base}/api/v1/extensions/{key}/versions/{}/download",
                v.version
            ),
            version: v.version,
            state: v.state.as_str().to_string(),
            prerelease: v.prerelease,
            yanked: v.yanked,
            yank_reason: None,
            revoked: v.revoked,
            revoke_reason: None,
            size_bytes: v.size_bytes,
            sha256: None,
            created_at: rfc3339_ms(v.created_at),
            published_at: None,
        }
    }
}

/// A finding of the automated checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingInfo {
    /// Rule id (`readme-missing`, `secret-in-file`, …).
    pub rule: String,
    /// `blocking` or `warning`.
    pub severity: String,
    /// The file concerned.
    pub file: Option<String>,
    /// What was found.
    pub message: String,
}

impl From<Finding> for FindingInfo {
    fn from(f: Finding) -> Self {
        Self {
            rule: f.rule,
            severity: f.severity.as_str().to_string(),
            file: f.file,
            message: f.message,
        }
    }
}

/// One version in full: its list entry, manifest, findings and release notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDetailInfo {
    /// Extension key.
    pub key: String,
    /// The version.
    #[serde(flatten)]
    pub version: VersionInfo,
    /// Package sha256 (hex).
    pub sha256: String,
    /// The manifest, in the dialect-independent model.
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    /// Where the manifest is in the package.
    pub manifest_path: String,
    /// What the automated checks found.
    pub findings: Vec<FindingInfo>,
    /// Release notes.
    pub release_notes: Option<String>,
    /// Files in the package.
    pub file_count: usize,
    /// Its page.
    pub url: String,
}

/// Form fields of an upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PublishForm {
    /// The `.tar.gz` package, at most 50 MB.
    #[schema(value_type = String, format = Binary)]
    pub package: Vec<u8>,
    /// The publisher's slug; may be left out when the key already belongs to one of your
    /// publishers, or when you belong to only one.
    pub publisher: Option<String>,
    /// Release notes (Markdown, at most 10,000 characters).
    pub release_notes: Option<String>,
}

/// An accepted upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// Extension key.
    pub key: String,
    /// Version.
    pub version: String,
    /// `submitted`: it waits for review.
    pub state: String,
    /// The version's page.
    pub url: String,
    /// Warnings for the reviewer.
    pub findings: Vec<FindingInfo>,
}

/// Why a version is yanked or un-yanked.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonBody {
    /// Shown to users on the version.
    #[schema(example = "Crashes on empty payloads; use 1.2.1.")]
    pub reason: String,
}

/// The caller, from its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Slugs of the publishers the caller belongs to.
    pub publishers: Vec<String>,
    /// The token used.
    pub token: TokenInfo,
}

/// A personal token's grants.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Name.
    pub name: String,
    /// `publish`, `yank`, `read`.
    pub scopes: Vec<String>,
    /// Keys it is limited to.
    pub key_pattern: Option<String>,
    /// Expiry (RFC 3339).
    pub expires_at: Option<String>,
}

/// An event posted into a project.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PostedEvent {
    /// The event's name, such as `issue.created` (lifecycle events are the marketplace's own).
    #[schema(example = "issue.created")]
    pub event: String,
    /// The event's payload: a JSON object, sent to extensions as the delivery's `data`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// An accepted event.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AcceptedEvent {
    /// The event's id (`evt_…`).
    pub id: String,
    /// Deliveries queued: one per enabled installation subscribed to the event.
    pub deliveries: u64,
}

/// What an installation knows about itself.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RuntimeInstallation {
    /// Installation id.
    pub id: String,
    /// Extension key.
    pub extension: String,
    /// The pinned version.
    pub version: String,
    /// `active` or `disabled`.
    pub status: String,
    /// `{id, slug}`.
    #[schema(value_type = Object)]
    pub organization: serde_json::Value,
    /// `{id, slug, name}`.
    #[schema(value_type = Object)]
    pub project: serde_json::Value,
    /// Granted permissions.
    pub permissions: Vec<String>,
    /// Non-secret settings by key.
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    /// `{"missing": [KEY…]}`: declared secrets that resolve nowhere.
    #[schema(value_type = Object)]
    pub secret_status: serde_json::Value,
}

/// A secret, resolved through installation → extension → project → organization.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RuntimeSecret {
    /// The key the manifest declares.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Where it was found: `installation`, `extension`, `project` or `organization`.
    pub scope: String,
}
