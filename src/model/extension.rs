//! Extensions and their versions as pages and the API see them, and the listing a publisher edits.

use crate::error::AppError;
use crate::model::checks::{Finding, FindingSeverity};
use crate::model::manifest::names::CATEGORIES;
use crate::model::manifest::Manifest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a version stands (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// Uploaded, waiting for a reviewer.
    Submitted,
    /// A reviewer is on it.
    InReview,
    /// Listed.
    Published,
    /// The reviewer asked for changes.
    ChangesRequested,
    /// Refused.
    Rejected,
    /// Withdrawn by the publisher before review.
    Withdrawn,
}

impl VersionState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::InReview => "in_review",
            Self::Published => "published",
            Self::ChangesRequested => "changes_requested",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted" => Self::Submitted,
            "in_review" => Self::InReview,
            "published" => Self::Published,
            "changes_requested" => Self::ChangesRequested,
            "rejected" => Self::Rejected,
            "withdrawn" => Self::Withdrawn,
            _ => return None,
        })
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::InReview => "In review",
            Self::Published => "Published",
            Self::ChangesRequested => "Changes requested",
            Self::Rejected => "Rejected",
            Self::Withdrawn => "Withdrawn",
        }
    }
}

/// How many findings of each severity a version has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingCounts {
    /// Blocking findings (a stored version has none; kept for symmetry with refusals).
    pub blocking: u32,
    /// Warnings.
    pub warnings: u32,
}

impl FindingCounts {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = Self::default();
        for f in findings {
            match f.severity {
                FindingSeverity::Blocking => c.blocking += 1,
                FindingSeverity::Warning => c.warnings += 1,
            }
        }
        c
    }
}

/// A version in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    /// Semver text.
    pub version: String,
    /// State.
    pub state: VersionState,
    /// A pre-release (`1.0.0-beta.1`).
    pub prerelease: bool,
    /// Yanked by the publisher (hidden from new installs).
    pub yanked: bool,
    /// Revoked by a marketplace admin (blocked everywhere).
    pub revoked: bool,
    /// Findings of the automated checks.
    pub findings: FindingCounts,
    /// Compressed size.
    pub size_bytes: u64,
    /// Upload time, unix ms.
    pub created_at: i64,
}

/// The version the catalog calls "latest" (SPEC §7): the highest published version that is neither
/// yanked nor revoked and not a pre-release; a pre-release only when nothing else qualifies.
/// `versions` must be ordered highest first, as every list of versions is.
pub fn latest(versions: &[VersionSummary]) -> Option<&VersionSummary> {
    let installable =
        |v: &&VersionSummary| v.state == VersionState::Published && !v.yanked && !v.revoked;
    versions
        .iter()
        .filter(installable)
        .find(|v| !v.prerelease)
        .or_else(|| versions.iter().find(installable))
}

/// What a publisher edits about an extension's listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// One line for cards and search results.
    pub summary: String,
    /// Catalog categories (from [`CATEGORIES`]).
    pub categories: Vec<String>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Homepage URL.
    pub homepage: Option<String>,
    /// Source repository URL.
    pub repository: Option<String>,
    /// Where users get help: an email address or a URL.
    pub support: Option<String>,
}

/// Longest summary.
pub const MAX_SUMMARY: usize = 200;
/// Most categories.
pub const MAX_CATEGORIES: usize = 3;
/// Most tags.
pub const MAX_TAGS: usize = 10;

fn optional_url(field: &str, input: &str) -> Result<Option<String>, AppError> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let host = s.strip_prefix("https://").unwrap_or_default();
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) || s.len() > 300 {
        return Err(AppError::field(
            field,
            "Enter a full https:// address (at most 300 characters).",
        ));
    }
    Ok(Some(s.to_string()))
}

