//! Extension manifests: both dialects (SPEC §3) read into one model, with every problem reported at
//! once with its YAML path, line and column. Pure code: the browser and the server run the same.

pub mod diag;
pub mod names;
pub mod settings;
pub mod wizard;
pub mod yaml;

use diag::{join, Diagnostic, Diags, Severity};
use names::{EventName, ExtensionKey, Scope, CATEGORIES};
use serde::{Deserialize, Serialize};
use settings::{Setting, SettingScope, SettingType};
use yaml::{Node, Pos};

/// The two manifest dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dialect {
    /// `manifest_version: 2`, file `extension.yaml`.
    #[serde(rename = "2")]
    V2,
    /// `model_version: "1.0"`, file `.kiket/manifest.yaml`.
    #[serde(rename = "1.0")]
    V1,
}

impl Dialect {
    /// As written in the manifest and in the CLI's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "2",
            Self::V1 => "1.0",
        }
    }
}

/// How events reach the extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Signed HTTP POSTs to the extension's own server.
    Http {
        /// Base URL (dialect 2) or callback URL (dialect 1.0), possibly with `${VAR}` placeholders.
        url: String,
    },
    /// Runs inside the platform; nothing is sent.
    Internal,
}

/// A subscription to an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// Event name.
    pub event: String,
    /// Handler path under the base URL or absolute https URL (none: the callback URL itself).
    pub handler: Option<String>,
    /// Timeout in milliseconds.
    pub timeout_ms: Option<u32>,
    /// Retry cap.
    pub retries: Option<u32>,
    /// What the handler does.
    pub description: Option<String>,
}

/// Kind of a setup step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Secret fields.
    Secrets,
    /// Other fields.
    Configure,
    /// A signed `extension.ping` to the extension.
    Test,
    /// Text and links.
    Info,
}

/// A link on an info step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Text.
    pub label: String,
    /// Target.
    pub url: String,
}

/// One declared setup step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStep {
    /// Kind.
    pub kind: StepKind,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// false ⇒ skippable.
    pub required: bool,
    /// Which wizard the step belongs to (none: decided by its fields).
    pub scope: Option<SettingScope>,
    /// Keys of the settings the step asks for.
    pub fields: Vec<String>,
    /// Test action name.
    pub action: Option<String>,
    /// Message after a successful test.
    pub success_message: Option<String>,
    /// Markdown content of an info step.
    pub content: Option<String>,
    /// Links of an info step.
    pub links: Vec<Link>,
}

/// A manifest in the dialect-independent model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Dialect it was written in.
    pub dialect: Dialect,
    /// Extension key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Semver version.
    pub version: String,
    /// API version of the payloads (`v1`).
    pub api_version: String,
    /// Short description.
    pub description: Option<String>,
    /// SDK used (dialect 1.0).
    pub sdk: Option<String>,
    /// How events are delivered.
    pub delivery: Delivery,
    /// Setting that holds the signing secret (`callback.secret: env.KEY`).
    pub signing_secret_setting: Option<String>,
    /// Default delivery timeout in milliseconds.
    pub timeout_ms: Option<u32>,
    /// Extra headers sent with deliveries.
    pub headers: Vec<(String, String)>,
    /// Canonical permission scopes.
    pub permissions: Vec<String>,
    /// Catalog categories.
    pub categories: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Event subscriptions.
    pub triggers: Vec<Trigger>,
    /// Lifecycle events it wants.
    pub lifecycle_events: Vec<String>,
    /// All settings, secrets included.
    pub settings: Vec<Setting>,
    /// Declared setup steps (none: generated).
    pub setup: Option<Vec<SetupStep>>,
    /// Homepage.
    pub homepage: Option<String>,
    /// Icon path or URL.
    pub icon: Option<String>,
    /// Author.
    pub author: Option<String>,
}

impl Manifest {
    /// The setting with `key`.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    /// Every event it subscribes to (triggers and lifecycle events), sorted, once each.
    pub fn subscribed_events(&self) -> Vec<String> {
        let mut events: Vec<String> = self
            .triggers
            .iter()
            .map(|t| t.event.clone())
            .chain(self.lifecycle_events.iter().cloned())
            .collect();
        events.sort();
        events.dedup();
        events
    }
}

/// The result of reading a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lint {
    /// The dialect, when it could be told.
    pub dialect: Option<Dialect>,
    /// Every finding, errors first, then by line.
    pub diagnostics: Vec<Diagnostic>,
    /// The model, when there are no errors.
    pub manifest: Option<Manifest>,
}

