//! What changed between two versions of an extension, as a reviewer (and, on upgrade, an
//! organization admin) needs to see it: permissions, events, settings, where data goes, files.

use crate::model::extension::VersionFile;
use crate::model::manifest::{Delivery, Manifest};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A setting whose type changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeChange {
    /// Setting key.
    pub key: String,
    /// Type before.
    pub before: String,
    /// Type after.
    pub after: String,
}

/// The difference between a version and the one before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDiff {
    /// The version compared against (none: this is the first).
    pub against: Option<String>,
    /// Permissions requested now and not before.
    pub permissions_added: Vec<String>,
    /// Permissions no longer requested.
    pub permissions_removed: Vec<String>,
    /// Events received now and not before (triggers, hooks, lifecycle events).
    pub events_added: Vec<String>,
    /// Events no longer received.
    pub events_removed: Vec<String>,
    /// New settings.
    pub settings_added: Vec<String>,
    /// Settings gone.
    pub settings_removed: Vec<String>,
    /// Settings whose type changed.
    pub settings_retyped: Vec<TypeChange>,
    /// Where deliveries go, before and after, when that changed.
    pub delivery_changed: Option<(String, String)>,
    /// Whether the host data is sent to changed (the part a reviewer must look at twice).
    pub host_changed: bool,
    /// Files added.
    pub files_added: Vec<String>,
    /// Files removed.
    pub files_removed: Vec<String>,
    /// Files whose content changed (by hash).
    pub files_changed: Vec<String>,
}

impl VersionDiff {
    /// Whether anything a reviewer must look at changed besides files.
    pub fn is_empty(&self) -> bool {
        self.permissions_added.is_empty()
            && self.permissions_removed.is_empty()
            && self.events_added.is_empty()
            && self.events_removed.is_empty()
            && self.settings_added.is_empty()
            && self.settings_removed.is_empty()
            && self.settings_retyped.is_empty()
            && self.delivery_changed.is_none()
    }
}

fn events(m: &Manifest) -> BTreeSet<String> {
    m.triggers
        .iter()
        .map(|t| t.event.clone())
        .chain(m.lifecycle_events.iter().cloned())
        .collect()
}

fn delivery(m: &Manifest) -> String {
    match &m.delivery {
        Delivery::Http { url } => url.clone(),
        Delivery::Internal => "internal".into(),
    }
}

/// The host part of a delivery URL (`https://host:port/path` → `host:port`).
fn host(url: &str) -> &str {
    url.split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
}

fn added<T: Ord + Clone>(new: &BTreeSet<T>, old: &BTreeSet<T>) -> Vec<T> {
    new.difference(old).cloned().collect()
}

