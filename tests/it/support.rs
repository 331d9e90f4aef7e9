//! Test support: fresh databases on both engines and `spawn_app()` on port 0.

use kiket_marketplace::server::config::Config;
use kiket_marketplace::server::db::Db;
use kiket_marketplace::server::startup::{build_router, build_state, serve, SESSION_COOKIE};
use kiket_marketplace::server::state::AppState;
use leptos::server_fn::ServerFn;
use reqwest::header::{HeaderMap, SET_COOKIE};
use std::net::SocketAddr;

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh, empty database; the SQLite file lives as long as this value.
pub struct FreshDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// Serialises PostgreSQL set-up: the session store creates a shared schema with `IF NOT EXISTS`,
/// which races when tests start at once.
static PG_SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh database on `engine`, or `None` (with a note) when PostgreSQL is not configured.
///
/// PostgreSQL tests share the run's scratch database (`TEST_PG_DATABASE_URL`, created and dropped
/// by `make test`); each test gets a schema of its own through `search_path`.
pub async fn fresh_db(engine: Engine) -> Option<FreshDb> {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/kiket.db?mode=rwc", dir.path().display());
            Some(FreshDb {
                url,
                _dir: Some(dir),
            })
        }
        Engine::Postgres => {
            let Ok(base) = std::env::var("TEST_PG_DATABASE_URL") else {
                eprintln!("note: TEST_PG_DATABASE_URL is not set; PostgreSQL case skipped");
                return None;
            };
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&base)
                .await
                .expect("TEST_PG_DATABASE_URL must answer");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .await
                .expect("create schema");
            conn.close().await.ok();
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            Some(FreshDb { url, _dir: None })
        }
    }
}

/// A connected, migrated database on `engine`.
pub async fn db(engine: Engine) -> Option<(Db, FreshDb)> {
    let fresh = fresh_db(engine).await?;
    let _guard = PG_SETUP.lock().await;
    let db = Db::connect(&fresh.url, 5)
        .await
        .expect("connect and migrate");
    Some((db, fresh))
}

/// A running server and a client with a cookie jar.
pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
    _db: FreshDb,
}

/// A client that keeps cookies and never follows redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A request that hangs fails the test instead of stalling the suite.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Starts the whole application on a random port against a fresh database on `engine`, on the
/// test's runtime. Tests use tokio's multi-thread runtime, the one the server binary runs on, so
/// the app under test is scheduled as in production.
pub async fn spawn_app(engine: Engine) -> Option<TestApp> {
    spawn_app_with(engine, |_| {}).await
}

/// Like [`spawn_app`], with a chance to change the configuration first.
pub async fn spawn_app_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    init_logging();
    let fresh = fresh_db(engine).await?;
    let mut config = Config::for_tests(&fresh.url);
    tweak(&mut config);
    let state = {
        let _guard = PG_SETUP.lock().await;
        build_state(config).await.expect("state")
    };
    let router = build_router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, router, std::future::pending()));
    Some(TestApp {
        addr,
        state,
        client: client(),
        _db: fresh,
    })
}

/// Every log line of this test process, as the server writes them (to stderr as well).
static LOGS: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
    std::sync::OnceLock::new();

#[derive(Clone)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = self.0.lock() {
            logs.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the process's log subscriber: the server's format and filter, to stderr and to a
/// buffer the leak tests read ([`captured_logs`]).
pub fn init_logging() {
    LOGS.get_or_init(|| {
        use tracing_subscriber::fmt::writer::MakeWriterExt;
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
        });
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr.and(Capture(buffer.clone())))
            .with_ansi(false)
            .with_target(false)
            .try_init();
        buffer
    });
}

/// Everything logged so far in this process.
pub fn captured_logs() -> String {
    LOGS.get()
        .and_then(|l| {
            l.lock()
                .ok()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
        })
        .unwrap_or_default()
}

/// The URL of server fn `S`.
pub fn fn_url<S: ServerFn>() -> &'static str {
    S::PATH
}