impl Lint {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

/// Reads and checks a manifest from raw bytes (which must be UTF-8).
pub fn lint_bytes(bytes: &[u8]) -> Lint {
    match std::str::from_utf8(bytes) {
        Ok(s) => lint(s),
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let column = (before.len()
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)) as u32
                + 1;
            Lint {
                dialect: None,
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    path: String::new(),
                    line,
                    column,
                    message: "the manifest is not UTF-8 text".into(),
                }],
                manifest: None,
            }
        }
    }
}

/// Reads and checks a manifest.
pub fn lint(source: &str) -> Lint {
    let mut d = Diags::default();
    let root = match yaml::parse(source) {
        Ok(root) => root,
        Err(e) => {
            d.error("", e.pos, format!("not valid YAML: {}", e.message));
            return finish(d, None, None);
        }
    };
    let Some(entries) = d.map(&root, "") else {
        return finish(d, None, None);
    };
    let dialect = if root.get("manifest_version").is_some() {
        let n = root.get("manifest_version").unwrap_or(&root);
        match n.as_str() {
            Some("2") => Some(Dialect::V2),
            Some(other) => {
                d.error(
                    "manifest_version",
                    n.pos,
                    format!("manifest_version must be 2, not {other:?}"),
                );
                None
            }
            None => {
                d.error("manifest_version", n.pos, "manifest_version must be 2");
                None
            }
        }
    } else if let Some(n) = root.get("model_version") {
        match n.as_str() {
            Some("1.0") | Some("1") => Some(Dialect::V1),
            Some(other) => {
                d.error(
                    "model_version",
                    n.pos,
                    format!("model_version must be \"1.0\", not {other:?}"),
                );
                None
            }
            None => {
                d.error("model_version", n.pos, "model_version must be \"1.0\"");
                None
            }
        }
    } else {
        d.error(
            "",
            root.pos,
            "cannot tell the manifest dialect: start with `manifest_version: 2` (extension.yaml) or `model_version: \"1.0\"` (.kiket/manifest.yaml)",
        );
        None
    };
    let manifest = match dialect {
        Some(Dialect::V2) => decode_v2(&mut d, &root, entries),
        Some(Dialect::V1) => decode_v1(&mut d, &root, entries),
        None => None,
    };
    if let Some(m) = &manifest {
        cross_check(&mut d, m);
    }
    finish(d, dialect, manifest)
}

fn finish(d: Diags, dialect: Option<Dialect>, manifest: Option<Manifest>) -> Lint {
    let ok = !d.has_errors();
    let mut diagnostics = d.list;
    diagnostics.sort_by_key(|a| (a.severity, a.line, a.column));
    Lint {
        dialect,
        diagnostics,
        manifest: if ok { manifest } else { None },
    }
}

fn is_local_host(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or_default();
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost")
}

/// Checks a base/callback URL: https, or http to localhost; placeholders allowed when `templated`.
fn check_endpoint(d: &mut Diags, url: &str, path: &str, pos: Pos) {
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        if !is_local_host(host) && !host.contains("${") {
            d.error(
                path,
                pos,
                format!("{url:?} must use https:// (plain http is only for localhost)"),
            );
            return;
        }
        r
    } else {
        d.error(path, pos, format!("{url:?} is not an https:// URL"));
        return;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        d.error(path, pos, format!("{url:?} has no host"));
    }
}

fn text_field(d: &mut Diags, f: &diag::Fields<'_>, path: &str, name: &str) -> Option<String> {
    f.get(name).and_then(|n| d.text(n, &join(path, name)))
}

fn check_version(d: &mut Diags, version: &str, path: &str, pos: Pos) {
    if let Err(e) = names::Version::parse(version) {
        d.error(path, pos, e);
    }
}

fn read_permissions(d: &mut Diags, node: &Node, path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, (text, item)) in d.texts(node, path).into_iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        match Scope::parse(&text) {
            Ok(p) => {
                if let Some(from) = &p.normalized_from {
                    d.warn(
                        &ipath,
                        item.pos,
                        format!(
                            "{from:?} is read as {:?}; write resource:action",
                            p.scope.as_str()
                        ),
                    );
                }
                if out.iter().any(|s| s == p.scope.as_str()) {
                    d.warn(
                        &ipath,
                        item.pos,
                        format!("{:?} is listed twice", p.scope.as_str()),
                    );
                } else {
                    out.push(p.scope.as_str().to_string());
                }
            }
            Err(e) => d.error(&ipath, item.pos, e),
        }
    }
    out
}

fn read_categories(d: &mut Diags, node: &Node, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (text, item)) in d.texts(node, path).into_iter().enumerate() {
        if CATEGORIES.contains(&text.as_str()) {
            out.push(text);
        } else {
            d.error(
                &format!("{path}[{i}]"),
                item.pos,
                format!(
                    "unknown category {text:?}; use one of {}",
                    CATEGORIES.join(", ")
                ),
            );
        }
    }
    out
}

