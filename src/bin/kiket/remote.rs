//! The commands that talk to a marketplace (`auth`, `publish`, `yank`, `versions`) or to a
//! receiver (`replay`).

use super::{build_package, Auth, Format, EXIT_ERRORS, EXIT_UNUSABLE};
use kiket_marketplace::server::signing;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where `auth login` points without `--api-url`.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:3000";

/// What `auth login` keeps.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Config {
    api_url: Option<String>,
    token: Option<String>,
}

/// The config file: `$XDG_CONFIG_HOME/kiket/config.json` (or the platform's config dir).
fn config_path() -> Result<PathBuf, String> {
    let dir = dirs::config_dir().ok_or("cannot tell where your config directory is; set HOME")?;
    Ok(dir.join("kiket").join("config.json"))
}

fn load_config() -> Result<Config, String> {
    let path = config_path()?;
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: {e}; run `kiket auth login` again", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes the config readable by its owner only (0600, in a 0700 directory).
fn save_config(config: &Config) -> Result<PathBuf, String> {
    let path = config_path()?;
    let dir = path.parent().ok_or("bad config path")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = serde_json::to_string_pretty(config).map_err(|e| e.to_string())?;
    let tmp = dir.join(".config.json.partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
    }
    #[cfg(not(unix))]
    std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The marketplace to talk to and the token to use: the environment first, then the config.
struct Target {
    api_url: String,
    token: Option<String>,
}

fn target(token: Option<String>) -> Result<Target, String> {
    let config = load_config()?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Ok(Target {
        api_url: env("KIKET_API_URL")
            .or(config.api_url)
            .unwrap_or_else(|| DEFAULT_API_URL.to_string())
            .trim_end_matches('/')
            .to_string(),
        token: token.or_else(|| env("KIKET_TOKEN")).or(config.token),
    })
}

fn need_token(t: &Target) -> Result<&str, String> {
    t.token.as_deref().map(str::trim).ok_or_else(|| {
        "no token: run `kiket auth login --token kkt_…` or set KIKET_TOKEN".to_string()
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))
}

fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("kiket/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))
}

/// An answer from the API: its status and JSON body.
struct Answer {
    status: reqwest::StatusCode,
    body: Value,
    retry_after: Option<String>,
}

async fn read_answer(res: reqwest::Response) -> Result<Answer, String> {
    let status = res.status();
    let retry_after = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = res
        .text()
        .await
        .map_err(|e| format!("the answer was cut short: {e}"))?;
    let body = serde_json::from_str(&text).unwrap_or_else(|_| {
        serde_json::json!({"error": {"code": "unexpected", "message": format!("the server answered {status} without JSON: {}", text.chars().take(200).collect::<String>())}})
    });
    Ok(Answer {
        status,
        body,
        retry_after,
    })
}

fn unreachable(api_url: &str, e: reqwest::Error) -> String {
    format!("cannot reach {api_url}: {e}")
}

/// Prints an error answer (and its findings) and returns the exit code for it.
fn report_error(answer: &Answer, format: Format) -> u8 {
    if format == Format::Json {
        println!("{}", pretty(&answer.body));
        return EXIT_ERRORS;
    }
    let error = &answer.body["error"];
    let message = error["message"]
        .as_str()
        .unwrap_or("the request was refused");
    match error["field"].as_str() {
        Some(field) => eprintln!("error: {message} ({field})"),
        None => eprintln!("error: {message}"),
    }
    if let Some(fields) = error["fields"].as_object() {
        for (field, m) in fields {
            eprintln!("  {field}: {}", m.as_str().unwrap_or_default());
        }
    }
    print_findings(&answer.body["findings"], true);
    if let Some(secs) = &answer.retry_after {
        eprintln!("  try again in {secs} s");
    }
    EXIT_ERRORS
}

/// Prints an answer: as it came with `--format json`, else through `human`; refusals as errors.
/// Returns the exit code.
fn finish(answer: &Answer, format: Format, human: impl FnOnce(&Value)) -> u8 {
    if !answer.status.is_success() {
        return report_error(answer, format);
    }
    match format {
        Format::Json => println!("{}", pretty(&answer.body)),
        Format::Human => human(&answer.body),
    }
    0
}

fn print_findings(findings: &Value, to_stderr: bool) {
    for f in findings.as_array().into_iter().flatten() {
        let file = f["file"]
            .as_str()
            .map(|f| format!(" {f}:"))
            .unwrap_or_default();
        let line = format!(
            "  {} {}:{file} {}",
            f["severity"].as_str().unwrap_or("?"),
            f["rule"].as_str().unwrap_or("?"),
            f["message"].as_str().unwrap_or_default()
        );
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// `kiket auth …`.
pub fn auth(cmd: Auth) -> Result<u8, String> {
    match cmd {
        Auth::Login {
            token,
            api_url,
            format,
        } => {
            let api_url = api_url.trim().trim_end_matches('/').to_string();
            if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
                return Err(format!(
                    "{api_url}: give the marketplace's address, such as https://marketplace.example"
                ));
            }
            let token = token.trim().to_string();
            let answer = runtime()?.block_on(who_am_i(&api_url, &token))?;
            if !answer.status.is_success() {
                return Ok(report_error(&answer, format));
            }
            let path = save_config(&Config {
                api_url: Some(api_url.clone()),
                token: Some(token),
            })?;
            match format {
                Format::Json => println!("{}", pretty(&answer.body)),
                Format::Human => {
                    print_me(&api_url, &answer.body);
                    println!("Saved to {}", path.display());
                }
            }
            Ok(0)
        }
        Auth::Status { format } => {
            let t = target(None)?;
            let token = need_token(&t)?;
            let answer = runtime()?.block_on(who_am_i(&t.api_url, token))?;
            Ok(finish(&answer, format, |me| print_me(&t.api_url, me)))
        }
        Auth::Logout => {
            let path = config_path()?;
            let mut config = load_config()?;
            if config.token.take().is_some() {
                save_config(&config)?;
                println!("Forgot the token kept in {}", path.display());
            } else {
                println!("No token was kept.");
            }
            Ok(0)
        }
    }
}

fn print_me(api_url: &str, me: &Value) {
    let scopes: Vec<&str> = me["token"]["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    println!(
        "Signed in to {api_url} as {} <{}> with token “{}” ({}{}{})",
        me["display_name"].as_str().unwrap_or_default(),
        me["email"].as_str().unwrap_or_default(),
        me["token"]["name"].as_str().unwrap_or_default(),
        scopes.join(", "),
        me["token"]["key_pattern"]
            .as_str()
            .map(|p| format!("; extensions {p}"))
            .unwrap_or_default(),
        me["token"]["expires_at"]
            .as_str()
            .map(|e| format!("; expires {e}"))
            .unwrap_or_default(),
    );
}

async fn who_am_i(api_url: &str, token: &str) -> Result<Answer, String> {
    let res = client()?
        .get(format!("{api_url}/api/v1/me"))
        .bearer_auth(token)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| unreachable(api_url, e))?;
    read_answer(res).await
}

/// `kiket extensions publish [PATH|FILE]`.
pub fn publish(
    path: &Path,
    publisher: Option<String>,
    release_notes: &str,
    token: Option<String>,
    format: Format,
) -> Result<u8, String> {
    let t = target(token)?;
    let token = need_token(&t)?.to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (file, _keep) = if meta.is_dir() {
        // Packaged into a temporary directory: the project is left as it was.
        let out =
            tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let built = match build_package(path, Some(out.path().to_path_buf()))? {
            Ok(b) => b,
            Err(code) => return Ok(code),
        };
        (built.path, Some(out))
    } else {
        (path.to_path_buf(), None)
    };
    let size = std::fs::metadata(&file)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .len();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "package.tar.gz".into());
    if format == Format::Human {
        eprintln!("Uploading {name} ({}) to {}", human_size(size), t.api_url);
    }
    let answer = runtime()?.block_on(async {
        let progress = indicatif::ProgressBar::new(size);
        progress.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        if format == Format::Json {
            progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let source = tokio::fs::File::open(&file)
            .await
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let counted = progress.clone();
        let stream = futures_util::stream::unfold(source, move |mut source| {
            let counted = counted.clone();
            async move {
                use tokio::io::AsyncReadExt;
                let mut buf = vec![0u8; 64 * 1024];
                match source.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        counted.inc(n as u64);
                        Some((Ok::<_, std::io::Error>(buf), source))
                    }
                    Err(e) => Some((Err(e), source)),
                }
            }
        });
        let part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
                .file_name(name.clone())
                .mime_str("application/gzip")
                .map_err(|e| e.to_string())?;
        let mut form = reqwest::multipart::Form::new().part("package", part);
        if let Some(p) = publisher {
            form = form.text("publisher", p);
        }
        if !release_notes.trim().is_empty() {
            form = form.text("release_notes", release_notes.to_string());
        }
        let res = client()?
            .post(format!("{}/api/v1/extensions", t.api_url))
            .bearer_auth(&token)
            .header(reqwest::header::ACCEPT, "application/json")
            .multipart(form)
            .send()
            .await
            .map_err(|e| unreachable(&t.api_url, e))?;
        progress.finish_and_clear();
        read_answer(res).await
    })?;
    Ok(finish(&answer, format, |b| {
        println!(
            "Submitted {} {} for review: {}",
            b["key"].as_str().unwrap_or_default(),
            b["version"].as_str().unwrap_or_default(),
            b["url"].as_str().unwrap_or_default()
        );
        if b["findings"].as_array().is_some_and(|f| !f.is_empty()) {
            println!("Findings for the reviewer:");
            print_findings(&b["findings"], false);
        }
    }))
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// `kiket extensions yank KEY@VERSION --reason R [--undo]`.
pub fn yank(spec: &str, reason: &str, undo: bool, format: Format) -> Result<u8, String> {
    let (key, version) = spec
        .split_once('@')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| format!("{spec}: give KEY@VERSION, such as my-extension@1.2.0"))?;
    if reason.trim().is_empty() {
        return Err("give the reason with --reason: users see it".into());
    }
    let t = target(None)?;
    let token = need_token(&t)?.to_string();
    let action = if undo { "unyank" } else { "yank" };
    let answer = runtime()?.block_on(async {
        let res = client()?
            .post(format!(
                "{}/api/v1/extensions/{key}/versions/{version}/{action}",
                t.api_url
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "reason": reason }))
            .timeout(std::time::Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| unreachable(&t.api_url, e))?;
        read_answer(res).await
    })?;
    Ok(finish(&answer, format, |b| {
        println!(
            "{} {key} {version}: {}",
            if undo { "Un-yanked" } else { "Yanked" },
            b["url"].as_str().unwrap_or_default()
        )
    }))
}

