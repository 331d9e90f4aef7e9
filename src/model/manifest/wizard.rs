//! The setup wizards a manifest generates (SPEC §4): the organization-level wizard for
//! extension-scope settings and the project wizard for installation-scope ones, and the one value
//! check the browser and the server both run.

use super::settings::{check_value, Setting, SettingScope};
use super::{Delivery, Link, Manifest, StepKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One page of a wizard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WizardStep {
    /// What the step does.
    pub kind: StepKind,
    /// Heading.
    pub title: String,
    /// Help under the heading.
    pub description: Option<String>,
    /// Whether the user may skip it.
    pub skippable: bool,
    /// Fields asked on this page.
    pub fields: Vec<Setting>,
    /// Test action.
    pub action: Option<String>,
    /// Shown after a successful test.
    pub success_message: Option<String>,
    /// Markdown of an info step.
    pub content: Option<String>,
    /// Links of an info step.
    pub links: Vec<Link>,
}

/// A wizard: its scope and its steps in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wizard {
    /// Extension (organization-level) or installation (project).
    pub scope: SettingScope,
    /// Steps in order (may be empty: nothing to ask).
    pub steps: Vec<WizardStep>,
}

impl Wizard {
    /// Every field of every step.
    pub fn fields(&self) -> impl Iterator<Item = &Setting> {
        self.steps.iter().flat_map(|s| s.fields.iter())
    }
}

/// Both wizards of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wizards {
    /// Asked once per organization.
    pub organization: Wizard,
    /// Asked per project installation.
    pub project: Wizard,
}

fn default_title(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Secrets => "Credentials",
        StepKind::Configure => "Settings",
        StepKind::Test => "Test the connection",
        StepKind::Info => "Next steps",
    }
}

fn field_step(kind: StepKind, title: &str, fields: Vec<Setting>) -> WizardStep {
    let skippable = fields.iter().all(|f| !f.required);
    WizardStep {
        kind,
        title: title.to_string(),
        description: None,
        skippable,
        fields,
        action: None,
        success_message: None,
        content: None,
        links: Vec::new(),
    }
}

fn generated(settings: &[&Setting]) -> Vec<WizardStep> {
    let secrets: Vec<Setting> = settings
        .iter()
        .filter(|s| s.secret)
        .map(|s| (*s).clone())
        .collect();
    let others: Vec<Setting> = settings
        .iter()
        .filter(|s| !s.secret)
        .map(|s| (*s).clone())
        .collect();
    let mut steps = Vec::new();
    if !secrets.is_empty() {
        steps.push(field_step(
            StepKind::Secrets,
            default_title(StepKind::Secrets),
            secrets,
        ));
    }
    if !others.is_empty() {
        steps.push(field_step(
            StepKind::Configure,
            default_title(StepKind::Configure),
            others,
        ));
    }
    steps
}

fn test_step() -> WizardStep {
    WizardStep {
        kind: StepKind::Test,
        title: default_title(StepKind::Test).into(),
        description: Some(
            "We send the extension a signed extension.ping with these settings.".into(),
        ),
        skippable: true,
        fields: Vec::new(),
        action: None,
        success_message: None,
        content: None,
        links: Vec::new(),
    }
}

