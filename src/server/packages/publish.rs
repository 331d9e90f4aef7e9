//! Publishing a version: the one service behind the upload form and the API. A package arrives as
//! a staged file (already cut at the size limit while it streamed in); it is unpacked within the
//! limits, checked, stored by hash and registered. A refused upload leaves nothing behind: no
//! blob, no row.

use crate::error::AppError;
use crate::model::checks::{self, Finding};
use crate::model::extension::{version_path, UploadOutcome, VersionDocs};
use crate::model::manifest::names::Version;
use crate::model::manifest::{lint_bytes, Lint};
use crate::model::unpack;
use crate::server::db::extensions::{self, NewVersion, RegisterError};
use crate::server::db::{publishers, users::UserRecord};
use crate::server::packages::docs;
use crate::server::state::AppState;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// Longest release notes.
pub const MAX_RELEASE_NOTES: usize = 10_000;

/// A package received into a temporary file, with its hash and size.
#[derive(Debug)]
pub struct StagedPackage {
    file: tempfile::NamedTempFile,
    /// Hex sha256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Receives a package chunk by chunk, refusing it the moment it passes the limit.
pub struct PackageWriter {
    file: tempfile::NamedTempFile,
    // Buffered: uploads arrive in small chunks, and each unbuffered write is a trip to the
    // blocking pool.
    out: tokio::io::BufWriter<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl PackageWriter {
    /// A writer into a new temporary file that accepts at most `limit` bytes.
    pub fn new(limit: u64) -> Result<Self, AppError> {
        let file = tempfile::NamedTempFile::new().map_err(|e| {
            tracing::error!(error = %e, "cannot create a temporary file for an upload");
            AppError::Unavailable("The upload could not be received; try again.".into())
        })?;
        let out = file.reopen().map_err(|e| {
            tracing::error!(error = %e, "cannot open the upload's temporary file");
            AppError::Internal
        })?;
        Ok(Self {
            file,
            out: tokio::io::BufWriter::with_capacity(1024 * 1024, tokio::fs::File::from_std(out)),
            hasher: Sha256::new(),
            size: 0,
            limit,
        })
    }

    /// Appends a chunk; past the limit, the upload is refused.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(AppError::field(
                "package",
                format!(
                    "The package is larger than {} MB.",
                    self.limit / (1024 * 1024)
                ),
            ));
        }
        self.hasher.update(chunk);
        self.out.write_all(chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write an upload to its temporary file");
            AppError::Unavailable("The upload could not be received; try again.".into())
        })
    }

    /// The received package; `None` when nothing was sent.
    pub async fn finish(mut self) -> Result<Option<StagedPackage>, AppError> {
        self.out.flush().await.map_err(|_| AppError::Internal)?;
        if self.size == 0 {
            return Ok(None);
        }
        Ok(Some(StagedPackage {
            file: self.file,
            sha256: format!("{:x}", self.hasher.finalize()),
            size: self.size,
        }))
    }
}

impl StagedPackage {
    /// Stages bytes already in memory (demo data, tests).
    pub async fn from_bytes(bytes: &[u8]) -> Result<Self, AppError> {
        let mut w = PackageWriter::new(u64::MAX)?;
        w.write(bytes).await?;
        w.finish()
            .await?
            .ok_or_else(|| AppError::field("package", "The package is empty."))
    }
}

/// A refused upload: the error, and the findings when the automated checks refused it.
#[derive(Debug)]
pub struct Refusal {
    /// Why.
    pub error: AppError,
    /// Findings of the automated checks (empty unless they refused it).
    pub findings: Vec<Finding>,
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Self {
            error,
            findings: Vec::new(),
        }
    }
}

/// What reading the package gave.
struct Read {
    unpacked: unpack::Unpacked,
    lint: Lint,
    findings: Vec<Finding>,
    docs: docs::Docs,
}

fn read(file: std::fs::File) -> Result<Read, Refusal> {
    let unpacked = unpack::unpack_reader(file)
        .map_err(|e| AppError::field("package", format!("The package was refused: {e}.")))?;
    let lint = lint_bytes(unpacked.manifest());
    let findings = checks::run(&unpacked.facts(), &lint);
    let docs = docs::extract(&unpacked.files);
    Ok(Read {
        unpacked,
        lint,
        findings,
        docs,
    })
}