fn read_events(d: &mut Diags, node: &Node, path: &str) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    for (i, (text, item)) in d.texts(node, path).into_iter().enumerate() {
        match EventName::parse(&text) {
            Ok(_) => out.push((text, item.pos)),
            Err(e) => d.error(&format!("{path}[{i}]"), item.pos, e),
        }
    }
    out
}

const V2_ROOT: &[&str] = &["manifest_version", "extension", "triggers", "settings"];
const V2_EXTENSION: &[&str] = &[
    "key",
    "name",
    "version",
    "runtime",
    "description",
    "base_url",
    "permissions",
    "categories",
    "tags",
    "homepage",
    "icon",
    "author",
];

/// The required `event` of a trigger or hook, checked as an event name.
fn read_event(
    d: &mut Diags,
    f: &diag::Fields<'_>,
    path: &str,
    item: &Node,
    what: &str,
) -> Option<String> {
    let epath = join(path, "event");
    let Some(n) = f.get("event") else {
        d.error(path, item.pos, format!("a {what} needs an event"));
        return None;
    };
    let ev = d.text(n, &epath)?;
    match EventName::parse(&ev) {
        Ok(_) => Some(ev),
        Err(msg) => {
            d.error(&epath, n.pos, msg);
            None
        }
    }
}

/// Permissions, categories and tags, written the same way in both dialects.
fn read_listing(d: &mut Diags, e: &diag::Fields<'_>) -> (Vec<String>, Vec<String>, Vec<String>) {
    let permissions = e
        .get("permissions")
        .map(|n| read_permissions(d, n, "extension.permissions"))
        .unwrap_or_default();
    let categories = e
        .get("categories")
        .map(|n| read_categories(d, n, "extension.categories"))
        .unwrap_or_default();
    let tags = e
        .get("tags")
        .map(|n| {
            d.texts(n, "extension.tags")
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        })
        .unwrap_or_default();
    (permissions, categories, tags)
}

/// Whether `extension.<field>` says `internal` (the other accepted word is `outside`, the default).
fn read_internal(d: &mut Diags, e: &diag::Fields<'_>, field: &str, outside: &str) -> bool {
    let path = join("extension", field);
    let Some(n) = e.get(field) else { return false };
    match d.text(n, &path).as_deref() {
        None => false,
        Some("internal") => true,
        Some(w) if w == outside => false,
        Some(other) => {
            d.error(
                &path,
                n.pos,
                format!("{field} must be {outside} or internal, not {other:?}"),
            );
            false
        }
    }
}

/// The root fields, the `extension` node and its fields, or an error when the section is missing.
fn extension_section<'a>(
    d: &mut Diags,
    root: &'a Node,
    entries: &'a [(Node, Node)],
    root_known: &[&str],
    extension_known: &[&str],
) -> Option<(diag::Fields<'a>, &'a Node, diag::Fields<'a>)> {
    let f = d.fields(entries, "", root_known);
    let Some(ext) = f.get("extension") else {
        d.error("extension", root.pos, "the extension section is missing");
        return None;
    };
    let ext_entries = d.map(ext, "extension")?;
    let e = d.fields(ext_entries, "extension", extension_known);
    Some((f, ext, e))
}

/// The extension's key (`key` in dialect 2, `id` in dialect 1.0), checked by `parse`.
fn read_key(
    d: &mut Diags,
    e: &diag::Fields<'_>,
    ext: &Node,
    field: &str,
    parse: fn(&str) -> Result<ExtensionKey, String>,
) -> Option<String> {
    let path = join("extension", field);
    let Some(n) = e.present(field) else {
        let article = if field == "id" { "an" } else { "a" };
        d.error(
            &path,
            ext.pos,
            format!("the extension needs {article} {field}"),
        );
        return None;
    };
    let text = d.nonempty(n, &path)?;
    match parse(&text) {
        Ok(k) => Some(k.as_str().to_string()),
        Err(msg) => {
            d.error(&path, n.pos, msg);
            None
        }
    }
}

