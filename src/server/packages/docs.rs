//! Documentation read from a package (SPEC §7) and rendered to HTML that is safe to show: markdown
//! through pulldown-cmark, then ammonia, so no script, no `javascript:` URL and no event attribute
//! survives.

use crate::model::package::MAX_DOC_BYTES;
use crate::model::unpack::PackageFile;
use std::collections::BTreeMap;

/// The documents of one version, as sanitized HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Docs {
    /// Overview tab (`docs/README.md` or `README.md`).
    pub readme: Option<String>,
    /// Changelog tab (`docs/CHANGELOG.md` or `CHANGELOG.md`).
    pub changelog: Option<String>,
    /// Getting started tab (`docs/getting-started.md` or `docs/quickstart.md`).
    pub getting_started: Option<String>,
    /// Examples (`docs/examples/*.yaml`): file name → YAML text.
    pub examples: BTreeMap<String, String>,
    /// The README as plain text, for search.
    pub readme_text: Option<String>,
}

/// The first of `names` in the package: its text, or a note when it is too large to keep.
fn first(files: &BTreeMap<String, PackageFile>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| files.get(*n).map(|f| (*n, f)))
        .map(|(name, f)| match &f.content {
            Some(bytes) => text(bytes),
            None => format!(
                "*({name} is {} KB, too large to show here.)*",
                f.size / 1024
            ),
        })
}

fn text(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let max = MAX_DOC_BYTES as usize;
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!(
            "{}\n\n*(cut: the document is longer than {} KB)*",
            &s[..end],
            max / 1024
        )
    } else {
        s.into_owned()
    }
}

/// Renders markdown to sanitized HTML. Links get `rel="noopener noreferrer nofollow"`.
pub fn render_markdown(markdown: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    options.insert(pulldown_cmark::Options::ENABLE_TASKLISTS);
    let parser = pulldown_cmark::Parser::new_ext(markdown, options);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

/// Plain text of markdown (for full-text search).
pub fn markdown_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in pulldown_cmark::Parser::new(markdown) {
        match event {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => {
                out.push_str(&t);
                out.push(' ');
            }
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds and renders the documents among a package's files.
pub fn extract(files: &BTreeMap<String, PackageFile>) -> Docs {
    let readme_md = first(files, &["docs/README.md", "README.md"]);
    let examples = files
        .iter()
        .filter(|(path, _)| {
            path.starts_with("docs/examples/")
                && path.ends_with(".yaml")
                && path.matches('/').count() == 2
        })
        .filter_map(|(path, f)| {
            Some((
                path.trim_start_matches("docs/examples/").to_string(),
                text(f.content.as_deref()?),
            ))
        })
        .collect();
    Docs {
        readme: readme_md.as_deref().map(render_markdown),
        readme_text: readme_md.as_deref().map(markdown_text),
        changelog: first(files, &["docs/CHANGELOG.md", "CHANGELOG.md"])
            .map(|t| render_markdown(&t)),
        getting_started: first(files, &["docs/getting-started.md", "docs/quickstart.md"])
            .map(|t| render_markdown(&t)),
        examples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, PackageFile> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), PackageFile::from_bytes(v.as_bytes())))
            .collect()
    }

    #[test]
    fn docs_prefer_the_docs_folder() {
        let d = extract(&files(&[
            ("README.md", "# Root"),
            ("docs/README.md", "# Docs *readme*"),
            ("CHANGELOG.md", "## 1.0.0\n- first"),
            ("docs/quickstart.md", "Install it."),
            ("docs/examples/basic.yaml", "a: 1\n"),
            ("docs/examples/deep/no.yaml", "b: 2\n"),
        ]));
        assert_eq!(d.readme.as_deref(), Some("<h1>Docs <em>readme</em></h1>\n"));
        assert_eq!(d.readme_text.as_deref(), Some("Docs readme"));
        assert!(d.changelog.unwrap().contains("<li>first</li>"));
        assert_eq!(d.getting_started.as_deref(), Some("<p>Install it.</p>\n"));
        assert_eq!(d.examples.keys().collect::<Vec<_>>(), vec!["basic.yaml"]);
    }

    #[rstest::rstest]
    #[case("<script>alert(1)</script>hi", "<script")]
    #[case("[x](javascript:alert(1))", "javascript:")]
    #[case("<img src=x onerror=alert(1)>", "onerror")]
    #[case("<a href=\"#\" onclick=\"steal()\">a</a>", "onclick")]
    #[case("<iframe src=\"https://evil.example\"></iframe>", "<iframe")]
    #[case("<style>body{display:none}</style>", "<style")]
    fn rendered_markdown_carries_no_script(#[case] markdown: &str, #[case] forbidden: &str) {
        let html = render_markdown(markdown);
        assert!(!html.to_lowercase().contains(forbidden), "{html}");
    }

    #[test]
    fn hostile_markdown_renders_harmless() {
        let cases = [
            "<script>alert(1)</script>hi",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "![x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "<a href=\"https://ok.example\" onclick=\"steal()\" target=\"_top\">a</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<form action=\"https://evil.example\"><input name=p></form>",
            "<svg><script>alert(1)</script></svg>",
            "<div style=\"position:fixed\">overlay</div>",
            "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "| a | b |\n|---|---|\n| <b>1</b> | `<i>` |",
            "- [x] done\n- [ ] todo",
        ];
        let rendered: String = cases
            .iter()
            .map(|c| format!("--- {c}\n{}\n", render_markdown(c)))
            .collect();
        insta::assert_snapshot!(rendered);
    }

    #[test]
    fn links_are_kept_but_do_not_leak_the_referrer() {
        let html = render_markdown("[docs](https://docs.example.com)");
        assert!(
            html.contains(r#"href="https://docs.example.com""#),
            "{html}"
        );
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn missing_documents_stay_missing() {
        assert_eq!(extract(&files(&[("extension.yaml", "x")])), Docs::default());
    }
}
