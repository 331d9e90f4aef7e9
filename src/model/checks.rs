//! Automated checks run on every uploaded version (SPEC §7). A blocking finding refuses the upload;
//! warnings go to the reviewer. Pure code: the publisher's browser can run the manifest part too.

use crate::model::manifest::diag::Severity;
use crate::model::manifest::Lint;
use serde::{Deserialize, Serialize};

/// How a finding affects the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// The upload is refused.
    Blocking,
    /// Shown to the reviewer and the publisher.
    Warning,
}

/// One finding of the automated checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id (`manifest`, `readme-missing`, `secret-in-file`, …).
    pub rule: String,
    /// Blocking or warning.
    pub severity: FindingSeverity,
    /// The file concerned, if one.
    pub file: Option<String>,
    /// What was found, for a publisher.
    pub message: String,
}

/// Files larger than this are flagged for the reviewer.
pub const LARGE_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Credential shapes that must never ship in a package: (rule detail, marker).
const SECRET_MARKERS: &[(&str, &str)] = &[
    ("a private key", "-----BEGIN RSA PRIVATE KEY-----"),
    ("a private key", "-----BEGIN PRIVATE KEY-----"),
    ("a private key", "-----BEGIN OPENSSH PRIVATE KEY-----"),
    ("a private key", "-----BEGIN EC PRIVATE KEY-----"),
    ("a GitHub token", "ghp_"),
    ("a GitHub token", "github_pat_"),
    ("a Slack token", "xoxb-"),
    ("a Slack token", "xoxp-"),
    ("an AWS access key", "AKIA"),
    ("a Kiket token", "kkt_"),
    ("a Stripe secret key", "sk_live_"),
];

fn looks_like_token(text: &str, marker: &str) -> bool {
    text.match_indices(marker).any(|(i, _)| {
        if marker.starts_with("-----") {
            return true;
        }
        // A marker followed by a long run of token characters, not a word in prose.
        let rest = &text[i + marker.len()..];
        let run = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .count();
        run >= 16
    })
}

/// Runs every check on a package's files and its manifest's lint.
pub fn run(files: &[(&str, &[u8])], lint: &Lint) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &lint.diagnostics {
        out.push(Finding {
            rule: "manifest".into(),
            severity: match d.severity {
                Severity::Error => FindingSeverity::Blocking,
                Severity::Warning => FindingSeverity::Warning,
            },
            file: None,
            message: d.to_string(),
        });
    }
    let has = |names: &[&str]| files.iter().any(|(p, _)| names.contains(p));
    if !has(&["README.md", "docs/README.md"]) {
        out.push(Finding {
            rule: "readme-missing".into(),
            severity: FindingSeverity::Warning,
            file: None,
            message: "No README.md: the Overview tab will be empty.".into(),
        });
    }
    if !has(&["CHANGELOG.md", "docs/CHANGELOG.md"]) {
        out.push(Finding {
            rule: "changelog-missing".into(),
            severity: FindingSeverity::Warning,
            file: None,
            message: "No CHANGELOG.md: organizations will not see what changed when they upgrade."
                .into(),
        });
    }
    if let Some(icon) = lint.manifest.as_ref().and_then(|m| m.icon.as_deref()) {
        let remote = icon.starts_with("https://") || icon.starts_with("http://");
        if !remote
            && !files
                .iter()
                .any(|(p, _)| *p == icon.trim_start_matches("./"))
        {
            out.push(Finding {
                rule: "icon-missing".into(),
                severity: FindingSeverity::Warning,
                file: Some(icon.to_string()),
                message: format!(
                    "The manifest names the icon {icon:?}, which is not in the package."
                ),
            });
        }
    }
    for (path, bytes) in files {
        if bytes.len() > LARGE_FILE_BYTES {
            out.push(Finding {
                rule: "large-file".into(),
                severity: FindingSeverity::Warning,
                file: Some(path.to_string()),
                message: format!(
                    "{} MB: is this file needed in the package?",
                    bytes.len() / (1024 * 1024)
                ),
            });
        }
        if bytes.starts_with(b"\x7fELF")
            || bytes.starts_with(b"MZ")
            || bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        {
            out.push(Finding {
                rule: "binary-executable".into(),
                severity: FindingSeverity::Warning,
                file: Some(path.to_string()),
                message: "A compiled executable: reviewers cannot read it. Extensions run on your own servers; ship sources.".into(),
            });
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let env_file = path
            .rsplit('/')
            .next()
            .is_some_and(|n| n == ".env" || n.starts_with(".env."))
            && !path.ends_with(".example");
        if env_file && !text.trim().is_empty() {
            out.push(Finding {
                rule: "secret-in-file".into(),
                severity: FindingSeverity::Blocking,
                file: Some(path.to_string()),
                message: "An environment file is in the package: it usually holds credentials. Remove it and rotate what it held.".into(),
            });
            continue;
        }
        if let Some((what, _)) = SECRET_MARKERS
            .iter()
            .find(|(_, m)| looks_like_token(text, m))
        {
            out.push(Finding {
                rule: "secret-in-file".into(),
                severity: FindingSeverity::Blocking,
                file: Some(path.to_string()),
                message: format!(
                    "This file seems to contain {what}. Remove it from the package and rotate it."
                ),
            });
        }
    }
    out.sort_by(|a, b| (a.severity, &a.file, &a.rule).cmp(&(b.severity, &b.file, &b.rule)));
    out
}

