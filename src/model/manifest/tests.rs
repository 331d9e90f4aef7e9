//! Unit tests of the manifest reader; the fixture corpus is in `tests/fixtures/manifests/`.

use super::settings::{SettingScope, SettingType};
use super::wizard::{interpolate, validate_values, wizards};
use super::*;
use std::collections::BTreeMap;

const V2: &str = r#"manifest_version: 2
extension:
  key: my-sync
  name: My Sync Extension
  version: 1.0.0
  runtime: external
  description: Sync issues to an external tracker
  base_url: https://sync.example.com
  permissions: [issues:read, comments:write]
  categories: [development]
triggers:
  - event: issue.created
    handler: /webhook/issue-created
settings:
  - key: api_key
    label: API Key
    type: secret
    required: true
  - key: project_prefix
    label: Prefix
    type: string
    default: SYNC
"#;

fn errors(l: &Lint) -> Vec<(String, u32, String)> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.path.clone(), d.line, d.message.clone()))
        .collect()
}

#[test]
fn the_spec_example_reads_clean() {
    let l = lint(V2);
    assert_eq!(errors(&l), vec![]);
    let m = l.manifest.unwrap();
    assert_eq!(m.dialect, Dialect::V2);
    assert_eq!(m.key, "my-sync");
    assert_eq!(m.permissions, vec!["issues:read", "comments:write"]);
    assert_eq!(m.triggers[0].event, "issue.created");
    let secret = m.setting("API_KEY").expect("secret keys are upper-cased");
    assert!(secret.secret);
    assert_eq!(secret.kind, SettingType::Secret);
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Warning && d.message.contains("UPPER_SNAKE")));
}

#[test]
fn every_error_is_reported_at_once_with_its_line() {
    let src = "manifest_version: 2\nextension:\n  key: X\n  name: \"\"\n  version: one\n  base_url: http://example.com\n  categories: [games]\n";
    let l = lint(src);
    let got: Vec<(String, u32)> = errors(&l)
        .into_iter()
        .map(|(p, line, _)| (p, line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("extension.key".to_string(), 3),
            ("extension.name".to_string(), 4),
            ("extension.version".to_string(), 5),
            ("extension.base_url".to_string(), 6),
            ("extension.categories[0]".to_string(), 7),
        ]
    );
    assert!(l.manifest.is_none());
}

#[test]
fn unknown_types_name_the_path_line_and_column() {
    let src = "model_version: \"1.0\"\nextension:\n  id: dev.kiket.ext.sync\n  name: Sync\n  delivery: internal\n  configuration:\n    API_KEY:\n      type: pasword\n";
    let l = lint(src);
    let d = &l.diagnostics[0];
    assert_eq!(d.path, "extension.configuration.API_KEY.type");
    assert_eq!((d.line, d.column), (8, 13));
    assert!(
        d.message.contains("unknown type \"pasword\""),
        "{}",
        d.message
    );
    assert_eq!(
        d.to_string(),
        format!(
            "extension.configuration.API_KEY.type: {} (line 8, col 13)",
            d.message
        )
    );
}

#[test]
fn dialect_1_callback_placeholders_become_extension_settings() {
    let src = "model_version: \"1.0\"\nextension:\n  id: dev.kiket.ext.github\n  name: GitHub\n  callback:\n    url: https://${GITHUB_HOST}/kiket\n    secret: env.WEBHOOK_SECRET\n    timeout: 5000\n  secrets:\n    - key: WEBHOOK_SECRET\n      label: Webhook secret\n";
    let l = lint(src);
    assert_eq!(errors(&l), vec![]);
    let m = l.manifest.unwrap();
    let host = m.setting("GITHUB_HOST").unwrap();
    assert_eq!(host.scope, SettingScope::Extension);
    assert_eq!(host.kind, SettingType::Url);
    assert!(host.required);
    assert_eq!(m.signing_secret_setting.as_deref(), Some("WEBHOOK_SECRET"));
    assert_eq!(m.timeout_ms, Some(5000));
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.contains("${GITHUB_HOST} names no setting")));
}

#[test]
fn generated_wizards_put_secrets_first_then_settings_then_a_test() {
    let m = lint(V2).manifest.unwrap();
    let w = wizards(&m);
    assert!(w.organization.steps.is_empty());
    let kinds: Vec<StepKind> = w.project.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![StepKind::Secrets, StepKind::Configure, StepKind::Test]
    );
    assert!(!w.project.steps[0].skippable);
    assert!(w.project.steps[1].skippable);
}

#[test]
fn values_are_checked_by_type_and_show_when() {
    let src = "model_version: \"1.0\"\nextension:\n  id: dev.x\n  name: X\n  delivery: internal\n  configuration:\n    mode:\n      type: select\n      options: [simple, advanced]\n      required: true\n    depth:\n      type: integer\n      min: 1\n      max: 5\n      required: true\n      show_when: {field: mode, equals: advanced}\n    site:\n      type: url\n";
    let l = lint(src);
    assert_eq!(errors(&l), vec![]);
    let m = l.manifest.unwrap();
    let fields = m.settings.clone();
    let vals = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        validate_values(&fields, &vals(&[("mode", "simple")])),
        BTreeMap::new()
    );
    let e = validate_values(&fields, &vals(&[("mode", "advanced")]));
    assert_eq!(e.keys().collect::<Vec<_>>(), vec!["depth"]);
    let e = validate_values(
        &fields,
        &vals(&[("mode", "advanced"), ("depth", "9"), ("site", "nope")]),
    );
    assert_eq!(e["depth"], "Enter 5 or less.");
    assert!(e["site"].contains("URL"));
    let e = validate_values(&fields, &vals(&[("mode", "expert")]));
    assert_eq!(e["mode"], "Choose one of the options.");
}

#[test]
fn info_content_shows_only_non_secret_values() {
    let m = lint(V2).manifest.unwrap();
    let values: BTreeMap<String, String> = [("project_prefix", "ABC"), ("API_KEY", "s3cr3t")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let out = interpolate(
        "Prefix {{ configuration.project_prefix }}, key {{configuration.API_KEY}}, {{ other }}",
        &m.settings,
        &values,
    );
    assert_eq!(out, "Prefix ABC, key , {{ other }}");
}

#[test]
fn bad_bytes_give_one_clear_diagnostic() {
    let l = lint_bytes(b"manifest_version: 2\nname: \xff\xfe\n");
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].line, 2);
    assert!(l.diagnostics[0].message.contains("UTF-8"));
}

#[test]
fn empty_and_scalar_documents_say_what_is_missing() {
    assert!(lint("").diagnostics[0]
        .message
        .contains("cannot tell the manifest dialect"));
    assert!(lint("just text").diagnostics[0]
        .message
        .contains("must be a mapping"));
    assert!(lint("[1, 2]").diagnostics[0]
        .message
        .contains("must be a mapping"));
}

#[test]
fn wrong_types_everywhere_never_panic() {
    let src = "manifest_version: 2\nextension: [1]\ntriggers: {a: b}\nsettings: 3\n";
    let l = lint(src);
    assert!(l.errors() >= 1);
    let src = "model_version: \"1.0\"\nextension:\n  id: [x]\n  name: {a: 1}\n  version: [1]\n  configuration: [1, 2]\n  setup: {a: 1}\n  hooks: x\n  secrets: {a: b}\n  callback: 5\n";
    let l = lint(src);
    assert!(l.errors() >= 6, "{:#?}", l.diagnostics);
}
