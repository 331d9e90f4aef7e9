//! The operator commands `kiket-marketplace admin create-user` and `secrets rotate-kek`.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_rotate_the_master_key_and_a_wrong_one_stops_the_server() {
    use kiket_marketplace::server::config::{Config, MasterKey};
    use kiket_marketplace::server::secrets::crypto::{Kek, Keyring};
    use kiket_marketplace::server::secrets::{Purpose, Scope, SecretStore};
    use kiket_marketplace::server::startup::{build_state, StartupError};
    use secrecy::ExposeSecret;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/ops.db?mode=rwc", dir.path().display());
    let (old, old_text) = Kek::generate();
    let old_id = old.id().to_string();
    let db = Db::connect(&url, 2).await.unwrap();
    let store = SecretStore::new(Arc::new(Keyring::new(old, vec![])));
    let admin = crate::secrets::user(&db, "ops").await;
    let orgs = crate::secrets::orgs_with_a_token(&db, &store, &admin, &["first", "second"]).await;
    let (new, new_text) = Kek::generate();
    let rotate = |env: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_kiket-marketplace"))
            .args(["secrets", "rotate-kek", "--new-key-env", "NEW_MASTER_KEY"])
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .env_remove("KIKET_MASTER_KEY")
            .env_remove("NEW_MASTER_KEY")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    };
    // Without the new key: a clear refusal.
    let out = rotate(&[("KIKET_MASTER_KEY", old_text.expose_secret())]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NEW_MASTER_KEY is not set"));
    let out = rotate(&[
        ("KIKET_MASTER_KEY", old_text.expose_secret()),
        ("NEW_MASTER_KEY", new_text.expose_secret()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "re-wrapped 2 data key(s) with master key {}; 0 already used it",
            new.id()
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(new_text.expose_secret()));

    // The new key reads everything.
    let rotated = SecretStore::new(Arc::new(Keyring::new(new, vec![])));
    for (o, slug) in orgs.iter().zip(["first", "second"]) {
        let v = rotated
            .reveal(
                &db.pool,
                &o.id,
                &Scope::organization(&o.id),
                "TOKEN",
                Purpose::Api,
                None,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.expose_secret(), format!("token-of-{slug}"));
    }
    // A server started with the old key alone stops with a message naming what it needs.
    let mut config = Config::for_tests(&url);
    config.master_key = MasterKey::Configured(Arc::new(Keyring::new(
        Kek::from_base64(old_text.expose_secret()).unwrap(),
        vec![],
    )));
    match build_state(config).await {
        Err(e @ StartupError::Secrets(_)) => {
            let message = e.to_string();
            assert!(message.contains("KIKET_MASTER_KEY"), "{message}");
            assert!(message.contains("not configured"), "{message}");
            assert!(!message.contains(&old_id) || message.contains("configured:"));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("the server started with the wrong master key"),
    }
}
