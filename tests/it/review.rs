//! Review and lifecycle through the server fns: the queue, claims, decisions with their messages,
//! the diff a reviewer sees, withdraw, yank, un-yank and revoke, and concurrent claims.

use crate::support::{email, manifest, package, spawn_app, valid_package, Engine, TestApp};
use kiket_marketplace::api::extensions::GetVersion;
use kiket_marketplace::api::review::{ActOnVersion, GetReviewQueue};
use kiket_marketplace::model::extension::VersionDetail;
use leptos::server_fn::ServerFn;
use rstest::rstest;

async fn act(
    app: &TestApp,
    c: &reqwest::Client,
    key: &str,
    version: &str,
    action: &str,
    message: &str,
) -> (u16, serde_json::Value) {
    app.call_json(
        c,
        ActOnVersion::PATH,
        &[
            ("key", key),
            ("version", version),
            ("action", action),
            ("message", message),
        ],
    )
    .await
}

async fn detail(app: &TestApp, c: &reqwest::Client, key: &str, version: &str) -> VersionDetail {
    let res = app
        .call_with(c, GetVersion::PATH, &[("key", key), ("version", version)])
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_goes_from_upload_to_published_and_through_its_lifecycle(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let owner_email = email("owner");
    let owner = app.signed_in_client(&owner_email, false).await;
    app.create_publisher("acme", &app.user_id(&owner_email).await)
        .await;
    let admin = app.signed_in_client(&email("admin"), true).await;
    let outsider = app.signed_in_client(&email("outsider"), false).await;
    assert_eq!(
        app.upload(&owner, "acme", valid_package("flow", "1.0.0"))
            .await
            .status(),
        201
    );

    // The queue is for admins.
    let res = app.call_with(&outsider, GetReviewQueue::PATH, &[]).await;
    assert_eq!(res.status(), 403);
    let res = app.call_with(&admin, GetReviewQueue::PATH, &[]).await;
    let queue: serde_json::Value = res.json().await.unwrap();
    assert_eq!(queue["items"][0]["key"], "flow");
    assert_eq!(queue["items"][0]["state"], "submitted");

    // Who may claim: not an outsider (not told it exists), not the publisher, an admin.
    assert_eq!(
        act(&app, &outsider, "flow", "1.0.0", "claim", "").await.0,
        404
    );
    assert_eq!(act(&app, &owner, "flow", "1.0.0", "claim", "").await.0, 403);
    assert_eq!(
        act(&app, &admin, "flow", "1.0.0", "approve", "").await.0,
        409
    );
    assert_eq!(act(&app, &admin, "flow", "1.0.0", "claim", "").await.0, 200);
    assert_eq!(
        act(&app, &owner, "flow", "1.0.0", "withdraw", "").await.0,
        409
    );
    assert_eq!(
        act(&app, &admin, "flow", "1.0.0", "approve", "Welcome!")
            .await
            .0,
        200
    );
    let d = detail(&app, &owner, "flow", "1.0.0").await;
    assert_eq!(d.summary.state.as_str(), "published");
    assert_eq!(d.review.review_message.as_deref(), Some("Welcome!"));
    assert!(d.review.diff.against.is_none(), "a first version");

    // A second version asks for more: the reviewer sees it.
    let escalated = manifest("flow", "1.1.0").replace(
        "permissions: [issues:read]",
        "permissions: [issues:read, issues:write]",
    );
    let bytes = package(&[
        ("extension.yaml", escalated.as_bytes()),
        ("README.md", b"# Flow 1.1"),
        ("CHANGELOG.md", b"## 1.1.0"),
    ]);
    assert_eq!(app.upload(&owner, "acme", bytes).await.status(), 201);
    assert_eq!(act(&app, &admin, "flow", "1.1.0", "claim", "").await.0, 200);
    let d = detail(&app, &admin, "flow", "1.1.0").await;
    assert_eq!(d.review.diff.against.as_deref(), Some("1.0.0"));
    assert_eq!(d.review.diff.permissions_added, vec!["issues:write"]);
    assert_eq!(
        d.review.diff.files_changed,
        vec!["CHANGELOG.md", "README.md", "extension.yaml"]
    );
    let (status, body) = act(&app, &admin, "flow", "1.1.0", "request_changes", " ").await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "message");
    let (status, _) = act(
        &app,
        &admin,
        "flow",
        "1.1.0",
        "request_changes",
        "Why does it need to write issues?",
    )
    .await;
    assert_eq!(status, 200);
    let d = detail(&app, &owner, "flow", "1.1.0").await;
    assert_eq!(d.summary.state.as_str(), "changes_requested");
    assert_eq!(
        d.review.review_message.as_deref(),
        Some("Why does it need to write issues?")
    );
    let actions: Vec<&str> = d.review.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, vec!["claim", "request_changes"]);

    // Withdraw a submission.
    assert_eq!(
        app.upload(&owner, "acme", valid_package("flow", "1.2.0"))
            .await
            .status(),
        201
    );
    assert_eq!(
        act(&app, &owner, "flow", "1.2.0", "withdraw", "").await.0,
        200
    );
    assert_eq!(act(&app, &admin, "flow", "1.2.0", "claim", "").await.0, 409);

    // Yank needs a reason; un-yank; revoke ends everything.
    assert_eq!(act(&app, &owner, "flow", "1.0.0", "yank", "").await.0, 422);
    assert_eq!(act(&app, &admin, "flow", "1.0.0", "yank", "x").await.0, 403);
    assert_eq!(
        act(
            &app,
            &owner,
            "flow",
            "1.0.0",
            "yank",
            "Crashes on empty titles."
        )
        .await
        .0,
        200
    );
    let d = detail(&app, &owner, "flow", "1.0.0").await;
    assert!(d.summary.yanked);
    assert_eq!(
        d.review.yank_reason.as_deref(),
        Some("Crashes on empty titles.")
    );
    assert_eq!(
        act(&app, &owner, "flow", "1.0.0", "yank", "again").await.0,
        409
    );
    assert_eq!(
        act(&app, &owner, "flow", "1.0.0", "unyank", "").await.0,
        422
    );
    assert_eq!(
        act(
            &app,
            &owner,
            "flow",
            "1.0.0",
            "unyank",
            "Fixed; safe again."
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(&app, &owner, "flow", "1.0.0", "revoke", "mine").await.0,
        403
    );
    assert_eq!(
        act(&app, &admin, "flow", "1.0.0", "revoke", "").await.0,
        422
    );
    assert_eq!(
        act(
            &app,
            &admin,
            "flow",
            "1.0.0",
            "revoke",
            "Sends tokens to a third party."
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(&app, &owner, "flow", "1.0.0", "yank", "too late")
            .await
            .0,
        409
    );
    let d = detail(&app, &owner, "flow", "1.0.0").await;
    assert!(d.summary.revoked);
    assert_eq!(
        d.review.revoke_reason.as_deref(),
        Some("Sends tokens to a third party.")
    );

    // Every transition is in the audit log, with its reason.
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'version.%' AND action <> 'version.submitted'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 8);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'version.revoke' AND detail LIKE '%third party%'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_claims_one_wins(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let owner_email = email("owner");
    let owner = app.signed_in_client(&owner_email, false).await;
    app.create_publisher("acme", &app.user_id(&owner_email).await)
        .await;
    assert_eq!(
        app.upload(&owner, "acme", valid_package("raced", "1.0.0"))
            .await
            .status(),
        201
    );
    let a = app.signed_in_client(&email("admin-a"), true).await;
    let b = app.signed_in_client(&email("admin-b"), true).await;
    let (x, y) = tokio::join!(
        act(&app, &a, "raced", "1.0.0", "claim", ""),
        act(&app, &b, "raced", "1.0.0", "claim", "")
    );
    let mut statuses = vec![x.0, y.0];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409]);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM version_events")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
