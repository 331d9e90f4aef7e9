//! Secrets as the pages show them: keys and metadata, never values.

use crate::error::AppError;
use crate::model::manifest::names::check_secret_key;
use serde::{Deserialize, Serialize};

/// Longest secret value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// Where a secret is kept. Resolution tries installation, then extension, then project, then
/// organization (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// One installation of an extension in a project.
    Installation,
    /// One extension, organization-wide.
    Extension,
    /// A project.
    Project,
    /// The organization.
    Organization,
}

impl ScopeKind {
    /// Resolution order: the first scope holding the key wins.
    pub const RESOLUTION: [ScopeKind; 4] = [
        ScopeKind::Installation,
        ScopeKind::Extension,
        ScopeKind::Project,
        ScopeKind::Organization,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Installation => "installation",
            Self::Extension => "extension",
            Self::Project => "project",
            Self::Organization => "organization",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Installation => "installation",
            Self::Extension => "extension (organization-wide)",
            Self::Project => "project",
            Self::Organization => "organization",
        }
    }
}

/// Checks a key typed into the field named `key`.
pub fn check_key(key: &str) -> Result<(), AppError> {
    check_secret_key(key.trim()).map_err(|m| AppError::field("key", m))
}

/// Checks a value typed into the field named `value` (its content is never echoed).
pub fn check_value(value: &str) -> Result<(), AppError> {
    if value.is_empty() {
        return Err(AppError::field("value", "Enter the value."));
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(AppError::field(
            "value",
            format!("The value is longer than {} KB.", MAX_VALUE_BYTES / 1024),
        ));
    }
    Ok(())
}

/// A stored secret's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMeta {
    /// Key (UPPER_SNAKE).
    pub key: String,
    /// Version: 1 when set, +1 at every replacement.
    pub version: i64,
    /// First set, unix ms.
    pub created_at: i64,
    /// Last set, unix ms.
    pub updated_at: i64,
    /// Last replaced, unix ms.
    pub rotated_at: Option<i64>,
    /// Times replaced.
    pub rotation_count: i64,
    /// Who set it last (display name).
    pub updated_by: Option<String>,
}

/// The secrets of one scope, as a page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretList {
    /// Organization slug.
    pub org: String,
    /// Organization name.
    pub org_name: String,
    /// Project slug and name, for a project's secrets.
    pub project: Option<(String, String)>,
    /// The viewer may set and clear (an organization admin).
    pub can_manage: bool,
    /// The secrets, by key.
    pub secrets: Vec<SecretMeta>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("API_TOKEN", true)]
    #[case("A", true)]
    #[case("TOKEN_2", true)]
    #[case("api_token", false)]
    #[case("2TOKEN", false)]
    #[case("API-TOKEN", false)]
    #[case("", false)]
    fn keys_are_upper_snake(#[case] key: &str, #[case] ok: bool) {
        assert_eq!(check_key(key).is_ok(), ok, "{key}");
    }

    #[test]
    fn values_are_bounded_and_never_echoed() {
        assert!(check_value("").is_err());
        let long = "x".repeat(MAX_VALUE_BYTES + 1);
        let err = check_value(&long).unwrap_err().to_string();
        assert!(!err.contains("xxxx"), "{err}");
        assert!(check_value("xoxb-123").is_ok());
    }
}
