//! Personal tokens (SPEC §9): what a user's scripts and the `kiket` CLI call the REST API with.
//! Scopes, the extension-key pattern and the expiry choices are shared by the account page, the
//! server and the CLI.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// What every personal token starts with.
pub const PERSONAL_TOKEN_PREFIX: &str = "kkt_";

/// Longest token name.
pub const MAX_TOKEN_NAME: usize = 80;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Upload new versions.
    Publish,
    /// Yank and un-yank versions.
    Yank,
    /// Read the caller's unpublished versions and their packages.
    Read,
}

impl Scope {
    /// Every scope, in the order the form lists them.
    pub const ALL: [Scope; 3] = [Scope::Publish, Scope::Yank, Scope::Read];

    /// The scope's name (`publish`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Publish => "publish",
            Scope::Yank => "yank",
            Scope::Read => "read",
        }
    }

    /// The scope named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name.trim())
    }

    /// What the scope allows, for the form.
    pub fn description(self) -> &'static str {
        match self {
            Scope::Publish => "Upload new versions of your publishers' extensions.",
            Scope::Yank => "Yank and un-yank published versions.",
            Scope::Read => "Read versions that are not published yet, and download their packages.",
        }
    }
}

/// Which extension keys a token may act on: a key with `*` wildcards, such as `my-*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPattern(String);

impl KeyPattern {
    /// Checks a typed pattern: 1 to 64 characters of lower-case letters, digits, `.`, `-` and `*`.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let p = input.trim();
        let valid = !p.is_empty()
            && p.len() <= 64
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '*')
            });
        if !valid {
            return Err(AppError::field(
                "key_pattern",
                "Use an extension key with * for any characters, such as my-* (lower-case letters, digits, dots and dashes).",
            ));
        }
        if p.chars().all(|c| c == '*') {
            return Err(AppError::field(
                "key_pattern",
                "A pattern of only * matches every key; leave the field empty instead.",
            ));
        }
        Ok(Self(p.to_string()))
    }

    /// The pattern as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `key` matches: `*` stands for any run of characters, everything else for itself.
    pub fn matches(&self, key: &str) -> bool {
        let mut parts = self.0.split('*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = key.strip_prefix(first) else {
            return false;
        };
        let parts: Vec<&str> = parts.collect();
        let Some((last, middle)) = parts.split_last() else {
            // No wildcard: the whole key must have been the prefix.
            return rest.is_empty();
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
    }
}

/// How long a new token lives: the form's choices, in days (`None`: until revoked).
pub const EXPIRY_CHOICES: [(&str, &str, Option<i64>); 5] = [
    ("7", "7 days", Some(7)),
    ("30", "30 days", Some(30)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "No expiry", None),
];

/// The expiry time (unix ms) for the form's `expires_in` choice, from `now`.
pub fn parse_expiry(choice: &str, now: i64) -> Result<Option<i64>, AppError> {
    EXPIRY_CHOICES
        .iter()
        .find(|(value, _, _)| *value == choice.trim())
        .map(|(_, _, days)| days.map(|d| now + d * 24 * 60 * 60 * 1000))
        .ok_or_else(|| AppError::field("expires_in", "Choose how long the token lives."))
}

/// The scopes a form sent (checkboxes named `scopes`), without repeats.
pub fn parse_scopes(values: &[String]) -> Result<Vec<Scope>, AppError> {
    let mut scopes = Vec::new();
    for v in values {
        let scope = Scope::parse(v)
            .ok_or_else(|| AppError::field("scopes", format!("{v} is not a scope.")))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(AppError::field("scopes", "Choose at least one scope."));
    }
    scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
    Ok(scopes)
}

/// A personal token as its owner's account page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalToken {
    /// Id (`ptk_…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// Extension keys it is limited to.
    pub key_pattern: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Expires, unix ms.
    pub expires_at: Option<i64>,
    /// Last used, unix ms.
    pub last_used_at: Option<i64>,
    /// Revoked, unix ms.
    pub revoked_at: Option<i64>,
}

/// The account's tokens page: the tokens and, once, the one just created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalTokenPage {
    /// The caller's tokens, newest first.
    pub tokens: Vec<PersonalToken>,
    /// (name, token) of the token just created, shown this once.
    pub created: Option<(String, String)>,
    /// The marketplace's public URL (for the CLI example).
    pub public_url: String,
    /// Now, unix ms (to tell expired tokens).
    pub now: i64,
    /// What a refused plain form post typed, to show again.
    pub kept: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("my-*", "my-sync", true)]
    #[case("my-*", "my-", true)]
    #[case("my-*", "other", false)]
    #[case("my-*", "amy-sync", false)]
    #[case("*-sync", "github-sync", true)]
    #[case("*-sync", "github-sync-2", false)]
    #[case("a*b*c", "abc", true)]
    #[case("a*b*c", "axxbyyc", true)]
    #[case("a*b*c", "axxc", false)]
    #[case("a*a", "a", false)]
    #[case("exact", "exact", true)]
    #[case("exact", "exactly", false)]
    fn patterns_match_keys(#[case] pattern: &str, #[case] key: &str, #[case] expected: bool) {
        assert_eq!(KeyPattern::parse(pattern).unwrap().matches(key), expected);
    }

    #[rstest]
    #[case("")]
    #[case("*")]
    #[case("**")]
    #[case("My-*")]
    #[case("my_*")]
    #[case("my/*")]
    fn bad_patterns_are_refused_on_their_field(#[case] pattern: &str) {
        match KeyPattern::parse(pattern) {
            Err(AppError::Validation { field, .. }) => assert_eq!(field, "key_pattern"),
            other => panic!("{pattern:?}: {other:?}"),
        }
    }

    #[test]
    fn scopes_are_parsed_ordered_and_required() {
        let got = parse_scopes(&["read".into(), "publish".into(), "read".into()]).unwrap();
        assert_eq!(got, vec![Scope::Publish, Scope::Read]);
        assert!(parse_scopes(&[]).is_err());
        assert!(parse_scopes(&["admin".into()]).is_err());
    }

    #[test]
    fn expiry_choices_are_days_from_now() {
        assert_eq!(
            parse_expiry("7", 1_000).unwrap(),
            Some(1_000 + 7 * 86_400_000)
        );
        assert_eq!(parse_expiry("never", 1_000).unwrap(), None);
        assert!(parse_expiry("forever", 1_000).is_err());
    }
}
