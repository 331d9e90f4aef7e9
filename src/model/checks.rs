//! Automated checks run on every uploaded version (SPEC §7). A blocking finding refuses the upload;
//! warnings go to the reviewer. Pure code: the publisher's browser can run the manifest part too.

use crate::model::manifest::diag::Severity;
use crate::model::manifest::{Delivery, Lint};
use crate::model::package::MAX_DOC_BYTES;
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

impl FindingSeverity {
    /// `blocking` or `warning`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blocking => "blocking",
            Self::Warning => "warning",
        }
    }
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
pub const LARGE_FILE_BYTES: u64 = 10 * 1024 * 1024;

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

/// One automaton for every marker: a single pass over each chunk, on bytes (no text decoding).
fn markers() -> &'static aho_corasick::AhoCorasick {
    static MARKERS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    MARKERS.get_or_init(|| {
        aho_corasick::AhoCorasick::new(SECRET_MARKERS.iter().map(|(_, m)| m))
            .expect("the secret markers form a valid automaton")
    })
}

/// What kind of credential `bytes` seem to hold: a private key header, or a token prefix followed
/// by a long run of token characters (not a word in prose).
fn find_secret(bytes: &[u8]) -> Option<&'static str> {
    markers().find_iter(bytes).find_map(|m| {
        let (what, marker) = SECRET_MARKERS[m.pattern().as_usize()];
        if marker.starts_with("-----") {
            return Some(what);
        }
        let run = bytes[m.end()..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
            .count();
        (run >= 16).then_some(what)
    })
}

/// Bytes of a chunk's end carried into the next, so a token split between chunks is still seen.
const SCAN_OVERLAP: usize = 256;

/// What the checks need to know about one file's content, gathered while it streams past, so a
/// file never has to be held whole in memory to be checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileScan {
    head: Vec<u8>,
    tail: Vec<u8>,
    secret: Option<&'static str>,
    non_blank: bool,
}

impl FileScan {
    /// Scans `bytes` as a whole file.
    pub fn of(bytes: &[u8]) -> Self {
        let mut scan = Self::default();
        scan.feed(bytes);
        scan
    }

    /// Feeds the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.head.len() < 8 {
            let take = (8 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if !self.non_blank {
            self.non_blank = chunk.iter().any(|b| !b.is_ascii_whitespace());
        }
        let mut window = std::mem::take(&mut self.tail);
        window.extend_from_slice(chunk);
        if self.secret.is_none() {
            // Markers are ASCII, so bytes are searched as they are, text or not.
            self.secret = find_secret(&window);
        }
        let keep = window.len().min(SCAN_OVERLAP);
        self.tail = window.split_off(window.len() - keep);
    }

    fn executable(&self) -> bool {
        self.head.starts_with(b"\x7fELF")
            || self.head.starts_with(b"MZ")
            || self.head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
    }
}

/// One file of a package as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct FileFacts<'a> {
    /// Path inside the package.
    pub path: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// What its content showed.
    pub scan: &'a FileScan,
}

/// Documents shown on the listing: larger ones are cut.
const DOCUMENTS: &[&str] = &[
    "README.md",
    "docs/README.md",
    "CHANGELOG.md",
    "docs/CHANGELOG.md",
    "docs/getting-started.md",
    "docs/quickstart.md",
];

/// Largest icon shown in the catalog.
pub const MAX_ICON_BYTES: u64 = 256 * 1024;

/// The content type of an icon file, by its extension: PNG, JPEG, WebP or SVG.
pub fn icon_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

