//! Installing over HTTP, as the hydrated pages call it: consent, both wizards with every kind of
//! check, the test ping answered by a real receiver that verifies both signatures independently,
//! credentials shown once, install counts, enable/disable, uninstall deleting the installation's
//! secrets, and refused versions. Both engines.

use crate::support::{email, register_manifest, spawn_app, Engine, TestApp};
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use kiket_marketplace::api::installs::{
    BeginInstall, GetInstallation, InstallConsent, InstallationCredentials, SaveSetupStep,
    SetInstallationEnabled, SetupPage, UninstallInstallation,
};
use kiket_marketplace::api::orgs::{AddOrgMember, CreateOrganization, CreateProject};
use kiket_marketplace::server::db::{catalog, publishers};
use kiket_marketplace::server::install::SIGNING_SECRET_KEY;
use kiket_marketplace::server::secrets::{Purpose, Scope};
use leptos::server_fn::ServerFn;
use rstest::rstest;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// What the receiver got, and how it answers.
#[derive(Default)]
struct Inbox {
    requests: Vec<(HeaderMap, Vec<u8>)>,
    /// Answer `{"errors": {"channel": …}}` instead of 200.
    reject_channel: bool,
}

type Shared = Arc<Mutex<Inbox>>;

async fn receive(
    State(inbox): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut inbox = inbox.lock().unwrap();
    inbox.requests.push((headers, body.to_vec()));
    if inbox.reject_channel {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(
                serde_json::json!({"errors": {"channel": "No such channel in your workspace."}}),
            ),
        )
            .into_response()
    } else {
        axum::Json(serde_json::json!({"ok": true})).into_response()
    }
}

/// An HTTP receiver on a loopback port.
async fn receiver() -> (String, Shared) {
    let inbox: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/", axum::routing::post(receive))
        .route("/hooks/ping", axum::routing::post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), inbox)
}

fn manifest(key: &str, version: &str, base_url: &str, permissions: &str) -> String {
    format!(
        r#"manifest_version: 2
extension:
  key: {key}
  name: Wizard Demo
  version: {version}
  description: Exercises every kind of setting.
  base_url: {base_url}
  permissions: [{permissions}]
triggers:
  - event: issue.created
    handler: /events
settings:
  - key: API_TOKEN
    label: API token
    type: secret
    required: true
  - key: WEBHOOK_KEY
    label: Webhook key
    type: secret
    auto_generate: {{length: 24}}
  - key: server_url
    label: Server URL
    type: url
    required: true
    scope: extension
  - key: channel
    label: Channel
    type: string
    required: true
  - key: mode
    label: Mode
    type: select
    options: [simple, advanced]
    default: simple
  - key: depth
    label: Depth
    type: integer
    min: 1
    max: 5
    required: true
    show_when: {{field: mode, equals: advanced}}
  - key: verbose
    label: Verbose
    type: boolean
  - key: kinds
    label: Kinds
    type: multiselect
    options: [bug, task]
  - key: target
    label: Target project
    type: project
"#
    )
}

struct World {
    app: TestApp,
    admin: reqwest::Client,
    member: reqwest::Client,
    inbox: Shared,
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    app.call_json(client, path, form).await
}

