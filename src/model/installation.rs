//! Installations: an extension installed into a project, and what the install flow shows.

use crate::model::manifest::settings::{SettingScope, SettingType};
use crate::model::manifest::wizard::WizardStep;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an installation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallStatus {
    /// Its setup wizard is not finished yet.
    Setup,
    /// Installed and receiving events.
    Active,
    /// Installed, receiving nothing (by an admin, or because its version was revoked).
    Disabled,
    /// Removed; kept for the record.
    Uninstalled,
}

impl InstallStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Uninstalled => "uninstalled",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "setup" => Self::Setup,
            "active" => Self::Active,
            "disabled" => Self::Disabled,
            "uninstalled" => Self::Uninstalled,
            _ => return None,
        })
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Setup => "Setup not finished",
            Self::Active => "Active",
            Self::Disabled => "Disabled",
            Self::Uninstalled => "Uninstalled",
        }
    }
}

/// A permission with what it lets the extension do, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionText {
    /// The scope, `issues:read`.
    pub scope: String,
    /// `Read issues`.
    pub description: String,
}

/// Describes a permission scope (`resource:action`) in plain words.
pub fn describe_permission(scope: &str) -> PermissionText {
    let (resource, action) = scope.split_once(':').unwrap_or((scope, ""));
    let resource = resource.replace(['_', '-'], " ");
    let description = match action {
        "read" => format!("Read {resource}"),
        "write" => format!("Create and change {resource}"),
        "delete" => format!("Delete {resource}"),
        "manage" | "admin" => format!("Manage {resource}, including their settings"),
        "" => format!("Use {resource}"),
        other => format!("{} {resource}", capitalize(other)),
    };
    PermissionText {
        scope: scope.to_string(),
        description,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// One organization the user administers, as a place to install into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallTarget {
    /// Organization slug.
    pub org: String,
    /// Organization name.
    pub org_name: String,
    /// Its projects: slug, name, and the id of a live installation of this extension there.
    pub projects: Vec<(String, String, Option<String>)>,
}

/// The "where to install" page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallOptions {
    /// Extension key.
    pub key: String,
    /// Extension name.
    pub name: String,
    /// The version that would be installed.
    pub version: String,
    /// Organizations the user administers.
    pub targets: Vec<InstallTarget>,
    /// Organizations where the user is only a member (they cannot install there).
    pub member_only: Vec<String>,
}

/// The consent screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Extension key.
    pub key: String,
    /// Extension name.
    pub name: String,
    /// Version to install.
    pub version: String,
    /// Publisher slug.
    pub publisher: String,
    /// Publisher name.
    pub publisher_name: String,
    /// Whether the publisher is verified.
    pub verified: bool,
    /// Requested permissions.
    pub permissions: Vec<PermissionText>,
    /// Events it will receive.
    pub events: Vec<String>,
    /// The host events are sent to (`None`: runs inside the platform; a `${VAR}` host is named
    /// by the setting that decides it).
    pub host: Option<String>,
    /// Organization slug and name.
    pub org: (String, String),
    /// Project slug and name.
    pub project: (String, String),
    /// A live installation of this extension in the project already.
    pub existing: Option<String>,
}

/// The status of one declared secret of an installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretState {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Where it is asked.
    pub scope: SettingScope,
    /// Whether a value is stored (and in which scope it resolves), e.g. `installation`.
    pub resolved_from: Option<String>,
    /// When it last changed, unix ms.
    pub updated_at: Option<i64>,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// Whether the extension requires it.
    pub required: bool,
}

/// A step's place in the whole setup: the organization-level steps come first when the
/// organization has not configured the extension yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepHead {
    /// Title.
    pub title: String,
    /// Which wizard it belongs to.
    pub scope: SettingScope,
}

/// What the test step's ping came back with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestOutcome {
    /// Whether the extension accepted the settings.
    pub ok: bool,
    /// A sentence about the outcome.
    pub message: String,
    /// Per-field messages from `{"errors": {...}}`.
    pub field_errors: BTreeMap<String, String>,
}

