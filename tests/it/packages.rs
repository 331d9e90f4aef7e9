//! Publishing through the upload endpoint: valid packages, the malicious-archive corpus, version
//! rules, concurrent uploads, downloads, listings and the S3 blob store.

use crate::support::{
    client, email, manifest, package, spawn_app, spawn_app_with, valid_package, Engine, TestApp,
};
use kiket_marketplace::api::extensions::{GetVersion, TakeUploadRefusal, UpdateListing};
use kiket_marketplace::model::extension::VersionDetail;
use rstest::rstest;
use std::io::{Read, Write};

/// An owner with a publisher, signed in.
async fn owner(app: &TestApp, slug: &str) -> reqwest::Client {
    let e = email("owner");
    let c = app.signed_in_client(&e, false).await;
    let id = app.user_id(&e).await;
    app.create_publisher(slug, &id).await;
    c
}

async fn json(res: reqwest::Response) -> serde_json::Value {
    res.json().await.expect("json body")
}

/// Nothing of a refused upload may remain: no extension, no version, no claim, no blob.
async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.count("extensions").await, 0, "extensions");
    assert_eq!(app.count("versions").await, 0, "versions");
    assert_eq!(app.count("version_claims").await, 0, "claims");
    assert_eq!(
        app.state.blobs.list().await.unwrap(),
        Vec::<String>::new(),
        "blobs"
    );
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_package_becomes_a_submitted_version(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    let bytes = valid_package("hello-world", "1.0.0");
    let res = app.upload(&c, "acme", bytes.clone()).await;
    assert_eq!(res.status(), 201);
    let body = json(res).await;
    assert_eq!(
        body["url"],
        "/publish/extensions/hello-world/versions/1.0.0"
    );
    assert_eq!(body["findings"], serde_json::json!([]));

    let res = app
        .call_with(
            &c,
            <GetVersion as leptos::server_fn::ServerFn>::PATH,
            &[("key", "hello-world"), ("version", "1.0.0")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: VersionDetail = res.json().await.unwrap();
    assert_eq!(v.summary.state.as_str(), "submitted");
    assert_eq!(v.release_notes.as_deref(), Some("Notes."));
    assert_eq!(
        v.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        vec!["CHANGELOG.md", "README.md", "extension.yaml"]
    );
    let readme = v.docs.readme_html.unwrap();
    assert!(readme.contains("It works."), "{readme}");
    assert!(!readme.contains("<script"), "{readme}");

    // The package is stored by its hash and downloads as it was uploaded.
    let sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert_eq!(v.sha256, sha);
    assert_eq!(app.state.blobs.list().await.unwrap(), vec![sha.clone()]);
    let res = c
        .get(app.url("/extensions/hello-world/versions/1.0.0/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-checksum-sha256"], sha.as_str());
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"hello-world-1.0.0.tar.gz\""
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_upload_redirects_to_the_version_or_back_with_the_refusal(
    #[case] engine: Engine,
) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    let post = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("publisher", "acme")
            .text("release_notes", "Typed notes")
            .part(
                "package",
                reqwest::multipart::Part::bytes(bytes).file_name("p.tar.gz"),
            );
        c.post(app.url("/publish/upload"))
            .header("accept", "text/html")
            .multipart(form)
            .send()
    };
    let res = post(valid_package("plain-one", "1.0.0")).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/publish/extensions/plain-one/versions/1.0.0"
    );

    let leaky = package(&[
        ("extension.yaml", manifest("plain-two", "1.0.0").as_bytes()),
        ("config/.env", b"API_TOKEN=very-secret-value"),
    ]);
    let res = post(leaky).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/publish#upload");
    // The form shows the refusal once, with the findings and the typed notes.
    let res = app
        .call_with(
            &c,
            <TakeUploadRefusal as leptos::server_fn::ServerFn>::PATH,
            &[],
        )
        .await;
    let refusal = json(res).await;
    assert_eq!(refusal["release_notes"], "Typed notes");
    assert_eq!(refusal["findings"][0]["rule"], "secret-in-file");
    assert_eq!(refusal["findings"][0]["file"], "config/.env");
    assert!(!refusal.to_string().contains("very-secret-value"));
    let again = app
        .call_with(
            &c,
            <TakeUploadRefusal as leptos::server_fn::ServerFn>::PATH,
            &[],
        )
        .await;
    assert_eq!(json(again).await, serde_json::Value::Null);
}

/// A raw tar entry for archives the tar crate would refuse to write.
struct Raw<'a> {
    name: &'a [u8],
    kind: tar::EntryType,
    data: &'a [u8],
}

