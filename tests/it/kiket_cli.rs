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
