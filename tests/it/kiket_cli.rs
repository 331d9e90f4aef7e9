//! The `kiket` publisher CLI: scaffold, lint and package, run as a user would.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

fn kiket(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiket"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kiket")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[rstest::rstest]
#[case::dialect_2("2", "extension.yaml", "2")]
#[case::dialect_1("1.0", ".kiket/manifest.yaml", "1.0")]
fn a_scaffolded_project_lints_clean(
    #[case] dialect: &str,
    #[case] manifest: &str,
    #[case] json_dialect: &str,
) {
    let tmp = tempfile::tempdir().unwrap();
    let out = kiket(
        tmp.path(),
        &[
            "extensions",
            "scaffold",
            "Team Notifier",
            "--dialect",
            dialect,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let project = tmp.path().join("team-notifier");
    for file in [
        manifest,
        "README.md",
        "CHANGELOG.md",
        "docs/getting-started.md",
        "replay/issue.created.json",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    let lint = kiket(&project, &["extensions", "lint"]);
    assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
    assert!(stdout(&lint).contains("clean"), "{}", stdout(&lint));

    let json = kiket(&project, &["extensions", "lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["dialect"], json_dialect);
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert!(v["manifest"].as_str().unwrap().ends_with(manifest));

    let again = kiket(tmp.path(), &["extensions", "scaffold", "Team Notifier"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing project is never overwritten"
    );
}

#[test]
fn lint_reports_errors_with_exit_1_and_unusable_input_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("extension.yaml"),
        "manifest_version: 2\nextension:\n  key: Bad_Key\n  name: X\n  version: 1.0\n  base_url: https://x.example.com\n",
    )
    .unwrap();
    let out = kiket(tmp.path(), &["extensions", "lint", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let paths: Vec<(&str, u64)> = diags
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(paths, vec![("extension.key", 3), ("extension.version", 5)]);
    for d in diags {
        for field in ["severity", "path", "line", "column", "message"] {
            assert!(d.get(field).is_some(), "{field} missing in {d}");
        }
    }
    let human = kiket(tmp.path(), &["extensions", "lint", "extension.yaml"]);
    assert_eq!(human.status.code(), Some(1));
    assert!(
        stdout(&human).contains("extension.yaml:3:8: error:"),
        "{}",
        stdout(&human)
    );

    let empty = tempfile::tempdir().unwrap();
    let none = kiket(empty.path(), &["extensions", "lint"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no manifest"));
    let missing = kiket(empty.path(), &["extensions", "lint", "nope.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
}

fn entries(archive: &Path) -> Vec<(String, u32, u64)> {
    let mut bytes = Vec::new();
    std::fs::File::open(archive)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    tar.entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            (
                e.path().unwrap().to_string_lossy().to_string(),
                h.mode().unwrap(),
                h.mtime().unwrap(),
            )
        })
        .collect()
}

#[test]
fn package_writes_a_deterministic_archive_without_build_output() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(kiket(tmp.path(), &["extensions", "scaffold", "sync-bot"])
        .status
        .success());
    let project = tmp.path().join("sync-bot");
    for junk in [
        ".git/HEAD",
        "target/debug/x",
        "node_modules/a/index.js",
        "dist/old.tar.gz",
    ] {
        let p = project.join(junk);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "junk").unwrap();
    }
    std::fs::write(project.join("handler.sh"), "#!/bin/sh\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            project.join("handler.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }

    let out = kiket(&project, &["extensions", "package", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let archive = project.join("dist/sync-bot-0.1.0.tar.gz");
    assert!(
        v["path"]
            .as_str()
            .unwrap()
            .ends_with("dist/sync-bot-0.1.0.tar.gz"),
        "{v}"
    );
    let names: Vec<String> = entries(&archive).into_iter().map(|e| e.0).collect();
    assert_eq!(
        names,
        vec![
            "CHANGELOG.md",
            "README.md",
            "docs/getting-started.md",
            "extension.yaml",
            "handler.sh",
            "replay/issue.created.json"
        ]
    );
    assert!(entries(&archive)
        .iter()
        .all(|(n, mode, mtime)| *mtime == 0
            && *mode == if n == "handler.sh" { 0o755 } else { 0o644 }));
    let sha = v["sha256"].as_str().unwrap().to_string();
    // What the CLI writes, the marketplace's reader accepts.
    let unpacked =
        kiket_marketplace::model::unpack::unpack(&std::fs::read(&archive).unwrap()).unwrap();
    assert_eq!(unpacked.manifest_path, "extension.yaml");
    assert_eq!(unpacked.files.len(), 6);
    assert_eq!(sha.len(), 64);

    // Same tree, later timestamps: the same bytes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        project.join("README.md"),
        std::fs::read(project.join("README.md")).unwrap(),
    )
    .unwrap();
    let again = kiket(&project, &["extensions", "package", "--format", "json"]);
    let v2: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v2["sha256"].as_str().unwrap(), sha);

    let human = kiket(&project, &["extensions", "package"]);
    let text = stdout(&human);
    assert!(
        text.contains("sync-bot-0.1.0.tar.gz") && text.contains(&format!("sha256 {sha}")),
        "{text}"
    );
}

#[test]
fn package_refuses_a_manifest_with_errors_and_links() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(kiket(tmp.path(), &["extensions", "scaffold", "broken-one"])
        .status
        .success());
    let project = tmp.path().join("broken-one");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", project.join("passwd")).unwrap();
        let out = kiket(&project, &["extensions", "package"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
        std::fs::remove_file(project.join("passwd")).unwrap();
    }
    let manifest = std::fs::read_to_string(project.join("extension.yaml")).unwrap();
    std::fs::write(
        project.join("extension.yaml"),
        manifest.replace("version: 0.1.0", "version: zero"),
    )
    .unwrap();
    let out = kiket(&project, &["extensions", "package"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !project.join("dist").exists()
            || std::fs::read_dir(project.join("dist"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// Runs `kiket` with its own config directory and no token or address from the environment.
async fn kiket_at(dir: &Path, config: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let (dir, config) = (dir.to_path_buf(), config.to_path_buf());
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kiket"))
            .args(&args)
            .current_dir(&dir)
            .env("XDG_CONFIG_HOME", &config)
            .env("HOME", &config)
            .env_remove("KIKET_TOKEN")
            .env_remove("KIKET_API_URL")
            .env_remove("KIKET_SIGNING_SECRET")
            .envs(env)
            .output()
            .expect("run kiket")
    })
    .await
    .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[rstest::rstest]
#[case::sqlite(crate::support::Engine::Sqlite)]
#[case::postgres(crate::support::Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_publish_a_scaffolded_extension_see_it_submitted_and_yank(
    #[case] engine: crate::support::Engine,
) {
    use kiket_marketplace::model::token::Scope;
    let Some(app) = crate::support::spawn_app(engine).await else {
        return;
    };
    let id = app
        .create_user(
            &crate::support::email("cli"),
            "a long enough password",
            false,
        )
        .await;
    app.create_publisher("acme", &id).await;
    let token = app.personal_token(&id, &Scope::ALL, None, None).await;
    let api = format!("http://{}", app.addr);
    let work = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let run = |args: Vec<&str>| {
        let (w, c) = (work.path().to_path_buf(), config.path().to_path_buf());
        let args: Vec<String> = args.into_iter().map(str::to_string).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            kiket_at(&w, &c, &[], &args).await
        }
    };

    // A wrong token is refused and nothing is kept.
    let out = run(vec![
        "auth",
        "login",
        "--api-url",
        &api,
        "--token",
        "kkt_wrong",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("not valid"), "{}", stderr(&out));
    let kept = config.path().join("kiket/config.json");
    assert!(!kept.exists());

    let out = run(vec!["auth", "login", "--api-url", &api, "--token", &token]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Signed in to"), "{}", stdout(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let saved = std::fs::read_to_string(&kept).unwrap();
    assert!(saved.contains(&token) && saved.contains(&api));

    let out = run(vec!["extensions", "scaffold", "Team Notifier"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(vec!["extensions", "publish", "team-notifier"]).await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains(
            "Submitted team-notifier 0.1.0 for review: http://127.0.0.1/publish/extensions/team-notifier/versions/0.1.0"
        ),
        "{}",
        stdout(&out)
    );
    assert!(
        !work.path().join("team-notifier/dist").exists(),
        "the project is left as it was"
    );

    let out = run(vec!["extensions", "versions", "team-notifier"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("0.1.0") && l.contains("submitted")),
        "{}",
        stdout(&out)
    );

    // Published meanwhile by a reviewer; then yanked from the CLI.
    app.approve("team-notifier", "0.1.0").await;
    let out = run(vec![
        "extensions",
        "yank",
        "team-notifier@0.1.0",
        "--reason",
        "Sends duplicate notifications",
    ])
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Yanked team-notifier 0.1.0"),
        "{}",
        stdout(&out)
    );
    let out = run(vec![
        "extensions",
        "versions",
        "team-notifier",
        "--format",
        "json",
    ])
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["yanked"], true);
    assert_eq!(v[0]["yank_reason"], "Sends duplicate notifications");

    // Refusals are reported with exit 1: a version uploaded twice.
    let out = run(vec![
        "extensions",
        "publish",
        "team-notifier",
        "--format",
        "json",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "conflict");

    // The environment wins over the kept token.
    let out = kiket_at(
        work.path(),
        config.path(),
        &[("KIKET_TOKEN", "kkt_from-the-environment")],
        &["auth", "status"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let out = run(vec!["auth", "logout"]).await;
    assert!(out.status.success());
    let out = run(vec![
        "extensions",
        "yank",
        "team-notifier@0.1.0",
        "--reason",
        "x",
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("kiket auth login"),
        "{}",
        stderr(&out)
    );
}

/// A receiver that checks both signatures with code that is not the marketplace's: HMAC computed
/// here, and the `standardwebhooks` crate. Answers 200 with what it saw, or 401.
async fn verifying_receiver(secret: &'static str) -> String {
    use axum::http::{HeaderMap, StatusCode};
    use hmac::Mac;
    let verify = move |headers: HeaderMap, body: axum::body::Bytes| async move {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{}.", h("x-kiket-timestamp")).as_bytes());
        mac.update(&body);
        let kiket: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let standard = standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&body, &headers)
            .is_ok();
        if kiket == h("x-kiket-signature") && standard && h("webhook-id") == h("x-kiket-delivery") {
            (
                StatusCode::OK,
                format!(
                    "verified {} for {}/{}",
                    h("x-kiket-event"),
                    h("x-kiket-organization"),
                    h("x-kiket-project")
                ),
            )
        } else {
            (StatusCode::UNAUTHORIZED, "bad signature".to_string())
        }
    };
    let app = axum::Router::new().fallback(axum::routing::post(verify));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/webhooks/issue-created")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_signs_like_the_platform() {
    const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let url = verifying_receiver(SECRET).await;
    let work = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let out = kiket_at(
        work.path(),
        config.path(),
        &[],
        &["extensions", "scaffold", "Team Notifier"],
    )
    .await;
    assert!(out.status.success());
    let project = work.path().join("team-notifier");
    let replay = |secret: &'static str, extra: &'static [&'static str]| {
        let (p, c, url) = (project.clone(), config.path().to_path_buf(), url.clone());
        async move {
            let mut args = vec![
                "extensions",
                "replay",
                "--payload",
                "replay/issue.created.json",
                "--url",
                &url,
                "--secret",
                secret,
            ];
            args.extend_from_slice(extra);
            kiket_at(&p, &c, &[], &args).await
        }
    };
    let out = replay(SECRET, &[]).await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("200 OK"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("verified issue.created for acme/web"),
        "{}",
        stdout(&out)
    );

    let out = replay(SECRET, &["--event", "issue.closed", "--format", "json"]).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], 200);
    assert!(v["delivery"].as_str().unwrap().starts_with("dlv_"));
    assert_eq!(v["body"], "verified issue.closed for acme/web");

    // Signed with another secret: the receiver refuses, and so the exit code says.
    let out = replay("whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlcg==", &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("401"), "{}", stdout(&out));
}
