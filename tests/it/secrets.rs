//! The secret store on both engines: round trips, nothing in plain text at rest, refusals of
//! altered, moved and wrongly keyed ciphertexts, master-key rotation, resolution order, audit
//! (failing closed), crypto-shredding; and over HTTP: who may do what, and no value in any page,
//! answer, redirect or log line.

use crate::support::{captured_logs, db, email, spawn_app, Engine, FreshDb};
use kiket_marketplace::api::orgs::{ClearSecret, DeleteOrganization, ListSecrets, SetSecret};
use kiket_marketplace::model::account::{DisplayName, Email};
use kiket_marketplace::model::organization::OrgRole;
use kiket_marketplace::model::secret::ScopeKind;
use kiket_marketplace::server::db::organizations::{self, OrgRecord};
use kiket_marketplace::server::db::{users, Db};
use kiket_marketplace::server::secrets::crypto::{CryptoError, Kek, Keyring};
use kiket_marketplace::server::secrets::{rotate_kek, Purpose, Scope, SecretError, SecretStore};
use leptos::server_fn::ServerFn;
use rstest::rstest;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

fn ring() -> (Arc<Keyring>, Kek) {
    let (kek, text) = Kek::generate();
    let copy = Kek::from_base64(text.expose_secret()).unwrap();
    (Arc::new(Keyring::new(kek, vec![])), copy)
}

/// A store with a fresh master key, an account and its organization `acme`.
async fn acme(db: &Db) -> (SecretStore, String, OrgRecord) {
    let (keyring, _) = ring();
    let admin = user(db, "admin").await;
    let o = org(db, "acme", &admin).await;
    (SecretStore::new(keyring), admin, o)
}

pub async fn user(db: &Db, tag: &str) -> String {
    users::create(
        &db.pool,
        &Email::parse(&format!("{tag}@example.com")).unwrap(),
        &DisplayName::parse(tag).unwrap(),
        &users::PasswordHash("x".into()),
        false,
    )
    .await
    .unwrap()
    .id
}

async fn org(db: &Db, slug: &str, admin: &str) -> OrgRecord {
    organizations::create(&db.pool, slug, slug, admin)
        .await
        .unwrap()
}

