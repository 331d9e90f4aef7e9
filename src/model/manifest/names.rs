//! The names a manifest uses — extension keys, event names, permission scopes, setting keys — as
//! newtypes that only exist once validated.

use serde::{Deserialize, Serialize};

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A globally unique extension key: `my-sync` (dialect 2) or `dev.kiket.ext.github` (dialect 1.0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExtensionKey(String);

impl ExtensionKey {
    /// Dialect 2 keys: `^[a-z][a-z0-9-]{1,62}[a-z0-9]$`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let chars: Vec<char> = s.chars().collect();
        let ok = (3..=64).contains(&chars.len())
            && chars[0].is_ascii_lowercase()
            && chars.iter().all(|&c| lower_alnum(c) || c == '-')
            && lower_alnum(chars[chars.len() - 1]);
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "{s:?} is not a valid key: use 3 to 64 lower-case letters, digits and dashes, \
                 starting with a letter and not ending with a dash (like \"my-sync\")"
            ))
        }
    }

    /// Dialect 1.0 ids: `^[a-z][a-z0-9.-]+$`, up to 128 characters, dots between parts.
    pub fn parse_id(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let ok = s.len() >= 2
            && s.len() <= 128
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| lower_alnum(c) || c == '.' || c == '-')
            && !s.ends_with('.')
            && !s.contains("..");
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "{s:?} is not a valid id: use lower-case letters, digits, dots and dashes, starting \
                 with a letter (like \"dev.kiket.ext.github\")"
            ))
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An event name: `issue.created`, `workflow.before_transition`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventName(String);

impl EventName {
    /// `^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = s.split('.');
        let first = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        let part_ok = |p: &str| !p.is_empty() && p.chars().all(|c| lower_alnum(c) || c == '_');
        let ok = first.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && part_ok(first)
            && !rest.is_empty()
            && rest.iter().all(|p| part_ok(p))
            && s.len() <= 128;
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "{s:?} is not a valid event name: use dotted lower-case words like \"issue.created\""
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Words that name an action rather than a resource, to recognise `read:issues`.
const ACTIONS: &[&str] = &[
    "read", "write", "admin", "delete", "create", "update", "manage", "execute",
];

/// A permission scope in its canonical form `resource:action`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope(String);

/// A parsed scope, and whether it had to be rewritten to the canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedScope {
    /// The canonical scope.
    pub scope: Scope,
    /// The form it was written in, when it was not canonical.
    pub normalized_from: Option<String>,
}

