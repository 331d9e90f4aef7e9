//! `kiket`: the publisher CLI. Scaffolds an extension, lints its manifest with the same code the
//! marketplace runs, packages it the way the marketplace accepts it, and receives deliveries
//! locally with their signatures checked.

use clap::{Parser, Subcommand, ValueEnum};
use kiket_marketplace::model::manifest::diag::Severity;
use kiket_marketplace::model::manifest::names::ExtensionKey;
use kiket_marketplace::model::manifest::{lint_bytes, Lint};
use kiket_marketplace::model::package::{
    find_manifest, MAX_COMPRESSED_BYTES, MAX_ENTRIES, MAX_UNPACKED_BYTES,
};
use kiket_marketplace::server::packages::pack;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[path = "kiket/remote.rs"]
mod remote;

/// Kiket extensions: scaffold, lint and package.
#[derive(Debug, Parser)]
#[command(name = "kiket", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Debug, Subcommand)]
enum Top {
    /// Work on extensions.
    #[command(subcommand)]
    Extensions(Extensions),
    /// Sign in to a marketplace with a personal token.
    #[command(subcommand)]
    Auth(Auth),
}

#[derive(Debug, Subcommand)]
enum Auth {
    /// Check a personal token and keep it, with the marketplace's address, in the config file
    /// (readable by you only). KIKET_TOKEN and KIKET_API_URL override what is kept.
    Login {
        /// A personal token (`kkt_…`) from the account page's API tokens.
        #[arg(long, env = "KIKET_TOKEN", hide_env_values = true)]
        token: String,
        /// The marketplace's address.
        #[arg(long, env = "KIKET_API_URL", default_value = remote::DEFAULT_API_URL)]
        api_url: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Show who the kept (or KIKET_TOKEN) token belongs to and what it may do.
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Forget the kept token.
    Logout,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DialectArg {
    /// `manifest_version: 2` in extension.yaml.
    #[value(name = "2")]
    V2,
    /// `model_version: "1.0"` in .kiket/manifest.yaml.
    #[value(name = "1.0")]
    V1,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Extensions {
    /// Create a new extension project in ./NAME.
    Scaffold {
        /// Extension name; its key is derived from it (`My Sync` → `my-sync`).
        name: String,
        /// Manifest dialect.
        #[arg(long, value_enum, default_value = "2")]
        dialect: DialectArg,
        /// Directory to create (default: the key).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Check a manifest (a project directory or the manifest file).
    Lint {
        /// Project directory or manifest file.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Receive deliveries here: check each one's signatures and timestamp as an extension must,
    /// print it, and answer 200 (401 when a signature does not verify). A stand-in for an
    /// extension while developing one.
    Listen {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3001")]
        addr: std::net::SocketAddr,
        /// The installation's signing secret (`whsec_…`).
        #[arg(long, env = "KIKET_SIGNING_SECRET", hide_env_values = true)]
        secret: String,
        /// Output format: a line per delivery, or each delivery's body as one JSON line.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Lint, package (given a directory) and upload a version; it waits for review.
    Publish {
        /// Project directory or a .tar.gz package.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The publisher's slug (default: the key's owner, or your only publisher).
        #[arg(long)]
        publisher: Option<String>,
        /// Release notes (Markdown).
        #[arg(long, default_value = "")]
        release_notes: String,
        /// A personal token with the publish scope (default: the one kept by `auth login`).
        #[arg(long, env = "KIKET_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Yank a published version (hidden from new installs), or un-yank it with --undo.
    Yank {
        /// KEY@VERSION, such as my-extension@1.2.0.
        spec: String,
        /// Why: users see it on the version.
        #[arg(long)]
        reason: String,
        /// Un-yank instead: the version is installable again.
        #[arg(long)]
        undo: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// List an extension's versions (with a `read` token, also those not published yet).
    Versions {
        /// Extension key.
        key: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Send a payload to a receiver signed exactly as the marketplace signs deliveries (both
    /// header sets), and print the receiver's answer.
    Replay {
        /// The delivery body to send (JSON), such as replay/issue.created.json.
        #[arg(long)]
        payload: PathBuf,
        /// The receiver's URL.
        #[arg(long)]
        url: String,
        /// The signing secret (`whsec_…`).
        #[arg(long, env = "KIKET_SIGNING_SECRET", hide_env_values = true)]
        secret: String,
        /// The event name (default: the payload's `event`).
        #[arg(long)]
        event: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Build dist/<key>-<version>.tar.gz from a project directory.
    Package {
        /// Project directory.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Where to write the archive (default: PATH/dist).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
}

/// Exit codes: 0 clean, 1 the manifest has errors, 2 the input could not be used.
const EXIT_ERRORS: u8 = 1;
const EXIT_UNUSABLE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Top::Auth(cmd) => remote::auth(cmd),
        Top::Extensions(cmd) => extensions(cmd),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

fn extensions(cmd: Extensions) -> Result<u8, String> {
    match cmd {
        Extensions::Scaffold { name, dialect, dir } => scaffold(&name, dialect, dir),
        Extensions::Lint { path, format } => lint_cmd(&path, format),
        Extensions::Package {
            path,
            output,
            format,
        } => package_cmd(&path, output, format),
        Extensions::Listen {
            addr,
            secret,
            format,
        } => listen_cmd(addr, secret, format),
        Extensions::Publish {
            path,
            publisher,
            release_notes,
            token,
            format,
        } => remote::publish(&path, publisher, &release_notes, token, format),
        Extensions::Yank {
            spec,
            reason,
            undo,
            format,
        } => remote::yank(&spec, &reason, undo, format),
        Extensions::Versions { key, format } => remote::versions(&key, format),
        Extensions::Replay {
            payload,
            url,
            secret,
            event,
            format,
        } => remote::replay(&payload, &url, &secret, event, format),
    }
}

/// Locates the manifest of a project directory, or takes the file given.
fn manifest_file(path: &Path) -> Result<PathBuf, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        return Ok(path.to_path_buf());
    }
    let mut candidates = Vec::new();
    for rel in ["extension.yaml", ".kiket/manifest.yaml"] {
        if path.join(rel).is_file() {
            candidates.push(rel.to_string());
        }
    }
    if let Ok(entries) = std::fs::read_dir(path.join(".kiket/extensions")) {
        for entry in entries.flatten() {
            let rel = format!(
                ".kiket/extensions/{}/manifest.yaml",
                entry.file_name().to_string_lossy()
            );
            if path.join(&rel).is_file() {
                candidates.push(rel);
            }
        }
    }
    let rel = find_manifest(candidates.iter().map(String::as_str))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.join(rel))
}

fn read_lint(file: &Path) -> Result<Lint, String> {
    let meta = std::fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?;
    if meta.len() > 8 * 1024 * 1024 {
        return Err(format!(
            "{}: {} MB is far too large for a manifest",
            file.display(),
            meta.len() / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(lint_bytes(&bytes))
}

fn print_lint(file: &Path, lint: &Lint, format: Format) {
    match format {
        Format::Json => {
            let out = serde_json::json!({
                "manifest": file.display().to_string(),
                "dialect": lint.dialect.map(|d| d.as_str()),
                "diagnostics": lint.diagnostics,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Human => {
            for d in &lint.diagnostics {
                let sev = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let path = if d.path.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", d.path)
                };
                println!(
                    "{}:{}:{}: {sev}: {}{path}",
                    file.display(),
                    d.line,
                    d.column,
                    d.message
                );
            }
            let (e, w) = (lint.errors(), lint.warnings());
            if e == 0 && w == 0 {
                println!("{}: clean", file.display());
            } else {
                println!("{}: {e} error(s), {w} warning(s)", file.display());
            }
        }
    }
}

fn lint_cmd(path: &Path, format: Format) -> Result<u8, String> {
    let file = manifest_file(path)?;
    let lint = read_lint(&file)?;
    print_lint(&file, &lint, format);
    Ok(if lint.errors() > 0 { EXIT_ERRORS } else { 0 })
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn title(name: &str) -> String {
    if name.contains(' ') || name.chars().any(|c| c.is_uppercase()) {
        return name.trim().to_string();
    }
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn manifest_v2(key: &str, name: &str) -> String {
    format!(
        r#"manifest_version: 2
extension:
  key: {key}
  name: {name}
  version: 0.1.0
  runtime: external
  description: {name} for Kiket projects.
  base_url: https://{key}.example.com
  permissions: [issues:read, comments:write]
  categories: [productivity]
triggers:
  - event: issue.created
    handler: /webhooks/issue-created
settings:
  - key: API_TOKEN
    label: API token
    type: secret
    required: true
    description: Token of the service this extension talks to.
  - key: channel
    label: Channel
    type: string
    default: general
"#
    )
}

fn manifest_v1(key: &str, name: &str) -> String {
    format!(
        r#"model_version: "1.0"
extension:
  id: {key}
  name: {name}
  version: 0.1.0
  description: {name} for Kiket projects.
  delivery: http
  callback:
    url: https://{key}.example.com/kiket
    timeout: 10000
  activationEvents: [issue.created]
  permissions: [issues:read, comments:write]
  categories: [productivity]
  configuration:
    channel:
      type: string
      label: Channel
      default: general
  secrets:
    - key: API_TOKEN
      label: API token
      description: Token of the service this extension talks to.
      required: true
"#
    )
}

fn scaffold(name: &str, dialect: DialectArg, dir: Option<PathBuf>) -> Result<u8, String> {
    let key = slug(name);
    ExtensionKey::parse(&key).map_err(|e| format!("cannot derive a key from {name:?}: {e}"))?;
    let display = title(name);
    let dir = dir.unwrap_or_else(|| PathBuf::from(&key));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!("{} already exists and is not empty", dir.display()));
    }
    let (manifest_path, manifest) = match dialect {
        DialectArg::V2 => ("extension.yaml", manifest_v2(&key, &display)),
        DialectArg::V1 => (".kiket/manifest.yaml", manifest_v1(&key, &display)),
    };
    let files: Vec<(&str, String)> = vec![
        (manifest_path, manifest),
        (
            "README.md",
            format!(
                "# {display}\n\n{display} for Kiket projects.\n\n## What it does\n\nWhen an issue is created in a project that installed it, the extension receives a signed\n`issue.created` delivery and can act on it.\n\n## Settings\n\n| setting | what |\n|---|---|\n| API token | token of the service this extension talks to (kept encrypted) |\n| Channel | where messages go (default `general`) |\n"
            ),
        ),
        ("CHANGELOG.md", "# Changelog\n\n## 0.1.0\n\n- First version.\n".to_string()),
        (
            "docs/getting-started.md",
            format!(
                "# Getting started with {display}\n\n1. Install the extension from the Kiket marketplace into a project.\n2. Enter your API token in the setup wizard; it is stored encrypted.\n3. Create an issue: the extension receives `issue.created`.\n\nTo try your handler locally, send the sample payload with\n`kiket extensions replay --payload replay/issue.created.json --url http://localhost:8080/webhooks/issue-created --secret whsec_…`.\n"
            ),
        ),
        (
            "replay/issue.created.json",
            serde_json::to_string_pretty(&serde_json::json!({
                "id": "evt_sample",
                "event": "issue.created",
                "event_version": "v1",
                "occurred_at": "2026-01-01T00:00:00Z",
                "organization": { "id": "org_sample", "slug": "acme" },
                "project": { "id": "prj_sample", "slug": "web" },
                "installation": { "id": "ins_sample", "extension": key, "version": "0.1.0" },
                "data": { "issue": { "id": 42, "title": "Test" } },
                "secrets": {},
                "secret_status": { "missing": ["API_TOKEN"] },
                "api": { "base_url": "http://localhost:3000/api/v1", "token_header": "X-Kiket-Runtime-Token" }
            }))
            .unwrap_or_default()
                + "\n",
        ),
    ];
    for (rel, content) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let lint = lint_bytes(files[0].1.as_bytes());
    debug_assert_eq!(lint.errors(), 0);
    println!(
        "Created {} ({} dialect {}) in {}",
        key,
        display,
        match dialect {
            DialectArg::V2 => "2",
            DialectArg::V1 => "1.0",
        },
        dir.display()
    );
    for (rel, _) in &files {
        println!("  {rel}");
    }
    println!(
        "Next: cd {} && kiket extensions lint && kiket extensions package",
        dir.display()
    );
    Ok(0)
}

fn package_cmd(path: &Path, output: Option<PathBuf>, format: Format) -> Result<u8, String> {
    let built = match build_package(path, output)? {
        Ok(built) => built,
        Err(code) => return Ok(code),
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "path": built.path.display().to_string(), "size": built.size, "sha256": built.sha256, "files": built.files })
        ),
        Format::Human => {
            println!("{}", built.path.display());
            println!("  {} bytes, {} files", built.size, built.files);
            println!("  sha256 {}", built.sha256);
        }
    }
    Ok(0)
}

/// A package written by [`build_package`].
struct Built {
    path: PathBuf,
    size: u64,
    sha256: String,
    files: usize,
}

/// Lints and packages a project directory into `output` (default PATH/dist). `Ok(Err(code))`
/// when the manifest has errors (they are printed).
fn build_package(path: &Path, output: Option<PathBuf>) -> Result<Result<Built, u8>, String> {
    let manifest = manifest_file(path)?;
    if std::fs::metadata(path)
        .map(|m| m.is_file())
        .unwrap_or(false)
    {
        return Err(format!(
            "{}: package a project directory, not a file",
            path.display()
        ));
    }
    let lint = read_lint(&manifest)?;
    if lint.errors() > 0 {
        print_lint(&manifest, &lint, Format::Human);
        eprintln!("error: the manifest has errors; fix them before packaging");
        return Ok(Err(EXIT_ERRORS));
    }
    let m = lint
        .manifest
        .as_ref()
        .ok_or("the manifest could not be read")?;
    let files = pack::collect(path)?;
    if files.len() > MAX_ENTRIES {
        return Err(format!(
            "{} files; a package holds at most {MAX_ENTRIES}",
            files.len()
        ));
    }
    let mut total = 0u64;
    for f in &files {
        total += std::fs::metadata(&f.path)
            .map_err(|e| format!("{}: {e}", f.rel))?
            .len();
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "{} MB of files; a package unpacks to at most {} MB",
            total / (1024 * 1024),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ));
    }
    let out_dir = output.unwrap_or_else(|| path.join("dist"));
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let archive = out_dir.join(format!("{}-{}.tar.gz", m.key, m.version));
    let tmp = out_dir.join(format!(".{}-{}.tar.gz.partial", m.key, m.version));
    {
        let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        pack::write_archive(file, pack::read_tree(&files))?;
    }
    let bytes = std::fs::read(&tmp).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_COMPRESSED_BYTES {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "the archive is {} MB; the marketplace accepts at most {} MB",
            bytes.len() / (1024 * 1024),
            MAX_COMPRESSED_BYTES / (1024 * 1024)
        ));
    }
    std::fs::rename(&tmp, &archive).map_err(|e| format!("{}: {e}", archive.display()))?;
    Ok(Ok(Built {
        path: archive,
        size: bytes.len() as u64,
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        files: files.len(),
    }))
}

/// Serves `POST /*` on `addr`, verifying each delivery with `secret`, until interrupted.
fn listen_cmd(addr: std::net::SocketAddr, secret: String, format: Format) -> Result<u8, String> {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use kiket_marketplace::server::signing;
    use std::sync::Arc;

    let secret: Arc<str> = secret.trim().into();
    if secret.is_empty() {
        return Err(
            "give the installation's signing secret with --secret or KIKET_SIGNING_SECRET".into(),
        );
    }
    let receive = move |headers: HeaderMap, body: axum::body::Bytes| {
        let secret = secret.clone();
        async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default();
            let event = header("X-Kiket-Event").unwrap_or_else(|| "?".into());
            let delivery = header("X-Kiket-Delivery").unwrap_or_else(|| "?".into());
            match signing::verify(&secret, header, &body, now) {
                Ok(()) => {
                    match format {
                        Format::Human => {
                            println!("verified {event} {delivery} ({} bytes)", body.len())
                        }
                        Format::Json => println!("{}", String::from_utf8_lossy(&body)),
                    }
                    axum::Json(serde_json::json!({"ok": true})).into_response()
                }
                Err(why) => {
                    eprintln!("refused {event} {delivery}: {why}");
                    (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(serde_json::json!({"error": why})),
                    )
                        .into_response()
                }
            }
        }
    };
    let app = axum::Router::new().fallback(axum::routing::post(receive));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        eprintln!("listening on http://{addr}: deliveries are verified with the given secret");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("the listener failed: {e}"))
    })?;
    Ok(0)
}