impl Listing {
    /// Validates the listing form. `tags` is comma-separated; categories come one per checkbox.
    pub fn parse(
        summary: &str,
        categories: &[String],
        tags: &str,
        homepage: &str,
        repository: &str,
        support: &str,
    ) -> Result<Self, AppError> {
        let summary = summary.split_whitespace().collect::<Vec<_>>().join(" ");
        if summary.is_empty() {
            return Err(AppError::field(
                "summary",
                "Write one sentence that says what the extension does.",
            ));
        }
        if summary.chars().count() > MAX_SUMMARY {
            return Err(AppError::field(
                "summary",
                format!("At most {MAX_SUMMARY} characters."),
            ));
        }
        let mut cats: Vec<String> = Vec::new();
        for c in categories {
            let c = c.trim();
            if !CATEGORIES.contains(&c) {
                return Err(AppError::field(
                    "categories",
                    format!("{c:?} is not a category."),
                ));
            }
            if !cats.iter().any(|x| x == c) {
                cats.push(c.to_string());
            }
        }
        if cats.len() > MAX_CATEGORIES {
            return Err(AppError::field(
                "categories",
                format!("Pick at most {MAX_CATEGORIES} categories."),
            ));
        }
        let mut tag_list: Vec<String> = Vec::new();
        for t in tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let t = t.to_lowercase();
            let ok = (1..=30).contains(&t.len())
                && t.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(AppError::field(
                    "tags",
                    format!("{t:?}: tags are lower-case letters, digits and dashes, at most 30 characters."),
                ));
            }
            if !tag_list.contains(&t) {
                tag_list.push(t);
            }
        }
        if tag_list.len() > MAX_TAGS {
            return Err(AppError::field("tags", format!("At most {MAX_TAGS} tags.")));
        }
        let support = support.trim();
        let support = if support.is_empty() {
            None
        } else if support.contains('@') && !support.contains("://") {
            if !email_address::EmailAddress::is_valid(support) {
                return Err(AppError::field(
                    "support",
                    "Enter an email address or an https:// address.",
                ));
            }
            Some(support.to_string())
        } else {
            optional_url("support", support)?
        };
        Ok(Self {
            summary,
            categories: cats,
            tags: tag_list,
            homepage: optional_url("homepage", homepage)?,
            repository: optional_url("repository", repository)?,
            support,
        })
    }

    /// The listing a first upload starts with, from its manifest.
    pub fn from_manifest(m: &Manifest) -> Self {
        let summary: String = m
            .description
            .as_deref()
            .unwrap_or(&m.name)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(MAX_SUMMARY)
            .collect();
        Self {
            summary,
            categories: m
                .categories
                .iter()
                .filter(|c| CATEGORIES.contains(&c.as_str()))
                .take(MAX_CATEGORIES)
                .cloned()
                .collect(),
            tags: m.tags.iter().take(MAX_TAGS).cloned().collect(),
            homepage: m
                .homepage
                .as_deref()
                .and_then(|h| optional_url("homepage", h).ok().flatten()),
            repository: None,
            support: None,
        }
    }
}

/// An extension's deprecation (SPEC §7): shown as a banner; installs are refused after the
/// deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deprecation {
    /// Since when, unix ms.
    pub since: i64,
    /// Why.
    pub reason: String,
    /// The extension to use instead.
    pub replacement: Option<String>,
    /// After this (unix ms), new installs are refused.
    pub deadline: Option<i64>,
}

impl Deprecation {
    /// Whether new installs are refused at `now`.
    pub fn refuses_installs(&self, now: i64) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }
}

/// Parses a deadline typed as `YYYY-MM-DD` (midnight UTC), which must lie after `now`.
pub fn parse_deadline(input: &str, now: i64) -> Result<Option<i64>, AppError> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s, format)
        .map_err(|_| AppError::field("deadline", "Enter a date as YYYY-MM-DD."))?;
    let ms = date.midnight().assume_utc().unix_timestamp() * 1000;
    if ms <= now {
        return Err(AppError::field(
            "deadline",
            "The deadline must be in the future.",
        ));
    }
    Ok(Some(ms))
}

/// An extension with its versions, for its publisher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionOverview {
    /// Key.
    pub key: String,
    /// Display name (from the latest upload's manifest).
    pub name: String,
    /// Publisher slug.
    pub publisher: String,
    /// Publisher name.
    pub publisher_name: String,
    /// The listing.
    pub listing: Listing,
    /// Versions, highest first (semver precedence).
    pub versions: Vec<VersionSummary>,
    /// Whether the viewer may edit the listing and upload (a member).
    pub can_edit: bool,
    /// The deprecation, if deprecated.
    pub deprecation: Option<Deprecation>,
}

/// One file of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionFile {
    /// Path in the package.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Hex sha256.
    pub sha256: String,
}

/// Documents of a version, as sanitized HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDocs {
    /// Overview.
    pub readme_html: Option<String>,
    /// Changelog.
    pub changelog_html: Option<String>,
    /// Getting started.
    pub getting_started_html: Option<String>,
    /// Examples: file name → YAML.
    pub examples: BTreeMap<String, String>,
}

/// Everything about one version, for its publisher (and, later, reviewers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDetail {
    /// Extension key.
    pub key: String,
    /// Extension name.
    pub name: String,
    /// Publisher slug.
    pub publisher: String,
    /// The version.
    pub summary: VersionSummary,
    /// Hex sha256 of the package.
    pub sha256: String,
    /// Unpacked size.
    pub unpacked_bytes: u64,
    /// Manifest path in the package.
    pub manifest_path: String,
    /// The manifest.
    pub manifest: Manifest,
    /// Release notes typed at upload.
    pub release_notes: Option<String>,
    /// Findings of the automated checks.
    pub findings: Vec<Finding>,
    /// Files.
    pub files: Vec<VersionFile>,
    /// Documents.
    pub docs: VersionDocs,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// Review state, history, diff and the actions open to the viewer.
    pub review: crate::model::review::ReviewInfo,
}

/// The answer to an upload: where the new version is, or why it was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadOutcome {
    /// Extension key.
    pub key: String,
    /// Version.
    pub version: String,
    /// The version's page.
    pub url: String,
    /// Findings (warnings only: blocking ones refuse the upload).
    pub findings: Vec<Finding>,
}