/// Who uploads, for which publisher, and which keys their credentials cover.
pub struct Uploader<'a> {
    /// The uploading user.
    pub user: &'a UserRecord,
    /// The publisher's slug; `None`: the key's owner, else the user's only publisher.
    pub publisher: Option<&'a str>,
    /// Refuses keys the credentials do not cover (a token's key pattern).
    pub key_allowed: &'a (dyn Fn(&str) -> Result<(), AppError> + Send + Sync),
}

/// Publishes `package` as a new version for the publisher `publisher_slug`, uploaded by `user`.
pub async fn publish(
    state: &AppState,
    user: &UserRecord,
    publisher_slug: &str,
    package: StagedPackage,
    release_notes: &str,
) -> Result<UploadOutcome, Refusal> {
    let uploader = Uploader {
        user,
        publisher: Some(publisher_slug),
        key_allowed: &|_| Ok(()),
    };
    publish_as(state, &uploader, package, release_notes).await
}

/// A publisher the user belongs to, by slug.
async fn member_publisher(
    pool: &sqlx::AnyPool,
    user: &UserRecord,
    slug: &str,
) -> Result<publishers::PublisherRecord, AppError> {
    let publisher = publishers::find_by_slug(pool, slug.trim())
        .await?
        .ok_or_else(|| AppError::field("publisher", "Choose one of your publishers."))?;
    if publishers::role_of(pool, &publisher.id, &user.id)
        .await?
        .is_none()
    {
        return Err(AppError::Forbidden(format!(
            "Only members of {} can upload its extensions.",
            publisher.display_name
        )));
    }
    Ok(publisher)
}