/// Builds the organization-level and project wizards of `manifest`.
pub fn wizards(manifest: &Manifest) -> Wizards {
    let by_scope = |scope: SettingScope| -> Vec<&Setting> {
        manifest
            .settings
            .iter()
            .filter(|s| s.scope == scope)
            .collect()
    };
    let callback = matches!(manifest.delivery, Delivery::Http { .. });
    let Some(setup) = &manifest.setup else {
        let organization = Wizard {
            scope: SettingScope::Extension,
            steps: generated(&by_scope(SettingScope::Extension)),
        };
        let mut project = generated(&by_scope(SettingScope::Installation));
        if callback {
            project.push(test_step());
        }
        return Wizards {
            organization,
            project: Wizard {
                scope: SettingScope::Installation,
                steps: project,
            },
        };
    };
    let mut org = Vec::new();
    let mut proj = Vec::new();
    let mut asked: Vec<&str> = Vec::new();
    for step in setup {
        let fields: Vec<Setting> = step
            .fields
            .iter()
            .filter_map(|k| manifest.setting(k))
            .cloned()
            .collect();
        let scope = step.scope.unwrap_or_else(|| {
            if !fields.is_empty() && fields.iter().all(|f| f.scope == SettingScope::Extension) {
                SettingScope::Extension
            } else {
                SettingScope::Installation
            }
        });
        // A field is asked in the wizard of its own scope.
        let fields: Vec<Setting> = fields.into_iter().filter(|f| f.scope == scope).collect();
        // Only the fields kept here count as asked; the others go to their own wizard below.
        asked.extend(
            step.fields
                .iter()
                .filter(|k| manifest.setting(k).is_some_and(|s| s.scope == scope))
                .map(String::as_str),
        );
        let skippable = !step.required
            || (matches!(step.kind, StepKind::Secrets | StepKind::Configure)
                && fields.iter().all(|f| !f.required));
        let out = WizardStep {
            kind: step.kind,
            title: step
                .title
                .clone()
                .unwrap_or_else(|| default_title(step.kind).into()),
            description: step.description.clone(),
            skippable,
            fields,
            action: step.action.clone(),
            success_message: step.success_message.clone(),
            content: step.content.clone(),
            links: step.links.clone(),
        };
        if matches!(out.kind, StepKind::Secrets | StepKind::Configure) && out.fields.is_empty() {
            continue;
        }
        match scope {
            SettingScope::Extension => org.push(out),
            SettingScope::Installation => proj.push(out),
        }
    }
    // Settings no step asks for still have to be asked somewhere: after the declared steps.
    for (scope, steps) in [
        (SettingScope::Extension, &mut org),
        (SettingScope::Installation, &mut proj),
    ] {
        let rest: Vec<&Setting> = manifest
            .settings
            .iter()
            .filter(|s| {
                s.scope == scope
                    && !asked.iter().any(|k| k == &s.key)
                    && !steps
                        .iter()
                        .any(|st| st.fields.iter().any(|f| f.key == s.key))
            })
            .collect();
        for mut st in generated(&rest) {
            st.title = format!("More {}", st.title.to_lowercase());
            steps.push(st);
        }
    }
    Wizards {
        organization: Wizard {
            scope: SettingScope::Extension,
            steps: org,
        },
        project: Wizard {
            scope: SettingScope::Installation,
            steps: proj,
        },
    }
}

/// Whether `field` is shown given the other values (its `show_when`).
pub fn is_shown(field: &Setting, values: &BTreeMap<String, String>) -> bool {
    match &field.show_when {
        None => true,
        Some(sw) => values.get(&sw.field).map(|v| v.trim()) == Some(sw.equals.as_str()),
    }
}

/// Checks entered values against `fields`: required fields that are shown, and each value against
/// its type. Returns a message per field key; empty means valid. Secrets whose key is in `values`
/// with an empty value are treated as not entered; a secret already stored is passed by the caller
/// as present.
pub fn validate_values(
    fields: &[Setting],
    values: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut errors = BTreeMap::new();
    for field in fields {
        if !is_shown(field, values) {
            continue;
        }
        let value = values.get(&field.key).map(String::as_str).unwrap_or("");
        if value.trim().is_empty() {
            let generated = field.secret && field.auto_generate.is_some();
            if field.required && !generated && field.kind != super::settings::SettingType::Boolean {
                errors.insert(field.key.clone(), format!("{} is required.", field.label));
            }
            continue;
        }
        if let Err(e) = check_value(field, value) {
            errors.insert(field.key.clone(), e);
        }
    }
    errors
}

/// Replaces `{{ configuration.key }}` in info content with non-secret values (secrets and
/// unknown keys become empty).
pub fn interpolate(content: &str, fields: &[Setting], values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expr = after[..end].trim();
        if let Some(key) = expr.strip_prefix("configuration.") {
            let secret = fields.iter().any(|f| f.key == key && f.secret);
            if !secret {
                out.push_str(values.get(key).map(String::as_str).unwrap_or(""));
            }
        } else {
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}