/// An organization `globex` with project `web` (admin and member), and `wizard-demo` 1.0.0
/// published, pointing at a fresh receiver.
async fn world(engine: Engine) -> Option<World> {
    let app = spawn_app(engine).await?;
    let admin = app.signed_in_client(&email("orgadmin"), false).await;
    let member_email = email("orgmember");
    let member = app.signed_in_client(&member_email, false).await;
    for (path, form) in [
        (
            CreateOrganization::PATH,
            vec![("slug", "globex"), ("name", "Globex")],
        ),
        (
            CreateProject::PATH,
            vec![("org", "globex"), ("slug", "web"), ("name", "Web")],
        ),
        (
            AddOrgMember::PATH,
            vec![
                ("slug", "globex"),
                ("email", member_email.as_str()),
                ("role", "member"),
            ],
        ),
    ] {
        let (status, body) = call(&app, &admin, path, &form).await;
        assert!(status < 300, "{path}: {status} {body}");
    }
    let (url, inbox) = receiver().await;
    let owner = app
        .create_user(&email("owner"), "a long enough password", true)
        .await;
    let publisher = app.create_publisher("wizardry", &owner).await;
    publishers::set_verified(&app.state.db.pool, &publisher, true)
        .await
        .unwrap();
    register_manifest(
        &app.state.db,
        &publisher,
        &owner,
        &manifest("wizard-demo", "1.0.0", &url, "issues:read, comments:write"),
        "",
        true,
    )
    .await;
    Some(World {
        app,
        admin,
        member,
        inbox,
    })
}