impl Scope {
    /// Accepts `issues:read`, and normalises `read:issues` and `issues.read` to it.
    pub fn parse(s: &str) -> Result<ParsedScope, String> {
        let word =
            |p: &str| !p.is_empty() && p.chars().all(|c| lower_alnum(c) || c == '_' || c == '-');
        let bad = || {
            format!("{s:?} is not a permission scope: write resource:action, like \"issues:read\"")
        };
        let (a, b, dotted) = if let Some((a, b)) = s.split_once(':') {
            (a, b, false)
        } else if let Some((a, b)) = s.split_once('.') {
            (a, b, true)
        } else {
            return Err(bad());
        };
        if !word(a) || !word(b) {
            return Err(bad());
        }
        let (resource, action) = if ACTIONS.contains(&a) && !ACTIONS.contains(&b) {
            (b, a)
        } else {
            (a, b)
        };
        let canonical = format!("{resource}:{action}");
        let normalized_from = (dotted || canonical != s).then(|| s.to_string());
        Ok(ParsedScope {
            scope: Scope(canonical),
            normalized_from,
        })
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A plain-language description for consent screens.
    pub fn describe(&self) -> String {
        let (resource, action) = self.0.split_once(':').unwrap_or((&self.0, ""));
        let resource = resource.replace(['_', '-'], " ");
        match action {
            "read" => format!("Read {resource}"),
            "write" => format!("Create and change {resource}"),
            "delete" => format!("Delete {resource}"),
            "admin" | "manage" => format!("Administer {resource}"),
            other => format!("{} {resource}", capitalize(other)),
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A version: semver 2.0, pre-releases allowed, ordered by semver precedence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(semver::Version);

impl Version {
    /// Parses `1.2.3`, `1.0.0-beta.1`, `2.0.0+build.5`.
    pub fn parse(s: &str) -> Result<Self, String> {
        semver::Version::parse(s.trim())
            .map(Self)
            .map_err(|e| format!("{s:?} is not a semantic version like 1.2.3 ({e})"))
    }

    /// Whether this is a pre-release (`1.0.0-beta.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The key of a setting: lower snake case for settings, UPPER_SNAKE for secrets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SettingKey(String);

impl SettingKey {
    /// Parses a key for a setting (`secret = false`) or a secret (`secret = true`).
    pub fn parse(s: &str, secret: bool) -> Result<Self, String> {
        if secret {
            check_secret_key(s)?;
        } else {
            check_setting_key(s)?;
        }
        Ok(Self(s.to_string()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a setting key: `^[a-z][a-z0-9_]*$`.
pub fn check_setting_key(s: &str) -> Result<(), String> {
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| lower_alnum(c) || c == '_')
        && s.len() <= 64;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid setting key: use lower-case letters, digits and underscores, starting with a letter"
        ))
    }
}

/// Checks a secret key: `^[A-Z][A-Z0-9_]*$`.
pub fn check_secret_key(s: &str) -> Result<(), String> {
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 64;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid secret key: use upper-case letters, digits and underscores (UPPER_SNAKE), starting with a letter"
        ))
    }
}

/// The SDK environment variable for a secret key: `api.token` → `KIKET_SECRET_API_TOKEN`.
pub fn secret_env_name(key: &str) -> String {
    let mapped: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("KIKET_SECRET_{mapped}")
}

/// The categories a listing may use.
pub const CATEGORIES: &[&str] = &[
    "project_management",
    "marketing",
    "development",
    "communication",
    "automation",
    "productivity",
    "operations",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("my-sync", true)]
    #[case("abc", true)]
    #[case("ab", false)]
    #[case("my-", false)]
    #[case("1abc", false)]
    #[case("My-sync", false)]
    #[case("my_sync", false)]
    #[case(&format!("a{}", "b".repeat(63)), true)]
    #[case(&format!("a{}", "b".repeat(64)), false)]
    fn extension_keys(#[case] key: &str, #[case] ok: bool) {
        assert_eq!(ExtensionKey::parse(key).is_ok(), ok, "{key}");
    }

    #[rstest]
    #[case("dev.kiket.ext.github", true)]
    #[case("my-ext", true)]
    #[case("dev..x", false)]
    #[case("dev.", false)]
    #[case(".dev", false)]
    #[case("Dev.x", false)]
    fn dialect_1_ids(#[case] id: &str, #[case] ok: bool) {
        assert_eq!(ExtensionKey::parse_id(id).is_ok(), ok, "{id}");
    }

    #[rstest]
    #[case("issue.created", true)]
    #[case("workflow.before_transition", true)]
    #[case("a.b.c", true)]
    #[case("issue", false)]
    #[case("issue.", false)]
    #[case("Issue.created", false)]
    #[case("issue-created.x", false)]
    #[case("1.x", false)]
    fn event_names(#[case] name: &str, #[case] ok: bool) {
        assert_eq!(EventName::parse(name).is_ok(), ok, "{name}");
    }

    #[rstest]
    #[case("issues:read", "issues:read", false)]
    #[case("read:issues", "issues:read", true)]
    #[case("issues.read", "issues:read", true)]
    #[case("comments:write", "comments:write", false)]
    fn scopes_normalise(#[case] input: &str, #[case] canonical: &str, #[case] normalized: bool) {
        let parsed = Scope::parse(input).unwrap();
        assert_eq!(parsed.scope.as_str(), canonical);
        assert_eq!(parsed.normalized_from.is_some(), normalized);
    }

    #[rstest]
    #[case("issues")]
    #[case("issues:")]
    #[case(":read")]
    #[case("issues:read:all")]
    #[case("Issues:Read")]
    fn bad_scopes(#[case] input: &str) {
        assert!(Scope::parse(input).is_err(), "{input}");
    }

    #[rstest]
    #[case("1.0.0", "1.0.1")]
    #[case("1.0.0-beta.1", "1.0.0")]
    #[case("1.0.0-alpha", "1.0.0-beta")]
    #[case("1.9.0", "1.10.0")]
    fn versions_order_by_semver(#[case] lower: &str, #[case] higher: &str) {
        assert!(Version::parse(lower).unwrap() < Version::parse(higher).unwrap());
    }

    #[test]
    fn versions_know_pre_releases() {
        assert!(Version::parse("1.0.0-rc.1").unwrap().is_prerelease());
        assert!(!Version::parse("1.0.0").unwrap().is_prerelease());
        assert!(Version::parse("v1.0").is_err());
    }

    #[rstest]
    #[case("api_url", false, true)]
    #[case("API_URL", false, false)]
    #[case("API_URL", true, true)]
    #[case("api_url", true, false)]
    fn setting_keys_by_kind(#[case] key: &str, #[case] secret: bool, #[case] ok: bool) {
        assert_eq!(SettingKey::parse(key, secret).is_ok(), ok);
    }

    #[test]
    fn secret_env_names() {
        assert_eq!(secret_env_name("api.token"), "KIKET_SECRET_API_TOKEN");
        assert_eq!(secret_env_name("API_KEY"), "KIKET_SECRET_API_KEY");
    }

    #[test]
    fn scopes_read_plainly() {
        assert_eq!(
            Scope::parse("issues:read").unwrap().scope.describe(),
            "Read issues"
        );
        assert_eq!(
            Scope::parse("comments:write").unwrap().scope.describe(),
            "Create and change comments"
        );
    }
}
