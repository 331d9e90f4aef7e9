//! The operator command `kiket-marketplace admin create-user`.

use kiket_marketplace::model::account::Email;
use kiket_marketplace::server::db::{users, Db};
use std::io::Write;
use std::process::{Command, Stdio};

fn create_user(db_url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiket-marketplace"))
        .args(["admin", "create-user"])
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_create_the_first_admin_with_the_password_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/ops.db?mode=rwc", dir.path().display());
    let out = create_user(
        &url,
        &[
            "--email",
            "Root@Example.com",
            "--name",
            "Root Admin",
            "--admin",
        ],
        "an operator password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("created marketplace admin root@example.com"),
        "{stdout}"
    );
    assert!(!stdout.contains("an operator password"));

    let db = Db::connect(&url, 1).await.unwrap();
    let user = users::find_by_email(&db.pool, &Email::parse("root@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_admin);
    assert_eq!(user.display_name, "Root Admin");

    let again = create_user(
        &url,
        &["--email", "root@example.com", "--name", "Again"],
        "another password!\n",
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let weak = create_user(
        &url,
        &["--email", "weak@example.com", "--name", "Weak"],
        "short\n",
    );
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(
        stderr.contains("password: Use at least 12 characters"),
        "{stderr}"
    );
}