async fn installation_id(w: &World) -> String {
    let (_, detail) = call(
        &w.app,
        &w.admin,
        kiket_marketplace::api::orgs::GetOrganization::PATH,
        &[("slug", "globex")],
    )
    .await;
    detail["installations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn step(
    w: &World,
    id: &str,
    index: &str,
    nav: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![("org", "globex"), ("id", id), ("step", index), ("nav", nav)];
    form.extend_from_slice(fields);
    call(&w.app, &w.admin, SaveSetupStep::PATH, &form).await
}

fn installs(v: &Value) -> u64 {
    v["installs"].as_u64().unwrap()
}

async fn card(w: &World) -> Value {
    let card = catalog::card(&w.app.state.db.pool, "wizard-demo")
        .await
        .unwrap()
        .unwrap();
    serde_json::to_value(card).unwrap()
}

/// HMAC-SHA256 computed here, not by the marketplace's signer.
fn expected_kiket_signature(secret: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_installs_configures_tests_and_uninstalls(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    let app = &w.app;
    // Consent: permissions in words, events, the host, the verified publisher.
    let (status, consent) = call(
        app,
        &w.admin,
        InstallConsent::PATH,
        &[
            ("org", "globex"),
            ("project", "web"),
            ("key", "wizard-demo"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{consent}");
    assert_eq!(consent["version"], "1.0.0");
    assert_eq!(consent["verified"], true);
    assert_eq!(consent["host"], "127.0.0.1");
    assert_eq!(consent["events"], serde_json::json!(["issue.created"]));
    assert_eq!(
        consent["permissions"][1]["description"],
        "Create and change comments"
    );
    // A member may look at nothing of this and install nothing.
    let (status, _) = call(
        app,
        &w.member,
        BeginInstall::PATH,
        &[
            ("org", "globex"),
            ("project", "web"),
            ("key", "wizard-demo"),
            ("version", "1.0.0"),
        ],
    )
    .await;
    assert_eq!(status, 403);

    let begin = [
        ("org", "globex"),
        ("project", "web"),
        ("key", "wizard-demo"),
        ("version", "1.0.0"),
    ];
    let (status, body) = call(app, &w.admin, BeginInstall::PATH, &begin).await;
    assert_eq!(status, 200, "{body}");
    let id = installation_id(&w).await;
    // Twice into one project: refused.
    let (status, body) = call(app, &w.admin, BeginInstall::PATH, &begin).await;
    assert_eq!(status, 409, "{body}");

    // The setup: the organization's settings first, then the project's, then the test.
    let (status, page) = call(
        app,
        &w.admin,
        SetupPage::PATH,
        &[("org", "globex"), ("id", &id), ("step", "0")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let titles: Vec<String> = page["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["scope"].as_str().unwrap(),
                s["title"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        titles,
        [
            "extension:Settings",
            "installation:Credentials",
            "installation:Settings",
            "installation:Test the connection"
        ]
    );
    // Steps not reached yet are not skipped to.
    let (_, page) = call(
        app,
        &w.admin,
        SetupPage::PATH,
        &[("org", "globex"), ("id", &id), ("step", "3")],
    )
    .await;
    assert_eq!(page["index"], 0);

    // Organization step: a URL is checked.
    let (status, body) = step(&w, &id, "0", "next", &[("values[server_url]", "not a url")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["fields"]["server_url"].is_string(), "{body}");
    let (status, _) = step(
        &w,
        &id,
        "0",
        "next",
        &[("values[server_url]", "https://ci.globex.example")],
    )
    .await;
    assert_eq!(status, 200);

    // Credentials: required, then stored and never shown.
    let (status, body) = step(&w, &id, "1", "next", &[]).await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["API_TOKEN"], "API token is required.");
    let token = "tok-6d1f-super-secret";
    let (status, _) = step(&w, &id, "1", "next", &[("values[API_TOKEN]", token)]).await;
    assert_eq!(status, 200);
    let (_, page) = call(
        app,
        &w.admin,
        SetupPage::PATH,
        &[("org", "globex"), ("id", &id), ("step", "1")],
    )
    .await;
    assert!(!page.to_string().contains(token));
    // Left empty, the auto_generate secret was generated.
    let generated: Vec<String> = page["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["resolved_from"] == "installation")
        .map(|s| s["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(generated, ["API_TOKEN", "WEBHOOK_KEY"]);
    assert_eq!(page["secrets"][0]["resolved_from"], "installation");
    // Back from the credentials keeps them: an empty field keeps the stored value.
    let (status, _) = step(&w, &id, "1", "next", &[]).await;
    assert_eq!(status, 200);

    // Project settings: show_when makes depth required; min/max; select options; multiselect.
    let base = [
        ("values[channel]", "#ops"),
        ("values[mode]", "advanced"),
        ("values[verbose]", "true"),
    ];
    let (status, body) = step(&w, &id, "2", "next", &base).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"]["depth"], "Depth is required.");
    let mut with_depth = base.to_vec();
    with_depth.push(("values[depth]", "9"));
    let (_, body) = step(&w, &id, "2", "next", &with_depth).await;
    assert!(
        body["fields"]["depth"].as_str().unwrap().contains('5'),
        "{body}"
    );
    let (status, body) = step(
        &w,
        &id,
        "2",
        "next",
        &[("values[channel]", "#ops"), ("values[mode]", "fancy")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["fields"]["mode"].is_string());
    // A project setting offers the organization's projects, and takes nothing else.
    let (_, page) = call(
        app,
        &w.admin,
        SetupPage::PATH,
        &[("org", "globex"), ("id", &id), ("step", "2")],
    )
    .await;
    let target = page["step"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "target")
        .unwrap()
        .clone();
    assert_eq!(
        target["options"],
        serde_json::json!([{"value": "web", "label": "Web"}])
    );
    let mut other = base.to_vec();
    other.extend([("values[depth]", "3"), ("values[target]", "elsewhere")]);
    let (status, body) = step(&w, &id, "2", "next", &other).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["fields"]["target"],
        "Choose one of your organization's projects."
    );
    let mut good = base.to_vec();
    good.extend([
        ("values[depth]", "3"),
        ("multi[kinds][0]", "task"),
        ("multi[kinds][1]", "bug"),
        ("values[target]", "web"),
    ]);
    let (status, body) = step(&w, &id, "2", "next", &good).await;
    assert_eq!(status, 200, "{body}");

    // The test: the extension's field errors come back onto the fields.
    w.inbox.lock().unwrap().reject_channel = true;
    let (status, body) = step(&w, &id, "3", "next", &[]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["fields"]["channel"],
        "No such channel in your workspace."
    );
    w.inbox.lock().unwrap().reject_channel = false;
    let (status, body) = step(&w, &id, "3", "next", &[]).await;
    assert_eq!(status, 200, "{body}");

    // The ping was signed both ways, carried the settings, and no secret value.
    let signing = app
        .state
        .secrets
        .reveal(
            &app.state.db.pool,
            &org_id(app).await,
            &Scope::installation(&id),
            SIGNING_SECRET_KEY,
            Purpose::Api,
            None,
        )
        .await
        .unwrap()
        .unwrap();
    let signing = signing.expose_secret().to_string();
    {
        let inbox = w.inbox.lock().unwrap();
        let (headers, body) = inbox.requests.last().unwrap();
        let hook = standardwebhooks::Webhook::new(&signing).unwrap();
        hook.verify(body, headers)
            .expect("Standard Webhooks signature");
        let ts = headers["x-kiket-timestamp"].to_str().unwrap();
        assert_eq!(
            headers["x-kiket-signature"].to_str().unwrap(),
            expected_kiket_signature(&signing, ts, body)
        );
        assert_eq!(headers["x-kiket-event"], "extension.ping");
        let json: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["data"]["configuration"]["channel"], "#ops");
        assert_eq!(json["data"]["configuration"]["kinds"], "bug,task");
        assert_eq!(
            json["data"]["configuration"]["server_url"],
            "https://ci.globex.example"
        );
        assert_eq!(json["secret_status"]["missing"], serde_json::json!([]));
        assert!(!String::from_utf8_lossy(body).contains(token));
    }

    // Credentials once.
    let (status, creds) = call(
        app,
        &w.admin,
        InstallationCredentials::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(creds["signing_secret"], signing.as_str());
    assert!(creds["runtime_token"].as_str().unwrap().starts_with("kkr_"));
    let (_, again) = call(
        app,
        &w.admin,
        InstallationCredentials::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(
        again,
        serde_json::json!({"signing_secret": null, "runtime_token": null})
    );

    // The installation page, for members too; the catalog counts it.
    let (status, detail) = call(
        app,
        &w.member,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["status"], "active");
    assert_eq!(detail["can_manage"], false);
    let kinds = detail["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "kinds")
        .unwrap();
    assert_eq!(kinds["value"], "bug, task");
    assert!(!detail.to_string().contains(token));
    assert_eq!(installs(&card(&w).await), 1);

    // Re-configuring starts with the organization-wide settings, filled in.
    let (_, page) = call(
        app,
        &w.admin,
        SetupPage::PATH,
        &[("org", "globex"), ("id", &id), ("step", "0")],
    )
    .await;
    assert_eq!(page["reconfigure"], true);
    assert_eq!(page["steps"][0]["scope"], "extension");
    assert_eq!(page["values"]["server_url"], "https://ci.globex.example");

    // Disable, enable.
    let (status, _) = call(
        app,
        &w.member,
        SetInstallationEnabled::PATH,
        &[("org", "globex"), ("id", &id), ("enabled", "false")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        app,
        &w.admin,
        SetInstallationEnabled::PATH,
        &[("org", "globex"), ("id", &id), ("enabled", "false")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(installs(&card(&w).await), 0);
    let (status, _) = call(
        app,
        &w.admin,
        SetInstallationEnabled::PATH,
        &[("org", "globex"), ("id", &id), ("enabled", "true")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(installs(&card(&w).await), 1);

    // Uninstall: confirmed by the key; the installation's secrets go, the record stays.
    let (status, body) = call(
        app,
        &w.admin,
        UninstallInstallation::PATH,
        &[("org", "globex"), ("id", &id), ("confirm", "nope")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("wizard-demo"));
    let (status, _) = call(
        app,
        &w.admin,
        UninstallInstallation::PATH,
        &[("org", "globex"), ("id", &id), ("confirm", "wizard-demo")],
    )
    .await;
    assert_eq!(status, 200);
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM secrets WHERE scope_kind = 'installation' AND scope_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    let (_, detail) = call(
        app,
        &w.admin,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(detail["status"], "uninstalled");
    assert_eq!(installs(&card(&w).await), 0);
    let (audited,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'installation.uninstalled' AND target_id = $1")
        .bind(&id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // Installing again: the organization's settings are kept, so its wizard is not asked again.
    let (status, _) = call(app, &w.admin, BeginInstall::PATH, &begin).await;
    assert_eq!(status, 200);
    let again = installation_id(&w).await;
    assert_ne!(again, id);
    let (_, page) = call(
        app,
        &w.admin,
        SetupPage::PATH,
        &[("org", "globex"), ("id", &again), ("step", "0")],
    )
    .await;
    assert_eq!(page["steps"][0]["scope"], "installation");
}

async fn org_id(app: &TestApp) -> String {
    kiket_marketplace::server::db::organizations::find_by_slug(&app.state.db.pool, "globex")
        .await
        .unwrap()
        .unwrap()
        .id
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yanked_and_revoked_versions_are_not_installed(#[case] engine: Engine) {
    use kiket_marketplace::model::review::{decide, Action};
    use kiket_marketplace::server::db::review;
    let Some(w) = world(engine).await else {
        return;
    };
    let app = &w.app;
    let admin_id = app
        .create_user(&email("mkt"), "a long enough password", true)
        .await;
    let act = |version: &'static str, action: Action, message: &'static str| {
        let pool = app.state.db.pool.clone();
        let admin_id = admin_id.clone();
        async move {
            let target = review::find(&pool, "wizard-demo", version)
                .await
                .unwrap()
                .unwrap();
            let to = decide(target.standing, action, true, true, message).unwrap();
            review::apply(
                &pool,
                &target,
                "wizard-demo",
                version,
                to,
                action,
                &admin_id,
                message,
            )
            .await
            .unwrap();
        }
    };
    // A second version keeps the extension listed while 1.0.0 is yanked.
    let publisher = publishers::find_by_slug(&app.state.db.pool, "wizardry")
        .await
        .unwrap()
        .unwrap()
        .id;
    register_manifest(
        &app.state.db,
        &publisher,
        &admin_id,
        &manifest(
            "wizard-demo",
            "1.1.0",
            "https://wizard.example.com",
            "issues:read",
        ),
        "",
        true,
    )
    .await;
    act("1.0.0", Action::Yank, "Broken settings").await;
    let admin = &w.admin;
    let consent = |version: &'static str| async move {
        let form = [
            ("org", "globex"),
            ("project", "web"),
            ("key", "wizard-demo"),
            ("version", version),
        ];
        call(app, admin, InstallConsent::PATH, &form).await
    };
    let (status, body) = consent("1.0.0").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().unwrap().contains("yanked"));
    act("1.0.0", Action::Unyank, "Fixed in place").await;
    // Installed, then revoked: the installation shows why, and cannot be enabled again.
    let (status, _) = call(
        app,
        &w.admin,
        BeginInstall::PATH,
        &[
            ("org", "globex"),
            ("project", "web"),
            ("key", "wizard-demo"),
            ("version", "1.0.0"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let id = installation_id(&w).await;
    act("1.0.0", Action::Revoke, "Leaks tokens").await;
    let (status, body) = consent("1.0.0").await;
    assert!(status == 409 || status == 404, "{status} {body}");
    let (_, detail) = call(
        app,
        &w.admin,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(detail["revoked_reason"], "Leaks tokens");
}

/// Installs wizard-demo into globex/web through every step, with `token` as API_TOKEN; returns
/// the installation id and its runtime token.
async fn installed(w: &World, token: &str) -> (String, String) {
    let app = &w.app;
    let begin = [
        ("org", "globex"),
        ("project", "web"),
        ("key", "wizard-demo"),
        ("version", "1.0.0"),
    ];
    let (status, body) = call(app, &w.admin, BeginInstall::PATH, &begin).await;
    assert_eq!(status, 200, "{body}");
    let id = installation_id(w).await;
    for (index, nav, fields) in [
        (
            "0",
            "next",
            vec![("values[server_url]", "https://ci.globex.example")],
        ),
        ("1", "next", vec![("values[API_TOKEN]", token)]),
        ("2", "next", vec![("values[channel]", "#ops")]),
        ("3", "skip", vec![]),
    ] {
        let (status, body) = step(w, &id, index, nav, &fields).await;
        assert_eq!(status, 200, "step {index}: {body}");
    }
    let (_, creds) = call(
        app,
        &w.admin,
        InstallationCredentials::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    (id, creds["runtime_token"].as_str().unwrap().to_string())
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_api_answers_its_own_installation_only(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    let app = &w.app;
    let (id, token) = installed(&w, "tok-runtime").await;
    let http = reqwest::Client::new();
    let get = |path: &str, token: Option<&str>| {
        let mut req = http.get(app.url(path));
        if let Some(t) = token {
            req = req.header("X-Kiket-Runtime-Token", t);
        }
        req.send()
    };
    // No token, a wrong one: 401 with a clear message.
    for t in [None, Some("kkr_wrong"), Some("not-even-a-token")] {
        let res = get("/api/v1/installation", t).await.unwrap();
        assert_eq!(res.status(), 401);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let res = get("/api/v1/installation", Some(&token)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["version"], "1.0.0");
    assert_eq!(body["project"]["slug"], "web");
    assert_eq!(body["settings"]["channel"], "#ops");
    assert_eq!(body["settings"]["server_url"], "https://ci.globex.example");
    assert!(body["settings"].get("API_TOKEN").is_none());
    // A declared secret resolves; an undeclared key is 404 even though the store holds it.
    let res = get("/api/v1/installation/secrets/API_TOKEN", Some(&token))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["value"], "tok-runtime");
    assert_eq!(body["scope"], "installation");
    let res = get(
        "/api/v1/installation/secrets/KIKET_SIGNING_SECRET",
        Some(&token),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 404);
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.decrypted' AND detail LIKE '%\"purpose\":\"api\"%' \
         AND detail LIKE '%API_TOKEN%'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // A replaced token stops working.
    let (status, _) = call(
        app,
        &w.admin,
        kiket_marketplace::api::installs::ReplaceRuntimeToken::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        get("/api/v1/installation", Some(&token))
            .await
            .unwrap()
            .status(),
        401
    );
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_need_consent_for_new_permissions_and_can_be_rolled_back(#[case] engine: Engine) {
    use kiket_marketplace::api::installs::{
        ChangeVersion, PreviewVersionChange, RotateSigningSecret,
    };
    let Some(w) = world(engine).await else {
        return;
    };
    let app = &w.app;
    let (id, _) = installed(&w, "tok-upgrade").await;
    let publisher = publishers::find_by_slug(&app.state.db.pool, "wizardry")
        .await
        .unwrap()
        .unwrap()
        .id;
    let admin_id = app
        .create_user(&email("mkt2"), "a long enough password", true)
        .await;
    // 1.1.0 adds a permission and a required setting.
    let source = manifest(
        "wizard-demo",
        "1.1.0",
        "https://wizard.example.com",
        "issues:read, comments:write, users:read",
    ) + "  - key: region\n    label: Region\n    type: string\n    required: true\n";
    register_manifest(&app.state.db, &publisher, &admin_id, &source, "", true).await;

    let (_, detail) = call(
        app,
        &w.admin,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(detail["upgrade_to"], "1.1.0");
    let (status, preview) = call(
        app,
        &w.admin,
        PreviewVersionChange::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["to"], "1.1.0");
    assert_eq!(preview["upgrade"], true);
    assert_eq!(
        preview["diff"]["permissions_added"],
        serde_json::json!(["users:read"])
    );
    assert_eq!(preview["needs_consent"][0]["scope"], "users:read");
    assert_eq!(preview["new_required"], serde_json::json!(["Region"]));
    let form = [("org", "globex"), ("id", id.as_str()), ("to", "1.1.0")];
    let (status, body) = call(app, &w.admin, ChangeVersion::PATH, &form).await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("tick the box"));
    let (status, _) = call(app, &w.member, ChangeVersion::PATH, &form).await;
    assert_eq!(status, 403);
    let mut consented = form.to_vec();
    consented.push(("consent", "yes"));
    let (status, body) = call(app, &w.admin, ChangeVersion::PATH, &consented).await;
    assert_eq!(status, 200, "{body}");
    let (_, detail) = call(
        app,
        &w.admin,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(detail["version"], "1.1.0");
    assert_eq!(detail["previous_version"], "1.0.0");
    assert_eq!(detail["permissions"].as_array().unwrap().len(), 3);

    // Rolling back needs no consent (permissions only go away).
    let (status, preview) = call(
        app,
        &w.admin,
        PreviewVersionChange::PATH,
        &[("org", "globex"), ("id", &id), ("to", "1.0.0")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(preview["upgrade"], false);
    assert_eq!(
        preview["diff"]["permissions_removed"],
        serde_json::json!(["users:read"])
    );
    let (status, _) = call(
        app,
        &w.admin,
        ChangeVersion::PATH,
        &[("org", "globex"), ("id", &id), ("to", "1.0.0")],
    )
    .await;
    assert_eq!(status, 200);
    let (_, detail) = call(
        app,
        &w.admin,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(detail["version"], "1.0.0");
    assert_eq!(detail["previous_version"], "1.1.0");

    // Rotating the signing secret: a new one shown once, the old one signs for a day more.
    let old = signing_secret(app, &id).await;
    let (status, _) = call(
        app,
        &w.admin,
        RotateSigningSecret::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(status, 200);
    let (_, creds) = call(
        app,
        &w.admin,
        InstallationCredentials::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    let new = creds["signing_secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let setup = kiket_marketplace::server::install::load_by_id(&app.state, &id)
        .await
        .unwrap();
    let secrets =
        kiket_marketplace::server::install::signing_secrets(&app.state, &setup, Purpose::Api, None)
            .await
            .unwrap();
    let secrets: Vec<String> = secrets
        .iter()
        .map(|s| s.expose_secret().to_string())
        .collect();
    assert_eq!(secrets, [new, old]);
}

async fn signing_secret(app: &TestApp, id: &str) -> String {
    app.installation_secret(&org_id(app).await, id, SIGNING_SECRET_KEY)
        .await
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_version_disables_its_installations_and_tells_the_admins(
    #[case] engine: Engine,
) {
    use kiket_marketplace::model::review::{decide, Action};
    use kiket_marketplace::server::db::review;
    let Some(w) = world(engine).await else {
        return;
    };
    let app = &w.app;
    let (id, _) = installed(&w, "tok-revoked").await;
    assert_eq!(installs(&card(&w).await), 1);
    let admin_id = app
        .create_user(&email("mkt3"), "a long enough password", true)
        .await;
    let pool = &app.state.db.pool;
    let target = review::find(pool, "wizard-demo", "1.0.0")
        .await
        .unwrap()
        .unwrap();
    let to = decide(target.standing, Action::Revoke, true, true, "Leaks tokens").unwrap();
    review::apply(
        pool,
        &target,
        "wizard-demo",
        "1.0.0",
        to,
        Action::Revoke,
        &admin_id,
        "Leaks tokens",
    )
    .await
    .unwrap();
    let (_, detail) = call(
        app,
        &w.admin,
        GetInstallation::PATH,
        &[("org", "globex"), ("id", &id)],
    )
    .await;
    assert_eq!(detail["status"], "disabled");
    assert!(detail["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("Leaks tokens"));
    let (status, body) = call(
        app,
        &w.admin,
        SetInstallationEnabled::PATH,
        &[("org", "globex"), ("id", &id), ("enabled", "true")],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (told,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE message LIKE '%Leaks tokens%' AND link LIKE '%/installations/%'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(told, 1, "the organization's one admin");
}
