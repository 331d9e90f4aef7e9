//! Extensions, their versions, files and findings.

use super::{new_id, now_ms};
use crate::model::checks::{Finding, FindingSeverity};
use crate::model::extension::{
    Deprecation, FindingCounts, Listing, VersionDocs, VersionFile, VersionState, VersionSummary,
};
use crate::model::manifest::names::Version;
use crate::model::manifest::Manifest;
use sqlx::AnyPool;
use std::collections::BTreeMap;

/// An extension row with its publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionRecord {
    /// Id.
    pub id: String,
    /// Key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Owning publisher's id.
    pub publisher_id: String,
    /// Owning publisher's slug.
    pub publisher_slug: String,
    /// Owning publisher's name.
    pub publisher_name: String,
    /// The listing.
    pub listing: Listing,
    /// The deprecation, if deprecated.
    pub deprecation: Option<Deprecation>,
}

/// A version to register, everything already checked.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// Publisher uploading it.
    pub publisher_id: &'a str,
    /// Uploader.
    pub uploaded_by: &'a str,
    /// The manifest (key, name, version come from it).
    pub manifest: &'a Manifest,
    /// The manifest's text.
    pub manifest_source: &'a str,
    /// The manifest's path in the package.
    pub manifest_path: &'a str,
    /// Package sha256 (hex).
    pub sha256: &'a str,
    /// Compressed size.
    pub size_bytes: u64,
    /// Unpacked size.
    pub unpacked_bytes: u64,
    /// Files: path, size, sha256.
    pub files: Vec<(&'a str, u64, &'a str)>,
    /// Findings (warnings).
    pub findings: &'a [Finding],
    /// Release notes.
    pub release_notes: Option<&'a str>,
    /// Rendered documents.
    pub docs: VersionDocs,
    /// README as plain text, for search.
    pub readme_text: Option<&'a str>,
    /// The icon's bytes and content type, when the package ships a supported one.
    pub icon: Option<(&'a [u8], &'static str)>,
}

/// Why a version could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Another publisher owns the key.
    #[error("key owned by another publisher")]
    KeyOwned,
    /// This key+version was accepted before.
    #[error("version exists")]
    VersionExists,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The identity of a version as claimed: build metadata does not make a new version.
pub fn claim_text(version: &Version) -> String {
    let s = version.to_string();
    s.split('+').next().unwrap_or_default().to_string()
}

