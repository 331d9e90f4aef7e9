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

/// The fixture corpus: every file in `tests/fixtures/manifests/` states, in `# expect:` comment
/// lines, exactly which diagnostics it produces (`# expect: error extension.key 3`, severity, path,
/// line) or `# expect: clean` (no diagnostics at all). Files that have no errors also get a
/// snapshot of the wizards they generate.
mod corpus {
    use super::super::{lint, wizard::wizards};
    use std::path::PathBuf;

    fn expectations(source: &str) -> Option<Vec<(String, String, u32)>> {
        let mut out = Vec::new();
        let mut clean = false;
        for line in source.lines() {
            let Some(rest) = line.trim().strip_prefix("# expect:") else {
                continue;
            };
            let parts: Vec<&str> = rest.split_whitespace().collect();
            match parts.as_slice() {
                ["clean"] => clean = true,
                [severity, path, line] => out.push((
                    severity.to_string(),
                    if *path == "-" {
                        String::new()
                    } else {
                        path.to_string()
                    },
                    line.parse().expect("line number"),
                )),
                other => panic!("bad expect line: {other:?}"),
            }
        }
        (clean || !out.is_empty()).then_some(out)
    }

    #[test]
    fn every_fixture_gives_exactly_its_expected_diagnostics() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixture directory")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        assert!(
            files.len() >= 40,
            "the corpus has {} manifests",
            files.len()
        );
        let mut failures = Vec::new();
        for file in &files {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(file).unwrap();
            let source = String::from_utf8_lossy(&bytes);
            let Some(mut expected) = expectations(&source) else {
                failures.push(format!("{name}: no `# expect:` line"));
                continue;
            };
            let result = super::super::lint_bytes(&bytes);
            let mut got: Vec<(String, String, u32)> = result
                .diagnostics
                .iter()
                .map(|d| {
                    let sev = match d.severity {
                        super::Severity::Error => "error",
                        super::Severity::Warning => "warning",
                    };
                    (sev.to_string(), d.path.clone(), d.line)
                })
                .collect();
            expected.sort();
            got.sort();
            if got != expected {
                let detail: Vec<String> = result
                    .diagnostics
                    .iter()
                    .map(|d| format!("    {:?} {d}", d.severity))
                    .collect();
                failures.push(format!(
                    "{name}:\n  expected {expected:?}\n  got      {got:?}\n{}",
                    detail.join("\n")
                ));
                continue;
            }
            if let Some(manifest) = &result.manifest {
                insta::assert_json_snapshot!(
                    format!("wizard-{}", name.trim_end_matches(".yaml")),
                    wizards(manifest)
                );
            }
        }
        let _ = lint;
        assert!(
            failures.is_empty(),
            "{} of {} fixtures differ:\n{}",
            failures.len(),
            files.len(),
            failures.join("\n")
        );
    }
}

/// The reader never panics, whatever it is given: arbitrary bytes, and YAML documents built from
/// the manifest vocabulary (so the checks deep inside both dialects run), 10,000 cases each.
mod never_panics {
    use super::super::{lint, lint_bytes};
    use proptest::prelude::*;

    const KEYS: &[&str] = &[
        "manifest_version",
        "model_version",
        "extension",
        "key",
        "id",
        "name",
        "version",
        "runtime",
        "description",
        "base_url",
        "permissions",
        "categories",
        "triggers",
        "event",
        "handler",
        "settings",
        "type",
        "label",
        "required",
        "default",
        "options",
        "value",
        "min",
        "max",
        "pattern",
        "max_length",
        "scope",
        "show_when",
        "showWhen",
        "field",
        "equals",
        "auto_generate",
        "length",
        "secret",
        "oauth",
        "delivery",
        "callback",
        "url",
        "timeout",
        "retries",
        "headers",
        "hooks",
        "endpoint",
        "configuration",
        "secrets",
        "setup",
        "secrets",
        "configure",
        "test",
        "info",
        "fields",
        "collect",
        "content",
        "links",
        "activationEvents",
        "lifecycleEvents",
        "api_version",
        "sdk",
        "variables",
        "validation",
        "tags",
    ];
    const WORDS: &[&str] = &[
        "",
        "2",
        "1.0",
        "true",
        "false",
        "x",
        "https://a.example.com",
        "http://localhost:8080",
        "http://evil.example",
        "issue.created",
        "issues:read",
        "read:issues",
        "select",
        "multiselect",
        "secret",
        "integer",
        "number",
        "url",
        "email",
        "boolean",
        "template",
        "object",
        "project",
        "${HOST}",
        "https://${HOST}/x",
        "env.API_KEY",
        "env:X",
        "-1",
        "99999999999999999999",
        "~",
        "null",
        "API_KEY",
        "extension",
        "installation",
        "1.2.3-beta.1",
        "v1",
        "internal",
        "external",
        "http",
        "[",
        "{",
        "*a",
        "&a",
        "'q'",
        "\"d\"",
        "é",
        "\u{0}",
    ];

    #[derive(Debug, Clone)]
    enum Doc {
        Scalar(String),
        Seq(Vec<Doc>),
        Map(Vec<(String, Doc)>),
    }