/// Whether any finding refuses the upload.
pub fn blocks(findings: &[Finding]) -> bool {
    findings
        .iter()
        .any(|f| f.severity == FindingSeverity::Blocking)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::manifest::lint;

    const MANIFEST: &str = "manifest_version: 2\nextension:\n  key: my-ext\n  name: My Ext\n  version: 1.0.0\n  base_url: https://x.example.com\n  icon: icon.png\n";

    fn rules(findings: &[Finding]) -> Vec<(&str, FindingSeverity, Option<&str>)> {
        findings
            .iter()
            .map(|f| (f.rule.as_str(), f.severity, f.file.as_deref()))
            .collect()
    }

    #[test]
    fn a_complete_package_has_no_findings() {
        let files: Vec<(&str, &[u8])> = vec![
            ("extension.yaml", MANIFEST.as_bytes()),
            ("README.md", b"# My Ext"),
            ("CHANGELOG.md", b"## 1.0.0"),
            ("icon.png", b"\x89PNG"),
            (".env.example", b"API_TOKEN=\n"),
        ];
        assert_eq!(run(&files, &lint(MANIFEST)), vec![]);
    }

    #[test]
    fn missing_documents_and_icon_are_warnings() {
        let files: Vec<(&str, &[u8])> = vec![("extension.yaml", MANIFEST.as_bytes())];
        let f = run(&files, &lint(MANIFEST));
        assert_eq!(
            rules(&f),
            vec![
                ("changelog-missing", FindingSeverity::Warning, None),
                ("readme-missing", FindingSeverity::Warning, None),
                ("icon-missing", FindingSeverity::Warning, Some("icon.png")),
            ]
        );
        assert!(!blocks(&f));
    }

    #[rstest::rstest]
    #[case("config/key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE...")]
    #[case(
        "src/app.js",
        "const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';"
    )]
    #[case("src/slack.rb", "TOKEN = \"xoxb-1234567890-abcdefghijklmnop\"")]
    #[case("settings.py", "AWS_KEY = 'AKIAIOSFODNN7EXAMPLEKEY1'")]
    #[case(".env", "API_TOKEN=abc")]
    fn credentials_block_the_upload(#[case] path: &str, #[case] content: &str) {
        let files: Vec<(&str, &[u8])> = vec![
            ("extension.yaml", MANIFEST.as_bytes()),
            ("README.md", b"x"),
            ("CHANGELOG.md", b"x"),
            ("icon.png", b"x"),
            (path, content.as_bytes()),
        ];
        let f = run(&files, &lint(MANIFEST));
        assert_eq!(
            rules(&f),
            vec![("secret-in-file", FindingSeverity::Blocking, Some(path))]
        );
        assert!(blocks(&f));
        assert!(
            !f[0].message.contains(content),
            "the finding never repeats the secret"
        );
    }

    #[test]
    fn prose_that_mentions_a_prefix_is_not_a_secret() {
        let files: Vec<(&str, &[u8])> = vec![
            ("extension.yaml", MANIFEST.as_bytes()),
            (
                "README.md",
                b"Create a token (it starts with ghp_) and paste it. AKIA keys too.",
            ),
            ("CHANGELOG.md", b"x"),
            ("icon.png", b"x"),
        ];
        assert_eq!(run(&files, &lint(MANIFEST)), vec![]);
    }

    #[test]
    fn manifest_errors_block_and_executables_are_flagged() {
        let bad = MANIFEST.replace("version: 1.0.0", "version: one");
        let files: Vec<(&str, &[u8])> = vec![
            ("extension.yaml", bad.as_bytes()),
            ("README.md", b"x"),
            ("CHANGELOG.md", b"x"),
            ("icon.png", b"x"),
            ("bin/tool", b"\x7fELF\x02\x01\x01"),
        ];
        let f = run(&files, &lint(&bad));
        assert!(blocks(&f));
        assert!(f
            .iter()
            .any(|x| x.rule == "manifest" && x.message.contains("extension.version")));
        assert!(f
            .iter()
            .any(|x| x.rule == "binary-executable" && x.file.as_deref() == Some("bin/tool")));
    }
}