fn decode_v2(d: &mut Diags, root: &Node, entries: &[(Node, Node)]) -> Option<Manifest> {
    let (f, ext, e) = extension_section(d, root, entries, V2_ROOT, V2_EXTENSION)?;
    let key = read_key(d, &e, ext, "key", ExtensionKey::parse);
    let name = read_name(d, e.present("name"), "extension.name", ext.pos);
    let version = match e.present("version") {
        Some(n) => d
            .nonempty(n, "extension.version")
            .inspect(|v| check_version(d, v, "extension.version", n.pos)),
        None => {
            d.error(
                "extension.version",
                ext.pos,
                "the extension needs a version",
            );
            None
        }
    };
    let internal = read_internal(d, &e, "runtime", "external");
    let description = read_description(d, e.get("description"), "extension.description");
    let base_url = text_field(d, &e, "extension", "base_url");
    let delivery = if internal {
        Delivery::Internal
    } else {
        match (&base_url, e.get("base_url")) {
            (Some(u), Some(n)) => {
                check_endpoint(d, u, "extension.base_url", n.pos);
                Delivery::Http {
                    url: u.trim_end_matches('/').to_string(),
                }
            }
            _ => {
                d.error(
                    "extension.base_url",
                    ext.pos,
                    "an external extension needs a base_url (where its server runs)",
                );
                Delivery::Http { url: String::new() }
            }
        }
    };
    let (permissions, categories, tags) = read_listing(d, &e);

    let mut triggers = Vec::new();
    if let Some(tn) = f.get("triggers") {
        if let Some(items) = d.seq(tn, "triggers") {
            for (i, item) in items.iter().enumerate() {
                let path = format!("triggers[{i}]");
                let Some(te) = d.map(item, &path) else {
                    continue;
                };
                let tf = d.fields(
                    te,
                    &path,
                    &["event", "handler", "timeout", "retries", "description"],
                );
                let event = read_event(d, &tf, &path, item, "trigger");
                let handler = match tf.get("handler") {
                    Some(n) => d
                        .text(n, &join(&path, "handler"))
                        .inspect(|h| check_handler(d, h, &join(&path, "handler"), n.pos)),
                    None if internal => None,
                    None => {
                        d.error(
                            &path,
                            item.pos,
                            "a trigger needs a handler (a path under base_url, like /webhook)",
                        );
                        None
                    }
                };
                let timeout_ms = read_timeout(d, tf.get("timeout"), &join(&path, "timeout"));
                let retries = read_retries(d, tf.get("retries"), &join(&path, "retries"));
                let description = text_field(d, &tf, &path, "description");
                if let Some(event) = event {
                    triggers.push(Trigger {
                        event,
                        handler,
                        timeout_ms,
                        retries,
                        description,
                    });
                }
            }
        }
    }
    let mut settings = Vec::new();
    if let Some(sn) = f.get("settings") {
        if let Some(items) = d.seq(sn, "settings") {
            for (i, item) in items.iter().enumerate() {
                if let Some(s) = settings::decode(d, item, &format!("settings[{i}]"), None, false) {
                    settings.push(s);
                }
            }
        }
    }
    Some(Manifest {
        dialect: Dialect::V2,
        key: key?,
        name: name?,
        version: version?,
        api_version: "v1".into(),
        description,
        sdk: None,
        delivery,
        signing_secret_setting: None,
        timeout_ms: None,
        headers: Vec::new(),
        permissions,
        categories,
        tags,
        triggers,
        lifecycle_events: Vec::new(),
        settings,
        setup: None,
        homepage: text_field(d, &e, "extension", "homepage"),
        icon: text_field(d, &e, "extension", "icon"),
        author: text_field(d, &e, "extension", "author"),
    })
}

fn read_name(d: &mut Diags, node: Option<&Node>, path: &str, parent: Pos) -> Option<String> {
    match node {
        Some(n) => {
            let name = d.nonempty(n, path)?;
            if name.chars().count() > 80 {
                d.error(
                    path,
                    n.pos,
                    format!(
                        "a name has at most 80 characters ({} given)",
                        name.chars().count()
                    ),
                );
            }
            Some(name)
        }
        None => {
            d.error(path, parent, "the extension needs a name");
            None
        }
    }
}

fn read_description(d: &mut Diags, node: Option<&Node>, path: &str) -> Option<String> {
    let n = node?;
    let text = d.text(n, path)?;
    if text.chars().count() > 300 {
        d.error(
            path,
            n.pos,
            format!(
                "a description has at most 300 characters ({} given)",
                text.chars().count()
            ),
        );
    }
    Some(text)
}

fn check_handler(d: &mut Diags, handler: &str, path: &str, pos: Pos) {
    if handler.starts_with('/') {
        if handler.contains("..") || handler.contains(char::is_whitespace) {
            d.error(path, pos, format!("{handler:?} is not a clean path"));
        }
    } else if handler.starts_with("https://") || handler.starts_with("http://") {
        check_endpoint(d, handler, path, pos);
    } else {
        d.error(
            path,
            pos,
            format!("{handler:?} must be a path starting with / or an https:// URL"),
        );
    }
}

fn read_timeout(d: &mut Diags, node: Option<&Node>, path: &str) -> Option<u32> {
    let n = node?;
    let ms = d.integer(n, path)?;
    if !(100..=60_000).contains(&ms) {
        d.error(
            path,
            n.pos,
            format!("timeout is in milliseconds, between 100 and 60000 ({ms} given)"),
        );
        return None;
    }
    Some(ms as u32)
}