/// One page of the setup wizard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WizardPage {
    /// Installation id.
    pub installation: String,
    /// Organization slug and name.
    pub org: (String, String),
    /// Project slug and name.
    pub project: (String, String),
    /// Extension key and name.
    pub extension: (String, String),
    /// Version being set up.
    pub version: String,
    /// Every step of this setup.
    pub steps: Vec<StepHead>,
    /// The step shown (index into `steps`).
    pub index: usize,
    /// The step shown.
    pub step: WizardStep,
    /// Which wizard the step belongs to.
    pub scope: SettingScope,
    /// Non-secret values entered so far (both wizards), or the defaults.
    pub values: BTreeMap<String, String>,
    /// Stored secrets of the step's fields.
    pub secrets: Vec<SecretState>,
    /// Info content rendered to sanitized HTML (info steps).
    pub content_html: Option<String>,
    /// Whether this is a re-configuration of an installed extension.
    pub reconfigure: bool,
    /// The last test of this setup, on a test step.
    pub test: Option<TestOutcome>,
    /// Labels of every setting, for messages about fields of other steps (an extension's test
    /// answer may name any of them).
    pub labels: BTreeMap<String, String>,
}

impl WizardPage {
    /// Whether the step shown is the last one.
    pub fn is_last(&self) -> bool {
        self.index + 1 >= self.steps.len()
    }
}

/// An installation in a list (the organization page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationSummary {
    /// Id.
    pub id: String,
    /// Project slug and name.
    pub project: (String, String),
    /// Extension key and name.
    pub extension: (String, String),
    /// Pinned version.
    pub version: String,
    /// Status.
    pub status: InstallStatus,
}

/// A setting's value as the installation page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingValue {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Type.
    pub kind: SettingType,
    /// Where it is configured.
    pub scope: SettingScope,
    /// The value, for display (option labels for selects); empty when not set.
    pub value: String,
}

/// The installation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationDetail {
    /// Id.
    pub id: String,
    /// Organization slug and name.
    pub org: (String, String),
    /// Project slug and name.
    pub project: (String, String),
    /// Extension key and name.
    pub extension: (String, String),
    /// Pinned version.
    pub version: String,
    /// The version before the last upgrade (for rollback).
    pub previous_version: Option<String>,
    /// Status.
    pub status: InstallStatus,
    /// Why it is disabled.
    pub disabled_reason: Option<String>,
    /// The pinned version's revocation reason, when revoked.
    pub revoked_reason: Option<String>,
    /// Non-secret settings.
    pub settings: Vec<SettingValue>,
    /// Declared secrets and whether each is set.
    pub secrets: Vec<SecretState>,
    /// Granted permissions.
    pub permissions: Vec<PermissionText>,
    /// Events it receives.
    pub events: Vec<String>,
    /// Installed, unix ms.
    pub created_at: i64,
    /// Last configured, unix ms.
    pub configured_at: Option<i64>,
    /// Whether the caller is an admin of the organization.
    pub can_manage: bool,
    /// A newer installable version, when there is one.
    pub upgrade_to: Option<String>,
    /// Whether the signing secret is generated by the platform (it can be rotated here).
    pub generated_secret: bool,
    /// Until when (unix ms) the previous signing secret still signs, after a rotation.
    pub previous_secret_until: Option<i64>,
}

/// Moving an installation to another version: what changes, and what the admin must agree to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    /// Installation id.
    pub installation: String,
    /// Organization slug and name.
    pub org: (String, String),
    /// Project slug and name.
    pub project: (String, String),
    /// Extension key and name.
    pub extension: (String, String),
    /// The installed version.
    pub from: String,
    /// The version to move to.
    pub to: String,
    /// Whether `to` is newer (an upgrade) or older (a rollback).
    pub upgrade: bool,
    /// What changes between the two manifests.
    pub diff: crate::model::diff::VersionDiff,
    /// Permissions `to` asks for that were not granted.
    pub needs_consent: Vec<PermissionText>,
    /// Release notes of the versions in between: (version, notes).
    pub release_notes: Vec<(String, String)>,
    /// The changelog of `to`, sanitized HTML.
    pub changelog_html: Option<String>,
    /// Labels of required settings `to` needs that have no value.
    pub new_required: Vec<String>,
}

/// Secrets shown once, right after they are created (the done page, a rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownOnce {
    /// The installation's signing secret, when just created or rotated.
    pub signing_secret: Option<String>,
    /// The runtime API token, when just created.
    pub runtime_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case("issues:read", "Read issues")]
    #[case("comments:write", "Create and change comments")]
    #[case("webhooks:manage", "Manage webhooks, including their settings")]
    #[case("workflow_states:read", "Read workflow states")]
    #[case("issues:transition", "Transition issues")]
    fn permissions_read_as_sentences(#[case] scope: &str, #[case] text: &str) {
        assert_eq!(describe_permission(scope).description, text);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            InstallStatus::Setup,
            InstallStatus::Active,
            InstallStatus::Disabled,
            InstallStatus::Uninstalled,
        ] {
            assert_eq!(InstallStatus::parse(s.as_str()), Some(s));
        }
    }
}
