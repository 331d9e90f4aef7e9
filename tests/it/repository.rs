//! Repository tests: the same queries on SQLite and PostgreSQL.

use crate::support::{db, Engine};
use kiket_marketplace::model::account::{DisplayName, Email};
use kiket_marketplace::server::db::{audit, users};
use rstest::rstest;

fn hash() -> users::PasswordHash {
    users::PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into())
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_found_and_unique_by_email(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let email = Email::parse("Ada@Example.com").unwrap();
    let name = DisplayName::parse("Ada").unwrap();
    let created = users::create(&db.pool, &email, &name, &hash(), false)
        .await
        .unwrap();
    assert_eq!(created.email, "ada@example.com");

    let found = users::find_by_email(&db.pool, &email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, created.id);
    assert!(!found.is_admin);
    assert_eq!(found.locked_until, None);
    let by_id = users::find_by_id(&db.pool, &created.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_id.display_name, "Ada");

    let again = users::create(&db.pool, &email, &name, &hash(), false).await;
    assert!(
        matches!(again, Err(users::CreateError::EmailTaken)),
        "{again:?}"
    );
    assert_eq!(users::count(&db.pool).await.unwrap(), 1);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_within_the_window_lock_the_account(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let email = Email::parse("lock@example.com").unwrap();
    let user = users::create(
        &db.pool,
        &email,
        &DisplayName::parse("L").unwrap(),
        &hash(),
        false,
    )
    .await
    .unwrap();
    let t0 = 1_800_000_000_000_i64;
    // An old failure outside the window does not count.
    assert_eq!(
        users::record_failure(&db.pool, &user.id, t0 - users::FAILURE_WINDOW_MS - 1)
            .await
            .unwrap(),
        None
    );
    for i in 0..4 {
        assert_eq!(
            users::record_failure(&db.pool, &user.id, t0 + i)
                .await
                .unwrap(),
            None
        );
    }
    let locked = users::record_failure(&db.pool, &user.id, t0 + 10)
        .await
        .unwrap();
    assert_eq!(locked, Some(t0 + 10 + users::LOCK_MS));
    let stored = users::find_by_id(&db.pool, &user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.locked_until, locked);

    users::clear_failures(&db.pool, &user.id).await.unwrap();
    let cleared = users::find_by_id(&db.pool, &user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.locked_until, None);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_changes_move_the_epoch_and_admins_are_counted(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let user = users::create(
        &db.pool,
        &Email::parse("e@example.com").unwrap(),
        &DisplayName::parse("E").unwrap(),
        &hash(),
        false,
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let epoch = users::set_password(&db.pool, &user.id, &users::PasswordHash("new".into()))
        .await
        .unwrap();
    let stored = users::find_by_id(&db.pool, &user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password_changed_at, epoch);
    assert!(epoch > user.password_changed_at);
    assert_eq!(stored.password_hash.0, "new");

    assert_eq!(users::count_admins(&db.pool).await.unwrap(), 0);
    assert!(users::set_admin(&db.pool, &user.id, true).await.unwrap());
    assert!(!users::set_admin(&db.pool, "usr_missing", true)
        .await
        .unwrap());
    assert_eq!(users::count_admins(&db.pool).await.unwrap(), 1);
    let listed = users::list(&db.pool, 10, 0).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].is_admin);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_entries_are_kept_newest_first(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    for action in ["user.created", "user.signed_in"] {
        audit::record(
            &db.pool,
            audit::Entry::new(Some("usr_1"), action, "user", "usr_1")
                .with(serde_json::json!({ "n": 1 })),
        )
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let rows = audit::for_target(&db.pool, "user", "usr_1", 10)
        .await
        .unwrap();
    let actions: Vec<_> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["user.signed_in", "user.created"]);
    assert_eq!(rows[0].actor_id.as_deref(), Some("usr_1"));
    assert_eq!(rows[0].detail, r#"{"n":1}"#);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    db.migrate().await.unwrap();
    assert!(db.ping().await);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishers_keep_at_least_one_owner(#[case] engine: Engine) {
    use kiket_marketplace::model::publisher::{PublisherRole, PublisherSlug};
    use kiket_marketplace::server::db::publishers::{self, ChangeError};
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let owner = user(&db, "owner@example.com").await;
    let other = user(&db, "other@example.com").await;
    let slug = PublisherSlug::parse("acme").unwrap();
    let p = publishers::create(&db.pool, &slug, "Acme", &owner.id)
        .await
        .unwrap();
    assert!(matches!(
        publishers::create(&db.pool, &slug, "Acme again", &other.id).await,
        Err(ChangeError::SlugTaken)
    ));
    assert_eq!(
        publishers::role_of(&db.pool, &p.id, &owner.id)
            .await
            .unwrap(),
        Some(PublisherRole::Owner)
    );
    assert_eq!(
        publishers::role_of(&db.pool, &p.id, &other.id)
            .await
            .unwrap(),
        None
    );

    publishers::add_member(&db.pool, &p.id, &other.id, PublisherRole::Maintainer)
        .await
        .unwrap();
    assert!(matches!(
        publishers::add_member(&db.pool, &p.id, &other.id, PublisherRole::Owner).await,
        Err(ChangeError::AlreadyMember)
    ));
    let members = publishers::members(&db.pool, &p.id).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.email.as_str(), m.role))
            .collect::<Vec<_>>(),
        vec![
            ("owner@example.com", PublisherRole::Owner),
            ("other@example.com", PublisherRole::Maintainer)
        ]
    );
    assert_eq!(
        publishers::for_user(&db.pool, &other.id).await.unwrap()[0].slug,
        "acme"
    );

    assert!(matches!(
        publishers::remove_member(&db.pool, &p.id, &owner.id).await,
        Err(ChangeError::LastOwner)
    ));
    publishers::remove_member(&db.pool, &p.id, &other.id)
        .await
        .unwrap();
    assert!(matches!(
        publishers::remove_member(&db.pool, &p.id, &other.id).await,
        Err(ChangeError::NotMember)
    ));

    publishers::set_verified(&db.pool, &p.id, true)
        .await
        .unwrap();
    assert!(
        publishers::find_by_slug(&db.pool, "acme")
            .await
            .unwrap()
            .unwrap()
            .verified
    );
}

async fn user(db: &kiket_marketplace::server::db::Db, email: &str) -> users::UserRecord {
    users::create(
        &db.pool,
        &Email::parse(email).unwrap(),
        &DisplayName::parse(email).unwrap(),
        &hash(),
        false,
    )
    .await
    .unwrap()
}