/// `kiket extensions versions KEY`.
pub fn versions(key: &str, format: Format) -> Result<u8, String> {
    let t = target(None)?;
    let answer = runtime()?.block_on(async {
        let mut req = client()?
            .get(format!("{}/api/v1/extensions/{key}/versions", t.api_url))
            .timeout(std::time::Duration::from_secs(60));
        if let Some(token) = &t.token {
            req = req.bearer_auth(token.trim());
        }
        let res = req.send().await.map_err(|e| unreachable(&t.api_url, e))?;
        read_answer(res).await
    })?;
    Ok(finish(&answer, format, |body| {
        let list = body.as_array().cloned().unwrap_or_default();
        if list.is_empty() {
            println!("{key} has no versions you can see.");
        }
        println!(
            "{:<24} {:<18} {:<12} NOTES",
            "VERSION", "STATE", "PUBLISHED"
        );
        for v in list {
            let mut notes = Vec::new();
            if v["prerelease"].as_bool() == Some(true) {
                notes.push("pre-release".to_string());
            }
            if v["yanked"].as_bool() == Some(true) {
                notes.push(format!(
                    "yanked: {}",
                    v["yank_reason"].as_str().unwrap_or_default()
                ));
            }
            if v["revoked"].as_bool() == Some(true) {
                notes.push(format!(
                    "revoked: {}",
                    v["revoke_reason"].as_str().unwrap_or_default()
                ));
            }
            let published = v["published_at"]
                .as_str()
                .map(|p| p.get(..10).unwrap_or(p).to_string())
                .unwrap_or_else(|| "-".into());
            println!(
                "{:<24} {:<18} {:<12} {}",
                v["version"].as_str().unwrap_or_default(),
                v["state"].as_str().unwrap_or_default(),
                published,
                notes.join("; ")
            );
        }
    }))
}

