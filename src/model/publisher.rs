//! Publishers: the teams that publish extensions, their slugs, roles and DTOs.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Slugs that read as pages or actions rather than publishers.
const RESERVED: &[&str] = &["validate", "new", "upload"];

/// A publisher slug: `^[a-z0-9][a-z0-9-]{1,38}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublisherSlug(String);

impl PublisherSlug {
    /// Validates a slug typed into the field named `slug`.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let s = input.trim();
        let ok = (2..=39).contains(&s.len())
            && s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if RESERVED.contains(&s) {
            return Err(AppError::field(
                "slug",
                format!("{s:?} is reserved. Choose another."),
            ));
        }
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(AppError::field(
                "slug",
                "Use 2 to 39 lower-case letters, digits and dashes, starting with a letter or digit (like acme-tools).",
            ))
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member's role in a publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublisherRole {
    /// Manages members; everything a maintainer may.
    Owner,
    /// Uploads versions, edits listings, yanks and deprecates.
    Maintainer,
}

impl PublisherRole {
    /// As stored and posted.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Maintainer => "maintainer",
        }
    }

    /// Parses a stored or posted role, for the form field named `role`.
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "owner" => Ok(Self::Owner),
            "maintainer" => Ok(Self::Maintainer),
            _ => Err(AppError::field("role", "Choose owner or maintainer.")),
        }
    }
}

/// A publisher as listed for its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherSummary {
    /// Slug.
    pub slug: String,
    /// Name shown on listings.
    pub display_name: String,
    /// Checked by marketplace admins.
    pub verified: bool,
    /// The viewer's role, if a member.
    pub role: Option<PublisherRole>,
}

/// One member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherMember {
    /// User id.
    pub user_id: String,
    /// Name.
    pub display_name: String,
    /// Email (members and admins see it).
    pub email: String,
    /// Role.
    pub role: PublisherRole,
}

/// A publisher with its members, for its management page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherDetail {
    /// The publisher.
    pub publisher: PublisherSummary,
    /// Members, owners first.
    pub members: Vec<PublisherMember>,
    /// Whether the viewer may change members (an owner).
    pub can_manage: bool,
    /// Whether the viewer may verify and suspend (a marketplace admin).
    pub can_verify: bool,
    /// Why it is suspended, while it is.
    pub suspension: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("acme", true)]
    #[case("acme-tools", true)]
    #[case("42labs", true)]
    #[case("a", false)]
    #[case("-acme", false)]
    #[case("Acme", false)]
    #[case("acme_tools", false)]
    #[case(&"a".repeat(39), true)]
    #[case(&"a".repeat(40), false)]
    #[case("validate", false)]
    fn slugs(#[case] slug: &str, #[case] ok: bool) {
        assert_eq!(PublisherSlug::parse(slug).is_ok(), ok, "{slug}");
    }

    #[test]
    fn roles_round_trip() {
        for role in [PublisherRole::Owner, PublisherRole::Maintainer] {
            assert_eq!(PublisherRole::parse(role.as_str()).unwrap(), role);
        }
        assert!(PublisherRole::parse("admin")
            .unwrap_err()
            .for_field("role")
            .is_some());
    }
}
