//! Event delivery: signed, durably recorded deliveries per second, against a bare reqwest loop.
//!
//! Run with `make bench` (or `cargo bench --features ssr --bench delivery`). In one process, on
//! SQLite and (when `BENCH_PG_URL` or `TEST_PG_DATABASE_URL` names a database) on PostgreSQL:
//!
//! 1. **Burst.** `BENCH_INSTALLATIONS` (20) installations of the Event Inspector example, each in
//!    its own project and subscribed to `issue.created`, and a burst of `BENCH_EVENTS` (500) events
//!    into each project, committed by eight emitters (intake: events/s): 10,000 deliveries. Then
//!    the instance's 4 workers (the default) start: they claim, resolve secrets (audited), sign,
//!    send to a loopback receiver that answers 200, and record every attempt. Throughput is
//!    deliveries from the workers' start to the last recorded attempt.
//! 2. **Baselines.** POSTs of the same body size to the same receiver from a bare reqwest loop,
//!    one at a time, and with as many requests in flight as the workers have (4 × 32): nothing
//!    signed, nothing recorded.
//! 3. **Latency.** 200 events, one every 20 ms, into one project: commit → first attempt, p50 and
//!    p99 (the attempt's start minus the delivery's creation).

use kiket_marketplace::model::account::{DisplayName, Email};
use kiket_marketplace::model::publisher::PublisherSlug;
use kiket_marketplace::model::review::{decide, Action};
use kiket_marketplace::server::config::Config;
use kiket_marketplace::server::db::deliveries::NewEvent;
use kiket_marketplace::server::db::{now_ms, organizations, publishers, review};
use kiket_marketplace::server::delivery::{self, worker};
use kiket_marketplace::server::packages::publish;
use kiket_marketplace::server::startup::build_state;
use kiket_marketplace::server::state::AppState;
use kiket_marketplace::server::{auth, demo, install, signing};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WORKERS: usize = 4;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A loopback receiver that answers 200 to every POST; counts what it got.
async fn receiver() -> (String, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let counted = count.clone();
    let app = axum::Router::new().fallback(axum::routing::post(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::Relaxed);
            axum::Json(serde_json::json!({"ok": true}))
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr.to_string(), count)
}

/// Publishes the Event Inspector example and installs it into `projects` new projects.
async fn setup(state: &AppState, receiver: &str, projects: usize) -> Vec<String> {
    let db = &state.db;
    let admin = auth::register(
        db,
        &Email::parse("bench@example.com").unwrap(),
        &DisplayName::parse("Bench").unwrap(),
        secrecy::SecretString::from("a long enough password".to_string()),
        true,
    )
    .await
    .unwrap();
    publishers::create(
        &db.pool,
        &PublisherSlug::parse("bench").unwrap(),
        "Bench",
        &admin.id,
    )
    .await
    .unwrap();
    let bytes = demo::example_package("event-inspector", "1.0.0").unwrap();
    let staged = publish::StagedPackage::from_bytes(&bytes).await.unwrap();
    publish::publish(state, &admin, "bench", staged, "")
        .await
        .map_err(|r| r.error)
        .unwrap();
    for action in [Action::Claim, Action::Approve] {
        let target = review::find(&db.pool, "event-inspector", "1.0.0")
            .await
            .unwrap()
            .unwrap();
        let to = decide(target.standing, action, true, true, "").unwrap();
        review::apply(
            &db.pool,
            &target,
            "event-inspector",
            "1.0.0",
            to,
            action,
            &admin.id,
            "",
        )
        .await
        .unwrap();
    }
    let org = organizations::create(&db.pool, "bench", "Bench", &admin.id)
        .await
        .unwrap();
    let secret = signing::generate_secret();
    let mut ids = Vec::new();
    for p in 0..projects {
        let project =
            organizations::create_project(&db.pool, &org, &format!("p{p}"), "P", &admin.id)
                .await
                .unwrap();
        install::install_with(
            state,
            &admin.id,
            &org,
            &project,
            "event-inspector",
            &[
                ("listener_address", receiver),
                ("INSPECTOR_SIGNING_SECRET", &secret),
            ],
        )
        .await
        .unwrap();
        ids.push(project.id);
    }
    ids.insert(0, org.id);
    ids
}

async fn emit(state: &AppState, org: &str, project: &str, n: usize) {
    let data = serde_json::json!({"issue": {"id": n, "key": format!("B-{n}"), "title": "A benchmark issue with a title of ordinary length"}});
    delivery::post(
        state,
        &NewEvent {
            organization_id: org,
            project_id: project,
            name: "issue.created",
            data: &data,
            source: "api",
            actor_id: None,
        },
    )
    .await
    .unwrap();
}