fn value(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

async fn reveal(store: &SecretStore, db: &Db, org: &str, scope: &Scope, key: &str) -> String {
    store
        .reveal(&db.pool, org, scope, key, Purpose::Api, None)
        .await
        .unwrap()
        .unwrap()
        .expose_secret()
        .to_string()
}

/// Organizations `slugs`, each with the organization secret `TOKEN` = `token-of-{slug}`.
pub async fn orgs_with_a_token(
    db: &Db,
    store: &SecretStore,
    admin: &str,
    slugs: &[&str],
) -> Vec<OrgRecord> {
    let mut orgs = Vec::new();
    for slug in slugs {
        let o = org(db, slug, admin).await;
        store
            .set(
                &db.pool,
                &o.id,
                &Scope::organization(&o.id),
                "TOKEN",
                &value(&format!("token-of-{slug}")),
                admin,
            )
            .await
            .unwrap();
        orgs.push(o);
    }
    orgs
}

/// Every byte at rest: the SQLite file and its write-ahead log, or a dump of the PostgreSQL
/// secrets tables.
async fn bytes_at_rest(engine: Engine, fresh: &FreshDb, db: &Db) -> Vec<u8> {
    match engine {
        Engine::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(FULL)")
                .execute(&db.pool)
                .await
                .ok();
            let path = fresh
                .url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap()
                .to_string();
            let mut all = std::fs::read(&path).unwrap();
            all.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            all
        }
        Engine::Postgres => {
            let base = std::env::var("TEST_PG_DATABASE_URL").unwrap();
            let schema = fresh.url.rsplit("search_path%3D").next().unwrap();
            let out = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg("--table")
                .arg(format!("{schema}.secrets"))
                .arg("--table")
                .arg(format!("{schema}.data_keys"))
                .arg("--table")
                .arg(format!("{schema}.audit_log"))
                .arg(&base)
                .output()
                .expect("pg_dump runs (it ships with psql)");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("COPY"),
                "the dump holds the tables"
            );
            out.stdout
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_round_trip_and_never_rest_in_plain_text(#[case] engine: Engine) {
    let Some((db, fresh)) = db(engine).await else {
        return;
    };
    let (store, admin, o) = acme(&db).await;
    let project = organizations::create_project(&db.pool, &o, "web", "Web", &admin)
        .await
        .unwrap();
    let plain = [
        (
            "ORG_TOKEN",
            Scope::organization(&o.id),
            "plaintext-marker-org-4f1c",
        ),
        (
            "PROJECT_TOKEN",
            Scope::project(&project.id),
            "plaintext-marker-project-9b2e",
        ),
    ];
    for (key, scope, v) in &plain {
        assert_eq!(
            store
                .set(&db.pool, &o.id, scope, key, &value(v), &admin)
                .await
                .unwrap(),
            1
        );
    }
    for (key, scope, v) in &plain {
        assert_eq!(reveal(&store, &db, &o.id, scope, key).await, *v);
    }
    // Replacing bumps the version and the rotation count.
    let v2 = store
        .set(
            &db.pool,
            &o.id,
            &plain[0].1,
            "ORG_TOKEN",
            &value("plaintext-marker-replaced-77aa"),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let listed = store.list(&db.pool, &plain[0].1).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].version, listed[0].rotation_count), (2, 1));
    assert!(listed[0].rotated_at.is_some());
    assert_eq!(listed[0].updated_by.as_deref(), Some("admin"));
    assert_eq!(
        reveal(&store, &db, &o.id, &plain[0].1, "ORG_TOKEN").await,
        "plaintext-marker-replaced-77aa"
    );
    // Every decrypt is in the audit log, with its purpose and version, never the value.
    let (reads,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.decrypted' AND organization_id = $1",
    )
    .bind(&o.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(reads, 3);

    let at_rest = bytes_at_rest(engine, &fresh, &db).await;
    for needle in [
        "plaintext-marker-org-4f1c",
        "plaintext-marker-project-9b2e",
        "plaintext-marker-replaced-77aa",
    ] {
        assert!(!contains(&at_rest, needle), "{needle} found at rest");
    }
    // The key itself is there (so the search above looked at the right bytes).
    assert!(contains(&at_rest, "ORG_TOKEN"));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn altered_moved_and_wrongly_keyed_ciphertexts_are_refused(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let (store, admin, o) = acme(&db).await;
    let scope = Scope::organization(&o.id);
    for (k, v) in [("FIRST", "first-value"), ("SECOND", "second-value")] {
        store
            .set(&db.pool, &o.id, &scope, k, &value(v), &admin)
            .await
            .unwrap();
    }
    let ciphertext = |key: &'static str| {
        let pool = db.pool.clone();
        async move {
            let (c,): (Vec<u8>,) = sqlx::query_as("SELECT ciphertext FROM secrets WHERE key = $1")
                .bind(key)
                .fetch_one(&pool)
                .await
                .unwrap();
            c
        }
    };
    let write = |key: &'static str, bytes: Vec<u8>| {
        let pool = db.pool.clone();
        async move {
            sqlx::query("UPDATE secrets SET ciphertext = $1 WHERE key = $2")
                .bind(bytes)
                .bind(key)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let first = ciphertext("FIRST").await;
    let second = ciphertext("SECOND").await;
    let refused = |r: Result<Option<SecretString>, SecretError>| match r {
        Err(SecretError::Crypto(e)) => e,
        Ok(_) => panic!("revealed"),
        Err(e) => panic!("{e}"),
    };

    // One flipped byte (in the sealed part).
    let mut flipped = first.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    write("FIRST", flipped).await;
    assert_eq!(
        refused(
            store
                .reveal(&db.pool, &o.id, &scope, "FIRST", Purpose::Api, None)
                .await
        ),
        CryptoError::Tampered
    );
    // Another row's ciphertext.
    write("FIRST", second.clone()).await;
    assert_eq!(
        refused(
            store
                .reveal(&db.pool, &o.id, &scope, "FIRST", Purpose::Api, None)
                .await
        ),
        CryptoError::Tampered
    );
    write("FIRST", first).await;
    assert_eq!(
        reveal(&store, &db, &o.id, &scope, "FIRST").await,
        "first-value"
    );

    // Another master key: refused, and start-up says why.
    let (other, _) = ring();
    let wrong = SecretStore::new(other);
    assert!(matches!(
        refused(
            wrong
                .reveal(&db.pool, &o.id, &scope, "FIRST", Purpose::Api, None)
                .await
        ),
        CryptoError::UnknownKek(_)
    ));
    let err = wrong.verify(&db.pool).await.unwrap_err();
    assert!(err.contains("not configured"), "{err}");
    assert_eq!(store.verify(&db.pool).await.unwrap(), 1);

    // A data key moved to another organization does not unwrap there.
    let b = org(&db, "globex", &admin).await;
    store
        .set(
            &db.pool,
            &b.id,
            &Scope::organization(&b.id),
            "X",
            &value("x"),
            &admin,
        )
        .await
        .unwrap();
    let (wrapped,): (Vec<u8>,) =
        sqlx::query_as("SELECT wrapped FROM data_keys WHERE organization_id = $1")
            .bind(&o.id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    sqlx::query("UPDATE data_keys SET wrapped = $1 WHERE organization_id = $2")
        .bind(wrapped)
        .bind(&b.id)
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(matches!(
        refused(
            store
                .reveal(
                    &db.pool,
                    &b.id,
                    &Scope::organization(&b.id),
                    "X",
                    Purpose::Api,
                    None
                )
                .await
        ),
        CryptoError::WrongKek(_)
    ));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_master_key_rewraps_every_data_key_and_keeps_every_secret(
    #[case] engine: Engine,
) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let (k1, text1) = Kek::generate();
    let old = Arc::new(Keyring::new(k1, vec![]));
    let store = SecretStore::new(old.clone());
    let admin = user(&db, "admin").await;
    let orgs = orgs_with_a_token(&db, &store, &admin, &["one", "two", "three"]).await;
    let wrapped = || {
        let pool = db.pool.clone();
        async move {
            let rows: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
                "SELECT organization_id, kek_id, wrapped FROM data_keys ORDER BY organization_id",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        }
    };
    let before = wrapped().await;
    let (k2, text2) = Kek::generate();
    let k2_id = k2.id().to_string();
    // The servers during the rotation: they know both keys.
    let during = SecretStore::new(Arc::new(Keyring::new(
        Kek::from_base64(text2.expose_secret()).unwrap(),
        vec![Kek::from_base64(text1.expose_secret()).unwrap()],
    )));
    let report = rotate_kek(&db.pool, &old, &k2).await.unwrap();
    assert_eq!((report.rewrapped, report.unchanged), (3, 0));
    let after = wrapped().await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.1, k2_id);
        assert_ne!(a.2, b.2, "every wrapped key changed");
    }
    let new_only = SecretStore::new(Arc::new(Keyring::new(
        Kek::from_base64(text2.expose_secret()).unwrap(),
        vec![],
    )));
    for (o, slug) in orgs.iter().zip(["one", "two", "three"]) {
        for s in [&during, &new_only] {
            assert_eq!(
                reveal(s, &db, &o.id, &Scope::organization(&o.id), "TOKEN").await,
                format!("token-of-{slug}")
            );
        }
    }
    // The old key alone no longer reads them; a second run has nothing to do.
    assert!(store.verify(&db.pool).await.is_err());
    let again = rotate_kek(&db.pool, &old, &k2).await.unwrap();
    assert_eq!((again.rewrapped, again.unchanged), (0, 3));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolution_takes_the_most_specific_scope(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let (store, admin, o) = acme(&db).await;
    let project = organizations::create_project(&db.pool, &o, "web", "Web", &admin)
        .await
        .unwrap();
    let chain = [
        Scope::installation("ins_1"),
        Scope::extension(&o.id, "slack-notifier"),
        Scope::project(&project.id),
        Scope::organization(&o.id),
    ];
    assert_eq!(
        chain.iter().map(|s| s.kind).collect::<Vec<_>>(),
        ScopeKind::RESOLUTION
    );
    // Which scopes hold the key → which one answers.
    let cases: &[(&[usize], Option<ScopeKind>)] = &[
        (&[], None),
        (&[3], Some(ScopeKind::Organization)),
        (&[2, 3], Some(ScopeKind::Project)),
        (&[1, 3], Some(ScopeKind::Extension)),
        (&[1, 2, 3], Some(ScopeKind::Extension)),
        (&[0, 3], Some(ScopeKind::Installation)),
        (&[0, 1, 2, 3], Some(ScopeKind::Installation)),
        (&[0], Some(ScopeKind::Installation)),
        (&[2], Some(ScopeKind::Project)),
    ];
    for (i, (held, expect)) in cases.iter().enumerate() {
        let key = format!("KEY_{i}");
        for &s in *held {
            store
                .set(
                    &db.pool,
                    &o.id,
                    &chain[s],
                    &key,
                    &value(chain[s].kind.as_str()),
                    &admin,
                )
                .await
                .unwrap();
        }
        let got = store
            .resolve(&db.pool, &o.id, &chain, &key, Purpose::Delivery, None)
            .await
            .unwrap();
        assert_eq!(got.as_ref().map(|(k, _)| *k), *expect, "case {i}");
        if let Some((kind, v)) = got {
            assert_eq!(v.expose_secret(), kind.as_str());
        }
    }
    // Another organization's scope chain sees none of it.
    let other = org(&db, "other", &admin).await;
    assert!(store
        .resolve(
            &db.pool,
            &other.id,
            &[Scope::organization(&other.id)],
            "KEY_1",
            Purpose::Api,
            None
        )
        .await
        .unwrap()
        .is_none());
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_audit_entry_no_value_and_deleting_an_organization_shreds_its_key(
    #[case] engine: Engine,
) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let (store, admin, o) = acme(&db).await;
    let scope = Scope::organization(&o.id);
    store
        .set(&db.pool, &o.id, &scope, "TOKEN", &value("audited"), &admin)
        .await
        .unwrap();
    // The audit log cannot take the entry: the value is not revealed.
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_away")
        .execute(&db.pool)
        .await
        .unwrap();
    let refused = store
        .reveal(&db.pool, &o.id, &scope, "TOKEN", Purpose::Delivery, None)
        .await;
    assert!(matches!(refused, Err(SecretError::Db(_))), "{refused:?}");
    sqlx::query("ALTER TABLE audit_log_away RENAME TO audit_log")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(reveal(&store, &db, &o.id, &scope, "TOKEN").await, "audited");

    // Clearing removes the ciphertext.
    assert!(store
        .clear(&db.pool, &o.id, &scope, "TOKEN", &admin)
        .await
        .unwrap());
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM secrets")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert!(!store
        .clear(&db.pool, &o.id, &scope, "TOKEN", &admin)
        .await
        .unwrap());

    // Deleting the organization deletes its data key: a ciphertext kept elsewhere (a backup)
    // has nothing left to open it with.
    store
        .set(&db.pool, &o.id, &scope, "TOKEN", &value("shredded"), &admin)
        .await
        .unwrap();
    organizations::delete(&db.pool, &o, &admin).await.unwrap();
    for table in ["data_keys", "secrets", "organizations"] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_cannot_set_or_clear_and_no_value_leaks_anywhere(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let admin_email = email("orgadmin");
    let member_email = email("orgmember");
    let admin = app.signed_in_client(&admin_email, false).await;
    let member = app.signed_in_client(&member_email, false).await;
    let outsider = app.signed_in_client(&email("outsider"), false).await;
    let o = organizations::create(
        &app.state.db.pool,
        "leaks",
        "Leaks",
        &app.user_id(&admin_email).await,
    )
    .await
    .unwrap();
    organizations::add_member(
        &app.state.db.pool,
        &o,
        &app.user_id(&member_email).await,
        OrgRole::Member,
        &app.user_id(&admin_email).await,
    )
    .await
    .unwrap();
    let secret = "leak-canary-3c9d41f0";
    let replaced = "leak-canary-replaced-8e27";
    let form = |v: &'static str| {
        vec![
            ("org", "leaks"),
            ("project", ""),
            ("key", "CANARY_TOKEN"),
            ("value", v),
        ]
    };
    // Refused for the member (403) and the outsider (404); nothing stored.
    let (status, body) = app.call_json(&member, SetSecret::PATH, &form(secret)).await;
    assert_eq!(status, 403);
    assert!(!body.to_string().contains(secret));
    assert_eq!(
        app.call_json(&outsider, SetSecret::PATH, &form(secret))
            .await
            .0,
        404
    );
    assert_eq!(app.count("secrets").await, 0);

    let mut seen = String::new();
    // As the hydrated page does.
    let res = app.call_with(&admin, SetSecret::PATH, &form(secret)).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    seen.push_str(&format!("{:?}", res.headers()));
    seen.push_str(&res.text().await.unwrap());
    // As a plain form does: a redirect back, with nothing of the value in its address.
    let res = admin
        .post(app.url(SetSecret::PATH))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url("/orgs/leaks/secrets"))
        .form(&form(replaced))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/orgs/leaks/secrets");
    seen.push_str(&format!("{:?}", res.headers()));
    seen.push_str(&res.text().await.unwrap());
    // A refused plain form keeps the key for the form, never the value.
    let res = admin
        .post(app.url(SetSecret::PATH))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url("/orgs/leaks/secrets"))
        .form(&[
            ("org", "leaks"),
            ("project", ""),
            ("key", "lower_case"),
            ("value", secret),
        ])
        .send()
        .await
        .unwrap();
    seen.push_str(&format!("{:?}", res.headers()));
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(!back.contains(secret), "{back}");
    let back = if back.starts_with("http") {
        back
    } else {
        app.url(&back)
    };
    let page = admin.get(back).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("lower_case"), "the key is kept");
    seen.push_str(&page);

    // Everything a member or an admin can read.
    for client in [&admin, &member] {
        for path in ["/orgs/leaks/secrets", "/orgs/leaks", "/orgs", "/audit"] {
            seen.push_str(&app.page(client, path).await);
        }
        let (status, list) = app
            .call_json(client, ListSecrets::PATH, &[("org", "leaks")])
            .await;
        assert_eq!(status, 200);
        assert_eq!(list["secrets"][0]["key"], "CANARY_TOKEN");
        assert_eq!(list["secrets"][0]["version"], 2);
        seen.push_str(&list.to_string());
    }
    let member_page = app.page(&member, "/orgs/leaks/secrets").await;
    assert!(member_page.contains("CANARY_TOKEN"));
    assert!(member_page.contains("Only admins of this organization"));
    assert!(
        !member_page.contains("Set secret"),
        "members get no controls"
    );
    let admin_page = app.page(&admin, "/orgs/leaks/secrets").await;
    assert!(admin_page.contains("set · updated"), "{admin_page}");
    assert!(admin_page.contains("replaced 1 time"), "{admin_page}");

    // The member cannot clear either; the admin can.
    let clear = [("org", "leaks"), ("project", ""), ("key", "CANARY_TOKEN")];
    assert_eq!(
        app.call_json(&member, ClearSecret::PATH, &clear).await.0,
        403
    );
    let (status, body) = app.call_json(&admin, ClearSecret::PATH, &clear).await;
    assert!(status < 400, "{status} {body}");
    assert_eq!(app.count("secrets").await, 0);

    let logs = captured_logs();
    for v in [secret, replaced] {
        assert!(!seen.contains(v), "{v} leaked into a response");
        assert!(!logs.contains(v), "{v} leaked into the logs");
    }
    // Deleting the organization: not for members; the admin confirms with its slug; its data
    // key goes with it.
    app.call_json(&admin, SetSecret::PATH, &form(secret)).await;
    let delete = |confirm: &'static str| vec![("slug", "leaks"), ("confirm", confirm)];
    assert_eq!(
        app.call_json(&member, DeleteOrganization::PATH, &delete("leaks"))
            .await
            .0,
        403
    );
    let (status, body) = app
        .call_json(&admin, DeleteOrganization::PATH, &delete("nope"))
        .await;
    assert!(
        status >= 400 && body.to_string().contains("Type leaks to confirm"),
        "{body}"
    );
    assert_eq!(app.count("data_keys").await, 1);
    let (status, _) = app
        .call_json(&admin, DeleteOrganization::PATH, &delete("leaks"))
        .await;
    assert!(status < 400);
    assert_eq!(app.count("data_keys").await, 0);
    assert_eq!(app.count("secrets").await, 0);
    assert_eq!(
        app.call_json(&admin, ListSecrets::PATH, &[("org", "leaks")])
            .await
            .0,
        404
    );

    // The audit log has the changes, with versions and no values.
    let (entries,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE organization_id = $1 AND action LIKE 'secret.%'",
    )
    .bind(&o.id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(entries, 4);
}