/// `kiket extensions replay --payload F --url U --secret S [--event E]`.
pub fn replay(
    payload: &Path,
    url: &str,
    secret: &str,
    event: Option<String>,
    format: Format,
) -> Result<u8, String> {
    let body = std::fs::read(payload).map_err(|e| format!("{}: {e}", payload.display()))?;
    let parsed: Value = serde_json::from_slice(&body)
        .map_err(|e| format!("{}: not JSON: {e}", payload.display()))?;
    let event = event
        .or_else(|| parsed["event"].as_str().map(str::to_string))
        .ok_or_else(|| {
            format!(
                "{}: the payload names no event; give one with --event",
                payload.display()
            )
        })?;
    let secret = secret.trim();
    if !secret.starts_with("whsec_") {
        return Err(
            "the signing secret starts with whsec_ (--secret or KIKET_SIGNING_SECRET)".into(),
        );
    }
    let url = reqwest::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    let text = |v: &Value| v.as_str().unwrap_or("replay").to_string();
    let delivery_id = format!("dlv_replay_{}", uuid::Uuid::new_v4().simple());
    let invocation_id = format!("inv_{}", uuid::Uuid::new_v4().simple());
    let organization = text(&parsed["organization"]["slug"]);
    let project = text(&parsed["project"]["slug"]);
    let event_version = parsed["event_version"].as_str().unwrap_or("v1").to_string();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let headers = signing::headers(
        &signing::Envelope {
            event: &event,
            event_version: &event_version,
            delivery_id: &delivery_id,
            invocation_id: &invocation_id,
            organization: &organization,
            project: &project,
            timestamp,
        },
        &[secret],
        &body,
    );
    let started = std::time::Instant::now();
    let result = runtime()?.block_on(async {
        // No redirects, as the marketplace's own deliveries.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("kiket/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let mut req = client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        for (name, value) in &headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let res = req
            .send()
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = res.status();
        let text = res
            .text()
            .await
            .map_err(|e| format!("the answer was cut short: {e}"))?;
        Ok::<_, String>((status, text))
    });
    let (status, text) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_UNUSABLE);
        }
    };
    let ms = started.elapsed().as_millis();
    match format {
        Format::Json => println!(
            "{}",
            pretty(&serde_json::json!({
                "delivery": delivery_id,
                "event": event,
                "status": status.as_u16(),
                "duration_ms": ms,
                "body": text,
            }))
        ),
        Format::Human => {
            println!("Sent {event} as {delivery_id} to {url}");
            println!("{} in {ms} ms", status);
            if !text.is_empty() {
                println!("{}", text.chars().take(4096).collect::<String>());
            }
        }
    }
    Ok(if status.is_success() { 0 } else { EXIT_ERRORS })
}