impl TestApp {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Calls server fn `S` the way the hydrated app does (form-encoded, JSON answer).
    /// The body `client` gets for `path`.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn call<S: ServerFn>(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with(&self.client, fn_url::<S>(), form).await
    }

    /// Calls a server fn by URL with `client`; the status and the JSON answer (`null` if none).
    pub async fn call_json(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let res = self.call_with(client, path, form).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Calls a server fn by URL with `client`.
    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Sends only the head of a POST to `path` announcing a body of `length` bytes, and reads the
    /// answer: (status, the rest of the response). For refusals that must come before any of the
    /// body is read; sending the body as well would race the server's closing of the connection.
    pub async fn head_only(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        length: usize,
    ) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect");
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {length}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("write head");
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut answer),
        )
        .await
        .expect("an answer before the body")
        .expect("read");
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, answer)
    }

    /// Posts `form` to server fn `S` as a browser without JavaScript does (HTML form, Referer).
    pub async fn post_form<S: ServerFn>(
        &self,
        referer: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(fn_url::<S>()))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Signs up a new account with `client` and returns its email.
    pub async fn sign_up_with(&self, client: &reqwest::Client, email: &str, password: &str) {
        let res = self
            .call_with(
                client,
                fn_url::<kiket_marketplace::api::auth::SignUp>(),
                &[
                    ("email", email),
                    ("display_name", "Test User"),
                    ("password", password),
                ],
            )
            .await;
        assert!(
            res.status().is_success(),
            "sign-up failed: {}",
            res.text().await.unwrap_or_default()
        );
    }

    /// Creates an account directly (for role set-up) and returns its id.
    pub async fn create_user(&self, email: &str, password: &str, admin: bool) -> String {
        use kiket_marketplace::model::account::{DisplayName, Email};
        kiket_marketplace::server::auth::register(
            &self.state.db,
            &Email::parse(email).unwrap(),
            &DisplayName::parse("Someone").unwrap(),
            secrecy::SecretString::from(password.to_string()),
            admin,
        )
        .await
        .expect("register")
        .id
    }

    /// A client signed in as a new account (admin or not).
    pub async fn signed_in_client(&self, email: &str, admin: bool) -> reqwest::Client {
        let password = "a long enough password";
        self.create_user(email, password, admin).await;
        let client = client();
        let res = self
            .call_with(
                &client,
                fn_url::<kiket_marketplace::api::auth::SignIn>(),
                &[("email", email), ("password", password)],
            )
            .await;
        assert!(res.status().is_success(), "sign-in failed");
        client
    }

    /// Who the server thinks `client` is.
    pub async fn whoami(&self, client: &reqwest::Client) -> Option<String> {
        let res = self
            .call_with(
                client,
                fn_url::<kiket_marketplace::api::auth::GetCurrentUser>(),
                &[],
            )
            .await;
        assert!(res.status().is_success());
        let body: serde_json::Value = res.json().await.expect("json");
        body.get("email")
            .and_then(|e| e.as_str())
            .map(str::to_string)
    }
}

/// The session cookie a response sets, as the raw `Set-Cookie` value.
pub fn session_set_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{SESSION_COOKIE}=")))
        .map(str::to_string)
}

/// The session id inside a `Set-Cookie` value.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// A client that sends exactly this session cookie (no jar).
pub fn client_with_cookie(value: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        format!("{SESSION_COOKIE}={value}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A unique email for one test.
pub fn email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// A valid dialect-2 manifest for `key` at `version`.
pub fn manifest(key: &str, version: &str) -> String {
    format!(
        "manifest_version: 2\nextension:\n  key: {key}\n  name: Test {key}\n  version: {version}\n  \
         description: A test extension.\n  base_url: https://{key}.example.com\n  permissions: [issues:read]\n  \
         categories: [automation]\ntriggers:\n  - event: issue.created\n    handler: /events\n"
    )
}

/// A `.tar.gz` of `files` (path, content), packed like `kiket extensions package`.
pub fn package(files: &[(&str, &[u8])]) -> Vec<u8> {
    kiket_marketplace::server::packages::pack::write_archive(
        Vec::new(),
        files
            .iter()
            .map(|(p, d)| Ok((p.to_string(), d.to_vec(), false))),
    )
    .expect("pack")
}

/// A clean package of `key` at `version`, with a README and a changelog.
pub fn valid_package(key: &str, version: &str) -> Vec<u8> {
    let m = manifest(key, version);
    package(&[
        ("extension.yaml", m.as_bytes()),
        (
            "README.md",
            b"# Test\n\nIt works. <script>alert(1)</script>",
        ),
        (
            "CHANGELOG.md",
            format!("## {version}\n- changes").as_bytes(),
        ),
    ])
}

impl TestApp {
    /// Uploads `bytes` for `publisher` through the form endpoint, as the hydrated form does
    /// (`Accept: application/json`).
    pub async fn upload(
        &self,
        client: &reqwest::Client,
        publisher: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("publisher", publisher.to_string())
            .text("release_notes", "Notes.")
            .part(
                "package",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("package.tar.gz")
                    .mime_str("application/gzip")
                    .unwrap(),
            );
        client
            .post(self.url("/publish/upload"))
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .expect("upload request")
    }

    /// Creates a publisher owned by `owner_id` and returns its id.
    pub async fn create_publisher(&self, slug: &str, owner_id: &str) -> String {
        kiket_marketplace::server::db::publishers::create(
            &self.state.db.pool,
            &kiket_marketplace::model::publisher::PublisherSlug::parse(slug).unwrap(),
            slug,
            owner_id,
        )
        .await
        .expect("create publisher")
        .id
    }

    /// The value of `key` in installation `id`'s own scope of the secret store.
    pub async fn installation_secret(&self, organization_id: &str, id: &str, key: &str) -> String {
        use secrecy::ExposeSecret;
        self.state
            .secrets
            .reveal(
                &self.state.db.pool,
                organization_id,
                &kiket_marketplace::server::secrets::Scope::installation(id),
                key,
                kiket_marketplace::server::secrets::Purpose::Api,
                None,
            )
            .await
            .unwrap()
            .unwrap()
            .expose_secret()
            .to_string()
    }

    /// How many rows `table` holds.
    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.state.db.pool)
            .await
            .expect("count");
        n
    }
}