fn raw_archive(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    {
        let mut tar = tar::Builder::new(&mut gz);
        for e in entries {
            let mut header = tar::Header::new_old();
            header.as_old_mut().name[..e.name.len()].copy_from_slice(e.name);
            header.set_entry_type(e.kind);
            header.set_mode(0o644);
            let data: &[u8] = if matches!(e.kind, tar::EntryType::Symlink | tar::EntryType::Link) {
                header.set_link_name("extension.yaml").unwrap();
                &[]
            } else {
                e.data
            };
            header.set_size(data.len() as u64);
            header.set_cksum();
            tar.append(&header, data).unwrap();
        }
        tar.finish().unwrap();
    }
    gz.flush().unwrap();
    gz.finish().unwrap()
}

fn with_manifest(extra: Raw<'_>) -> Vec<u8> {
    let m = manifest("evil-ext", "1.0.0");
    let m: &'static [u8] = Box::leak(m.into_bytes().into_boxed_slice());
    raw_archive(&[
        Raw {
            name: b"extension.yaml",
            kind: tar::EntryType::Regular,
            data: m,
        },
        extra,
    ])
}

fn bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    {
        let mut tar = tar::Builder::new(&mut gz);
        let m = manifest("evil-ext", "1.0.0");
        let mut h = tar::Header::new_gnu();
        h.set_size(m.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, "extension.yaml", m.as_bytes())
            .unwrap();
        let size = 201 * 1024 * 1024;
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o644);
        tar.append_data(&mut h, "zeros.bin", std::io::repeat(0).take(size))
            .unwrap();
        tar.finish().unwrap();
    }
    gz.finish().unwrap()
}

