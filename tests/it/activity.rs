//! Notifications, the audit log, deprecation and suspension.

use crate::support::{email, spawn_app, valid_package, Engine, TestApp};
use kiket_marketplace::api::activity::{
    ListAudit, MarkNotificationsRead, MyNotifications, UnreadNotifications,
};
use kiket_marketplace::api::extensions::{
    DeprecateExtension, GetExtensionOverview, UndeprecateExtension,
};
use kiket_marketplace::api::publishers::{GetPublisher, SetPublisherSuspended};
use kiket_marketplace::api::review::ActOnVersion;
use leptos::server_fn::ServerFn;
use rstest::rstest;

async fn call(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    app.call_json(c, path, form).await
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_notify_and_everything_lands_in_the_audit_log(#[case] engine: Engine) {
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
        app.upload(&owner, "acme", valid_package("noted", "1.0.0"))
            .await
            .status(),
        201
    );
    // Admins hear of the submission.
    let (_, n) = call(&app, &admin, MyNotifications::PATH, &[]).await;
    assert_eq!(n["unread"], 1);
    assert_eq!(n["items"][0]["link"], "/review/noted/1.0.0");
    for action in ["claim", "approve"] {
        let (status, _) = call(
            &app,
            &admin,
            ActOnVersion::PATH,
            &[("key", "noted"), ("version", "1.0.0"), ("action", action)],
        )
        .await;
        assert_eq!(status, 200);
    }
    // The publisher hears of the decision (not of the claim).
    let (_, unread) = call(&app, &owner, UnreadNotifications::PATH, &[]).await;
    assert_eq!(unread, 1);
    let (_, n) = call(&app, &owner, MyNotifications::PATH, &[]).await;
    assert!(n["items"][0]["message"]
        .as_str()
        .unwrap()
        .contains("noted 1.0.0: approved and published"));
    assert_eq!(
        n["items"][0]["link"],
        "/publish/extensions/noted/versions/1.0.0"
    );
    assert_eq!(
        call(&app, &owner, MarkNotificationsRead::PATH, &[]).await.0,
        200
    );
    assert_eq!(
        call(&app, &owner, UnreadNotifications::PATH, &[]).await.1,
        0
    );
    assert_eq!(
        call(
            &app,
            &crate::support::client(),
            UnreadNotifications::PATH,
            &[]
        )
        .await
        .1,
        0,
        "visitors have none"
    );

    // The publisher's log: its own entries only; the whole log is for admins.
    let (status, log) = call(&app, &owner, ListAudit::PATH, &[("publisher", "acme")]).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["version.approve", "version.claim", "version.submitted"]
    );
    assert_eq!(call(&app, &owner, ListAudit::PATH, &[]).await.0, 403);
    assert_eq!(
        call(&app, &outsider, ListAudit::PATH, &[("publisher", "acme")])
            .await
            .0,
        403
    );
    let (_, all) = call(&app, &admin, ListAudit::PATH, &[("action", "user.")]).await;
    assert!(all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"].as_str().unwrap().starts_with("user.")));
    // Paging: one entry at a time is not offered, but the cursor skips nothing.
    let (_, first) = call(&app, &admin, ListAudit::PATH, &[]).await;
    let total = first["entries"].as_array().unwrap().len();
    assert!(total >= 6, "{first}");
    assert!(first["next_before"].is_null());
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprecation_and_suspension_need_their_reasons(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let owner_email = email("owner");
    let owner = app.signed_in_client(&owner_email, false).await;
    app.create_publisher("acme", &app.user_id(&owner_email).await)
        .await;
    let admin = app.signed_in_client(&email("admin"), true).await;
    for key in ["old-one", "new-one"] {
        assert_eq!(
            app.upload(&owner, "acme", valid_package(key, "1.0.0"))
                .await
                .status(),
            201
        );
    }
    let dep = DeprecateExtension::PATH;
    let (status, body) = call(&app, &owner, dep, &[("key", "old-one"), ("reason", " ")]).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("reason")));
    let (status, body) = call(
        &app,
        &owner,
        dep,
        &[
            ("key", "old-one"),
            ("reason", "Superseded"),
            ("replacement", "nope"),
        ],
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("replacement")));
    let (status, body) = call(
        &app,
        &owner,
        dep,
        &[
            ("key", "old-one"),
            ("reason", "Superseded"),
            ("deadline", "2001-01-01"),
        ],
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("deadline")));
    assert_eq!(
        call(&app, &admin, dep, &[("key", "old-one"), ("reason", "x")])
            .await
            .0,
        403
    );
    let (status, _) = call(
        &app,
        &owner,
        dep,
        &[
            ("key", "old-one"),
            ("reason", "Superseded by New One."),
            ("replacement", "new-one"),
            ("deadline", "2099-01-01"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, o) = call(
        &app,
        &owner,
        GetExtensionOverview::PATH,
        &[("key", "old-one")],
    )
    .await;
    assert_eq!(o["deprecation"]["reason"], "Superseded by New One.");
    assert_eq!(o["deprecation"]["replacement"], "new-one");
    assert_eq!(o["deprecation"]["deadline"], 4_070_908_800_000i64);
    assert_eq!(
        call(
            &app,
            &owner,
            UndeprecateExtension::PATH,
            &[("key", "old-one")]
        )
        .await
        .0,
        200
    );
    let (_, o) = call(
        &app,
        &owner,
        GetExtensionOverview::PATH,
        &[("key", "old-one")],
    )
    .await;
    assert!(o["deprecation"].is_null());

    let sus = SetPublisherSuspended::PATH;
    assert_eq!(
        call(
            &app,
            &owner,
            sus,
            &[("slug", "acme"), ("suspended", "true"), ("reason", "x")]
        )
        .await
        .0,
        403
    );
    let (status, body) = call(
        &app,
        &admin,
        sus,
        &[("slug", "acme"), ("suspended", "true")],
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("reason")));
    let (status, _) = call(
        &app,
        &admin,
        sus,
        &[
            ("slug", "acme"),
            ("suspended", "true"),
            ("reason", "Malware reported."),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, d) = call(&app, &owner, GetPublisher::PATH, &[("slug", "acme")]).await;
    assert_eq!(d["suspension"], "Malware reported.");
    let (_, n) = call(&app, &owner, MyNotifications::PATH, &[]).await;
    assert!(n["items"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Malware reported."));
    assert_eq!(
        call(
            &app,
            &admin,
            sus,
            &[("slug", "acme"), ("suspended", "false")]
        )
        .await
        .0,
        200
    );
    let (_, d) = call(&app, &owner, GetPublisher::PATH, &[("slug", "acme")]).await;
    assert!(d["suspension"].is_null());
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_listed_extensions_are_public(#[case] engine: Engine) {
    use kiket_marketplace::api::catalog::GetExtensionPage;
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let owner_email = email("owner");
    let owner = app.signed_in_client(&owner_email, false).await;
    app.create_publisher("acme", &app.user_id(&owner_email).await)
        .await;
    let admin = app.signed_in_client(&email("admin"), true).await;
    let visitor = crate::support::client();
    assert_eq!(
        app.upload(&owner, "acme", valid_package("shown", "1.0.0"))
            .await
            .status(),
        201
    );
    assert!(
        listed(&app, &visitor).await.is_empty(),
        "submitted versions are not listed"
    );
    assert_eq!(
        call(&app, &visitor, GetExtensionPage::PATH, &[("key", "shown")])
            .await
            .0,
        404
    );
    for action in ["claim", "approve"] {
        call(
            &app,
            &admin,
            ActOnVersion::PATH,
            &[("key", "shown"), ("version", "1.0.0"), ("action", action)],
        )
        .await;
    }
    assert_eq!(listed(&app, &visitor).await, vec!["shown"]);
    let sitemap = app.page(&visitor, "/sitemap.xml").await;
    assert!(sitemap.contains("/extensions/shown</loc>"), "{sitemap}");
    // The publisher's public page lists it, and shows no member to a visitor.
    let (status, public) = call(
        &app,
        &visitor,
        kiket_marketplace::api::catalog::GetPublicPublisher::PATH,
        &[("slug", "acme")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(public["extensions"][0]["key"], "shown");
    assert_eq!(public["can_manage"], false);
    assert!(!public.to_string().contains(&owner_email));
    let (_, mine) = call(
        &app,
        &owner,
        kiket_marketplace::api::catalog::GetPublicPublisher::PATH,
        &[("slug", "acme")],
    )
    .await;
    assert_eq!(mine["can_manage"], true);
    let (status, page) = call(&app, &visitor, GetExtensionPage::PATH, &[("key", "shown")]).await;
    assert_eq!(status, 200);
    assert_eq!(page["card"]["latest"], "1.0.0");
    assert_eq!(page["versions"][0]["summary"]["version"], "1.0.0");

    // A suspended publisher's listings are hidden.
    call(
        &app,
        &admin,
        SetPublisherSuspended::PATH,
        &[
            ("slug", "acme"),
            ("suspended", "true"),
            ("reason", "Checking a report."),
        ],
    )
    .await;
    assert!(listed(&app, &visitor).await.is_empty());
    assert_eq!(
        call(
            &app,
            &visitor,
            kiket_marketplace::api::catalog::GetPublicPublisher::PATH,
            &[("slug", "acme")]
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(&app, &visitor, GetExtensionPage::PATH, &[("key", "shown")])
            .await
            .0,
        404
    );
    call(
        &app,
        &admin,
        SetPublisherSuspended::PATH,
        &[("slug", "acme"), ("suspended", "false")],
    )
    .await;
    assert_eq!(listed(&app, &visitor).await, vec!["shown"]);

    // A revoked version is not downloadable, and with nothing else left the extension is unlisted.
    let download = app.url("/extensions/shown/versions/1.0.0/download");
    assert_eq!(visitor.get(&download).send().await.unwrap().status(), 200);
    call(
        &app,
        &admin,
        ActOnVersion::PATH,
        &[
            ("key", "shown"),
            ("version", "1.0.0"),
            ("action", "revoke"),
            ("message", "Leaks tokens."),
        ],
    )
    .await;
    assert_eq!(visitor.get(&download).send().await.unwrap().status(), 404);
    assert_eq!(owner.get(&download).send().await.unwrap().status(), 200);
    assert!(listed(&app, &visitor).await.is_empty());
}

async fn listed(app: &TestApp, visitor: &reqwest::Client) -> Vec<String> {
    let (_, l) = call(
        app,
        visitor,
        kiket_marketplace::api::catalog::SearchCatalog::PATH,
        &[],
    )
    .await;
    l["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_string())
        .collect()
}