async fn open_deliveries(state: &AppState) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'sending')")
            .fetch_one(&state.db.pool)
            .await
            .unwrap();
    n
}

async fn drain(state: &AppState) {
    while open_deliveries(state).await > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Sends `n` POSTs of `size` bytes with `in_flight` at a time; requests per second.
async fn baseline(url: &str, n: usize, size: usize, in_flight: usize) -> f64 {
    use futures_util::StreamExt;
    let client = reqwest::Client::new();
    let body = bytes::Bytes::from(vec![b'x'; size]);
    let started = Instant::now();
    futures_util::stream::iter(0..n)
        .map(|_| {
            let (client, body) = (client.clone(), body.clone());
            async move {
                client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
            }
        })
        .buffer_unordered(in_flight)
        .collect::<Vec<_>>()
        .await;
    n as f64 / started.elapsed().as_secs_f64()
}

async fn run(label: &str, url: &str, installations: usize, events: usize) {
    let config = Config {
        db_max_connections: 16,
        ..Config::for_tests(url)
    };
    let state = build_state(config).await.unwrap();
    let (receiver, received) = receiver().await;
    let ids = setup(&state, &receiver, installations).await;
    let (org, projects) = (&ids[0], &ids[1..]);

    // 1. Burst: the events are committed (eight emitters at a time), then the workers start.
    let started = Instant::now();
    let emitters: Vec<_> = (0..8)
        .map(|e| {
            let (state, org, projects) = (state.clone(), org.clone(), projects.to_vec());
            tokio::spawn(async move {
                for n in (e..events).step_by(8) {
                    for project in &projects {
                        emit(&state, &org, project, n).await;
                    }
                }
            })
        })
        .collect();
    for e in emitters {
        e.await.unwrap();
    }
    let intake = (installations * events) as f64 / started.elapsed().as_secs_f64();
    // Each installation's extension.installed is queued too.
    let deliveries = installations * events + installations;
    let started = Instant::now();
    let _workers = worker::spawn(&state, WORKERS);
    drain(&state).await;
    let elapsed = started.elapsed().as_secs_f64();
    let durable = deliveries as f64 / elapsed;
    assert_eq!(
        received.load(Ordering::Relaxed),
        deliveries as u64,
        "every delivery arrived once"
    );
    let (body_size,): (i64,) = sqlx::query_as(
        "SELECT CAST(AVG(LENGTH(payload)) AS BIGINT) FROM events WHERE name = 'issue.created'",
    )
    .fetch_one(&state.db.pool)
    .await
    .unwrap();
    // The payload is the event's data; the request adds the envelope (~700 bytes).
    let size = body_size as usize + 700;

    // 2. Baselines: one request at a time, and as many in flight as the workers have.
    let target = format!("http://{receiver}/events");
    let bare = baseline(&target, deliveries.min(5_000), size, 1).await;
    let bare_parallel = baseline(&target, deliveries, size, WORKERS * worker::BATCH as usize).await;

    // 3. Latency.
    let since = now_ms();
    for n in 0..200 {
        emit(&state, org, &projects[0], n).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drain(&state).await;
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT a.started_at - d.created_at FROM deliveries d \
         JOIN delivery_attempts a ON a.delivery_id = d.id AND a.number = 1 \
         WHERE d.created_at >= $1",
    )
    .bind(since)
    .fetch_all(&state.db.pool)
    .await
    .unwrap();
    let mut latency: Vec<i64> = rows.into_iter().map(|(ms,)| ms).collect();
    latency.sort_unstable();

    println!(
        "{label}: {deliveries} deliveries ({installations} installations × {events} events, and extension.installed) in {elapsed:.2} s"
    );
    println!("  events committed (intake)            {intake:>8.0} /s");
    println!("  durable, signed deliveries           {durable:>8.0} /s");
    println!(
        "  bare reqwest loop, one at a time     {bare:>8.0} /s   ratio {:.2} ×",
        durable / bare
    );
    println!(
        "  bare reqwest, {} in flight          {bare_parallel:>8.0} /s   ratio {:.2} ×",
        WORKERS * worker::BATCH as usize,
        durable / bare_parallel
    );
    println!(
        "  commit → first attempt       p50 {} ms, p99 {} ms ({} deliveries, one every 20 ms)",
        percentile(&latency, 0.5),
        percentile(&latency, 0.99),
        latency.len()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let installations = env_usize("BENCH_INSTALLATIONS", 20);
    let events = env_usize("BENCH_EVENTS", 500);
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        run("SQLite", &url, installations, events).await;
        if let Some(pg) = std::env::var("BENCH_PG_URL")
            .ok()
            .or_else(|| std::env::var("TEST_PG_DATABASE_URL").ok())
        {
            run("PostgreSQL", &pg, installations, events).await;
        }
    });
}