fn many_entries(n: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    {
        let mut tar = tar::Builder::new(&mut gz);
        let m = manifest("evil-ext", "1.0.0");
        let mut h = tar::Header::new_gnu();
        h.set_size(m.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, "extension.yaml", m.as_bytes())
            .unwrap();
        for i in 0..n {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_mode(0o644);
            tar.append_data(&mut h, format!("f/{i}"), std::io::empty())
                .unwrap();
        }
        tar.finish().unwrap();
    }
    gz.finish().unwrap()
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_malicious_archive_is_refused_with_its_reason_and_leaves_nothing(
    #[case] engine: Engine,
) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    let m = manifest("evil-ext", "1.0.0");
    let r = |name: &'static [u8], kind, data: &'static [u8]| Raw { name, kind, data };
    use tar::EntryType::*;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "absolute path",
            with_manifest(r(b"/etc/cron.d/x", Regular, b"x")),
            "absolute path",
        ),
        (
            "parent dir",
            with_manifest(r(b"../../evil.sh", Regular, b"x")),
            "may not leave the package",
        ),
        (
            "symlink",
            with_manifest(r(b"link", Symlink, b"")),
            "symbolic link",
        ),
        (
            "hardlink",
            with_manifest(r(b"hard", Link, b"")),
            "hard link",
        ),
        (
            "device",
            with_manifest(r(b"dev/null", Char, b"")),
            "device or special file",
        ),
        (
            "fifo",
            with_manifest(r(b"pipe", Fifo, b"")),
            "device or special file",
        ),
        (
            "duplicate",
            with_manifest(r(b"./extension.yaml", Regular, b"again")),
            "appears twice",
        ),
        (
            "non-UTF-8 name",
            with_manifest(r(b"caf\xe9.txt", Regular, b"x")),
            "not UTF-8",
        ),
        (
            "no manifest",
            raw_archive(&[r(b"README.md", Regular, b"# hi")]),
            "no manifest",
        ),
        (
            "two manifests",
            with_manifest(r(
                b".kiket/manifest.yaml",
                Regular,
                b"model_version: \"1.0\"\n",
            )),
            "two manifests",
        ),
        ("gzip bomb", bomb(), "unpacks to more than 200 MB"),
        (
            "6,000 entries",
            many_entries(6_000),
            "more than 5000 entries",
        ),
        (
            "not gzip",
            b"PK\x03\x04 a zip file".to_vec(),
            "not a gzip-compressed tar",
        ),
        (
            "private key",
            package(&[
                ("extension.yaml", m.as_bytes()),
                (
                    "certs/server.pem",
                    b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n",
                ),
            ]),
            "automated checks",
        ),
        (
            "AWS key",
            package(&[
                ("extension.yaml", m.as_bytes()),
                (
                    "deploy.sh",
                    b"export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7REALKEY1\n",
                ),
            ]),
            "automated checks",
        ),
        (
            "manifest error",
            package(&[(
                "extension.yaml",
                m.replace("version: 1.0.0", "version: one").as_bytes(),
            )]),
            "automated checks",
        ),
    ];
    for (what, bytes, expected) in cases {
        let res = app.upload(&c, "acme", bytes).await;
        let status = res.status().as_u16();
        let body = json(res).await;
        assert_eq!(status, 422, "{what}: {body}");
        assert_eq!(body["error"]["field"], "package", "{what}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{what}: {message}");
        assert!(
            !body.to_string().contains("AKIAIOSFODNN7REALKEY1"),
            "{what} echoes a secret"
        );
        assert_nothing_stored(&app).await;
    }
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_accepted_once_ever_and_keys_belong_to_one_publisher(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    for v in ["1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1", "2.0.0-alpha"] {
        let res = app.upload(&c, "acme", valid_package("ordered", v)).await;
        assert_eq!(res.status(), 201, "{v}");
    }
    let ext = kiket_marketplace::server::db::extensions::find_by_key(&app.state.db.pool, "ordered")
        .await
        .unwrap()
        .unwrap();
    let order: Vec<String> =
        kiket_marketplace::server::db::extensions::versions_of(&app.state.db.pool, &ext.id)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.version)
            .collect();
    assert_eq!(
        order,
        vec!["2.0.0-beta.1", "2.0.0-alpha", "1.10.0", "1.2.0", "1.0.0"]
    );

    // The same version again, with other bytes or other build metadata: refused.
    for again in ["1.2.0", "1.2.0+build.7"] {
        let res = app
            .upload(&c, "acme", valid_package("ordered", again))
            .await;
        assert_eq!(res.status(), 409, "{again}");
        let body = json(res).await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("was uploaded before"),
            "{body}"
        );
    }
    // Even after the version is gone.
    sqlx::query("DELETE FROM versions WHERE version = '1.2.0'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let res = app
        .upload(&c, "acme", valid_package("ordered", "1.2.0"))
        .await;
    assert_eq!(res.status(), 409);

    // Another publisher cannot take the key.
    let other = owner(&app, "other-pub").await;
    let res = app
        .upload(&other, "other-pub", valid_package("ordered", "9.0.0"))
        .await;
    assert_eq!(res.status(), 409);
    let body = json(res).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("belongs to another publisher"),
        "{body}"
    );
    assert_eq!(app.count("versions").await, 4);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_uploads_of_one_version_exactly_one_wins(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    let uploads = (0..6).map(|i| {
        // Different bytes each time: every loser's blob must go.
        let m = manifest("racer", "1.0.0");
        let readme = format!("# Racer {i}");
        let bytes = package(&[
            ("extension.yaml", m.as_bytes()),
            ("README.md", readme.as_bytes()),
            ("CHANGELOG.md", b"## 1.0.0"),
        ]);
        let app = &app;
        let c = c.clone();
        async move { app.upload(&c, "acme", bytes).await.status().as_u16() }
    });
    let mut statuses = futures::future::join_all(uploads).await;
    statuses.sort();
    assert_eq!(statuses, vec![201, 409, 409, 409, 409, 409]);
    assert_eq!(app.count("versions").await, 1);
    assert_eq!(app.count("version_claims").await, 1);
    let (sha,): (String,) = sqlx::query_as("SELECT sha256 FROM versions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(app.state.blobs.list().await.unwrap(), vec![sha]);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_over_the_limit_is_refused_while_it_streams(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    // Declared length over the limit: the body-limit layer answers before reading any of it. Raw
    // HTTP, so the answer is read without racing a client that is still sending the body.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /publish/upload HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        51 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert!(answer.contains("larger than 50 MB"), "{answer}");
    // No declared length (chunked): the upload is cut when the package passes 50 MB.
    let chunks = (0..60).map(|_| Ok::<_, std::io::Error>(vec![0u8; 1024 * 1024]));
    let part =
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
            .file_name("big.tar.gz");
    let form = reqwest::multipart::Form::new()
        .text("publisher", "acme")
        .part("package", part);
    let sent = c
        .post(app.url("/publish/upload"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await;
    // The server answers as soon as the limit is passed; the client may still be sending and see
    // the connection close instead of the answer. Either way nothing is kept.
    if let Ok(res) = sent {
        assert!(
            matches!(res.status().as_u16(), 413 | 422),
            "{}",
            res.status()
        );
    }
    assert_nothing_stored(&app).await;
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_members_upload_and_only_they_download_unpublished_versions(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    let bytes = valid_package("members-only", "1.0.0");

    // A visitor is told to sign in; an outsider and an admin who is not a member are refused.
    let res = app.upload(&client(), "acme", bytes.clone()).await;
    assert_eq!(res.status(), 401);
    let outsider = app.signed_in_client(&email("outsider"), false).await;
    let res = app.upload(&outsider, "acme", bytes.clone()).await;
    assert_eq!(res.status(), 403);
    let admin = app.signed_in_client(&email("admin"), true).await;
    let res = app.upload(&admin, "acme", bytes.clone()).await;
    assert_eq!(res.status(), 403);
    let res = app.upload(&outsider, "no-such-pub", bytes.clone()).await;
    assert_eq!(res.status(), 422);
    assert_nothing_stored(&app).await;

    // A maintainer uploads.
    let maintainer_email = email("maintainer");
    let maintainer = app.signed_in_client(&maintainer_email, false).await;
    let acme = kiket_marketplace::server::db::publishers::find_by_slug(&app.state.db.pool, "acme")
        .await
        .unwrap()
        .unwrap();
    kiket_marketplace::server::db::publishers::add_member(
        &app.state.db.pool,
        &acme.id,
        &app.user_id(&maintainer_email).await,
        kiket_marketplace::model::publisher::PublisherRole::Maintainer,
    )
    .await
    .unwrap();
    let res = app.upload(&maintainer, "acme", bytes).await;
    assert_eq!(res.status(), 201);

    let path = app.url("/extensions/members-only/versions/1.0.0/download");
    for (who, client, expected) in [
        ("visitor", client(), 404),
        ("outsider", outsider, 404),
        ("owner", c, 200),
        ("maintainer", maintainer, 200),
        ("admin", admin, 200),
    ] {
        let res = client.get(&path).send().await.unwrap();
        assert_eq!(res.status(), expected, "{who}");
    }
    let res = client()
        .get(app.url("/extensions/members-only/versions/9.9.9/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_starts_from_the_manifest_and_members_edit_it(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let c = owner(&app, "acme").await;
    assert_eq!(
        app.upload(&c, "acme", valid_package("listed", "1.0.0"))
            .await
            .status(),
        201
    );
    let ext = kiket_marketplace::server::db::extensions::find_by_key(&app.state.db.pool, "listed")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ext.listing.summary, "A test extension.");
    assert_eq!(ext.listing.categories, vec!["automation"]);

    let path = <UpdateListing as leptos::server_fn::ServerFn>::PATH;
    // Checkboxes post as indexed names; unchecked ones are absent.
    let res = app
        .call_with(
            &c,
            path,
            &[
                ("key", "listed"),
                ("summary", "Does one thing well."),
                ("categories[1]", "marketing"),
                ("categories[4]", "automation"),
                ("tags", "one, Two"),
                ("homepage", "https://listed.example.com"),
                ("repository", ""),
                ("support", "help@listed.example.com"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let ext = kiket_marketplace::server::db::extensions::find_by_key(&app.state.db.pool, "listed")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ext.listing.summary, "Does one thing well.");
    assert_eq!(ext.listing.categories, vec!["marketing", "automation"]);
    assert_eq!(ext.listing.tags, vec!["one", "two"]);
    assert_eq!(
        ext.listing.support.as_deref(),
        Some("help@listed.example.com")
    );

    let res = app
        .call_with(
            &c,
            path,
            &[
                ("key", "listed"),
                ("summary", "ok"),
                ("tags", "no spaces please"),
                ("homepage", ""),
                ("repository", ""),
                ("support", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(json(res).await["field"], "tags");
}

/// A moto S3 server on a free port, if `moto_server` can be found (`MOTO_SERVER` or PATH).
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_moto() -> Option<Moto> {
    let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = match std::process::Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "SKIPPED: the S3 blob store test needs moto_server ({program}: {e}); `make bootstrap` installs it"
            );
            return None;
        }
    };
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(&moto.endpoint).send().await.is_ok() {
            return Some(moto);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto_server did not start on {}", moto.endpoint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_live_in_s3_when_the_blob_url_says_so() {
    let Some(moto) = start_moto().await else {
        return;
    };
    // moto accepts any credentials; the bucket is created the way S3 does.
    let res = reqwest::Client::new()
        .put(format!("{}/kiket-packages", moto.endpoint))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "create bucket: {}", res.status());
    let endpoint = moto.endpoint.clone();
    let Some(app) = spawn_app_with(Engine::Sqlite, move |config| {
        config.blob_url = "s3://kiket-packages".into();
        config.blob_options.0 = vec![
            ("aws_endpoint".into(), endpoint),
            ("aws_region".into(), "us-east-1".into()),
            ("aws_access_key_id".into(), "test".into()),
            ("aws_secret_access_key".into(), "test".into()),
            ("aws_allow_http".into(), "true".into()),
        ];
    })
    .await
    else {
        return;
    };
    let c = owner(&app, "acme").await;
    let bytes = valid_package("in-s3", "1.0.0");
    assert_eq!(app.upload(&c, "acme", bytes.clone()).await.status(), 201);
    let sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert_eq!(app.state.blobs.list().await.unwrap(), vec![sha]);
    let res = c
        .get(app.url("/extensions/in-s3/versions/1.0.0/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
    // The loser of a version race leaves no object behind in S3 either.
    let other = valid_package("in-s3", "1.0.0+other");
    assert_eq!(app.upload(&c, "acme", other).await.status(), 409);
    assert_eq!(app.state.blobs.list().await.unwrap().len(), 1);
}