/// Registers a version: the key for the publisher on a first upload, the key+version claim, the
/// version with its files and findings. One transaction; its first statement writes, so on SQLite
/// it takes the write lock at once and concurrent uploads queue instead of failing to upgrade.
pub async fn register_version(pool: &AnyPool, v: NewVersion<'_>) -> Result<String, RegisterError> {
    let m = v.manifest;
    let parsed = Version::parse(&m.version).map_err(|_| {
        sqlx::Error::Protocol(format!(
            "unparsable version {:?} reached the store",
            m.version
        ))
    })?;
    let now = now_ms();
    let listing = Listing::from_manifest(m);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO extensions (id, key, publisher_id, name, summary, categories, tags, homepage, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (key) DO NOTHING",
    )
    .bind(new_id("ext"))
    .bind(&m.key)
    .bind(v.publisher_id)
    .bind(&m.name)
    .bind(&listing.summary)
    .bind(serde_json::to_string(&listing.categories).unwrap_or_default())
    .bind(serde_json::to_string(&listing.tags).unwrap_or_default())
    .bind(listing.homepage.as_deref())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let (extension_id, owner): (String, String) =
        sqlx::query_as("SELECT id, publisher_id FROM extensions WHERE key = $1")
            .bind(&m.key)
            .fetch_one(&mut *tx)
            .await?;
    if owner != v.publisher_id {
        return Err(RegisterError::KeyOwned);
    }
    let claimed = sqlx::query(
        "INSERT INTO version_claims (extension_key, version, claimed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (extension_key, version) DO NOTHING",
    )
    .bind(&m.key)
    .bind(claim_text(&parsed))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(RegisterError::VersionExists);
    }
    let version_id = new_id("ver");
    sqlx::query(
        "INSERT INTO versions (id, extension_id, version, prerelease, state, sha256, size_bytes, unpacked_bytes, \
         file_count, manifest_path, manifest_source, manifest, release_notes, readme_html, readme_text, changelog_html, \
         getting_started_html, examples, uploaded_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)",
    )
    .bind(&version_id)
    .bind(&extension_id)
    .bind(&m.version)
    .bind(parsed.is_prerelease() as i64)
    .bind(v.sha256)
    .bind(v.size_bytes as i64)
    .bind(v.unpacked_bytes as i64)
    .bind(v.files.len() as i64)
    .bind(v.manifest_path)
    .bind(v.manifest_source)
    .bind(serde_json::to_string(m).unwrap_or_default())
    .bind(v.release_notes)
    .bind(v.docs.readme_html.as_deref())
    .bind(v.readme_text)
    .bind(v.docs.changelog_html.as_deref())
    .bind(v.docs.getting_started_html.as_deref())
    .bind(serde_json::to_string(&v.docs.examples).unwrap_or_default())
    .bind(v.uploaded_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if let Some((bytes, content_type)) = v.icon {
        sqlx::query("UPDATE versions SET icon = $1, icon_type = $2 WHERE id = $3")
            .bind(bytes.to_vec())
            .bind(content_type)
            .bind(&version_id)
            .execute(&mut *tx)
            .await?;
    }
    // Many rows per statement: a package may hold thousands of files.
    for chunk in v.files.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO version_files (version_id, path, size_bytes, sha256) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 3;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, ${}, ${})", b + 2, b + 3, b + 4));
        }
        let mut q = sqlx::query(&sql).bind(&version_id);
        for (path, size, sha) in chunk {
            q = q.bind(*path).bind(*size as i64).bind(*sha);
        }
        q.execute(&mut *tx).await?;
    }
    for (i, f) in v.findings.iter().enumerate() {
        sqlx::query(
            "INSERT INTO version_findings (version_id, position, rule, severity, file, message) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&version_id)
        .bind(i as i64)
        .bind(&f.rule)
        .bind(severity_text(f.severity))
        .bind(f.file.as_deref())
        .bind(&f.message)
        .execute(&mut *tx)
        .await?;
    }
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(
            Some(v.uploaded_by),
            "version.submitted",
            "version",
            &version_id,
        )
        .with(serde_json::json!({ "key": m.key, "version": m.version, "sha256": v.sha256 }))
        .for_publisher(v.publisher_id),
    )
    .await?;
    super::notifications::to_admins(
        &mut *tx,
        &format!(
            "{} {} ({}) was submitted for review.",
            m.name, m.version, m.key
        ),
        &format!("/review/{}/{}", m.key, m.version),
    )
    .await?;
    sqlx::query("UPDATE extensions SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(&m.name)
        .bind(now)
        .bind(&extension_id)
        .execute(&mut *tx)
        .await?;
    // The name follows the newest upload (it shows on the catalog card of a listed extension).
    super::catalog::refresh(&mut tx, &extension_id).await?;
    tx.commit().await?;
    Ok(version_id)
}

fn severity_text(s: FindingSeverity) -> &'static str {
    match s {
        FindingSeverity::Blocking => "blocking",
        FindingSeverity::Warning => "warning",
    }
}

/// Who owns `key`, if anyone: the publisher's id.
pub async fn key_owner(pool: &AnyPool, key: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT publisher_id FROM extensions WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(p,)| p))
}

/// Whether `key`+`version` was ever accepted.
pub async fn version_claimed(
    pool: &AnyPool,
    key: &str,
    version: &Version,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT claimed_at FROM version_claims WHERE extension_key = $1 AND version = $2",
    )
    .bind(key)
    .bind(claim_text(version))
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// Whether any version's package has this sha256.
pub async fn blob_in_use(pool: &AnyPool, sha256: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT id FROM versions WHERE sha256 = $1 LIMIT 1")
            .bind(sha256)
            .fetch_optional(pool)
            .await?;
    Ok(row.is_some())
}

type ExtensionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

const EXTENSION_SELECT: &str = "SELECT e.id, e.key, e.name, e.publisher_id, p.slug, p.display_name, e.summary, \
     e.categories, e.tags, e.homepage, e.repository, e.support, e.deprecated_at, e.deprecation_reason, \
     e.replacement_key, e.deprecation_deadline FROM extensions e JOIN publishers p ON p.id = e.publisher_id";

fn extension_from(row: ExtensionRow) -> ExtensionRecord {
    let (
        id,
        key,
        name,
        publisher_id,
        publisher_slug,
        publisher_name,
        summary,
        cats,
        tags,
        homepage,
        repository,
        support,
        deprecated_at,
        reason,
        replacement,
        deadline,
    ) = row;
    ExtensionRecord {
        id,
        key,
        name,
        publisher_id,
        publisher_slug,
        publisher_name,
        listing: Listing {
            summary,
            categories: serde_json::from_str(&cats).unwrap_or_default(),
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            homepage,
            repository,
            support,
        },
        deprecation: deprecated_at.map(|since| Deprecation {
            since,
            reason: reason.unwrap_or_default(),
            replacement,
            deadline,
        }),
    }
}

/// Deprecates an extension (or, with `None`, lifts its deprecation).
pub async fn set_deprecation(
    pool: &AnyPool,
    extension_id: &str,
    deprecation: Option<&Deprecation>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE extensions SET deprecated_at = $1, deprecation_reason = $2, replacement_key = $3, \
         deprecation_deadline = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(deprecation.map(|d| d.since))
    .bind(deprecation.map(|d| d.reason.as_str()))
    .bind(deprecation.and_then(|d| d.replacement.as_deref()))
    .bind(deprecation.and_then(|d| d.deadline))
    .bind(now_ms())
    .bind(extension_id)
    .execute(&mut *tx)
    .await?;
    super::catalog::refresh(&mut tx, extension_id).await?;
    tx.commit().await
}

/// The extension with `key`.
pub async fn find_by_key(
    pool: &AnyPool,
    key: &str,
) -> Result<Option<ExtensionRecord>, sqlx::Error> {
    let row: Option<ExtensionRow> = sqlx::query_as(&format!("{EXTENSION_SELECT} WHERE e.key = $1"))
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(extension_from))
}