/// A refused upload, as kept for the form after a plain post.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadRefusal {
    /// Why.
    pub message: String,
    /// The field at fault.
    pub field: Option<String>,
    /// Findings, when the automated checks refused it.
    pub findings: Vec<Finding>,
    /// The publisher picked.
    pub publisher: String,
    /// The release notes typed.
    pub release_notes: String,
}

/// The path of a version's page for its publisher.
pub fn version_path(key: &str, version: &str) -> String {
    format!("/publish/extensions/{key}/versions/{version}")
}

/// The path of the download of a version.
pub fn download_path(key: &str, version: &str) -> String {
    format!("/extensions/{key}/versions/{version}/download")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        summary: &str,
        cats: &[&str],
        tags: &str,
        home: &str,
        support: &str,
    ) -> Result<Listing, AppError> {
        let cats: Vec<String> = cats.iter().map(|c| c.to_string()).collect();
        Listing::parse(summary, &cats, tags, home, "", support)
    }

    #[test]
    fn a_listing_is_normalized() {
        let l = parse(
            "  Sends   issues to Slack ",
            &["communication", "communication"],
            "Slack, chat , slack",
            "https://example.com/slack",
            "help@example.com",
        )
        .unwrap();
        assert_eq!(l.summary, "Sends issues to Slack");
        assert_eq!(l.categories, vec!["communication"]);
        assert_eq!(l.tags, vec!["slack", "chat"]);
        assert_eq!(l.homepage.as_deref(), Some("https://example.com/slack"));
        assert_eq!(l.support.as_deref(), Some("help@example.com"));
    }

    #[rstest::rstest]
    #[case("", &[], "", "", "", "summary")]
    #[case(&"x".repeat(201), &[], "", "", "", "summary")]
    #[case("ok", &["games"], "", "", "", "categories")]
    #[case("ok", &["marketing", "development", "automation", "operations"], "", "", "", "categories")]
    #[case("ok", &[], "no spaces allowed", "", "", "tags")]
    #[case("ok", &[], "a,b,c,d,e,f,g,h,i,j,k", "", "", "tags")]
    #[case("ok", &[], "", "http://example.com", "", "homepage")]
    #[case("ok", &[], "", "javascript:alert(1)", "", "homepage")]
    #[case("ok", &[], "", "", "not an address", "support")]
    #[case("ok", &[], "", "", "a@", "support")]
    fn bad_listings_name_their_field(
        #[case] summary: &str,
        #[case] cats: &[&str],
        #[case] tags: &str,
        #[case] home: &str,
        #[case] support: &str,
        #[case] field: &str,
    ) {
        match parse(summary, cats, tags, home, support) {
            Err(AppError::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected a {field} error, got {other:?}"),
        }
    }

    fn v(
        version: &str,
        state: VersionState,
        pre: bool,
        yanked: bool,
        revoked: bool,
    ) -> VersionSummary {
        VersionSummary {
            version: version.into(),
            state,
            prerelease: pre,
            yanked,
            revoked,
            findings: FindingCounts::default(),
            size_bytes: 0,
            created_at: 0,
        }
    }

    #[test]
    fn latest_is_the_highest_installable_release() {
        use VersionState::*;
        let list = vec![
            v("3.0.0", Submitted, false, false, false),
            v("2.1.0-beta.1", Published, true, false, false),
            v("2.0.0", Published, false, false, true),
            v("1.9.0", Published, false, true, false),
            v("1.8.0", Published, false, false, false),
        ];
        assert_eq!(latest(&list).map(|x| x.version.as_str()), Some("1.8.0"));
        let only_pre = vec![
            v("1.0.0-rc.2", Published, true, false, false),
            v("1.0.0-rc.1", Published, true, false, false),
        ];
        assert_eq!(
            latest(&only_pre).map(|x| x.version.as_str()),
            Some("1.0.0-rc.2")
        );
        let none = vec![v("1.0.0", Rejected, false, false, false)];
        assert_eq!(latest(&none), None);
    }

    #[test]
    fn deadlines_are_future_dates() {
        let now = 1_795_000_000_000; // 2026-11-18
        assert_eq!(parse_deadline("", now).unwrap(), None);
        assert_eq!(
            parse_deadline("2027-01-01", now).unwrap(),
            Some(1_798_761_600_000)
        );
        assert!(parse_deadline("2026-01-01", now).is_err());
        assert!(parse_deadline("01/01/2027", now).is_err());
        let d = Deprecation {
            since: now,
            reason: "old".into(),
            replacement: None,
            deadline: Some(now + 1),
        };
        assert!(!d.refuses_installs(now));
        assert!(d.refuses_installs(now + 1));
    }

    #[test]
    fn version_states_round_trip() {
        for s in [
            VersionState::Submitted,
            VersionState::InReview,
            VersionState::Published,
            VersionState::ChangesRequested,
            VersionState::Rejected,
            VersionState::Withdrawn,
        ] {
            assert_eq!(VersionState::parse(s.as_str()), Some(s));
        }
    }
}
