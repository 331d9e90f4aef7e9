//! The catalog at scale: 10,000 extensions with 10 versions each (100,000 versions).
//!
//! Run with `make bench` (or `cargo bench --features ssr --bench catalog`). It measures, in one
//! process and with the same load generator and connection count:
//!
//! 1. **Catalog search pages** over HTTP at 64 connections: a visitor's search page (served from
//!    the generation-checked page cache after its first render), the same pages rendered for every
//!    request (a session cookie bypasses the cache), and a baseline axum handler that serves static
//!    HTML of the same size. Throughput, p50 and p99, and the ratios against the baseline.
//! 2. **Search queries** (`db::catalog::search`, no HTTP) on SQLite and, when `BENCH_PG_URL` or
//!    `TEST_PG_DATABASE_URL` names a PostgreSQL database, on PostgreSQL: p50, p95 and p99 over a
//!    mix of one- and two-word searches, filters, sorts and pages, and the slowest of them.
//!
//! The data is inserted in bulk and then indexed by the same `catalog::refresh` every change
//! goes through. `BENCH_EXTENSIONS` and `BENCH_SECONDS` scale it down for a quick look;
//! `BENCH_ENGINES=postgres` measures PostgreSQL alone, and a PostgreSQL database that an earlier
//! run seeded (`make bench` drops its own; name another one in `BENCH_PG_URL` to keep it) is
//! searched again without seeding it anew.

use axum::routing::get;
use kiket_marketplace::model::catalog::{CatalogParams, CatalogQuery};
use kiket_marketplace::server::config::Config;
use kiket_marketplace::server::db::{catalog, now_ms, Db};
use kiket_marketplace::server::startup::{build_router, build_state, serve, SESSION_COOKIE};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VERSIONS_PER_EXTENSION: usize = 10;
const CONNECTIONS: usize = 64;

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "zu", "no", "vi", "sa", "pe", "do", "ri", "an", "el", "or", "us",
    "bri", "gon", "tal", "mer", "quin", "dro", "fel", "sun",
];
const CATEGORIES: &[&str] = &[
    "project_management",
    "marketing",
    "development",
    "communication",
    "automation",
    "productivity",
    "operations",
];
const EVENTS: &[&str] = &[
    "issue.created",
    "issue.updated",
    "issue.closed",
    "issue.assigned",
    "issue.transitioned",
    "comment.created",
    "sprint.started",
    "sprint.completed",
    "release.published",
    "project.archived",
    "workflow.before_transition",
    "user.invited",
];
const PERMISSIONS: &[&str] = &[
    "issues:read",
    "issues:write",
    "comments:read",
    "comments:write",
    "projects:read",
    "users:read",
    "sprints:read",
    "releases:write",
    "workflows:read",
    "webhooks:manage",
];

/// A small deterministic generator (xorshift), so every run seeds the same catalog.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A made-up word of two or three syllables; the vocabulary has a few thousand words, so a
    /// word is in about one document in a hundred and common prefixes in many more.
    fn word(&mut self) -> String {
        let n = 2 + self.below(2);
        (0..n).map(|_| self.pick(SYLLABLES)).collect()
    }

    fn words(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.word()).collect()
    }
}

fn yaml_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// The user who uploads every version, and the publishers.
async fn bench_user_and_publishers(
    conn: &mut sqlx::AnyConnection,
    user: &str,
    publishers: usize,
    now: i64,
) {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, is_admin, password_changed_at, \
         created_at, updated_at) VALUES ($1, 'bench@example.com', 'Bench', 'x', 1, $2, $2, $2)",
    )
    .bind(user)
    .bind(now)
    .execute(&mut *conn)
    .await
    .expect("user");
    for p in 0..publishers {
        sqlx::query(
            "INSERT INTO publishers (id, slug, display_name, verified, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(format!("pub_{p}"))
        .bind(format!("publisher-{p}"))
        .bind(format!("Publisher {p}"))
        .bind(i64::from(p % 5 == 0))
        .bind(now)
        .execute(&mut *conn)
        .await
        .expect("publisher");
    }
}

