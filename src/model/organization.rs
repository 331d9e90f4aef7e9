//! Organizations (teams that install extensions), their members and projects.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// Installs and configures extensions, manages members, projects and secrets.
    Admin,
    /// Sees installations and secret metadata, never values.
    Member,
}

impl OrgRole {
    /// As stored and posted.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Parses a stored or posted role, for the form field named `role`.
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(AppError::field("role", "Choose admin or member.")),
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Member => "Member",
        }
    }
}

/// An organization in the user's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// The user's role.
    pub role: OrgRole,
    /// Number of projects.
    pub projects: u64,
}

/// A member of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgMember {
    /// Display name.
    pub display_name: String,
    /// Email (shown to the organization's members only).
    pub email: String,
    /// Role.
    pub role: OrgRole,
}

/// A project of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSummary {
    /// Slug (unique in its organization).
    pub slug: String,
    /// Name.
    pub name: String,
}

/// An organization as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDetail {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// The viewer's role.
    pub role: OrgRole,
    /// Members, admins first.
    pub members: Vec<OrgMember>,
    /// Projects, by name.
    pub projects: Vec<ProjectSummary>,
    /// Installed extensions, by project (uninstalled ones last).
    pub installations: Vec<crate::model::installation::InstallationSummary>,
}