fn read_retries(d: &mut Diags, node: Option<&Node>, path: &str) -> Option<u32> {
    let n = node?;
    let r = d.integer(n, path)?;
    if !(0..=7).contains(&r) {
        d.error(
            path,
            n.pos,
            format!("retries must be between 0 and 7 ({r} given)"),
        );
        return None;
    }
    Some(r as u32)
}

const V1_ROOT: &[&str] = &["model_version", "extension"];
const V1_EXTENSION: &[&str] = &[
    "id",
    "name",
    "version",
    "api_version",
    "description",
    "sdk",
    "delivery",
    "callback",
    "activationEvents",
    "activation_events",
    "lifecycleEvents",
    "lifecycle_events",
    "permissions",
    "hooks",
    "configuration",
    "setup",
    "capabilities",
    "tags",
    "author",
    "homepage",
    "icon",
    "compatibility",
    "custom_data",
    "secrets",
    "categories",
];
const SDKS: &[&str] = &["ruby", "python", "node", "java", "dotnet", "go"];

fn decode_v1(d: &mut Diags, root: &Node, entries: &[(Node, Node)]) -> Option<Manifest> {
    let (_, ext, e) = extension_section(d, root, entries, V1_ROOT, V1_EXTENSION)?;
    let key = read_key(d, &e, ext, "id", ExtensionKey::parse_id);
    let name = read_name(d, e.present("name"), "extension.name", ext.pos);
    let version = match e.get("version") {
        Some(n) => d
            .nonempty(n, "extension.version")
            .inspect(|v| check_version(d, v, "extension.version", n.pos)),
        None => Some("1.0.0".to_string()),
    };
    let api_version = match e.get("api_version") {
        Some(n) => d.text(n, "extension.api_version").and_then(|v| {
            let ok = v
                .strip_prefix('v')
                .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()));
            if ok {
                Some(v)
            } else {
                d.error(
                    "extension.api_version",
                    n.pos,
                    format!("api_version must look like v1, not {v:?}"),
                );
                None
            }
        }),
        None => Some("v1".into()),
    };
    let description = read_description(d, e.get("description"), "extension.description");
    let sdk = e.get("sdk").and_then(|n| {
        let s = d.text(n, "extension.sdk")?;
        if SDKS.contains(&s.as_str()) {
            Some(s)
        } else {
            d.error(
                "extension.sdk",
                n.pos,
                format!("unknown sdk {s:?}; use one of {}", SDKS.join(", ")),
            );
            None
        }
    });
    let internal = read_internal(d, &e, "delivery", "http");
    let mut settings: Vec<Setting> = Vec::new();
    if let Some(cn) = e.get("configuration") {
        if let Some(entries) = d.map(cn, "extension.configuration") {
            let mut seen: Vec<String> = Vec::new();
            for (k, v) in entries {
                let Some(key) = d.text(k, "extension.configuration") else {
                    continue;
                };
                let path = join("extension.configuration", &key);
                if seen.contains(&key) {
                    d.error(&path, k.pos, format!("{key:?} appears more than once"));
                    continue;
                }
                seen.push(key.clone());
                if let Some(s) = settings::decode(d, v, &path, Some((&key, k.pos)), false) {
                    settings.push(s);
                }
            }
        }
    }
    if let Some(sn) = e.get("secrets") {
        if let Some(items) = d.seq(sn, "extension.secrets") {
            for (i, item) in items.iter().enumerate() {
                if let Some(s) =
                    settings::decode(d, item, &format!("extension.secrets[{i}]"), None, true)
                {
                    settings.push(s);
                }
            }
        }
    }
    // Steps may declare settings inline, which the callback below may name.
    let setup = e
        .get("setup")
        .map(|n| read_setup(d, n, &mut settings, internal));
    let mut signing_secret_setting = None;
    let mut timeout_ms = None;
    let mut headers = Vec::new();
    let delivery = if internal {
        Delivery::Internal
    } else {
        match e.get("callback") {
            Some(cb) => {
                let mut url = String::new();
                if let Some(ce) = d.map(cb, "extension.callback") {
                    let cf = d.fields(
                        ce,
                        "extension.callback",
                        &["url", "secret", "headers", "timeout", "required"],
                    );
                    match cf.get("url") {
                        Some(n) => {
                            if let Some(u) = d.nonempty(n, "extension.callback.url") {
                                check_endpoint(d, &u, "extension.callback.url", n.pos);
                                for var in placeholders(&u) {
                                    if !settings.iter().any(|s| s.key == var) {
                                        d.warn(
                                            "extension.callback.url",
                                            n.pos,
                                            format!("${{{var}}} names no setting: each organization will be asked for {var} (a URL)"),
                                        );
                                        settings.push(implicit_url_setting(&var, n.pos));
                                    }
                                }
                                url = u;
                            }
                        }
                        None => d.error(
                            "extension.callback",
                            cb.pos,
                            "an http extension needs callback.url",
                        ),
                    }
                    if let Some(n) = cf.get("secret") {
                        if let Some(s) = d.text(n, "extension.callback.secret") {
                            let named = s.strip_prefix("env.").or_else(|| s.strip_prefix("env:"));
                            match named {
                                Some(key) => signing_secret_setting = Some((key.to_string(), n.pos)),
                                None => d.error(
                                    "extension.callback.secret",
                                    n.pos,
                                    "never put a secret in a manifest: write env.KEY to name the setting that holds it",
                                ),
                            }
                        }
                    }
                    timeout_ms = read_timeout(d, cf.get("timeout"), "extension.callback.timeout");
                    if let Some(h) = cf.get("headers") {
                        if let Some(entries) = d.map(h, "extension.callback.headers") {
                            for (k, v) in entries {
                                let hp = "extension.callback.headers";
                                if let (Some(k), Some(v)) = (d.text(k, hp), d.text(v, hp)) {
                                    headers.push((k, v));
                                }
                            }
                        }
                    }
                }
                Delivery::Http { url }
            }
            None => {
                d.error(
                    "extension.callback",
                    ext.pos,
                    "an http extension needs a callback with a url (or delivery: internal)",
                );
                Delivery::Http { url: String::new() }
            }
        }
    };
    let signing_secret_setting = signing_secret_setting.and_then(|(key, pos): (String, Pos)| {
        if settings.iter().any(|s| s.key == key) {
            Some(key)
        } else if settings
            .iter()
            .any(|s| s.secret && s.key == key.to_uppercase())
        {
            // A lower-case secret key is read upper-cased; the reference follows it.
            Some(key.to_uppercase())
        } else {
            d.error(
                "extension.callback.secret",
                pos,
                format!("{key:?} names no setting or secret of this manifest"),
            );
            None
        }
    });
    let mut triggers: Vec<Trigger> = Vec::new();
    for names in [["activationEvents", "activation_events"]] {
        if let Some(n) = e.any(&names) {
            let written = names
                .into_iter()
                .find(|k| e.get(k).is_some())
                .unwrap_or(names[0]);
            for (ev, _) in read_events(d, n, &join("extension", written)) {
                triggers.push(Trigger {
                    event: ev,
                    handler: None,
                    timeout_ms: None,
                    retries: None,
                    description: None,
                });
            }
        }
    }
    if let Some(hn) = e.get("hooks") {
        if let Some(items) = d.seq(hn, "extension.hooks") {
            for (i, item) in items.iter().enumerate() {
                let path = format!("extension.hooks[{i}]");
                let Some(he) = d.map(item, &path) else {
                    continue;
                };
                let hf = d.fields(
                    he,
                    &path,
                    &[
                        "event",
                        "endpoint",
                        "timeout",
                        "retries",
                        "description",
                        "required",
                    ],
                );
                let event = read_event(d, &hf, &path, item, "hook");
                let handler = hf.get("endpoint").and_then(|n| {
                    d.text(n, &join(&path, "endpoint"))
                        .inspect(|h| check_handler(d, h, &join(&path, "endpoint"), n.pos))
                });
                let timeout = read_timeout(d, hf.get("timeout"), &join(&path, "timeout"));
                let retries = read_retries(d, hf.get("retries"), &join(&path, "retries"));
                let description = text_field(d, &hf, &path, "description");
                if let Some(event) = event {
                    triggers.retain(|t| t.event != event || t.handler.is_some());
                    triggers.push(Trigger {
                        event,
                        handler,
                        timeout_ms: timeout,
                        retries,
                        description,
                    });
                }
            }
        }
    }
    let lifecycle_written = ["lifecycleEvents", "lifecycle_events"]
        .into_iter()
        .find(|k| e.get(k).is_some());
    let lifecycle_events = lifecycle_written
        .and_then(|k| e.get(k).map(|n| (k, n)))
        .map(|(k, n)| {
            read_events(d, n, &join("extension", k))
                .into_iter()
                .map(|(ev, _)| ev)
                .collect()
        })
        .unwrap_or_default();
    let (permissions, categories, tags) = read_listing(d, &e);
    let author = e.get("author").and_then(|n| match n.as_str() {
        Some(s) => Some(s.to_string()),
        None => n.get("name").and_then(|x| x.as_str()).map(str::to_string),
    });
    Some(Manifest {
        dialect: Dialect::V1,
        key: key?,
        name: name?,
        version: version?,
        api_version: api_version?,
        description,
        sdk,
        delivery,
        signing_secret_setting,
        timeout_ms,
        headers,
        permissions,
        categories,
        tags,
        triggers,
        lifecycle_events,
        settings,
        setup,
        homepage: text_field(d, &e, "extension", "homepage"),
        icon: text_field(d, &e, "extension", "icon"),
        author,
    })
}

