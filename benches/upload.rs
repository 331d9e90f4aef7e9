//! Upload of a 50 MB package: throughput and the process's peak RSS growth, side by side with a
//! baseline that only receives the same bytes.
//!
//! Run with `make bench` (or `cargo bench --features ssr --bench upload`). The marketplace runs in
//! this process on a scratch SQLite database and a scratch blob directory; the client streams each
//! package from disk, so the memory measured is the server's. The baseline is an axum handler in
//! the same process that reads the same multipart body and throws it away.

use axum::extract::Multipart;
use axum::routing::post;
use kiket_marketplace::server::config::Config;
use kiket_marketplace::server::packages::pack;
use kiket_marketplace::server::startup::{build_router, build_state, serve};
use std::io::Write;
use std::time::{Duration, Instant};

const PACKAGE_BYTES: usize = 50 * 1024 * 1024 - 64 * 1024;
const ROUNDS: usize = 5;

/// A package of `PACKAGE_BYTES` whose bulk does not compress (so the archive is ~50 MB).
fn package(dir: &std::path::Path, version: &str) -> std::path::PathBuf {
    let manifest = format!(
        "manifest_version: 2\nextension:\n  key: bench-upload\n  name: Bench Upload\n  version: {version}\n  \
         base_url: https://bench.example.com\ntriggers:\n  - event: issue.created\n    handler: /events\n"
    );
    // A cheap deterministic generator: xorshift bytes do not compress.
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ version.len() as u64;
    let mut bulk = vec![0u8; PACKAGE_BYTES];
    for chunk in bulk.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
    let files = vec![
        Ok(("extension.yaml".to_string(), manifest.into_bytes(), false)),
        Ok(("README.md".to_string(), b"# Bench".to_vec(), false)),
        Ok(("CHANGELOG.md".to_string(), b"## bench".to_vec(), false)),
        Ok(("assets/data.bin".to_string(), bulk, false)),
    ];
    let path = dir.join(format!("bench-{version}.tar.gz"));
    let file = std::fs::File::create(&path).expect("create package");
    let mut file = pack::write_archive(file, files).expect("pack");
    file.flush().expect("flush");
    path
}

/// Peak resident set of this process in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the peak so the next reading covers only what follows (Linux `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn send(client: &reqwest::Client, url: &str, path: &std::path::Path) -> (Duration, u16, u64) {
    let file = tokio::fs::File::open(path).await.expect("open package");
    let len = file.metadata().await.expect("metadata").len();
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
        file,
        256 * 1024,
    ));
    let part = reqwest::multipart::Part::stream_with_length(body, len)
        .file_name("package.tar.gz")
        .mime_str("application/gzip")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("publisher", "bench")
        .part("package", part);
    let start = Instant::now();
    let res = client
        .post(url)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    let _ = res.bytes().await;
    (start.elapsed(), status, len)
}

fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(&format!(
        "sqlite://{}/bench.db?mode=rwc",
        dir.path().display()
    ));
    config.blob_url = format!("file://{}/blobs", dir.path().display());
    let state = build_state(config).await.expect("state");

    // The account and publisher the uploads use.
    let email = kiket_marketplace::model::account::Email::parse("bench@example.com").unwrap();
    let user = kiket_marketplace::server::auth::register(
        &state.db,
        &email,
        &kiket_marketplace::model::account::DisplayName::parse("Bench").unwrap(),
        secrecy::SecretString::from("a long enough password".to_string()),
        false,
    )
    .await
    .expect("register");
    kiket_marketplace::server::db::publishers::create(
        &state.db.pool,
        &kiket_marketplace::model::publisher::PublisherSlug::parse("bench").unwrap(),
        "Bench",
        &user.id,
    )
    .await
    .expect("publisher");

    let router = build_router(state.clone()).route(
        "/baseline",
        post(|mut multipart: Multipart| async move {
            let mut n = 0usize;
            while let Ok(Some(mut field)) = multipart.next_field().await {
                while let Ok(Some(chunk)) = field.chunk().await {
                    n += chunk.len();
                }
            }
            n.to_string()
        })
        .layer(axum::extract::DefaultBodyLimit::disable()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, router, std::future::pending()));

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let res = client
        .post(format!(
            "http://{addr}{}",
            <kiket_marketplace::api::auth::SignIn as leptos::server_fn::ServerFn>::PATH
        ))
        .form(&[
            ("email", "bench@example.com"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(res.status().is_success(), "sign-in failed");

    let packages: Vec<_> = (0..ROUNDS)
        .map(|i| package(dir.path(), &format!("1.0.{i}")))
        .collect();
    let warm = package(dir.path(), "0.0.1");
    // One of each first, so that lazily built state does not count.
    send(&client, &format!("http://{addr}/baseline"), &warm).await;
    let (_, status, _) = send(&client, &format!("http://{addr}/publish/upload"), &warm).await;
    assert_eq!(status, 201, "warm-up upload refused");

    let mut base = Vec::new();
    let mut kiket = Vec::new();
    let mut rss_growth = Vec::new();
    for p in &packages {
        let (d, _, len) = send(&client, &format!("http://{addr}/baseline"), p).await;
        base.push(mb_per_s(len, d));
        reset_peak_rss();
        let before = peak_rss_kib();
        let (d, status, len) = send(&client, &format!("http://{addr}/publish/upload"), p).await;
        assert_eq!(status, 201, "upload refused");
        rss_growth.push((peak_rss_kib().saturating_sub(before)) as f64 / 1024.0);
        kiket.push(mb_per_s(len, d));
    }
    let size_mb = std::fs::metadata(&packages[0]).unwrap().len() as f64 / (1024.0 * 1024.0);
    let (b, k) = (median(base), median(kiket));
    println!("upload of a {size_mb:.1} MB package, {ROUNDS} rounds, medians:");
    println!("  baseline (receive and discard):   {b:8.1} MB/s");
    println!(
        "  marketplace upload (all checks):  {k:8.1} MB/s   ratio {:.2} × baseline",
        k / b
    );
    println!(
        "  peak RSS growth during an upload: {:8.1} MB (max {:.1} MB)",
        median(rss_growth.clone()),
        rss_growth.iter().cloned().fold(0.0, f64::max)
    );
}