/// Inserts `n` extensions with their versions in bulk, then indexes each through
/// `catalog::refresh`. Returns the search texts to query with; with `write` false, only those (for
/// the catalog an earlier run left in a kept database).
async fn seed(db: &Db, n: usize, write: bool) -> Vec<String> {
    let pool = &db.pool;
    let now = now_ms();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let user = "usr_bench";
    let publishers = 50;
    let mut queries = Vec::new();
    let mut ids = Vec::with_capacity(n);
    let mut tx = pool.begin().await.expect("begin");
    if write {
        bench_user_and_publishers(&mut tx, user, publishers, now).await;
    }
    for i in 0..n {
        let id = format!("ext_{i:05}");
        let name_words = rng.words(2);
        let key = format!("{}-{}-{i}", name_words[0], name_words[1]);
        let name = format!("{} {}", capital(&name_words[0]), capital(&name_words[1]));
        let summary = rng.words(10).join(" ");
        let tags = rng.words(3);
        let mut cats = vec![rng.pick(CATEGORIES).to_string()];
        if rng.below(2) == 0 {
            let c = rng.pick(CATEGORIES).to_string();
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        let events: Vec<String> = (0..1 + rng.below(3))
            .map(|_| rng.pick(EVENTS).to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let perms: Vec<String> = (0..1 + rng.below(3))
            .map(|_| rng.pick(PERMISSIONS).to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let readme = format!(
            "# {name}\n\n{}\n\n## Setup\n\n{}",
            rng.words(60).join(" "),
            rng.words(40).join(" ")
        );
        if i % 50 == 0 {
            queries.push(name_words[0].clone());
            queries.push(format!("{} {}", tags[0], &summary[..3]));
            queries.push(summary[..4].to_string());
        }
        if !write {
            continue;
        }
        let triggers: String = events
            .iter()
            .map(|e| format!("  - event: {e}\n    handler: /events\n"))
            .collect();
        let source = format!(
            "manifest_version: 2\nextension:\n  key: {key}\n  name: {name}\n  version: 1.0.0\n  \
             description: {summary}\n  base_url: https://{key}.example.com\n  permissions: {}\n  \
             categories: {}\n  tags: {}\ntriggers:\n{triggers}",
            yaml_list(&perms),
            yaml_list(&cats),
            yaml_list(&tags),
        );
        let lint = kiket_marketplace::model::manifest::lint(&source);
        let manifest = lint
            .manifest
            .unwrap_or_else(|| panic!("{source}\n{:?}", lint.diagnostics));
        let manifest_json = serde_json::to_string(&manifest).expect("json");
        sqlx::query(
            "INSERT INTO extensions (id, key, publisher_id, name, summary, categories, tags, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(&key)
        .bind(format!("pub_{}", i % publishers))
        .bind(&name)
        .bind(&summary)
        .bind(serde_json::to_string(&cats).unwrap())
        .bind(serde_json::to_string(&tags).unwrap())
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("extension");
        for v in 0..VERSIONS_PER_EXTENSION {
            let published = now - ((n - i) * 60_000 + (VERSIONS_PER_EXTENSION - v) * 1_000) as i64;
            sqlx::query(
                "INSERT INTO versions (id, extension_id, version, prerelease, state, sha256, size_bytes, \
                 unpacked_bytes, file_count, manifest_path, manifest_source, manifest, readme_text, \
                 uploaded_by, created_at, updated_at, decided_at) VALUES ($1, $2, $3, 0, 'published', $4, \
                 1000, 2000, 3, 'extension.yaml', $5, $6, $7, $8, $9, $9, $9)",
            )
            .bind(format!("ver_{i:05}_{v}"))
            .bind(&id)
            .bind(format!("1.{v}.0"))
            .bind(format!("{:064x}", (i * 100 + v) as u128))
            .bind(&source)
            .bind(&manifest_json)
            .bind(&readme)
            .bind(user)
            .bind(published)
            .execute(&mut *tx)
            .await
            .expect("version");
        }
        ids.push(id);
        if i % 1000 == 999 {
            tx.commit().await.expect("commit");
            tx = pool.begin().await.expect("begin");
        }
    }
    tx.commit().await.expect("commit");
    if !write {
        return queries;
    }
    for chunk in ids.chunks(500) {
        let mut tx = pool.begin().await.expect("begin");
        for id in chunk {
            catalog::refresh(&mut tx, id).await.expect("refresh");
        }
        tx.commit().await.expect("commit");
    }
    // Install counts (installations arrive with the install flow): a long tail.
    for (i, id) in ids.iter().enumerate() {
        if i % 7 == 0 {
            sqlx::query("UPDATE catalog_entries SET installs = $1 WHERE extension_id = $2")
                .bind((100_000 / (i + 1)) as i64)
                .bind(id)
                .execute(pool)
                .await
                .expect("installs");
        }
    }
    queries
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The catalog queries measured: search texts alone, with a filter, with a sort, and on page 2.
fn query_mix(texts: &[String]) -> Vec<CatalogQuery> {
    let mut out = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let mut pairs: Vec<(&str, String)> = vec![("q", t.clone())];
        match i % 5 {
            1 => pairs.push(("category", CATEGORIES[i % CATEGORIES.len()].into())),
            2 => pairs.push(("sort", "installs".into())),
            3 => pairs.push(("event", EVENTS[i % EVENTS.len()].into())),
            4 => pairs.push(("page", "2".into())),
            _ => {}
        }
        let params = CatalogParams::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        out.push(CatalogQuery::parse(&params).0);
    }
    // Browsing without text: sorted, filtered, deep pages.
    for (i, sort) in ["installs", "updated", "name"].iter().enumerate() {
        for page in ["1", "40"] {
            let pairs = [
                ("sort", *sort),
                ("page", page),
                ("permission", PERMISSIONS[i]),
            ];
            out.push(CatalogQuery::parse(&CatalogParams::from_pairs(pairs)).0);
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Query latency of `db::catalog::search`, sequentially, after one warm-up pass: prints p50, p95
/// and p99, and the slowest queries with their number of matches.
async fn search_latency(engine: &str, db: &Db, queries: &[CatalogQuery]) {
    for q in queries.iter().take(20) {
        catalog::search(db, q).await.expect("search");
    }
    let mut times = Vec::new();
    // The longest time of each distinct query, with its number of matches.
    let mut slowest: Vec<(Duration, String, u64)> = Vec::new();
    for _ in 0..3 {
        for q in queries {
            let start = Instant::now();
            let (_, total) = catalog::search(db, q).await.expect("search");
            let took = start.elapsed();
            times.push(took);
            let url = q.to_query_string(q.page);
            match slowest.iter_mut().find(|s| s.1 == url) {
                Some(s) => s.0 = s.0.max(took),
                None => slowest.push((took, url, total)),
            }
        }
    }
    times.sort();
    println!(
        "  {engine:<11} p50 {:6.2} ms  p95 {:6.2} ms  p99 {:6.2} ms",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
    );
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let shown: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|(took, url, total)| format!("{url} ({total} matches) {:.1} ms", ms(*took)))
        .collect();
    println!("    slowest: {}", shown.join(", "));
}

struct Load {
    requests: u64,
    bytes: u64,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

/// `CONNECTIONS` workers, each with its own keep-alive connection, requesting `urls` in turn for
/// `seconds`.
async fn load(urls: Arc<Vec<String>>, cookie: Option<String>, seconds: u64) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONNECTIONS {
        let urls = urls.clone();
        let stop = stop.clone();
        let cookie = cookie.clone();
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let mut times = Vec::new();
            let mut bytes = 0u64;
            let mut i = w;
            while !stop.load(Ordering::Relaxed) {
                let url = &urls[i % urls.len()];
                i += 1;
                let t = Instant::now();
                let mut req = client.get(url);
                if let Some(c) = &cookie {
                    req = req.header("cookie", c);
                }
                let res = req.send().await.expect("request");
                assert_eq!(res.status(), 200, "{url}");
                bytes += res.bytes().await.expect("body").len() as u64;
                times.push(t.elapsed());
            }
            (times, bytes)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut bytes = 0;
    for w in workers {
        let (t, b) = w.await.expect("worker");
        all.extend(t);
        bytes += b;
    }
    let elapsed = start.elapsed();
    all.sort();
    Load {
        requests: all.len() as u64,
        bytes,
        elapsed,
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
    }
}

fn report(label: &str, l: &Load, baseline: Option<&Load>) {
    let rps = l.requests as f64 / l.elapsed.as_secs_f64();
    let ratio = baseline
        .map(|b| {
            format!(
                "  {:.2} × baseline",
                rps / (b.requests as f64 / b.elapsed.as_secs_f64())
            )
        })
        .unwrap_or_default();
    println!(
        "  {label:<44} {rps:9.0} req/s  p50 {:6.2} ms  p99 {:6.2} ms  ({} KB/response){ratio}",
        ms(l.p50),
        ms(l.p99),
        l.bytes / l.requests.max(1) / 1024
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_EXTENSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    if engines.contains("sqlite") {
        sqlite_and_pages(n, seconds).await;
    }
    if !engines.contains("postgres") {
        return;
    }
    let pg = std::env::var("BENCH_PG_URL")
        .or_else(|_| std::env::var("TEST_PG_DATABASE_URL"))
        .ok();
    match pg {
        Some(url) => {
            let pg = Db::connect(&url, 16).await.expect("PostgreSQL");
            catalog::build_if_new(&pg.pool).await.expect("index");
            let (seeded,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM catalog_entries")
                .fetch_one(&pg.pool)
                .await
                .expect("count");
            let t = Instant::now();
            let texts = seed(&pg, n, seeded == 0).await;
            // The state autovacuum keeps a table in, soon after a bulk load.
            sqlx::query("VACUUM ANALYZE").execute(&pg.pool).await.ok();
            if seeded == 0 {
                println!(
                    "  (seeded PostgreSQL in {:.1} s)",
                    t.elapsed().as_secs_f64()
                );
            } else {
                println!("  (PostgreSQL: the {seeded} extensions an earlier run seeded)");
            }
            search_latency("PostgreSQL", &pg, &query_mix(&texts)).await;
        }
        None => println!(
            "  PostgreSQL  skipped: set BENCH_PG_URL to an empty scratch database (make bench does)"
        ),
    }
}

/// The catalog on SQLite: seeds it, measures the pages over HTTP, then the search queries.
async fn sqlite_and_pages(n: usize, seconds: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(&format!(
        "sqlite://{}/bench.db?mode=rwc",
        dir.path().display()
    ));
    config.db_max_connections = 16;
    let state = build_state(config).await.expect("state");
    let t = Instant::now();
    let texts = seed(&state.db, n, true).await;
    println!(
        "seeded {n} extensions, {} versions on SQLite in {:.1} s",
        n * VERSIONS_PER_EXTENSION,
        t.elapsed().as_secs_f64()
    );
    let queries = query_mix(&texts);

    // Pages over HTTP.
    let urls: Vec<String> = queries
        .iter()
        .filter(|q| !q.q.is_empty())
        .map(|q| format!("/extensions{}", q.to_query_string(q.page)))
        .collect();
    let router = build_router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, router, std::future::pending()));
    let client = reqwest::Client::new();
    // Every page once (so the visitor run measures the steady state), and their mean size for
    // the baseline.
    let mut total = 0;
    for u in &urls {
        total += client
            .get(format!("http://{addr}{u}"))
            .send()
            .await
            .expect("page")
            .bytes()
            .await
            .expect("body")
            .len();
    }
    let mean = total / urls.len();
    let static_html: &'static [u8] = Box::leak(vec![b'x'; mean].into_boxed_slice());
    let baseline = axum::Router::new().route(
        "/baseline",
        get(move || async move { ([("content-type", "text/html; charset=utf-8")], static_html) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base_addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, baseline, std::future::pending()));

    let page_urls: Arc<Vec<String>> =
        Arc::new(urls.iter().map(|u| format!("http://{addr}{u}")).collect());
    let base = load(
        Arc::new(vec![format!("http://{base_addr}/baseline")]),
        None,
        seconds,
    )
    .await;
    let visitor = load(page_urls.clone(), None, seconds).await;
    let rendered = load(
        page_urls.clone(),
        Some(format!("{SESSION_COOKIE}=not-a-session")),
        seconds,
    )
    .await;
    println!(
        "catalog search pages, {} distinct URLs, {CONNECTIONS} connections, {seconds} s each:",
        page_urls.len()
    );
    report("baseline: static HTML of the same size", &base, None);
    report(
        "visitor search page (generation-checked cache)",
        &visitor,
        Some(&base),
    );
    report("search page rendered per request", &rendered, Some(&base));

    println!(
        "search queries ({} distinct: text, filters, sorts, pages), sequential:",
        queries.len()
    );
    search_latency("SQLite", &state.db, &queries).await;
}