/// Compares `new` with `old` (`None` for a first version: nothing to compare).
pub fn diff(
    old: Option<(&str, &Manifest, &[VersionFile])>,
    new: (&Manifest, &[VersionFile]),
) -> VersionDiff {
    let Some((against, old_m, old_files)) = old else {
        return VersionDiff::default();
    };
    let (new_m, new_files) = new;
    let perms = |m: &Manifest| m.permissions.iter().cloned().collect::<BTreeSet<_>>();
    let (p_old, p_new) = (perms(old_m), perms(new_m));
    let (e_old, e_new) = (events(old_m), events(new_m));
    let settings = |m: &Manifest| {
        m.settings
            .iter()
            .map(|s| (s.key.clone(), s.kind.name().to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    let (s_old, s_new) = (settings(old_m), settings(new_m));
    let (d_old, d_new) = (delivery(old_m), delivery(new_m));
    let files = |f: &[VersionFile]| {
        f.iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (f_old, f_new) = (files(old_files), files(new_files));
    VersionDiff {
        against: Some(against.to_string()),
        permissions_added: added(&p_new, &p_old),
        permissions_removed: added(&p_old, &p_new),
        events_added: added(&e_new, &e_old),
        events_removed: added(&e_old, &e_new),
        settings_added: s_new
            .keys()
            .filter(|k| !s_old.contains_key(*k))
            .cloned()
            .collect(),
        settings_removed: s_old
            .keys()
            .filter(|k| !s_new.contains_key(*k))
            .cloned()
            .collect(),
        settings_retyped: s_new
            .iter()
            .filter_map(|(k, after)| {
                let before = s_old.get(k)?;
                (before != after).then(|| TypeChange {
                    key: k.clone(),
                    before: before.clone(),
                    after: after.clone(),
                })
            })
            .collect(),
        host_changed: host(&d_old) != host(&d_new),
        delivery_changed: (d_old != d_new).then_some((d_old, d_new)),
        files_added: f_new
            .keys()
            .filter(|k| !f_old.contains_key(*k))
            .cloned()
            .collect(),
        files_removed: f_old
            .keys()
            .filter(|k| !f_new.contains_key(*k))
            .cloned()
            .collect(),
        files_changed: f_new
            .iter()
            .filter(|(k, h)| f_old.get(*k).is_some_and(|o| o != *h))
            .map(|(k, _)| k.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::manifest::lint;

    fn m(extra_perm: &str, trigger: &str, setting_type: &str, base: &str) -> Manifest {
        let src = format!(
            "manifest_version: 2\nextension:\n  key: diff-me\n  name: X\n  version: 1.0.0\n  base_url: {base}\n  \
             permissions: [issues:read{extra_perm}]\ntriggers:\n  - event: {trigger}\n    handler: /e\n\
             settings:\n  - key: channel\n    label: Channel\n    type: {setting_type}\n"
        );
        let l = lint(&src);
        l.manifest.unwrap_or_else(|| panic!("{:?}", l.diagnostics))
    }

    fn file(path: &str, sha: &str) -> VersionFile {
        VersionFile {
            path: path.into(),
            size_bytes: 1,
            sha256: sha.into(),
        }
    }

    #[test]
    fn a_first_version_has_nothing_to_compare() {
        let new = m("", "issue.created", "string", "https://a.example.com");
        let d = diff(None, (&new, &[]));
        assert_eq!(d, VersionDiff::default());
        assert!(d.against.is_none());
    }

    #[test]
    fn permission_escalation_and_trigger_removal_are_reported() {
        let old = m("", "issue.created", "string", "https://a.example.com");
        let new = m(
            ", issues:write",
            "issue.closed",
            "string",
            "https://a.example.com",
        );
        let d = diff(Some(("1.0.0", &old, &[])), (&new, &[]));
        assert_eq!(d.against.as_deref(), Some("1.0.0"));
        assert_eq!(d.permissions_added, vec!["issues:write"]);
        assert!(d.permissions_removed.is_empty());
        assert_eq!(d.events_added, vec!["issue.closed"]);
        assert_eq!(d.events_removed, vec!["issue.created"]);
        assert!(!d.host_changed);
        assert!(!d.is_empty());
    }

    #[test]
    fn setting_type_changes_and_a_new_host_are_reported() {
        let old = m("", "issue.created", "string", "https://a.example.com");
        let new = m("", "issue.created", "url", "https://b.example.net");
        let d = diff(Some(("1.0.0", &old, &[])), (&new, &[]));
        assert_eq!(
            d.settings_retyped,
            vec![TypeChange {
                key: "channel".into(),
                before: "string".into(),
                after: "url".into()
            }]
        );
        assert!(d.host_changed);
        assert_eq!(
            d.delivery_changed,
            Some((
                "https://a.example.com".into(),
                "https://b.example.net".into()
            ))
        );
    }

    #[test]
    fn files_are_compared_by_hash() {
        let same = m("", "issue.created", "string", "https://a.example.com");
        let old = [file("a", "1"), file("b", "2"), file("c", "3")];
        let new = [file("a", "1"), file("b", "9"), file("d", "4")];
        let d = diff(Some(("1.0.0", &same, &old)), (&same, &new));
        assert_eq!(d.files_added, vec!["d"]);
        assert_eq!(d.files_removed, vec!["c"]);
        assert_eq!(d.files_changed, vec!["b"]);
        assert!(d.is_empty(), "only files changed");
    }
}