/// The `${VAR}` names in a URL.
pub fn placeholders(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = url;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim().to_string();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
        rest = &after[end + 1..];
    }
    out
}

fn implicit_url_setting(var: &str, pos: Pos) -> Setting {
    Setting {
        key: var.to_string(),
        label: format!("{var} (where your copy of this extension runs)"),
        description: Some("The callback URL of this extension uses this value.".into()),
        placeholder: Some("https://".into()),
        help_url: None,
        kind: SettingType::Url,
        secret: false,
        required: true,
        default: None,
        options: Vec::new(),
        min: None,
        max: None,
        pattern: None,
        max_length: None,
        scope: SettingScope::Extension,
        show_when: None,
        auto_generate: None,
        variables: Vec::new(),
        required_variables: Vec::new(),
        pos,
        path: "extension.callback.url".into(),
    }
}

/// An inline step field: its key (when written as a mapping), its node and its path.
type InlineField<'a> = (Option<(String, Pos)>, &'a Node, String);

fn read_setup(
    d: &mut Diags,
    node: &Node,
    settings: &mut Vec<Setting>,
    internal: bool,
) -> Vec<SetupStep> {
    let mut steps = Vec::new();
    let Some(items) = d.seq(node, "extension.setup") else {
        return steps;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("extension.setup[{i}]");
        let Some(entries) = d.map(item, &path) else {
            continue;
        };
        if entries.len() != 1 {
            d.error(
                &path,
                item.pos,
                "each step is a mapping with one key: secrets, configure, test or info",
            );
            continue;
        }
        let (k, body) = &entries[0];
        let Some(kind_name) = d.text(k, &path) else {
            continue;
        };
        let kind = match kind_name.as_str() {
            "secrets" => StepKind::Secrets,
            "configure" => StepKind::Configure,
            "test" => StepKind::Test,
            "info" => StepKind::Info,
            other => {
                d.error(
                    &path,
                    k.pos,
                    format!("unknown step {other:?}; use secrets, configure, test or info"),
                );
                continue;
            }
        };
        let spath = join(&path, &kind_name);
        let Some(se) = d.map(body, &spath) else {
            continue;
        };
        let sf = d.fields(
            se,
            &spath,
            &[
                "title",
                "description",
                "required",
                "scope",
                "fields",
                "collect",
                "action",
                "check_endpoint",
                "successMessage",
                "success_message",
                "content",
                "links",
            ],
        );
        let title = text_field(d, &sf, &spath, "title");
        let description = text_field(d, &sf, &spath, "description");
        let required = sf
            .get("required")
            .and_then(|n| d.boolean(n, &join(&spath, "required")))
            .unwrap_or(true);
        let scope =
            sf.get("scope")
                .and_then(|n| match d.text(n, &join(&spath, "scope")).as_deref() {
                    Some("extension") | Some("organization") => Some(SettingScope::Extension),
                    Some("installation") | Some("project") => Some(SettingScope::Installation),
                    Some(other) => {
                        d.error(
                            &join(&spath, "scope"),
                            n.pos,
                            format!("scope must be installation or extension, not {other:?}"),
                        );
                        None
                    }
                    None => None,
                });
        let mut fields = Vec::new();
        // Entries written under fields and collect (those that fail are reported on their own).
        let declared = [sf.get("fields"), sf.get("collect")]
            .into_iter()
            .flatten()
            .map(|n| {
                n.as_map()
                    .map(<[_]>::len)
                    .or(n.as_seq().map(<[_]>::len))
                    .unwrap_or(1)
            })
            .sum::<usize>();
        if sf.get("fields").is_some() && sf.get("collect").is_some() {
            d.error(
                &spath,
                body.pos,
                "a step has either fields or collect, not both",
            );
        }
        if let Some(fnode) = sf.get("fields") {
            let fpath = join(&spath, "fields");
            // Inline fields: a list of settings with keys, or a mapping KEY → setting.
            let list: Vec<InlineField<'_>> = if let Some(map) = fnode.as_map() {
                map.iter()
                    .filter_map(|(k, v)| {
                        let key = k.as_str()?.to_string();
                        let p = join(&fpath, &key);
                        Some((Some((key, k.pos)), v, p))
                    })
                    .collect()
            } else {
                d.seq(fnode, &fpath)
                    .map(|items| {
                        items
                            .iter()
                            .enumerate()
                            .map(|(j, n)| (None, n, format!("{fpath}[{j}]")))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            for (hint, fnode, fp) in list {
                let force_secret = kind == StepKind::Secrets;
                let hint_ref = hint.as_ref().map(|(k, p)| (k.as_str(), *p));
                if let Some(mut s) = settings::decode(d, fnode, &fp, hint_ref, force_secret) {
                    if let Some(sc) = scope {
                        s.scope = sc;
                    }
                    if settings.iter().any(|x| x.key == s.key) {
                        d.error(&fp, s.pos, format!("setting {:?} is declared twice", s.key));
                        continue;
                    }
                    fields.push(s.key.clone());
                    settings.push(s);
                }
            }
        }
        if let Some(cnode) = sf.get("collect") {
            let cpath = join(&spath, "collect");
            for (j, (key, item)) in d.texts(cnode, &cpath).into_iter().enumerate() {
                let found = settings.iter().any(|s| s.key == key)
                    || settings
                        .iter()
                        .any(|s| s.secret && s.key == key.to_uppercase());
                if found {
                    let key = if settings.iter().any(|s| s.key == key) {
                        key
                    } else {
                        key.to_uppercase()
                    };
                    // The step's scope decides the wizard, as for inline fields.
                    if let Some(sc) = scope {
                        for s in settings.iter_mut().filter(|s| s.key == key) {
                            s.scope = sc;
                        }
                    }
                    fields.push(key);
                } else {
                    d.error(
                        &format!("{cpath}[{j}]"),
                        item.pos,
                        format!("{key:?} is not a key of extension.configuration"),
                    );
                }
            }
        }
        let action = sf
            .any(&["action", "check_endpoint"])
            .and_then(|n| d.text(n, &join(&spath, "action")));
        let success_message = sf
            .any(&["successMessage", "success_message"])
            .and_then(|n| d.text(n, &join(&spath, "successMessage")));
        let content = text_field(d, &sf, &spath, "content");
        let mut links = Vec::new();
        if let Some(ln) = sf.get("links") {
            let lpath = join(&spath, "links");
            if let Some(items) = d.seq(ln, &lpath) {
                for (j, item) in items.iter().enumerate() {
                    let ip = format!("{lpath}[{j}]");
                    let Some(le) = d.map(item, &ip) else { continue };
                    let lf = d.fields(le, &ip, &["label", "url"]);
                    match (
                        text_field(d, &lf, &ip, "label"),
                        text_field(d, &lf, &ip, "url"),
                    ) {
                        (Some(label), Some(url)) => links.push(Link { label, url }),
                        _ => d.error(&ip, item.pos, "a link needs a label and a url"),
                    }
                }
            }
        }
        match kind {
            StepKind::Secrets | StepKind::Configure if fields.is_empty() && declared == 0 => {
                d.error(
                    &spath,
                    body.pos,
                    format!("a {kind_name} step needs fields or collect"),
                );
            }
            StepKind::Info if content.is_none() && links.is_empty() => {
                d.error(&spath, body.pos, "an info step needs content or links");
            }
            StepKind::Test if internal => d.warn(
                &spath,
                body.pos,
                "a test step has nothing to call: this extension has no callback",
            ),
            _ => {}
        }
        if kind == StepKind::Secrets {
            for key in &fields {
                if settings.iter().any(|s| &s.key == key && !s.secret) {
                    d.warn(
                        &spath,
                        body.pos,
                        format!("{key:?} is not a secret but is asked in a secrets step"),
                    );
                }
            }
        }
        steps.push(SetupStep {
            kind,
            title,
            description,
            required,
            scope,
            fields,
            action,
            success_message,
            content,
            links,
        });
    }
    steps
}

/// Checks that need the whole manifest: duplicate setting keys, `show_when` targets, test steps
/// that have nothing to test.
fn cross_check(d: &mut Diags, m: &Manifest) {
    for (i, s) in m.settings.iter().enumerate() {
        if m.settings[..i].iter().any(|o| o.key == s.key) {
            d.error(
                &s.path,
                s.pos,
                format!("setting {:?} is declared more than once", s.key),
            );
        }
        if let Some(sw) = &s.show_when {
            match m.setting(&sw.field) {
                None => d.error(
                    &join(&s.path, "show_when.field"),
                    sw.pos,
                    format!("{:?} is not a setting of this manifest", sw.field),
                ),
                Some(target) if target.key == s.key => d.error(
                    &join(&s.path, "show_when.field"),
                    sw.pos,
                    "a field cannot depend on itself",
                ),
                Some(target) if target.secret => d.error(
                    &join(&s.path, "show_when.field"),
                    sw.pos,
                    "show_when cannot depend on a secret (its value is never shown)",
                ),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests;