/// An extension by id.
pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<ExtensionRecord>, sqlx::Error> {
    let row: Option<ExtensionRow> = sqlx::query_as(&format!("{EXTENSION_SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(extension_from))
}

/// The extensions of a publisher, by name.
pub async fn of_publisher(
    pool: &AnyPool,
    publisher_id: &str,
) -> Result<Vec<ExtensionRecord>, sqlx::Error> {
    let rows: Vec<ExtensionRow> = sqlx::query_as(&format!(
        "{EXTENSION_SELECT} WHERE e.publisher_id = $1 ORDER BY e.name, e.key"
    ))
    .bind(publisher_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(extension_from).collect())
}

/// Replaces the listing of an extension.
pub async fn update_listing(
    pool: &AnyPool,
    extension_id: &str,
    listing: &Listing,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE extensions SET summary = $1, categories = $2, tags = $3, homepage = $4, repository = $5, \
         support = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&listing.summary)
    .bind(serde_json::to_string(&listing.categories).unwrap_or_default())
    .bind(serde_json::to_string(&listing.tags).unwrap_or_default())
    .bind(listing.homepage.as_deref())
    .bind(listing.repository.as_deref())
    .bind(listing.support.as_deref())
    .bind(now_ms())
    .bind(extension_id)
    .execute(&mut *tx)
    .await?;
    super::catalog::refresh(&mut tx, extension_id).await?;
    tx.commit().await
}

/// Versions of an extension, highest first by semver precedence (on a pool, or inside a
/// transaction).
pub async fn versions_of<'e, E>(
    executor: E,
    extension_id: &str,
) -> Result<Vec<VersionSummary>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    type Row = (
        String,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT v.version, v.state, v.prerelease, v.size_bytes, v.created_at, \
         (SELECT COUNT(*) FROM version_findings f WHERE f.version_id = v.id AND f.severity = 'blocking'), \
         (SELECT COUNT(*) FROM version_findings f WHERE f.version_id = v.id AND f.severity = 'warning'), \
         v.yanked_at, v.revoked_at FROM versions v WHERE v.extension_id = $1",
    )
    .bind(extension_id)
    .fetch_all(executor)
    .await?;
    let mut out: Vec<(Option<Version>, VersionSummary)> = rows
        .into_iter()
        .map(
            |(version, state, pre, size, created, blocking, warnings, yanked, revoked)| {
                (
                    Version::parse(&version).ok(),
                    VersionSummary {
                        version,
                        state: VersionState::parse(&state).unwrap_or(VersionState::Submitted),
                        prerelease: pre != 0,
                        yanked: yanked.is_some(),
                        revoked: revoked.is_some(),
                        findings: FindingCounts {
                            blocking: blocking as u32,
                            warnings: warnings as u32,
                        },
                        size_bytes: size as u64,
                        created_at: created,
                    },
                )
            },
        )
        .collect();
    // Semver precedence (pre-releases below their release) is not a text order: sorted here.
    out.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(out.into_iter().map(|(_, v)| v).collect())
}

/// A stored version with everything the version page shows.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    /// Id.
    pub id: String,
    /// Summary.
    pub summary: VersionSummary,
    /// Package hash.
    pub sha256: String,
    /// Unpacked size.
    pub unpacked_bytes: u64,
    /// Manifest path.
    pub manifest_path: String,
    /// Manifest (model).
    pub manifest: Option<Manifest>,
    /// Release notes.
    pub release_notes: Option<String>,
    /// Documents.
    pub docs: VersionDocs,
    /// Uploader's display name.
    pub uploaded_by: Option<String>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Files.
    pub files: Vec<VersionFile>,
    /// Owning extension's id.
    pub extension_id: String,
    /// Review columns.
    pub review: ReviewColumns,
}

/// What the review stored on a version.
#[derive(Debug, Clone, Default)]
pub struct ReviewColumns {
    /// Reviewer's display name.
    pub reviewer: Option<String>,
    /// Reviewer's message.
    pub review_message: Option<String>,
    /// Yanked since.
    pub yanked_at: Option<i64>,
    /// Yank reason.
    pub yank_reason: Option<String>,
    /// Revoked since.
    pub revoked_at: Option<i64>,
    /// Revoke reason.
    pub revoke_reason: Option<String>,
}