/// The publisher an upload without one goes to: the key's owner, else the user's only publisher.
async fn implied_publisher(
    pool: &sqlx::AnyPool,
    user: &UserRecord,
    key: &str,
) -> Result<publishers::PublisherRecord, AppError> {
    if let Some(owner) = extensions::key_owner(pool, key).await? {
        let owner = publishers::find_by_id(pool, &owner)
            .await?
            .ok_or(AppError::Internal)?;
        return member_publisher(pool, user, &owner.slug)
            .await
            .map_err(|_| key_owned(key));
    }
    let mine = publishers::for_user(pool, &user.id).await?;
    match mine.as_slice() {
        [only] => member_publisher(pool, user, &only.slug).await,
        [] => Err(AppError::Forbidden(
            "You are not a member of any publisher yet; create one at /publishers/new first."
                .into(),
        )),
        several => Err(AppError::field(
            "publisher",
            format!(
                "You belong to several publishers ({}); say which one publishes {key}.",
                several
                    .iter()
                    .map(|p| p.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Publishes `package` as a new version, as `uploader` says.
pub async fn publish_as(
    state: &AppState,
    uploader: &Uploader<'_>,
    package: StagedPackage,
    release_notes: &str,
) -> Result<UploadOutcome, Refusal> {
    let pool = &state.db.pool;
    let user = uploader.user;
    let named = match uploader.publisher.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(member_publisher(pool, user, slug).await?),
        None => None,
    };
    let notes = release_notes.trim();
    if notes.chars().count() > MAX_RELEASE_NOTES {
        return Err(AppError::field(
            "release_notes",
            format!("At most {MAX_RELEASE_NOTES} characters."),
        )
        .into());
    }
    let file = package.file.reopen().map_err(|e| {
        tracing::error!(error = %e, "cannot reopen a staged upload");
        AppError::Internal
    })?;
    let read = tokio::task::spawn_blocking(move || read(file))
        .await
        .map_err(|_| AppError::Internal)??;
    if checks::blocks(&read.findings) {
        return Err(Refusal {
            error: AppError::field(
                "package",
                "The automated checks found problems that must be fixed before this package can be uploaded.",
            ),
            findings: read.findings,
        });
    }
    let manifest = read
        .lint
        .manifest
        .as_ref()
        .ok_or_else(|| AppError::field("package", "The manifest could not be read."))?;
    let version = Version::parse(&manifest.version).map_err(|e| AppError::field("package", e))?;
    (uploader.key_allowed)(&manifest.key)?;
    let publisher = match named {
        Some(p) => p,
        None => implied_publisher(pool, user, &manifest.key).await?,
    };
    let owned_by_other = |owner: &str| owner != publisher.id;
    if extensions::key_owner(pool, &manifest.key)
        .await
        .map_err(AppError::from)?
        .is_some_and(|o| owned_by_other(&o))
    {
        return Err(key_owned(&manifest.key).into());
    }
    if extensions::version_claimed(pool, &manifest.key, &version)
        .await
        .map_err(AppError::from)?
    {
        return Err(version_exists(&manifest.key, &manifest.version).into());
    }

    let mut blob =
        tokio::fs::File::from_std(package.file.reopen().map_err(|_| AppError::Internal)?);
    let already_stored = state.blobs.exists(&package.sha256).await.unwrap_or(false);
    if !already_stored {
        state
            .blobs
            .put_file(&package.sha256, &mut blob)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot store a package");
                AppError::Unavailable("The package could not be stored; try again.".into())
            })?;
    }
    let files: Vec<(&str, u64, &str)> = read
        .unpacked
        .files
        .iter()
        .map(|(p, f)| (p.as_str(), f.size, f.sha256.as_str()))
        .collect();
    let registered = extensions::register_version(
        pool,
        NewVersion {
            publisher_id: &publisher.id,
            uploaded_by: &user.id,
            manifest,
            manifest_source: &String::from_utf8_lossy(read.unpacked.manifest()),
            manifest_path: &read.unpacked.manifest_path,
            sha256: &package.sha256,
            size_bytes: package.size,
            unpacked_bytes: read.unpacked.total_bytes,
            files,
            findings: &read.findings,
            release_notes: (!notes.is_empty()).then_some(notes),
            docs: VersionDocs {
                readme_html: read.docs.readme.clone(),
                changelog_html: read.docs.changelog.clone(),
                getting_started_html: read.docs.getting_started.clone(),
                examples: read.docs.examples.clone(),
            },
            readme_text: read.docs.readme_text.as_deref(),
            icon: manifest.icon.as_deref().and_then(|icon| {
                let path = icon.trim_start_matches("./");
                let content_type = crate::model::checks::icon_type(path)?;
                let bytes = read.unpacked.content(path)?;
                (bytes.len() as u64 <= crate::model::checks::MAX_ICON_BYTES)
                    .then_some((bytes, content_type))
            }),
        },
    )
    .await;
    match registered {
        Ok(_) => Ok(UploadOutcome {
            url: version_path(&manifest.key, &manifest.version),
            key: manifest.key.clone(),
            version: manifest.version.clone(),
            findings: read.findings,
        }),
        Err(e) => {
            // The version lost (to a concurrent upload or a failure): its blob goes unless a
            // stored version has the same bytes. A winner has committed before the loser gets
            // here (the claim waits for it), so its row is seen.
            if !already_stored {
                match extensions::blob_in_use(pool, &package.sha256).await {
                    Ok(false) => {
                        if let Err(e) = state.blobs.delete(&package.sha256).await {
                            tracing::error!(error = %e, "cannot remove the package of a refused upload");
                        }
                    }
                    Ok(true) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "cannot tell whether a package is in use")
                    }
                }
            }
            Err(match e {
                RegisterError::KeyOwned => key_owned(&manifest.key),
                RegisterError::VersionExists => version_exists(&manifest.key, &manifest.version),
                RegisterError::Db(e) => AppError::from(e),
            }
            .into())
        }
    }
}

fn key_owned(key: &str) -> AppError {
    AppError::Conflict(format!(
        "The extension key {key} belongs to another publisher. Choose another key in the manifest."
    ))
}

fn version_exists(key: &str, version: &str) -> AppError {
    AppError::Conflict(format!(
        "{key} {version} was uploaded before, and versions are never replaced. Raise the version in the manifest."
    ))
}