/// Runs every check on a package's files and its manifest's lint.
pub fn run(files: &[FileFacts<'_>], lint: &Lint) -> Vec<Finding> {
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
    let has = |names: &[&str]| files.iter().any(|f| names.contains(&f.path));
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
    if let Some(m) = lint.manifest.as_ref() {
        if let Some(icon) = m.icon.as_deref() {
            let remote = icon.starts_with("https://") || icon.starts_with("http://");
            let path = icon.trim_start_matches("./");
            let file = files.iter().find(|f| f.path == path);
            let problem = if remote {
                Some(("icon-remote", "The icon is a web address: the catalog shows only icons inside the package, so a monogram is shown instead.".to_string()))
            } else if file.is_none() {
                Some((
                    "icon-missing",
                    format!("The manifest names the icon {icon:?}, which is not in the package."),
                ))
            } else if icon_type(path).is_none() {
                Some((
                    "icon-format",
                    format!("The icon {icon:?} is not a PNG, JPEG, WebP or SVG file: a monogram is shown instead."),
                ))
            } else if file.is_some_and(|f| f.size > MAX_ICON_BYTES) {
                Some((
                    "icon-too-large",
                    format!(
                        "The icon {icon:?} is larger than {} KB: a monogram is shown instead.",
                        MAX_ICON_BYTES / 1024
                    ),
                ))
            } else {
                None
            };
            if let Some((rule, message)) = problem {
                out.push(Finding {
                    rule: rule.into(),
                    severity: FindingSeverity::Warning,
                    file: Some(icon.to_string()),
                    message,
                });
            }
        }
        if let Delivery::Http { url } = &m.delivery {
            if url.starts_with("http://") {
                out.push(Finding {
                    rule: "insecure-base-url".into(),
                    severity: FindingSeverity::Warning,
                    file: None,
                    message: format!(
                        "Events would be sent to {url} without TLS: use an https:// address."
                    ),
                });
            }
        }
    }
    for f in files {
        let path = f.path;
        if f.size > LARGE_FILE_BYTES {
            out.push(Finding {
                rule: "large-file".into(),
                severity: FindingSeverity::Warning,
                file: Some(path.to_string()),
                message: format!(
                    "{} MB: is this file needed in the package?",
                    f.size / (1024 * 1024)
                ),
            });
        }
        if DOCUMENTS.contains(&path) && f.size > MAX_DOC_BYTES {
            out.push(Finding {
                rule: "doc-too-large".into(),
                severity: FindingSeverity::Warning,
                file: Some(path.to_string()),
                message: format!(
                    "{} KB: documents longer than {} KB are cut on the listing.",
                    f.size / 1024,
                    MAX_DOC_BYTES / 1024
                ),
            });
        }
        if f.scan.executable() {
            out.push(Finding {
                rule: "binary-executable".into(),
                severity: FindingSeverity::Warning,
                file: Some(path.to_string()),
                message: "A compiled executable: reviewers cannot read it. Extensions run on your own servers; ship sources.".into(),
            });
            continue;
        }
        let env_file = path
            .rsplit('/')
            .next()
            .is_some_and(|n| n == ".env" || n.starts_with(".env."))
            && !path.ends_with(".example");
        if env_file && f.scan.non_blank {
            out.push(Finding {
                rule: "secret-in-file".into(),
                severity: FindingSeverity::Blocking,
                file: Some(path.to_string()),
                message: "An environment file is in the package: it usually holds credentials. Remove it and rotate what it held.".into(),
            });
            continue;
        }
        if let Some(what) = f.scan.secret {
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

    fn check(files: &[(&str, &[u8])], lint: &Lint) -> Vec<Finding> {
        let scans: Vec<FileScan> = files.iter().map(|(_, b)| FileScan::of(b)).collect();
        let facts: Vec<FileFacts<'_>> = files
            .iter()
            .zip(&scans)
            .map(|((path, b), scan)| FileFacts {
                path,
                size: b.len() as u64,
                scan,
            })
            .collect();
        run(&facts, lint)
    }

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
        assert_eq!(check(&files, &lint(MANIFEST)), vec![]);
    }

    #[test]
    fn missing_documents_and_icon_are_warnings() {
        let files: Vec<(&str, &[u8])> = vec![("extension.yaml", MANIFEST.as_bytes())];
        let f = check(&files, &lint(MANIFEST));
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
        let f = check(&files, &lint(MANIFEST));
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
        assert_eq!(check(&files, &lint(MANIFEST)), vec![]);
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
        let f = check(&files, &lint(&bad));
        assert!(blocks(&f));
        assert!(f
            .iter()
            .any(|x| x.rule == "manifest" && x.message.contains("extension.version")));
        assert!(f
            .iter()
            .any(|x| x.rule == "binary-executable" && x.file.as_deref() == Some("bin/tool")));
    }

    #[test]
    fn a_token_split_between_chunks_is_found() {
        let token = b"ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        for cut in 1..token.len() {
            let mut scan = FileScan::default();
            scan.feed(&[b'x'; 5000]);
            scan.feed(&token[..cut]);
            scan.feed(&token[cut..]);
            scan.feed(b"\n");
            assert_eq!(scan.secret, Some("a GitHub token"), "cut at {cut}");
        }
        assert_eq!(FileScan::of(b"ghp_short").secret, None);
    }

    #[test]
    fn plain_http_delivery_and_huge_documents_are_warnings() {
        let manifest = MANIFEST.replace("https://x.example.com", "http://localhost:8080");
        let big = vec![b'a'; (MAX_DOC_BYTES + 1) as usize];
        let files: Vec<(&str, &[u8])> = vec![
            ("extension.yaml", manifest.as_bytes()),
            ("README.md", &big),
            ("CHANGELOG.md", b"x"),
            ("icon.png", b"x"),
        ];
        let f = check(&files, &lint(&manifest));
        assert_eq!(
            rules(&f),
            vec![
                ("insecure-base-url", FindingSeverity::Warning, None),
                ("doc-too-large", FindingSeverity::Warning, Some("README.md")),
            ]
        );
    }
}
