//! The REST API with personal tokens: every endpoint's answers (snapshots), scopes, key patterns,
//! expiry and revocation, rate limits, and the OpenAPI document.

use crate::support::{email, package, spawn_app, valid_package, Engine, TestApp};
use kiket_marketplace::model::token::Scope;
use reqwest::Method;
use rstest::rstest;
use serde_json::Value;

/// Replaces what changes from run to run: times, hashes and ids.
fn scrub(v: Value) -> Value {
    let time =
        regex_lite::Regex::new(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z| UTC)?").unwrap();
    let sha = regex_lite::Regex::new(r"\b[0-9a-f]{64}\b").unwrap();
    let email = regex_lite::Regex::new(r"[a-z]+-[0-9a-f]{32}@example\.com").unwrap();
    match v {
        Value::String(s) => {
            let s = time.replace_all(&s, "[time]");
            let s = email.replace_all(&s, "[email]");
            Value::String(sha.replace_all(&s, "[sha256]").into_owned())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, scrub(v))).collect()),
        other => other,
    }
}

async fn body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, scrub(v))
}

fn form(bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "package",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("package.tar.gz")
            .mime_str("application/gzip")
            .unwrap(),
    )
}

async fn publish(app: &TestApp, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    body(
        app.api(Method::POST, "/api/v1/extensions", Some(token))
            .multipart(form(bytes))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    body(app.api(Method::GET, path, token).send().await.unwrap()).await
}

async fn transition(app: &TestApp, token: &str, path: &str, reason: &str) -> (u16, Value) {
    body(
        app.api(Method::POST, path, Some(token))
            .json(&serde_json::json!({ "reason": reason }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A user who owns the publisher `slug`: (user id, token with every scope).
async fn owner(app: &TestApp, slug: &str) -> (String, String) {
    let id = app
        .create_user(&email("owner"), "a long enough password", false)
        .await;
    app.create_publisher(slug, &id).await;
    let token = app.personal_token(&id, &Scope::ALL, None, None).await;
    (id, token)
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_in_its_documented_shape(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (owner_id, token) = owner(&app, "acme").await;

    let (status, created) = publish(&app, &token, valid_package("acme-sync", "1.0.0")).await;
    assert_eq!(status, 201, "{created}");
    insta::assert_json_snapshot!("publish_created", created);

    // Submitted: nobody else sees it; the owner's read token does.
    let (status, hidden) = get(&app, "/api/v1/extensions/acme-sync", None).await;
    assert_eq!(status, 404);
    insta::assert_json_snapshot!("extension_not_found", hidden);
    let (status, mine) = get(&app, "/api/v1/extensions/acme-sync/versions", Some(&token)).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("versions_submitted", mine);

    app.approve("acme-sync", "1.0.0").await;
    let (status, search) = get(&app, "/api/v1/extensions?q=acme", None).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("search", search);
    let (status, ext) = get(&app, "/api/v1/extensions/acme-sync", None).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("extension", ext);
    let (status, version) = get(&app, "/api/v1/extensions/acme-sync/versions/1.0.0", None).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("version", version);
    let (status, missing) = get(&app, "/api/v1/extensions/acme-sync/versions/9.9.9", None).await;
    assert_eq!(status, 404);
    insta::assert_json_snapshot!("version_not_found", missing);

    let res = app
        .api(
            Method::GET,
            "/api/v1/extensions/acme-sync/versions/1.0.0/download",
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let checksum = res.headers()["x-checksum-sha256"]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = res.bytes().await.unwrap();
    use sha2::Digest;
    assert_eq!(format!("{:x}", sha2::Sha256::digest(&bytes)), checksum);

    let yank = "/api/v1/extensions/acme-sync/versions/1.0.0/yank";
    let (status, yanked) = transition(&app, &token, yank, "Crashes on empty payloads.").await;
    assert_eq!(status, 200, "{yanked}");
    insta::assert_json_snapshot!("yanked", yanked);
    let (status, again) = transition(&app, &token, yank, "Again.").await;
    assert_eq!(status, 409);
    insta::assert_json_snapshot!("yank_twice", again);
    let unyank = "/api/v1/extensions/acme-sync/versions/1.0.0/unyank";
    let (status, no_reason) = transition(&app, &token, unyank, "").await;
    assert_eq!(status, 422);
    insta::assert_json_snapshot!("unyank_without_reason", no_reason);
    let (status, back) = transition(&app, &token, unyank, "Fixed upstream.").await;
    assert_eq!(status, 200);
    assert_eq!(back["yanked"], false);
    let (status, not_json) = body(
        app.api(Method::POST, yank, Some(&token))
            .body("reason=x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    insta::assert_json_snapshot!("yank_not_json", not_json);

    let (status, me) = get(&app, "/api/v1/me", Some(&token)).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("me", me);

    // Refusals of uploads (with a token of their own: every upload counts against the limit).
    let token = app.personal_token(&owner_id, &Scope::ALL, None, None).await;
    let (status, exists) = publish(&app, &token, valid_package("acme-sync", "1.0.0")).await;
    assert_eq!(status, 409);
    insta::assert_json_snapshot!("publish_version_exists", exists);
    let (status, blocked) = publish(
        &app,
        &token,
        package(&[("README.md", b"# No manifest".as_slice())]),
    )
    .await;
    assert_eq!(status, 422);
    insta::assert_json_snapshot!("publish_without_manifest", blocked);
    let leaky = crate::support::manifest("acme-leaky", "1.0.0");
    let (status, blocked) = publish(
        &app,
        &token,
        package(&[
            ("extension.yaml", leaky.as_bytes()),
            ("README.md", b"# Leaky".as_slice()),
            (
                "config/dev.pem",
                b"-----BEGIN PRIVATE KEY-----\nMIIE\n".as_slice(),
            ),
        ]),
    )
    .await;
    assert_eq!(status, 422);
    insta::assert_json_snapshot!("publish_refused_with_findings", blocked);
    let (status, no_package) = body(
        app.api(Method::POST, "/api/v1/extensions", Some(&token))
            .multipart(reqwest::multipart::Form::new().text("publisher", "acme"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    insta::assert_json_snapshot!("publish_without_package", no_package);
    let (status, not_multipart) = body(
        app.api(Method::POST, "/api/v1/extensions", Some(&token))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    insta::assert_json_snapshot!("publish_not_multipart", not_multipart);
    let (status, anonymous) = publish(&app, "", valid_package("acme-sync", "1.0.1")).await;
    assert_eq!(status, 401);
    insta::assert_json_snapshot!("publish_bad_header", anonymous);
    let (status, anonymous) = body(
        app.api(Method::POST, "/api/v1/extensions", None)
            .multipart(form(valid_package("acme-sync", "1.0.1")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    insta::assert_json_snapshot!("publish_without_token", anonymous);
    let (status, unknown) =
        publish(&app, "kkt_not-a-real-token", valid_package("x", "1.0.0")).await;
    assert_eq!(status, 401);
    insta::assert_json_snapshot!("unknown_token", unknown);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_and_key_patterns_limit_what_a_token_does(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (id, all) = owner(&app, "acme").await;
    let read = app.personal_token(&id, &[Scope::Read], None, None).await;
    let (status, refused) = publish(&app, &read, valid_package("my-sync", "1.0.0")).await;
    assert_eq!(status, 403);
    insta::assert_json_snapshot!("read_token_cannot_publish", refused);

    let mine = app
        .personal_token(&id, &[Scope::Publish, Scope::Yank], Some("my-*"), None)
        .await;
    let (status, refused) = publish(&app, &mine, valid_package("other", "1.0.0")).await;
    assert_eq!(status, 403);
    insta::assert_json_snapshot!("pattern_refuses_other_keys", refused);
    assert_eq!(
        app.count("versions").await,
        0,
        "nothing of a refused upload is kept"
    );
    let (status, ok) = publish(&app, &mine, valid_package("my-sync", "1.0.0")).await;
    assert_eq!(status, 201, "{ok}");

    // Yanking takes the yank scope and a covered key.
    let (status, _) = publish(&app, &all, valid_package("other", "1.0.0")).await;
    assert_eq!(status, 201);
    app.approve("other", "1.0.0").await;
    app.approve("my-sync", "1.0.0").await;
    let path = "/api/v1/extensions/other/versions/1.0.0/yank";
    let (status, _) = transition(&app, &mine, path, "Broken.").await;
    assert_eq!(status, 403);
    let (status, refused) = transition(&app, &read, path, "Broken.").await;
    assert_eq!(status, 403);
    insta::assert_json_snapshot!("read_token_cannot_yank", refused);
    let (status, _) = transition(
        &app,
        &mine,
        "/api/v1/extensions/my-sync/versions/1.0.0/yank",
        "Broken.",
    )
    .await;
    assert_eq!(status, 200);

    // Another user's token: their versions do not exist for it.
    let stranger_id = app
        .create_user(&email("stranger"), "a long enough password", false)
        .await;
    let stranger = app
        .personal_token(&stranger_id, &Scope::ALL, None, None)
        .await;
    let (status, _) = transition(&app, &stranger, path, "Mine now.").await;
    assert_eq!(status, 404);
    let (status, refused) = publish(&app, &stranger, valid_package("fresh", "1.0.0")).await;
    assert_eq!(status, 403, "{refused}");
    insta::assert_json_snapshot!("stranger_without_publisher", refused);
    app.create_publisher("strangers", &stranger_id).await;
    let (status, refused) = publish(&app, &stranger, valid_package("other", "1.0.1")).await;
    assert_eq!(status, 409);
    insta::assert_json_snapshot!("key_of_another_publisher", refused);

    // Unpublished versions: only a read token of a member sees them.
    let (status, _) = publish(&app, &all, valid_package("other", "2.0.0")).await;
    assert_eq!(status, 201);
    let path = "/api/v1/extensions/other/versions/2.0.0";
    assert_eq!(get(&app, path, None).await.0, 404);
    assert_eq!(get(&app, path, Some(&stranger)).await.0, 404);
    assert_eq!(get(&app, path, Some(&mine)).await.0, 404, "no read scope");
    let (status, v) = get(&app, path, Some(&read)).await;
    assert_eq!(status, 200);
    assert_eq!(v["state"], "submitted");
    let download = format!("{path}/download");
    assert_eq!(get_status(&app, &download, None).await, 404);
    assert_eq!(get_status(&app, &download, Some(&read)).await, 200);
}

async fn get_status(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    app.api(Method::GET, path, token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_revoked_tokens_are_refused_with_the_reason(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (id, _) = owner(&app, "acme").await;
    let past = kiket_marketplace::server::db::now_ms() - 1_000;
    let expired = app.personal_token(&id, &Scope::ALL, None, Some(past)).await;
    let (status, refused) = get(&app, "/api/v1/me", Some(&expired)).await;
    assert_eq!(status, 401);
    insta::assert_json_snapshot!("expired_token", refused);

    let future = kiket_marketplace::server::db::now_ms() + 60_000;
    let token = app
        .personal_token(&id, &Scope::ALL, None, Some(future))
        .await;
    assert_eq!(get(&app, "/api/v1/me", Some(&token)).await.0, 200);
    let user = kiket_marketplace::server::db::users::find_by_id(&app.state.db.pool, &id)
        .await
        .unwrap()
        .unwrap();
    let listed = kiket_marketplace::server::tokens::list(&app.state, &user)
        .await
        .unwrap();
    let live = listed
        .iter()
        .find(|t| t.expires_at == Some(future))
        .unwrap();
    assert!(live.last_used_at.is_some(), "a use is recorded");
    kiket_marketplace::server::tokens::revoke(&app.state, &user, &live.id)
        .await
        .unwrap();
    let (status, refused) = get(&app, "/api/v1/me", Some(&token)).await;
    assert_eq!(status, 401);
    insta::assert_json_snapshot!("revoked_token", refused);
    // A token that is revoked cannot be revoked again, and others' tokens are not found.
    assert!(
        kiket_marketplace::server::tokens::revoke(&app.state, &user, &live.id)
            .await
            .is_err()
    );
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_is_limited_to_a_burst_of_five_per_token(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let (id, token) = owner(&app, "acme").await;
    for n in 0..5 {
        let (status, _) = publish(
            &app,
            &token,
            valid_package("acme-sync", &format!("1.0.{n}")),
        )
        .await;
        assert_eq!(status, 201);
    }
    let res = app
        .api(Method::POST, "/api/v1/extensions", Some(&token))
        .multipart(form(valid_package("acme-sync", "1.0.5")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((50..=60).contains(&retry), "{retry}");
    let (_, limited) = body(res).await;
    insta::assert_json_snapshot!("publish_rate_limited", limited, {".error.message" => "[wait]"});
    assert!(limited["error"]["message"]
        .as_str()
        .unwrap()
        .contains("try again in"));
    // Reading is not limited by publishing, and another token has its own budget.
    assert_eq!(get(&app, "/api/v1/me", Some(&token)).await.0, 200);
    let other = app.personal_token(&id, &Scope::ALL, None, None).await;
    let (status, _) = publish(&app, &other, valid_package("acme-sync", "1.0.5")).await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_calls_are_limited_per_address() {
    let Some(app) = spawn_app(Engine::Sqlite).await else {
        return;
    };
    let mut statuses = Vec::new();
    for _ in 0..70 {
        statuses.push(get_status(&app, "/api/v1/extensions/none", None).await);
    }
    let limited = statuses.iter().position(|s| *s == 429).expect("a 429");
    assert!(limited >= 60, "the burst is 60: {statuses:?}");
    assert!(statuses[..limited].iter().all(|s| *s == 404));
    let res = app
        .api(Method::GET, "/api/v1/extensions", None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_route_and_renders() {
    let Some(app) = spawn_app(Engine::Sqlite).await else {
        return;
    };
    let (status, doc) = get(&app, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut operations: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    operations.sort();
    insta::assert_json_snapshot!("openapi_operations", operations);
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    // Every documented GET without parameters answers as documented.
    assert_eq!(get(&app, "/api/v1/extensions", None).await.0, 200);

    let page = app.page(&app.client, "/docs/api").await;
    assert!(page.contains("Kiket Marketplace API"), "{page}");
    assert!(page.contains("/api/v1/extensions/{key}/versions/{version}/yank"));
    assert!(page.contains("Needs a personal token with the publish scope."));
}
