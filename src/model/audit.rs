//! The audit log as its pages show it.

use serde::{Deserialize, Serialize};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix ms.
    pub at: i64,
    /// Who acted: display name and email (none for the system or an anonymous attempt).
    pub actor: Option<(String, String)>,
    /// Dotted action (`version.approve`).
    pub action: String,
    /// Kind of target (`version`, `publisher`, `user`).
    pub target_kind: String,
    /// Target id.
    pub target_id: String,
    /// Facts recorded with it (JSON; never secrets).
    pub detail: String,
}

/// A page of the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// The `before` of the next page (`AT:ID`), when there is one.
    pub next_before: Option<String>,
}

/// The action families the audit page filters by.
pub const ACTION_FILTERS: &[(&str, &str)] = &[
    ("", "All actions"),
    ("version.", "Versions: uploads, reviews, yanks, revocations"),
    ("extension.", "Extensions: listings, deprecations"),
    (
        "publisher.",
        "Publishers: members, verification, suspension",
    ),
    ("user.", "Accounts: sign-ins, lockouts, roles"),
];
