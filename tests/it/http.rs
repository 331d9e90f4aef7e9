//! HTTP tests against the whole application on a random port, on SQLite and PostgreSQL.

use crate::support::{
    client, client_with_cookie, cookie_value, email, session_set_cookie, spawn_app, spawn_app_with,
    Engine,
};
use kiket_marketplace::api::auth::{ChangePassword, SignIn, SignOut, SignUp};
use rstest::rstest;

const PASSWORD: &str = "a long enough password";

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_creates_the_account_and_signs_it_in(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("new");
    let res = app
        .call::<SignUp>(&[
            ("email", &email),
            ("display_name", "Grace"),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/account?welcome=1");
    let cookie = session_set_cookie(res.headers()).expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-http deployments cannot use Secure: {cookie}"
    );
    assert_eq!(
        app.whoami(&app.client).await.as_deref(),
        Some(email.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.public_url = "https://market.example.com".into()
    })
    .await
    .unwrap();
    let res = app
        .call::<SignUp>(&[
            ("email", &email("s")),
            ("display_name", "S"),
            ("password", PASSWORD),
        ])
        .await;
    let cookie = session_set_cookie(res.headers()).expect("session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_email_is_refused_next_to_the_field(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("dup");
    app.sign_up_with(&client(), &email, PASSWORD).await;
    let res = app
        .call::<SignUp>(&[
            ("email", &email.to_uppercase()),
            ("display_name", "Again"),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    insta::assert_json_snapshot!("duplicate_email", body);
}

#[rstest]
#[case::bad_email("not-an-email", "Name", PASSWORD, "email")]
#[case::empty_name("ok@example.com", "  ", PASSWORD, "display_name")]
#[case::short_password("ok@example.com", "Name", "short", "password")]
#[case::long_password("ok@example.com", "Name", &"x".repeat(129), "password")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sign_up_input_names_its_field(
    #[case] email: &str,
    #[case] name: &str,
    #[case] password: &str,
    #[case] field: &str,
) {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let res = app
        .call::<SignUp>(&[
            ("email", email),
            ("display_name", name),
            ("password", password),
        ])
        .await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "validation");
    assert_eq!(body["field"], field);
    assert_eq!(app.whoami(&app.client).await, None);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_the_same_answer(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("who");
    app.create_user(&email, PASSWORD, false).await;
    let wrong = app
        .call::<SignIn>(&[("email", &email), ("password", "not the password")])
        .await;
    assert_eq!(wrong.status(), 422);
    let wrong: serde_json::Value = wrong.json().await.unwrap();
    let unknown = app
        .call::<SignIn>(&[
            ("email", "nobody@example.com"),
            ("password", "not the password"),
        ])
        .await;
    let unknown: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    insta::assert_json_snapshot!("wrong_password", wrong);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failed_sign_ins_lock_the_account_for_fifteen_minutes(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("lock");
    app.create_user(&email, PASSWORD, false).await;
    for attempt in 1..=4 {
        let res = app
            .call::<SignIn>(&[("email", &email), ("password", "wrong password!!")])
            .await;
        assert_eq!(res.status(), 422, "attempt {attempt}");
    }
    let fifth = app
        .call::<SignIn>(&[("email", &email), ("password", "wrong password!!")])
        .await;
    assert_eq!(fifth.status(), 429);
    // Even the right password is refused now, with a message that says how long to wait.
    let right = app
        .call::<SignIn>(&[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(right.status(), 429);
    let body: serde_json::Value = right.json().await.unwrap();
    insta::assert_json_snapshot!("locked", body);
    assert_eq!(app.whoami(&app.client).await, None);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_at_sign_in_and_the_old_one_is_worthless(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("cycle");
    app.create_user(&email, PASSWORD, false).await;
    // A failed plain-form sign-in starts an anonymous session (it keeps the typed email).
    let failed = app
        .post_form::<SignIn>(
            "/signin",
            &[("email", &email), ("password", "wrong password!!")],
        )
        .await;
    assert_eq!(failed.status(), 302);
    let before = cookie_value(&session_set_cookie(failed.headers()).expect("anonymous session"));

    let ok = app
        .call::<SignIn>(&[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(ok.status(), 200);
    let after = cookie_value(&session_set_cookie(ok.headers()).expect("new session cookie"));
    assert_ne!(before, after, "sign-in must issue a new session id");
    assert_eq!(
        app.whoami(&client_with_cookie(&after)).await.as_deref(),
        Some(email.as_str())
    );
    assert_eq!(app.whoami(&client_with_cookie(&before)).await, None);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("out");
    app.create_user(&email, PASSWORD, false).await;
    let ok = app
        .call::<SignIn>(&[("email", &email), ("password", PASSWORD)])
        .await;
    let session = cookie_value(&session_set_cookie(ok.headers()).unwrap());
    let out = app.call::<SignOut>(&[]).await;
    assert_eq!(out.status(), 200);
    assert_eq!(out.headers()["location"], "/");
    assert_eq!(app.whoami(&app.client).await, None);
    assert_eq!(
        app.whoami(&client_with_cookie(&session)).await,
        None,
        "old cookie still works"
    );
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_ends_other_sessions(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let email = email("pw");
    app.create_user(&email, PASSWORD, false).await;
    let laptop = client();
    let phone = client();
    for c in [&laptop, &phone] {
        let res = app
            .call_with(
                c,
                <SignIn as leptos::server_fn::ServerFn>::PATH,
                &[("email", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let wrong = app
        .call_with(
            &laptop,
            <ChangePassword as leptos::server_fn::ServerFn>::PATH,
            &[
                ("current_password", "not my password"),
                ("new_password", "another long password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let changed = app
        .call_with(
            &laptop,
            <ChangePassword as leptos::server_fn::ServerFn>::PATH,
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long password"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(app.whoami(&laptop).await.as_deref(), Some(email.as_str()));
    assert_eq!(app.whoami(&phone).await, None);
    let old = app
        .call::<SignIn>(&[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(old.status(), 422);
    let new = app
        .call::<SignIn>(&[("email", &email), ("password", "another long password")])
        .await;
    assert_eq!(new.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_form_posts_redirect_back_with_the_error_and_keep_the_input() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let res = app
        .post_form::<SignUp>(
            "/signup",
            &[
                ("email", "kept@example.com"),
                ("display_name", "Kept Name"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("__err="), "{location}");
    assert!(
        !location.contains("short"),
        "the password must not travel in the URL: {location}"
    );
    let page = app.client.get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"value="kept@example.com""#), "email kept");
    assert!(html.contains(r#"value="Kept Name""#), "name kept");
    assert!(html.contains("Use at least 12 characters"), "error shown");
    assert!(
        !html.contains(r#"value="short""#),
        "password never rendered back"
    );
    // The kept input is shown once.
    let again = app.page(&app.client, "/signup").await;
    assert!(!again.contains("kept@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_form_sign_in_redirects_to_next_on_this_site_only() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let email = email("next");
    app.create_user(&email, PASSWORD, false).await;
    let res = app
        .post_form::<SignIn>(
            "/signin",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    let res = app
        .post_form::<SignIn>(
            "/signin",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/account");
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_the_database(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let ok = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "status": "ok", "database": "ok" })
    );

    app.state.db.pool.close().await;
    let down = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(down.status(), 503);
    let body: serde_json::Value = down.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_and_unknown_paths_are_404() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let home = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["x-content-type-options"], "nosniff");
    let html = home.text().await.unwrap();
    assert!(html.contains("<title>Kiket Marketplace</title>"), "{html}");
    assert!(html.contains(r#"href="/signin""#));

    let missing = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));

    // Browsers ask for HTML; only then is a page redirect a real 302.
    let account = app
        .client
        .get(app.url("/account"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 302);
    assert_eq!(account.headers()["location"], "/signin?next=/account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let (status, _) = app
        .head_only(
            crate::support::fn_url::<SignIn>(),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            kiket_marketplace::server::startup::BODY_LIMIT + 1,
        )
        .await;
    assert_eq!(status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validate_page_renders_a_posted_manifest_with_its_diagnostics() {
    use kiket_marketplace::api::manifests::ValidateManifest;
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let source = "manifest_version: 2\nextension:\n  key: x\n";
    let res = app
        .post_form::<ValidateManifest>("/publish/validate", &[("source", source)])
        .await;
    assert_eq!(res.status(), 302);
    let html = app.page(&app.client, "/publish/validate").await;
    assert!(html.contains("key: x"), "the manifest is shown again");
    assert!(html.contains("Line 3, col 8"), "diagnostic with its line");
    assert!(html.contains("extension.key"));

    let json = app.call::<ValidateManifest>(&[("source", source)]).await;
    assert_eq!(json.status(), 200);
    let lint: serde_json::Value = json.json().await.unwrap();
    assert_eq!(lint["dialect"], "2");
    let paths: Vec<&str> = lint["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"extension.key"), "{paths:?}");

    let huge = "a".repeat(1_100_000);
    let refused = app.call::<ValidateManifest>(&[("source", &huge)]).await;
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["field"], "source");
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_owners_manage_members_but_never_remove_the_last_owner(#[case] engine: Engine) {
    use kiket_marketplace::api::publishers::{
        AddPublisherMember, CreatePublisher, GetPublisher, RemovePublisherMember,
    };
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let owner = app.signed_in_client(&email("owner"), false).await;
    let maintainer_email = email("maint");
    let maintainer = app.signed_in_client(&maintainer_email, false).await;
    let post = |c: &reqwest::Client, path: &'static str, form: Vec<(&'static str, String)>| {
        let c = c.clone();
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call_with(&c, path, &form).await
        }
    };
    let res = post(
        &owner,
        <CreatePublisher as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into()), ("display_name", "Acme".into())],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/publishers/acme");
    let taken = post(
        &maintainer,
        <CreatePublisher as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into()), ("display_name", "Other".into())],
    )
    .await;
    assert_eq!(taken.status(), 422);

    let unknown = post(
        &owner,
        <AddPublisherMember as leptos::server_fn::ServerFn>::PATH,
        vec![
            ("slug", "acme".into()),
            ("email", "nobody@example.com".into()),
            ("role", "maintainer".into()),
        ],
    )
    .await;
    assert_eq!(unknown.status(), 422);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["field"], "email");
    let added = post(
        &owner,
        <AddPublisherMember as leptos::server_fn::ServerFn>::PATH,
        vec![
            ("slug", "acme".into()),
            ("email", maintainer_email.clone()),
            ("role", "maintainer".into()),
        ],
    )
    .await;
    assert_eq!(added.status(), 200);

    // The maintainer sees the members but may not change them.
    let detail = post(
        &maintainer,
        <GetPublisher as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into())],
    )
    .await;
    let detail: serde_json::Value = detail.json().await.unwrap();
    assert_eq!(detail["members"].as_array().unwrap().len(), 2);
    assert_eq!(detail["can_manage"], false);
    let owner_id = detail["members"][0]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let maintainer_id = detail["members"][1]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = post(
        &maintainer,
        <RemovePublisherMember as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into()), ("user_id", owner_id.clone())],
    )
    .await;
    assert_eq!(refused.status(), 403);

    let last = post(
        &owner,
        <RemovePublisherMember as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into()), ("user_id", owner_id)],
    )
    .await;
    assert_eq!(last.status(), 409);
    let body: serde_json::Value = last.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("at least one owner"));
    let removed = post(
        &owner,
        <RemovePublisherMember as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into()), ("user_id", maintainer_id)],
    )
    .await;
    assert_eq!(removed.status(), 200);
    let gone = post(
        &maintainer,
        <GetPublisher as leptos::server_fn::ServerFn>::PATH,
        vec![("slug", "acme".into())],
    )
    .await;
    assert_eq!(gone.status(), 403);
}
