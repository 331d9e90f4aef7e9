//! The catalog: search relevance, every filter and sort, pagination edges, the index kept in step
//! with every change, and the cached anonymous pages, on both engines.

use crate::support::{db, spawn_app, Engine};
use kiket_marketplace::model::account::{DisplayName, Email};
use kiket_marketplace::model::catalog::{CatalogParams, CatalogQuery, PER_PAGE};
use kiket_marketplace::model::publisher::PublisherSlug;
use kiket_marketplace::model::review::{decide, Action};
use kiket_marketplace::server::db::extensions;
use kiket_marketplace::server::db::{catalog, publishers, review, users, Db};
use rstest::rstest;

/// An extension to list.
#[derive(Clone)]
struct Ext<'a> {
    key: &'a str,
    name: &'a str,
    summary: &'a str,
    tags: &'a [&'a str],
    categories: &'a [&'a str],
    events: &'a [&'a str],
    permissions: &'a [&'a str],
    readme: &'a str,
}

impl Default for Ext<'_> {
    fn default() -> Self {
        Self {
            key: "x",
            name: "X",
            summary: "Does a thing.",
            tags: &[],
            categories: &["automation"],
            events: &["issue.created"],
            permissions: &["issues:read"],
            readme: "",
        }
    }
}

struct Catalog {
    db: Db,
    admin: String,
    publisher: String,
}

fn list(items: &[&str]) -> String {
    format!("[{}]", items.join(", "))
}

impl Catalog {
    async fn new(db: Db) -> Self {
        let hash = users::PasswordHash(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        );
        let admin = users::create(
            &db.pool,
            &Email::parse("admin@example.com").unwrap(),
            &DisplayName::parse("Admin").unwrap(),
            &hash,
            true,
        )
        .await
        .unwrap()
        .id;
        let publisher = publishers::create(
            &db.pool,
            &PublisherSlug::parse("acme").unwrap(),
            "Acme",
            &admin,
        )
        .await
        .unwrap()
        .id;
        Self {
            db,
            admin,
            publisher,
        }
    }

    async fn other_publisher(&self, slug: &str) -> String {
        publishers::create(
            &self.db.pool,
            &PublisherSlug::parse(slug).unwrap(),
            slug,
            &self.admin,
        )
        .await
        .unwrap()
        .id
    }

    /// Registers `e` at `version` for `publisher` and, when `publish`, claims and approves it:
    /// the repository functions the pages and the review use.
    async fn add(&self, publisher: &str, e: &Ext<'_>, version: &str, publish: bool) {
        let triggers: String = e
            .events
            .iter()
            .map(|ev| format!("  - event: {ev}\n    handler: /events\n"))
            .collect();
        let source = format!(
            "manifest_version: 2\nextension:\n  key: {}\n  name: {}\n  version: {version}\n  description: {}\n  \
             base_url: https://{}.example.com\n  permissions: {}\n  categories: {}\n  tags: {}\ntriggers:\n{triggers}",
            e.key,
            e.name,
            e.summary,
            e.key,
            list(e.permissions),
            list(e.categories),
            list(e.tags),
        );
        crate::support::register_manifest(
            &self.db,
            publisher,
            &self.admin,
            &source,
            e.readme,
            publish,
        )
        .await;
    }

    async fn act(&self, key: &str, version: &str, action: Action, message: &str) {
        let target = review::find(&self.db.pool, key, version)
            .await
            .unwrap()
            .unwrap();
        let to = decide(target.standing, action, true, true, message).unwrap();
        assert!(review::apply(
            &self.db.pool,
            &target,
            key,
            version,
            to,
            action,
            &self.admin,
            message
        )
        .await
        .unwrap());
    }

    async fn search(&self, pairs: &[(&str, &str)]) -> (Vec<String>, u64) {
        let (q, notices) = CatalogQuery::parse(&CatalogParams::from_pairs(pairs.iter().copied()));
        assert!(notices.is_empty(), "{notices:?}");
        let (cards, total) = catalog::search(&self.db, &q).await.unwrap();
        (cards.into_iter().map(|c| c.key).collect(), total)
    }