type VersionRow = (
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// One version of an extension.
pub async fn find_version(
    pool: &AnyPool,
    extension_id: &str,
    version: &str,
) -> Result<Option<VersionRecord>, sqlx::Error> {
    let row: Option<VersionRow> = sqlx::query_as(
        "SELECT v.id, v.version, v.state, v.prerelease, v.sha256, v.size_bytes, v.unpacked_bytes, v.created_at, \
         v.manifest_path, v.manifest, v.release_notes, v.readme_html, v.changelog_html, v.getting_started_html, \
         v.examples, u.display_name FROM versions v LEFT JOIN users u ON u.id = v.uploaded_by \
         WHERE v.extension_id = $1 AND v.version = $2",
    )
    .bind(extension_id)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    let Some((
        id,
        version,
        state,
        pre,
        sha256,
        size,
        unpacked,
        created,
        manifest_path,
        manifest,
        release_notes,
        readme_html,
        changelog_html,
        getting_started_html,
        examples,
        uploaded_by,
    )) = row
    else {
        return Ok(None);
    };
    type ReviewRow = (
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
    );
    let (reviewer, review_message, yanked_at, yank_reason, revoked_at, revoke_reason): ReviewRow =
        sqlx::query_as(
            "SELECT r.display_name, v.review_message, v.yanked_at, v.yank_reason, v.revoked_at, v.revoke_reason \
             FROM versions v LEFT JOIN users r ON r.id = v.reviewer_id WHERE v.id = $1",
        )
        .bind(&id)
        .fetch_one(pool)
        .await?;
    let findings: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT rule, severity, file, message FROM version_findings WHERE version_id = $1 ORDER BY position",
    )
    .bind(&id)
    .fetch_all(pool)
    .await?;
    let findings: Vec<Finding> = findings
        .into_iter()
        .map(|(rule, severity, file, message)| Finding {
            rule,
            severity: if severity == "blocking" {
                FindingSeverity::Blocking
            } else {
                FindingSeverity::Warning
            },
            file,
            message,
        })
        .collect();
    let files: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT path, size_bytes, sha256 FROM version_files WHERE version_id = $1 ORDER BY path",
    )
    .bind(&id)
    .fetch_all(pool)
    .await?;
    let examples: BTreeMap<String, String> = serde_json::from_str(&examples).unwrap_or_default();
    Ok(Some(VersionRecord {
        summary: VersionSummary {
            version,
            state: VersionState::parse(&state).unwrap_or(VersionState::Submitted),
            prerelease: pre != 0,
            yanked: yanked_at.is_some(),
            revoked: revoked_at.is_some(),
            findings: FindingCounts::of(&findings),
            size_bytes: size as u64,
            created_at: created,
        },
        id,
        extension_id: extension_id.to_string(),
        review: ReviewColumns {
            reviewer,
            review_message,
            yanked_at,
            yank_reason,
            revoked_at,
            revoke_reason,
        },
        sha256,
        unpacked_bytes: unpacked as u64,
        manifest_path,
        manifest: serde_json::from_str(&manifest).ok(),
        release_notes,
        docs: VersionDocs {
            readme_html,
            changelog_html,
            getting_started_html,
            examples,
        },
        uploaded_by,
        findings,
        files: files
            .into_iter()
            .map(|(path, size, sha256)| VersionFile {
                path,
                size_bytes: size as u64,
                sha256,
            })
            .collect(),
    }))
}

/// What a download needs to know about a version.
#[derive(Debug, Clone)]
pub struct PackageRef {
    /// Owning publisher's id.
    pub publisher_id: String,
    /// Package hash.
    pub sha256: String,
    /// Review state.
    pub state: VersionState,
    /// Compressed size.
    pub size: u64,
    /// Revoked by a marketplace admin.
    pub revoked: bool,
}

/// The package of a version, for downloads.
pub async fn package_of(
    pool: &AnyPool,
    key: &str,
    version: &str,
) -> Result<Option<PackageRef>, sqlx::Error> {
    let row: Option<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT e.publisher_id, v.sha256, v.state, v.size_bytes, v.revoked_at FROM versions v \
         JOIN extensions e ON e.id = v.extension_id WHERE e.key = $1 AND v.version = $2",
    )
    .bind(key)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    Ok(
        row.map(|(publisher_id, sha256, state, size, revoked)| PackageRef {
            publisher_id,
            sha256,
            state: VersionState::parse(&state).unwrap_or(VersionState::Submitted),
            size: size as u64,
            revoked: revoked.is_some(),
        }),
    )
}

/// The icon of a listed extension's latest version: bytes, content type and the package's
/// sha256 (which names it for caches).
pub async fn listed_icon(
    pool: &AnyPool,
    key: &str,
) -> Result<Option<(Vec<u8>, String, String)>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>, Option<String>, String)> = sqlx::query_as(
        "SELECT v.icon, v.icon_type, v.sha256 FROM catalog_entries c JOIN versions v \
         ON v.extension_id = c.extension_id AND v.version = c.latest_version WHERE c.key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(icon, kind, sha)| Some((icon?, kind?, sha))))
}