    fn doc() -> impl Strategy<Value = Doc> {
        let leaf = prop_oneof![
            proptest::sample::select(WORDS).prop_map(|w| Doc::Scalar(w.to_string())),
            "[a-zA-Z0-9_.:/${} -]{0,12}".prop_map(Doc::Scalar),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Doc::Seq),
                proptest::collection::vec(
                    (
                        proptest::sample::select(KEYS).prop_map(str::to_string),
                        inner
                    ),
                    0..6
                )
                .prop_map(Doc::Map),
            ]
        })
    }

    fn scalar(s: &str) -> String {
        // Quote what YAML would misread, the way a person would.
        if s.is_empty()
            || s.contains([':', '#', '[', ']', '{', '}', '&', '*', '\'', '"', '\0'])
            || s.starts_with(['-', ' ', '~'])
        {
            format!("{s:?}")
        } else {
            s.to_string()
        }
    }

    fn emit(d: &Doc, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match d {
            Doc::Scalar(s) => {
                out.push_str(&scalar(s));
                out.push('\n');
            }
            Doc::Seq(items) if items.is_empty() => out.push_str("[]\n"),
            Doc::Map(entries) if entries.is_empty() => out.push_str("{}\n"),
            Doc::Seq(items) => {
                out.push('\n');
                for item in items {
                    out.push_str(&format!("{pad}- "));
                    match item {
                        Doc::Scalar(_) => emit(item, indent + 2, out),
                        _ => {
                            out.push_str("x: ");
                            emit(item, indent + 4, out);
                        }
                    }
                }
            }
            Doc::Map(entries) => {
                out.push('\n');
                for (k, v) in entries {
                    out.push_str(&format!("{pad}{k}: "));
                    emit(v, indent + 2, out);
                }
            }
        }
    }

    fn manifest() -> impl Strategy<Value = String> {
        (
            0..3u8,
            proptest::collection::vec((proptest::sample::select(KEYS), doc()), 0..8),
            doc(),
        )
            .prop_map(|(dialect, top, ext)| {
                let mut out = match dialect {
                    0 => "manifest_version: 2\n".to_string(),
                    1 => "model_version: \"1.0\"\n".to_string(),
                    _ => String::new(),
                };
                out.push_str("extension: ");
                emit(&ext, 2, &mut out);
                for (k, v) in top {
                    out.push_str(&format!("{k}: "));
                    emit(&v, 2, &mut out);
                }
                out
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let l = lint_bytes(&bytes);
            prop_assert!(l.diagnostics.iter().all(|d| d.line >= 1 && d.column >= 1));
        }

        #[test]
        fn manifest_shaped_documents(source in manifest()) {
            let l = lint(&source);
            prop_assert!(l.diagnostics.iter().all(|d| d.line >= 1 && d.column >= 1));
            prop_assert_eq!(l.manifest.is_some(), l.errors() == 0 && l.dialect.is_some() && l.manifest.is_some());
            if let Some(m) = &l.manifest {
                let _ = super::super::wizard::wizards(m);
            }
        }
    }
}

/// One setting of every type that takes a typed value, for the value cases below.
const EVERY_TYPE: &str = r#"manifest_version: 2
extension:
  key: every-type
  name: Every type
  version: 1.0.0
  runtime: internal
settings:
  - {key: name, label: Name, type: string, max_length: 5}
  - {key: code, label: Code, type: string, pattern: "[A-Z]{3}"}
  - {key: notes, label: Notes, type: text}
  - {key: ratio, label: Ratio, type: number, min: 0, max: 1}
  - {key: count, label: Count, type: integer, min: 1, max: 10}
  - {key: on, label: On, type: boolean}
  - key: mode
    label: Mode
    type: select
    options: [a, b]
  - key: kinds
    label: Kinds
    type: multiselect
    options: [bug, task]
  - {key: site, label: Site, type: url}
  - {key: contact, label: Contact, type: email}
  - {key: extra, label: Extra, type: object}
  - key: body
    label: Body
    type: template
    variables: [title]
    validation: {required_variables: [title]}
  - {key: TOKEN, label: Token, type: secret}
"#;

#[rstest::rstest]
#[case("name", "abcde", None)]
#[case("name", "abcdef", Some("at most 5"))]
#[case("code", "ABC", None)]
#[case("code", "AB1", Some("expected format"))]
#[case("notes", "two\nlines", None)]
#[case("ratio", "0.25", None)]
#[case("ratio", "1.5", Some("1 or less"))]
#[case("ratio", "many", Some("Enter a number"))]
#[case("count", "10", None)]
#[case("count", "2.5", Some("whole number"))]
#[case("count", "0", Some("1 or more"))]
#[case("on", "true", None)]
#[case("on", "maybe", Some("yes or no"))]
#[case("mode", "b", None)]
#[case("mode", "c", Some("one of the options"))]
#[case("kinds", "bug,task", None)]
#[case("kinds", "bug,epic", Some("not one of the options"))]
#[case("site", "https://ci.example.com/x", None)]
#[case("site", "ftp://ci.example.com", Some("URL"))]
#[case("contact", "ops@example.com", None)]
#[case("contact", "ops@", Some("email"))]
#[case("extra", "{\"a\": 1}", None)]
#[case("extra", "[1, 2]", Some("JSON object"))]
#[case("body", "Title: {{ title }}", None)]
#[case("body", "No variables", Some("{{ title }}"))]
#[case("TOKEN", "anything at all", None)]
fn every_type_checks_its_values(
    #[case] key: &str,
    #[case] value: &str,
    #[case] error: Option<&str>,
) {
    let l = lint(EVERY_TYPE);
    assert_eq!(errors(&l), vec![]);
    let m = l.manifest.unwrap();
    let values: BTreeMap<String, String> = [(key.to_string(), value.to_string())].into();
    let found = validate_values(&m.settings, &values);
    match error {
        None => assert!(found.is_empty(), "{key}={value:?}: {found:?}"),
        Some(part) => {
            let message = found
                .get(key)
                .unwrap_or_else(|| panic!("{key}={value:?} passed"));
            assert!(message.contains(part), "{key}={value:?}: {message}");
        }
    }
}