impl TestApp {
    /// The id of the account with `email`.
    pub async fn user_id(&self, email: &str) -> String {
        kiket_marketplace::server::db::users::find_by_email(
            &self.state.db.pool,
            &kiket_marketplace::model::account::Email::parse(email).unwrap(),
        )
        .await
        .expect("find user")
        .expect("user exists")
        .id
    }
}

/// Registers the manifest `source` as a version of `publisher_id` uploaded by `admin_id` (a
/// marketplace admin) with `readme`, and, when `publish`, claims and approves it: the repository
/// functions the upload and the review use. Returns the version.
pub async fn register_manifest(
    db: &Db,
    publisher_id: &str,
    admin_id: &str,
    source: &str,
    readme: &str,
    publish: bool,
) -> String {
    use kiket_marketplace::model::review::{decide, Action};
    use kiket_marketplace::server::db::extensions::{self, NewVersion};
    use kiket_marketplace::server::db::review;
    let lint = kiket_marketplace::model::manifest::lint(source);
    let manifest = lint
        .manifest
        .unwrap_or_else(|| panic!("{:?}", lint.diagnostics));
    let sha = format!("{:032x}{:032x}", uuid::Uuid::new_v4().as_u128(), 0);
    extensions::register_version(
        &db.pool,
        NewVersion {
            publisher_id,
            uploaded_by: admin_id,
            manifest: &manifest,
            manifest_source: source,
            manifest_path: "extension.yaml",
            sha256: &sha,
            size_bytes: 100,
            unpacked_bytes: 200,
            files: vec![],
            findings: &[],
            release_notes: None,
            docs: Default::default(),
            readme_text: Some(readme),
            icon: None,
        },
    )
    .await
    .unwrap();
    if publish {
        for action in [Action::Claim, Action::Approve] {
            let target = review::find(&db.pool, &manifest.key, &manifest.version)
                .await
                .unwrap()
                .unwrap();
            let to = decide(target.standing, action, true, true, "").unwrap();
            assert!(review::apply(
                &db.pool,
                &target,
                &manifest.key,
                &manifest.version,
                to,
                action,
                admin_id,
                ""
            )
            .await
            .unwrap());
        }
    }
    manifest.version
}

impl TestApp {
    /// A personal token of `user_id` (shown at once, as the account page shows it).
    pub async fn personal_token(
        &self,
        user_id: &str,
        scopes: &[kiket_marketplace::model::token::Scope],
        key_pattern: Option<&str>,
        expires_at: Option<i64>,
    ) -> String {
        use kiket_marketplace::server::db::tokens::{self, NewToken};
        let token = format!(
            "kkt_{}",
            kiket_marketplace::server::install::random_secret(32)
        );
        let mut conn = self.state.db.pool.acquire().await.unwrap();
        tokens::create_shown(
            &mut conn,
            &NewToken {
                user_id,
                name: "test token",
                scopes,
                key_pattern,
                expires_at,
            },
            &kiket_marketplace::server::install::token_hash(&token),
        )
        .await
        .expect("create token");
        token
    }

    /// Claims and approves `key`@`version` as a new marketplace admin.
    pub async fn approve(&self, key: &str, version: &str) {
        use kiket_marketplace::model::review::Action;
        let id = self
            .create_user(&email("approver"), "a long enough password", true)
            .await;
        let admin = kiket_marketplace::server::db::users::find_by_id(&self.state.db.pool, &id)
            .await
            .unwrap()
            .unwrap();
        for action in [Action::Claim, Action::Approve] {
            kiket_marketplace::server::lifecycle::act(
                &self.state.db,
                &admin,
                key,
                version,
                action,
                "",
            )
            .await
            .unwrap_or_else(|e| panic!("{action:?} {key} {version}: {e}"));
        }
    }

    /// A REST API request, with a personal token if given.
    pub fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let req = client().request(method, self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }
}