    async fn keys(&self, pairs: &[(&str, &str)]) -> Vec<String> {
        self.search(pairs).await.0
    }
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relevance_puts_the_exact_key_first_and_names_over_readmes(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let c = Catalog::new(db).await;
    let p = c.publisher.clone();
    // "standup" appears: as the key, in a name, in a summary, in tags, and only in a README
    // (several times, which must not outweigh one mention in a name).
    for e in [
        Ext {
            key: "daily-notes",
            name: "Daily Notes",
            readme: "Write notes after the standup. The standup bot, standup reminders, standup.",
            ..Ext::default()
        },
        Ext {
            key: "standup-digest",
            name: "Standup Digest",
            ..Ext::default()
        },
        Ext {
            key: "team-pulse",
            name: "Team Pulse",
            summary: "Collects answers before the standup.",
            ..Ext::default()
        },
        Ext {
            key: "standup",
            name: "Morning Meeting",
            ..Ext::default()
        },
        Ext {
            key: "unrelated",
            name: "Unrelated",
            readme: "Nothing to see.",
            ..Ext::default()
        },
    ] {
        c.add(&p, &e, "1.0.0", true).await;
    }
    let (keys, total) = c.search(&[("q", "standup")]).await;
    assert_eq!(total, 4);
    assert_eq!(keys[0], "standup", "the exact key comes first: {keys:?}");
    assert_eq!(keys[1], "standup-digest", "then the name: {keys:?}");
    assert_eq!(keys[2], "team-pulse", "then the summary: {keys:?}");
    assert_eq!(keys[3], "daily-notes", "the README last: {keys:?}");

    // Prefixes match as you type; every word must match; case and punctuation do not matter.
    assert_eq!(c.keys(&[("q", "stand")]).await.len(), 4);
    assert_eq!(c.keys(&[("q", "STANDUP digest")]).await, ["standup-digest"]);
    assert_eq!(c.keys(&[("q", "standup-digest")]).await, ["standup-digest"]);
    assert!(c.keys(&[("q", "standup zebra")]).await.is_empty());
    // Query syntax in the text is just text.
    assert!(c.keys(&[("q", "\"standup OR\" NEAR(")]).await.is_empty());
    assert_eq!(c.keys(&[("q", "team* (pulse)")]).await, ["team-pulse"]);
    // Tags are searched.
    c.add(
        &p,
        &Ext {
            key: "chat-bridge",
            name: "Chat Bridge",
            tags: &["slack", "matrix"],
            ..Ext::default()
        },
        "1.0.0",
        true,
    )
    .await;
    assert_eq!(c.keys(&[("q", "matrix")]).await, ["chat-bridge"]);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_and_sort(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let c = Catalog::new(db).await;
    let acme = c.publisher.clone();
    let verified = c.other_publisher("trusted").await;
    publishers::set_verified(&c.db.pool, &verified, true)
        .await
        .unwrap();
    c.add(
        &acme,
        &Ext {
            key: "bravo",
            name: "Bravo",
            categories: &["communication"],
            events: &["issue.created", "comment.created"],
            permissions: &["issues:read", "comments:write"],
            ..Ext::default()
        },
        "1.0.0",
        true,
    )
    .await;
    c.add(
        &verified,
        &Ext {
            key: "alpha",
            name: "alpha",
            categories: &["operations", "development"],
            events: &["issue.transitioned"],
            permissions: &["projects:read"],
            ..Ext::default()
        },
        "1.0.0",
        true,
    )
    .await;
    c.add(
        &acme,
        &Ext {
            key: "charlie",
            name: "Charlie",
            categories: &["communication", "automation"],
            events: &["comment.created"],
            permissions: &["issues:read"],
            ..Ext::default()
        },
        "1.0.0",
        true,
    )
    .await;
    // Never published: in no result.
    c.add(
        &acme,
        &Ext {
            key: "draft",
            name: "Draft",
            categories: &["communication"],
            ..Ext::default()
        },
        "1.0.0",
        false,
    )
    .await;

    assert_eq!(
        c.keys(&[("category", "communication")]).await,
        ["bravo", "charlie"]
    );
    assert_eq!(c.keys(&[("category", "operations")]).await, ["alpha"]);
    assert_eq!(
        c.keys(&[("event", "comment.created")]).await,
        ["bravo", "charlie"]
    );
    assert_eq!(c.keys(&[("event", "issue.transitioned")]).await, ["alpha"]);
    assert!(c.keys(&[("event", "sprint.started")]).await.is_empty());
    assert_eq!(
        c.keys(&[("permission", "issues:read")]).await,
        ["bravo", "charlie"]
    );
    // Permissions in either spelling.
    assert_eq!(c.keys(&[("permission", "write:comments")]).await, ["bravo"]);
    assert_eq!(c.keys(&[("verified", "1")]).await, ["alpha"]);
    // Filters combine.
    assert_eq!(
        c.keys(&[("category", "communication"), ("event", "issue.created")])
            .await,
        ["bravo"]
    );
    assert!(c
        .keys(&[("category", "communication"), ("verified", "1")])
        .await
        .is_empty());
    // Filters combine with search text.
    assert_eq!(
        c.keys(&[("q", "char"), ("category", "automation")]).await,
        ["charlie"]
    );

    // Sorts. Names sort without regard to case; installs tie, then names decide.
    assert_eq!(
        c.keys(&[("sort", "name")]).await,
        ["alpha", "bravo", "charlie"]
    );
    assert_eq!(
        c.keys(&[("sort", "installs")]).await,
        ["alpha", "bravo", "charlie"]
    );
    // Installs: the most installed first.
    sqlx::query("UPDATE catalog_entries SET installs = 7 WHERE key = 'charlie'")
        .execute(&c.db.pool)
        .await
        .unwrap();
    assert_eq!(
        c.keys(&[("sort", "installs")]).await,
        ["charlie", "alpha", "bravo"]
    );
    // Without search text, relevance means most installed.
    assert_eq!(c.keys(&[]).await, ["charlie", "alpha", "bravo"]);
    // Recently updated: a newer release moves an extension up.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    c.add(
        &acme,
        &Ext {
            key: "bravo",
            name: "Bravo",
            categories: &["communication"],
            ..Ext::default()
        },
        "1.1.0",
        true,
    )
    .await;
    assert_eq!(c.keys(&[("sort", "updated")]).await[0], "bravo");
    // A refresh keeps the install count.
    assert_eq!(
        catalog::card(&c.db.pool, "charlie")
            .await
            .unwrap()
            .unwrap()
            .installs,
        7
    );
    // The release dropped comment.created from bravo: the filter follows.
    assert_eq!(c.keys(&[("event", "comment.created")]).await, ["charlie"]);
    let facets = catalog::facets(&c.db.pool).await.unwrap();
    assert_eq!(facets.categories[0], ("communication".to_string(), 2));
    assert!(facets
        .permissions
        .contains(&("projects:read".to_string(), 1)));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_split_the_results_with_a_total(#[case] engine: Engine) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let c = Catalog::new(db).await;
    let n = PER_PAGE as usize + 1;
    let keys: Vec<String> = (0..n).map(|i| format!("page-ext-{i:02}")).collect();
    let names: Vec<String> = (0..n).map(|i| format!("Paged {i:02}")).collect();
    for (key, name) in keys.iter().zip(&names) {
        c.add(
            &c.publisher,
            &Ext {
                key,
                name,
                ..Ext::default()
            },
            "1.0.0",
            true,
        )
        .await;
    }
    let (first, total) = c.search(&[("sort", "name")]).await;
    assert_eq!(total, n as u64);
    assert_eq!(first.len(), PER_PAGE as usize);
    assert_eq!(first[0], "page-ext-00");
    let (second, total) = c.search(&[("sort", "name"), ("page", "2")]).await;
    assert_eq!(total, n as u64);
    assert_eq!(second, [keys[n - 1].clone()]);
    // Past the end: nothing, but the total still says how many there are.
    let (past, total) = c.search(&[("sort", "name"), ("page", "3")]).await;
    assert!(past.is_empty());
    assert_eq!(total, n as u64);
    // The same with search text.
    let (hits, total) = c.search(&[("q", "paged"), ("page", "2")]).await;
    assert_eq!((hits.len(), total), (1, n as u64));
    // Exactly one page.
    let (one, total) = c.search(&[("q", "paged 01")]).await;
    assert_eq!((one, total), (vec!["page-ext-01".to_string()], 1));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_follows_yanks_revocations_listings_deprecations_and_suspensions(
    #[case] engine: Engine,
) {
    let Some((db, _fresh)) = db(engine).await else {
        return;
    };
    let c = Catalog::new(db).await;
    let e = Ext {
        key: "follower",
        name: "Follower",
        ..Ext::default()
    };
    c.add(&c.publisher, &e, "1.0.0", true).await;
    c.add(&c.publisher, &e, "2.0.0", true).await;
    let latest = |c: &Catalog| {
        let pool = c.db.pool.clone();
        async move {
            catalog::card(&pool, "follower")
                .await
                .unwrap()
                .map(|c| c.latest)
        }
    };
    assert_eq!(latest(&c).await.as_deref(), Some("2.0.0"));
    let generation = catalog::generation(&c.db.pool).await.unwrap();
    c.act("follower", "2.0.0", Action::Yank, "Broken upgrade.")
        .await;
    assert_eq!(latest(&c).await.as_deref(), Some("1.0.0"));
    assert!(catalog::generation(&c.db.pool).await.unwrap() > generation);
    c.act("follower", "2.0.0", Action::Unyank, "Fixed upstream.")
        .await;
    assert_eq!(latest(&c).await.as_deref(), Some("2.0.0"));

    // The listing's words are searched as soon as they change.
    let ext = extensions::find_by_key(&c.db.pool, "follower")
        .await
        .unwrap()
        .unwrap();
    let mut listing = ext.listing.clone();
    listing.summary = "Mirrors kanban boards.".into();
    extensions::update_listing(&c.db.pool, &ext.id, &listing)
        .await
        .unwrap();
    assert_eq!(c.keys(&[("q", "kanban")]).await, ["follower"]);

    // Deprecation shows on the card.
    let deprecation = kiket_marketplace::model::extension::Deprecation {
        since: 1,
        reason: "Replaced.".into(),
        replacement: None,
        deadline: None,
    };
    extensions::set_deprecation(&c.db.pool, &ext.id, Some(&deprecation))
        .await
        .unwrap();
    assert!(
        catalog::card(&c.db.pool, "follower")
            .await
            .unwrap()
            .unwrap()
            .deprecated
    );

    // A suspended publisher's extensions leave the catalog and come back when reinstated.
    publishers::set_suspended(&c.db.pool, &c.publisher, Some("Report."))
        .await
        .unwrap();
    assert!(c.keys(&[("q", "kanban")]).await.is_empty());
    publishers::set_suspended(&c.db.pool, &c.publisher, None)
        .await
        .unwrap();
    assert_eq!(c.keys(&[]).await, ["follower"]);

    // With every version revoked, nothing is left to list.
    for v in ["1.0.0", "2.0.0"] {
        c.act("follower", v, Action::Revoke, "Leaks tokens.").await;
    }
    assert!(c.keys(&[]).await.is_empty());
    assert!(c.keys(&[("q", "kanban")]).await.is_empty());
    assert!(catalog::facets(&c.db.pool)
        .await
        .unwrap()
        .categories
        .is_empty());
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_listing_pages_carry_an_etag_and_change_with_the_catalog(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = Catalog::new(app.state.db.clone()).await;
    c.add(
        &c.publisher,
        &Ext {
            key: "cached-one",
            name: "Cached One",
            ..Ext::default()
        },
        "1.0.0",
        true,
    )
    .await;
    let visitor = crate::support::client();
    let url = app.url("/extensions?q=cached");
    let first = visitor.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let html = first.text().await.unwrap();
    assert!(html.contains("Cached One"), "{html}");
    assert!(html.contains("1 extension matches"), "{html}");
    assert!(
        html.contains("<title>“cached” — extensions · Kiket Marketplace</title>"),
        "{html}"
    );

    let again = visitor
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let same = visitor.get(&url).send().await.unwrap();
    assert_eq!(same.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(same.text().await.unwrap(), html);

    // A new listing changes the page at once.
    c.add(
        &c.publisher,
        &Ext {
            key: "cached-two",
            name: "Cached Two",
            ..Ext::default()
        },
        "1.0.0",
        true,
    )
    .await;
    let changed = visitor
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert!(changed.text().await.unwrap().contains("Cached Two"));

    // Signed-in pages are never shared.
    let user = app.signed_in_client("someone@example.com", false).await;
    let mine = user.get(&url).send().await.unwrap();
    assert_eq!(mine.status(), 200);
    assert!(mine.headers().get("etag").is_none());
    assert!(mine.text().await.unwrap().contains("Cached Two"));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_show_the_catalog_with_a_notice(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let visitor = crate::support::client();
    let res = visitor
        .get(app.url("/extensions?sort=newest&page=-2&category=games"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("There is no sort"), "{html}");
    assert!(html.contains("does not exist; showing page 1"), "{html}");
    assert!(html.contains("There is no category"), "{html}");
    // Search text is escaped, never markup.
    let res = visitor
        .get(app.url("/extensions?q=%3Cscript%3Ealert(1)%3C/script%3E"))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("No extensions match"), "{html}");
    // Nor can it end the title early.
    let res = visitor
        .get(app.url("/extensions?q=%3C/title%3E%3Cb%3Ebold"))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<title>“&lt;/title&gt;&lt;b&gt;bold” — extensions"),
        "{html}"
    );
    assert!(!html.contains("<b>bold"), "{html}");
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packaged_icon_is_served_sandboxed_and_others_get_a_monogram(#[case] engine: Engine) {
    use crate::support::{email, package};
    use kiket_marketplace::api::review::ActOnVersion;
    use leptos::server_fn::ServerFn;
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let owner_email = email("owner");
    let owner = app.signed_in_client(&owner_email, false).await;
    app.create_publisher("acme", &app.user_id(&owner_email).await)
        .await;
    let admin = app.signed_in_client(&email("admin"), true).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>"#;
    let with_icon = |key: &str, icon: &str| {
        crate::support::manifest(key, "1.0.0").replace(
            &format!("  base_url: https://{key}.example.com\n"),
            &format!("  base_url: https://{key}.example.com\n  icon: {icon}\n"),
        )
    };
    for (key, icon, file) in [
        ("iconic", "icon.svg", "icon.svg"),
        ("bitmap", "icon.bmp", "icon.bmp"),
    ] {
        let m = with_icon(key, icon);
        let res = app
            .upload(
                &owner,
                "acme",
                package(&[
                    ("extension.yaml", m.as_bytes()),
                    ("README.md", b"# Readme"),
                    ("CHANGELOG.md", b"## 1.0.0"),
                    (file, svg),
                ]),
            )
            .await;
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        let rules: Vec<&str> = body["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules.contains(&"icon-format"), key == "bitmap", "{rules:?}");
        for action in ["claim", "approve"] {
            let (status, _) = app
                .call_json(
                    &admin,
                    ActOnVersion::PATH,
                    &[("key", key), ("version", "1.0.0"), ("action", action)],
                )
                .await;
            assert_eq!(status, 200);
        }
    }
    let visitor = crate::support::client();
    let icon = visitor
        .get(app.url("/extensions/iconic/icon"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    let etag = icon.headers()["etag"].clone();
    assert_eq!(icon.bytes().await.unwrap().as_ref(), svg);
    let again = visitor
        .get(app.url("/extensions/iconic/icon"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(
        visitor
            .get(app.url("/extensions/bitmap/icon"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let html = app.page(&visitor, "/extensions?sort=name").await;
    assert!(html.contains(r#"src="/extensions/iconic/icon""#), "{html}");
    assert!(!html.contains(r#"src="/extensions/bitmap/icon""#), "{html}");
    assert!(html.contains("monogram"), "{html}");
}
