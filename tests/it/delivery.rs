//! Event delivery: the events API and its tokens, routing, the workers driven with a test clock,
//! real HTTP receivers that check both signatures with code that is not the marketplace's
//! (HMAC computed here, the `standardwebhooks` crate), every kind of answer, the address guard,
//! the delivery console, lifecycle events, and two instances sharing one PostgreSQL queue.

use crate::support::{email, register_manifest, spawn_app_with, Engine, TestApp};
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use kiket_marketplace::api::deliveries::{
    GetDelivery, GetDeliveryConsole, Redeliver, RedeliverFailed, SendTestEvent,
};
use kiket_marketplace::api::installs::{RotateSigningSecret, SetInstallationEnabled};
use kiket_marketplace::model::organization::OrgRole;
use kiket_marketplace::server::db::deliveries::NewEvent;
use kiket_marketplace::server::db::now_ms;
use kiket_marketplace::server::db::organizations::{self, OrgRecord, ProjectRecord};
use kiket_marketplace::server::delivery::{self, console, worker};
use kiket_marketplace::server::install::{self, SIGNING_SECRET_KEY};
use kiket_marketplace::server::state::AppState;
use leptos::server_fn::ServerFn;
use rstest::rstest;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone)]
struct Got {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> String {
        self.headers[name].to_str().unwrap().to_string()
    }
}

/// How the receiver answers one request.
#[derive(Clone)]
struct Reply {
    status: u16,
    retry_after: Option<&'static str>,
    delay: Duration,
}

fn reply(status: u16) -> Reply {
    Reply {
        status,
        retry_after: None,
        delay: Duration::ZERO,
    }
}

#[derive(Default)]
struct Inbox {
    got: Vec<Got>,
    /// Answers to give, in order (then 200).
    replies: VecDeque<Reply>,
    /// Deliveries being answered right now, and whether one was ever sent twice at once.
    in_flight: HashSet<String>,
    overlapped: Vec<String>,
}

type Shared = Arc<Mutex<Inbox>>;

async fn receive(
    axum::extract::State(inbox): axum::extract::State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let id = headers
        .get("x-kiket-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let next = {
        let mut inbox = inbox.lock().unwrap();
        if !inbox.in_flight.insert(id.clone()) {
            inbox.overlapped.push(id.clone());
        }
        inbox.got.push(Got {
            path: uri.path().to_string(),
            headers,
            body: body.to_vec(),
        });
        inbox.replies.pop_front().unwrap_or(reply(200))
    };
    tokio::time::sleep(next.delay).await;
    inbox.lock().unwrap().in_flight.remove(&id);
    let mut response = (
        StatusCode::from_u16(next.status).unwrap(),
        axum::Json(serde_json::json!({"answered": next.status})),
    )
        .into_response();
    if let Some(after) = next.retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.parse().unwrap());
    }
    response
}

/// An HTTP receiver on a loopback port answering any POST.
async fn receiver() -> (String, Shared) {
    let inbox: Shared = Arc::default();
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), inbox)
}

const RELAY: &str = r#"model_version: "1.0"
extension:
  id: relay
  name: Relay
  version: 1.0.0
  description: Relays issue events.
  delivery: http
  callback:
    url: http://${relay_host}/kiket
    timeout: 3000
  activationEvents: [issue.created, issue.updated]
  lifecycleEvents: [extension.installed, extension.disabled, extension.uninstalled]
  hooks:
    - event: issue.closed
      endpoint: /closed
      timeout: 300
      retries: 1
  configuration:
    relay_host:
      label: Relay host and port
      type: string
      required: true
  secrets:
    - key: API_KEY
      label: API key
      required: true
    - key: OPTIONAL_KEY
      label: Optional key
      required: false
"#;

struct World {
    app: TestApp,
    admin: reqwest::Client,
    admin_id: String,
    member: reqwest::Client,
    org: OrgRecord,
    web: ProjectRecord,
    inbox: Shared,
    url: String,
}

/// Organization `globex` (an admin, a member) with project `web`, and `relay` published.
async fn world_with(engine: Engine, allow_private: bool) -> Option<World> {
    let app = spawn_app_with(engine, |c| {
        if !allow_private {
            c.allow_private_targets.clear();
        }
    })
    .await?;
    let admin_email = email("orgadmin");
    let admin = app.signed_in_client(&admin_email, false).await;
    let admin_id = app.user_id(&admin_email).await;
    let member_email = email("orgmember");
    let member = app.signed_in_client(&member_email, false).await;
    let member_id = app.user_id(&member_email).await;
    let pool = &app.state.db.pool;
    let org = organizations::create(pool, "globex", "Globex", &admin_id)
        .await
        .unwrap();
    organizations::add_member(pool, &org, &member_id, OrgRole::Member, &admin_id)
        .await
        .unwrap();
    let web = organizations::create_project(pool, &org, "web", "Web", &admin_id)
        .await
        .unwrap();
    let owner = app
        .create_user(&email("owner"), "a long enough password", true)
        .await;
    let publisher = app.create_publisher("relayers", &owner).await;
    register_manifest(&app.state.db, &publisher, &owner, RELAY, "", true).await;
    let (url, inbox) = receiver().await;
    Some(World {
        app,
        admin,
        admin_id,
        member,
        org,
        web,
        inbox,
        url,
    })
}

async fn world(engine: Engine) -> Option<World> {
    world_with(engine, true).await
}

impl World {
    async fn install(&self, project: &ProjectRecord, url: &str) -> String {
        install::install_with(
            &self.app.state,
            &self.admin_id,
            &self.org,
            project,
            "relay",
            &[
                ("relay_host", url.trim_start_matches("http://")),
                ("API_KEY", "relay-api-key-value"),
            ],
        )
        .await
        .unwrap()
    }

    /// An organization token with `events:write`.
    async fn token(&self) -> String {
        console::create_token(&self.app.state, &self.admin_id, &self.org, "CI")
            .await
            .unwrap();
        console::reveal_new_token(&self.app.state, &self.org, &self.admin_id)
            .await
            .unwrap()
            .unwrap()
            .1
    }

    async fn post_event(&self, token: &str, project: &str, body: Value) -> (u16, Value) {
        let response = self
            .app
            .client
            .post(
                self.app
                    .url(&format!("/api/v1/projects/globex/{project}/events")),
            )
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn emit(&self, project: &ProjectRecord, name: &str, data: Value) -> String {
        delivery::post(
            &self.app.state,
            &NewEvent {
                organization_id: &self.org.id,
                project_id: &project.id,
                name,
                data: &data,
                source: "api",
                actor_id: None,
            },
        )
        .await
        .unwrap()
        .event_id
    }

    async fn run(&self, now: i64) -> usize {
        worker::run_once(&self.app.state, "test-worker", now, 32)
            .await
            .unwrap()
    }

    fn got(&self) -> Vec<Got> {
        self.inbox.lock().unwrap().got.clone()
    }

    fn answer_with(&self, replies: Vec<Reply>) {
        self.inbox.lock().unwrap().replies.extend(replies);
    }

    async fn signing_secret(&self, id: &str, key: &str) -> String {
        self.app.installation_secret(&self.org.id, id, key).await
    }

    async fn delivery_rows(&self) -> Vec<(String, String, i64, Option<i64>, String)> {
        sqlx::query_as(
            "SELECT id, state, attempts, next_attempt_at, event_name FROM deliveries ORDER BY created_at, id",
        )
        .fetch_all(&self.app.state.db.pool)
        .await
        .unwrap()
    }
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

fn assert_signed(got: &Got, secret: &str) {
    let ts = got.header("x-kiket-timestamp");
    assert_eq!(
        got.header("x-kiket-signature"),
        expected_kiket_signature(secret, &ts, &got.body)
    );
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&got.body, &got.headers)
        .expect("Standard Webhooks signature");
    assert_eq!(got.header("webhook-id"), got.header("x-kiket-delivery"));
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_subscribed_installations_signed_and_are_logged(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    let id = w.install(&w.web, &w.url).await;
    // Another project's installation must not get web's events.
    let pool = &w.app.state.db.pool;
    let ops = organizations::create_project(pool, &w.org, "ops", "Ops", &w.admin_id)
        .await
        .unwrap();
    let (other_url, other_inbox) = receiver().await;
    w.install(&ops, &other_url).await;

    // Installing emitted extension.installed to each installation.
    assert_eq!(w.run(now_ms()).await, 2);
    let got = w.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("x-kiket-event"), "extension.installed");
    assert_eq!(got[0].path, "/kiket");
    let secret = w.signing_secret(&id, SIGNING_SECRET_KEY).await;
    assert_signed(&got[0], &secret);

    let token = w.token().await;
    let (status, body) = w
        .post_event(
            &token,
            "web",
            serde_json::json!({"event": "issue.created", "data": {"issue": {"id": 42, "title": "Test"}}}),
        )
        .await;
    assert_eq!(
        (status, body["deliveries"].as_u64()),
        (202, Some(1)),
        "{body}"
    );
    let event_id = body["id"].as_str().unwrap().to_string();
    assert_eq!(w.run(now_ms()).await, 1);
    let got = w.got();
    assert_eq!(got.len(), 2);
    let delivered = &got[1];
    assert_signed(delivered, &secret);
    assert_eq!(delivered.header("x-kiket-event"), "issue.created");
    assert_eq!(delivered.header("x-kiket-event-version"), "v1");
    assert_eq!(delivered.header("x-kiket-organization"), "globex");
    assert_eq!(delivered.header("x-kiket-project"), "web");
    assert!(delivered.header("x-kiket-invocation").starts_with("inv_"));
    let json = delivered.json();
    assert_eq!(json["id"], event_id.as_str());
    assert_eq!(json["event"], "issue.created");
    assert_eq!(json["data"]["issue"]["title"], "Test");
    assert_eq!(json["secrets"]["API_KEY"], "relay-api-key-value");
    assert_eq!(
        json["secret_status"]["missing"],
        serde_json::json!(["OPTIONAL_KEY"])
    );
    assert_eq!(json["installation"]["id"], id.as_str());
    assert_eq!(json["installation"]["extension"], "relay");
    assert_eq!(json["organization"]["slug"], "globex");
    assert_eq!(json["project"]["slug"], "web");
    assert_eq!(json["api"]["token_header"], "X-Kiket-Runtime-Token");
    assert!(
        other_inbox.lock().unwrap().got.len() == 1,
        "ops got only its own lifecycle event"
    );

    // Decrypts for deliveries are audited with their purpose.
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.decrypted' AND detail LIKE '%\"purpose\":\"delivery\"%'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(audited >= 2, "{audited}");

    // The console: filters, the attempt without signatures, redelivery as a new delivery.
    let (status, page) = w
        .app
        .call_json(
            &w.admin,
            GetDeliveryConsole::PATH,
            &[
                ("org", "globex"),
                ("id", &id),
                ("state", "delivered"),
                ("event", "issue.created"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1);
    let dlv = page["rows"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(dlv, delivered.header("x-kiket-delivery"));
    let bars: i64 = page["chart"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["delivered"].as_i64().unwrap())
        .sum();
    assert_eq!(bars, 2);
    let (_, detail) = w
        .app
        .call_json(
            &w.admin,
            GetDelivery::PATH,
            &[("org", "globex"), ("id", &id), ("delivery", &dlv)],
        )
        .await;
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["status"], 200);
    assert_eq!(attempt["outcome"], "delivered");
    let headers = attempt["request_headers"].to_string().to_lowercase();
    assert!(headers.contains("x-kiket-delivery"));
    assert!(!headers.contains("signature"), "{headers}");
    assert!(!detail.to_string().contains("relay-api-key-value"));

    let (status, _) = w
        .app
        .call_json(
            &w.admin,
            Redeliver::PATH,
            &[("org", "globex"), ("id", &id), ("delivery", &dlv)],
        )
        .await;
    assert!(status < 400);
    assert_eq!(w.run(now_ms()).await, 1);
    let again = w.got().last().cloned().unwrap();
    assert_ne!(again.header("x-kiket-delivery"), dlv);
    assert_eq!(again.json()["id"], event_id.as_str());
    assert_signed(&again, &secret);

    // A test event of an event it subscribed to; not of one it did not.
    let (status, _) = w
        .app
        .call_json(
            &w.admin,
            SendTestEvent::PATH,
            &[("org", "globex"), ("id", &id), ("event", "issue.updated")],
        )
        .await;
    assert!(status < 400);
    assert_eq!(w.run(now_ms()).await, 1);
    let test = w.got().last().cloned().unwrap();
    assert_eq!(test.header("x-kiket-event"), "issue.updated");
    assert_eq!(test.json()["data"]["test"], true);
    let (status, refused) = w
        .app
        .call_json(
            &w.admin,
            SendTestEvent::PATH,
            &[("org", "globex"), ("id", &id), ("event", "issue.deleted")],
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "event");

    // Members see the installation, not its deliveries.
    let (status, _) = w
        .app
        .call_json(
            &w.member,
            GetDeliveryConsole::PATH,
            &[("org", "globex"), ("id", &id)],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .call_json(
            &w.member,
            SendTestEvent::PATH,
            &[("org", "globex"), ("id", &id), ("event", "issue.updated")],
        )
        .await;
    assert_eq!(status, 403);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_api_refuses_what_it_must(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    w.install(&w.web, &w.url).await;
    let token = w.token().await;
    let ok = serde_json::json!({"event": "issue.created", "data": {}});
    let (status, body) = w.post_event("kko_not-a-token", "web", ok.clone()).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid"));
    let (status, _) = w.post_event("", "web", ok.clone()).await;
    assert_eq!(status, 401);
    let (status, body) = w.post_event(&token, "nope", ok.clone()).await;
    assert_eq!(status, 404, "{body}");
    for (bad, field) in [
        (serde_json::json!({"event": "Issue Created"}), "event"),
        (serde_json::json!({"event": "extension.installed"}), "event"),
        (
            serde_json::json!({"event": "issue.created", "data": [1, 2]}),
            "data",
        ),
        (serde_json::json!({"data": {}}), "body"),
    ] {
        let (status, body) = w.post_event(&token, "web", bad.clone()).await;
        assert_eq!(status, 422, "{bad} → {body}");
        assert_eq!(body["error"]["field"], field, "{bad} → {body}");
    }
    let bearer = format!("Bearer {token}");
    let (status, body) = w
        .app
        .head_only(
            "/api/v1/projects/globex/web/events",
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            300 * 1024,
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("at most 256 KB"), "{body}");
    // Nothing was written by any refusal.
    assert_eq!(w.app.count("events").await, 1, "only extension.installed");
    // Another organization's token does not reach globex.
    let other = organizations::create(&w.app.state.db.pool, "initech", "Initech", &w.admin_id)
        .await
        .unwrap();
    console::create_token(&w.app.state, &w.admin_id, &other, "theirs")
        .await
        .unwrap();
    let (_, theirs) = console::reveal_new_token(&w.app.state, &other, &w.admin_id)
        .await
        .unwrap()
        .unwrap();
    let (status, _) = w.post_event(&theirs, "web", ok.clone()).await;
    assert_eq!(status, 404);
    // Shown once; revoked tokens stop working.
    assert!(console::reveal_new_token(&w.app.state, &w.org, &w.admin_id)
        .await
        .unwrap()
        .is_none());
    let (status, _) = w.post_event(&token, "web", ok.clone()).await;
    assert_eq!(status, 202);
    let tokens = console::tokens(&w.app.state, &w.org).await.unwrap();
    assert!(tokens[0].last_used_at.is_some());
    console::revoke_token(&w.app.state, &w.admin_id, &w.org, &tokens[0].id)
        .await
        .unwrap();
    let (status, body) = w.post_event(&token, "web", ok).await;
    assert_eq!(status, 401, "{body}");
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_decide_retries_on_a_test_clock(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    let id = w.install(&w.web, &w.url).await;
    // The test clock runs a minute ahead, so every event emitted below is due at t0.
    let t0 = now_ms() + 60_000;
    assert_eq!(w.run(t0).await, 1); // extension.installed
    w.emit(&w.web, "issue.created", serde_json::json!({"n": 1}))
        .await;
    let dlv = |rows: &[(String, String, i64, Option<i64>, String)]| rows.last().unwrap().clone();

    // 500: retried 30 s later (±20 %).
    w.answer_with(vec![reply(500)]);
    assert_eq!(w.run(t0).await, 1);
    let (_, state, attempts, next, _) = dlv(&w.delivery_rows().await);
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    let next = next.unwrap();
    assert!((t0 + 24_000..=t0 + 37_000).contains(&next), "{}", next - t0);
    assert_eq!(w.run(t0 + 1_000).await, 0, "not due yet");
    // 429 with Retry-After: 120 s is honoured over the schedule's minute.
    w.answer_with(vec![Reply {
        status: 429,
        retry_after: Some("120"),
        delay: Duration::ZERO,
    }]);
    let t1 = t0 + 40_000;
    assert_eq!(w.run(t1).await, 1);
    let (_, state, attempts, next, _) = dlv(&w.delivery_rows().await);
    assert_eq!((state.as_str(), attempts), ("pending", 2));
    assert!(next.unwrap() >= t1 + 120_000);
    assert_eq!(w.run(t1 + 100_000).await, 0);
    // 400: not retried.
    w.answer_with(vec![reply(400)]);
    assert_eq!(w.run(t1 + 200_000).await, 1);
    let (_, state, attempts, next, _) = dlv(&w.delivery_rows().await);
    assert_eq!((state.as_str(), attempts, next), ("failed", 3, None));

    // A hook's timeout and retry cap: issue.closed waits 300 ms, retried once.
    w.emit(&w.web, "issue.closed", serde_json::json!({})).await;
    let slow = Reply {
        status: 200,
        retry_after: None,
        delay: Duration::from_millis(1_500),
    };
    w.answer_with(vec![slow.clone(), slow]);
    assert_eq!(w.run(t0).await, 1);
    let rows = w.delivery_rows().await;
    let (closed, state, _, _, event) = dlv(&rows);
    assert_eq!(
        (state.as_str(), event.as_str()),
        ("pending", "issue.closed")
    );
    assert_eq!(w.got().last().unwrap().path, "/kiket/closed");
    assert_eq!(w.run(t0 + 40_000).await, 1);
    let (_, state, attempts, _, _) = dlv(&w.delivery_rows().await);
    assert_eq!((state.as_str(), attempts), ("failed", 2));
    let (_, detail) = w
        .app
        .call_json(
            &w.admin,
            GetDelivery::PATH,
            &[("org", "globex"), ("id", &id), ("delivery", &closed)],
        )
        .await;
    assert_eq!(detail["attempts"][0]["outcome"], "retry");
    assert!(detail["attempts"][0]["error"]
        .as_str()
        .unwrap()
        .contains("no answer within 300 ms"));

    // "Redeliver all failed since": both failed deliveries, once.
    let (status, _) = w
        .app
        .call_json(
            &w.admin,
            RedeliverFailed::PATH,
            &[
                ("org", "globex"),
                ("id", &id),
                ("since", "2020-01-01T00:00"),
            ],
        )
        .await;
    assert!(status < 400);
    let pending = w
        .delivery_rows()
        .await
        .into_iter()
        .filter(|r| r.1 == "pending")
        .count();
    assert_eq!(pending, 2);
    assert_eq!(w.run(now_ms()).await, 2);

    // 410: the installation is disabled, waiting deliveries given up, the admins told.
    w.emit(&w.web, "issue.created", serde_json::json!({"n": 2}))
        .await;
    w.emit(&w.web, "issue.updated", serde_json::json!({"n": 3}))
        .await;
    w.answer_with(vec![reply(410)]);
    assert_eq!(
        worker::run_once(&w.app.state, "test-worker", now_ms(), 1)
            .await
            .unwrap(),
        1
    );
    let rows = w.delivery_rows().await;
    let last_two: Vec<&str> = rows[rows.len() - 2..]
        .iter()
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(last_two, ["failed", "failed"]);
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, disabled_reason FROM installations WHERE id = $1")
            .bind(&id)
            .fetch_one(&w.app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "disabled");
    assert!(reason.unwrap().contains("410"));
    let (told,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND message LIKE '%410 Gone%'",
    )
    .bind(&w.admin_id)
    .fetch_one(&w.app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
    // Disabled: new events are not routed to it.
    let token = w.token().await;
    let (_, body) = w
        .post_event(&token, "web", serde_json::json!({"event": "issue.created"}))
        .await;
    assert_eq!(body["deliveries"], 0);
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_without_the_allow_list(#[case] engine: Engine) {
    let Some(w) = world_with(engine, false).await else {
        return;
    };
    let targets = [
        "http://127.0.0.1:9",
        "http://10.0.0.1",
        "http://169.254.169.254",
        "http://[::1]:9",
        "http://localhost:9",
    ];
    let pool = &w.app.state.db.pool;
    for (i, target) in targets.iter().enumerate() {
        let project = organizations::create_project(
            pool,
            &w.org,
            &format!("p{i}"),
            &format!("P{i}"),
            &w.admin_id,
        )
        .await
        .unwrap();
        w.install(&project, target).await;
    }
    // Each installation's extension.installed.
    assert_eq!(w.run(now_ms()).await, targets.len());
    let attempts: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT outcome, error FROM delivery_attempts")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(attempts.len(), targets.len());
    for (outcome, error) in attempts {
        assert_eq!(outcome, "failed");
        let error = error.unwrap();
        assert!(error.contains("private, loopback or link-local"), "{error}");
    }
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_events_and_rotation_are_delivered_signed(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    let id = w.install(&w.web, &w.url).await;
    let old = w.signing_secret(&id, SIGNING_SECRET_KEY).await;
    // Disabling emits extension.disabled (it subscribed), enabling nothing (it did not).
    for enabled in ["false", "true"] {
        let (status, body) = w
            .app
            .call_json(
                &w.admin,
                SetInstallationEnabled::PATH,
                &[("org", "globex"), ("id", &id), ("enabled", enabled)],
            )
            .await;
        assert!(status < 400, "{body}");
    }
    assert_eq!(w.run(now_ms()).await, 2);
    // One batch is sent concurrently: in no particular order.
    let mut events: Vec<String> = w.got().iter().map(|g| g.header("x-kiket-event")).collect();
    events.sort();
    assert_eq!(events, ["extension.disabled", "extension.installed"]);

    // After a rotation both secrets sign for a day.
    let (status, _) = w
        .app
        .call_json(
            &w.admin,
            RotateSigningSecret::PATH,
            &[("org", "globex"), ("id", &id)],
        )
        .await;
    assert!(status < 400);
    let new = w.signing_secret(&id, SIGNING_SECRET_KEY).await;
    assert_ne!(new, old);
    w.emit(&w.web, "issue.created", serde_json::json!({})).await;
    assert_eq!(w.run(now_ms()).await, 1);
    let got = w.got().last().cloned().unwrap();
    assert_signed(&got, &new);
    standardwebhooks::Webhook::new(&old)
        .unwrap()
        .verify(&got.body, &got.headers)
        .expect("the previous secret still verifies");
    assert_eq!(got.header("webhook-signature").split(' ').count(), 2);

    // Uninstalling says goodbye, signed, then the kept signing secrets go.
    install::uninstall(
        &w.app.state,
        &w.admin_id,
        &install::load(&w.app.state, &w.org, &id).await.unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(w.run(now_ms()).await, 1);
    let bye = w.got().last().cloned().unwrap();
    assert_eq!(bye.header("x-kiket-event"), "extension.uninstalled");
    assert_signed(&bye, &new);
    assert_eq!(bye.json()["secrets"], serde_json::json!({}));
    assert!(
        install::forget_uninstalled_secrets(&w.app.state)
            .await
            .unwrap()
            >= 1
    );
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM secrets WHERE scope_kind = 'installation' AND scope_id = $1",
    )
    .bind(&id)
    .fetch_one(&w.app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
}

/// Two instances (own pools, own workers) share one PostgreSQL queue: every delivery completes,
/// and none is ever sent twice at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgresql_queue() {
    let Some(w) = world(Engine::Postgres).await else {
        return;
    };
    w.install(&w.web, &w.url).await;
    w.answer_with(
        (0..400)
            .map(|_| Reply {
                status: 200,
                retry_after: None,
                delay: Duration::from_millis(5),
            })
            .collect(),
    );
    let second: AppState = {
        let config = kiket_marketplace::server::config::Config {
            master_key: w.app.state.config.master_key.clone(),
            ..kiket_marketplace::server::config::Config::for_tests(&w.app.state.config.database_url)
        };
        kiket_marketplace::server::startup::build_state(config)
            .await
            .unwrap()
    };
    let mut workers = worker::spawn(&w.app.state, 2);
    workers.extend(worker::spawn(&second, 2));
    for n in 0..300 {
        w.emit(&w.web, "issue.updated", serde_json::json!({"n": n}))
            .await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (open,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'sending')")
                .fetch_one(&w.app.state.db.pool)
                .await
                .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{open} deliveries left"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for handle in workers {
        handle.abort();
    }
    let (overlapped, got) = {
        let inbox = w.inbox.lock().unwrap();
        (inbox.overlapped.clone(), inbox.got.clone())
    };
    assert!(overlapped.is_empty(), "sent twice at once: {overlapped:?}");
    let mut per_delivery: HashMap<String, usize> = HashMap::new();
    for got in &got {
        *per_delivery
            .entry(got.header("x-kiket-delivery"))
            .or_default() += 1;
    }
    assert_eq!(
        per_delivery.len(),
        301,
        "300 events and extension.installed"
    );
    assert!(per_delivery.values().all(|n| *n == 1), "each sent once");
    let (delivered,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE state = 'delivered'")
            .fetch_one(&w.app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(delivered, 301);
}

/// A server process, killed when dropped (a failing test leaves none behind).
struct Server(std::process::Child);

impl Server {
    /// SIGKILL, as a crash.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the deliveries table holds, for a failure message.
async fn delivery_states(url: &str) -> String {
    let db = kiket_marketplace::server::db::Db::connect(url, 1)
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT state, last_error, COUNT(*) FROM deliveries GROUP BY state, last_error",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    format!("{rows:?}")
}

/// Starts the server binary on `port` against `url`, with delivery workers.
fn start_server(url: &str, master_key: &str, port: u16, dir: &std::path::Path) -> Server {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kiket-marketplace"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("KIKET_MASTER_KEY", master_key)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", dir)
        .env("KIKET_BLOB_URL", "memory://")
        .env("KIKET_ALLOW_PRIVATE_TARGETS", "loopback")
        .env("KIKET_DELIVERY_WORKERS", "4")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    Server(child)
}

async fn wait_healthy(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become healthy");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Posts events `from..to` with `token`, eight at a time; returns the ids of those accepted.
async fn post_events(port: u16, token: &str, from: usize, to: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut accepted = Vec::new();
    let mut n = from;
    while n < to {
        let batch: Vec<_> = (n..(n + 8).min(to))
            .map(|i| {
                client
                    .post(format!(
                        "http://127.0.0.1:{port}/api/v1/projects/globex/web/events"
                    ))
                    .bearer_auth(token)
                    .json(&serde_json::json!({"event": "issue.created", "data": {"n": i}}))
                    .send()
            })
            .collect();
        for answer in futures::future::join_all(batch).await {
            match answer {
                Ok(r) if r.status() == StatusCode::ACCEPTED => {
                    let body: Value = r.json().await.unwrap();
                    accepted.push(body["id"].as_str().unwrap().to_string());
                }
                // Killed meanwhile: those were not accepted.
                _ => return accepted,
            }
        }
        n += 8;
    }
    accepted
}

/// The server is killed with SIGKILL while it delivers; started again, it delivers everything
/// accepted before and after, at least once, a repeated delivery carrying the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_delivery() {
    use kiket_marketplace::model::account::{DisplayName, Email};
    use kiket_marketplace::server::config::{Config, MasterKey};
    use kiket_marketplace::server::secrets::crypto::{Kek, Keyring};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/crash.db?mode=rwc", dir.path().display());
    let (kek, key_text) = Kek::generate();
    let key_text = key_text.expose_secret().to_string();
    let (receiver_url, inbox) = receiver().await;
    // Slow enough that deliveries are in flight when the server dies.
    inbox
        .lock()
        .unwrap()
        .replies
        .extend((0..3000).map(|_| Reply {
            status: 200,
            retry_after: None,
            delay: Duration::from_millis(3),
        }));
    let token = {
        let config = Config {
            master_key: MasterKey::Configured(Arc::new(Keyring::new(kek, vec![]))),
            ..Config::for_tests(&url)
        };
        let state = kiket_marketplace::server::startup::build_state(config)
            .await
            .unwrap();
        let admin = kiket_marketplace::server::auth::register(
            &state.db,
            &Email::parse("crash-admin@example.com").unwrap(),
            &DisplayName::parse("Crash Admin").unwrap(),
            secrecy::SecretString::from("a long enough password".to_string()),
            true,
        )
        .await
        .unwrap();
        let pool = &state.db.pool;
        let org = organizations::create(pool, "globex", "Globex", &admin.id)
            .await
            .unwrap();
        let web = organizations::create_project(pool, &org, "web", "Web", &admin.id)
            .await
            .unwrap();
        let publisher = kiket_marketplace::server::db::publishers::create(
            pool,
            &kiket_marketplace::model::publisher::PublisherSlug::parse("relayers").unwrap(),
            "Relayers",
            &admin.id,
        )
        .await
        .unwrap();
        register_manifest(&state.db, &publisher.id, &admin.id, RELAY, "", true).await;
        install::install_with(
            &state,
            &admin.id,
            &org,
            &web,
            "relay",
            &[
                ("relay_host", receiver_url.trim_start_matches("http://")),
                ("API_KEY", "relay-api-key-value"),
            ],
        )
        .await
        .unwrap();
        console::create_token(&state, &admin.id, &org, "crash")
            .await
            .unwrap();
        let token = console::reveal_new_token(&state, &org, &admin.id)
            .await
            .unwrap()
            .unwrap()
            .1;
        state.db.pool.close().await;
        token
    };

    let port = free_port();
    let mut server = start_server(&url, &key_text, port, dir.path());
    wait_healthy(port).await;
    let posting = {
        let token = token.clone();
        tokio::spawn(async move { post_events(port, &token, 0, 1000).await })
    };
    // Kill it once a few hundred deliveries arrived.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while inbox.lock().unwrap().got.len() < 300 {
        if std::time::Instant::now() > deadline {
            panic!("deliveries did not start: {}", delivery_states(&url).await);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill(); // SIGKILL
    let mut accepted = posting.await.unwrap();
    let before = accepted.len();
    assert!(before < 1000, "killed while posting");

    let mut server = start_server(&url, &key_text, port, dir.path());
    wait_healthy(port).await;
    accepted.extend(post_events(port, &token, before, 1000).await);
    assert_eq!(accepted.len(), 1000);

    // Every delivery of every accepted event arrives (claims the dead server held are taken
    // again once their lease runs out).
    let db = kiket_marketplace::server::db::Db::connect(&url, 2)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let ids: Vec<(String, String)> = loop {
        let open: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE state <> 'delivered'")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        if open.0 == 0 {
            break sqlx::query_as("SELECT id, event_id FROM deliveries")
                .fetch_all(&db.pool)
                .await
                .unwrap();
        }
        if std::time::Instant::now() > deadline {
            panic!(
                "{} deliveries left: {}",
                open.0,
                delivery_states(&url).await
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    server.kill();
    let events: HashSet<&str> = ids.iter().map(|(_, e)| e.as_str()).collect();
    for id in &accepted {
        assert!(events.contains(id.as_str()), "event {id} has its delivery");
    }
    let got = inbox.lock().unwrap().got.clone();
    let mut received: HashMap<String, Vec<String>> = HashMap::new();
    for g in &got {
        received
            .entry(g.header("x-kiket-delivery"))
            .or_default()
            .push(g.json()["id"].as_str().unwrap().to_string());
    }
    // Events the dead server committed without its answer reaching the client exist too (the
    // client posted others instead), and are delivered like the rest.
    assert!(ids.len() >= 1001, "1,000 events and extension.installed");
    for (delivery, event) in &ids {
        let seen = received
            .get(delivery)
            .unwrap_or_else(|| panic!("{delivery} never arrived"));
        // A delivery sent again (its first attempt died with the server) is the same delivery.
        assert!(seen.iter().all(|e| e == event), "{delivery}");
    }
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_purges_old_attempts_and_finished_deliveries_only(#[case] engine: Engine) {
    let Some(w) = world(engine).await else {
        return;
    };
    w.install(&w.web, &w.url).await;
    assert_eq!(w.run(now_ms()).await, 1);
    w.emit(&w.web, "issue.created", serde_json::json!({})).await;
    // Everything so far counts as older than the cut-off; the new delivery waits.
    let purged =
        kiket_marketplace::server::db::deliveries::purge(&w.app.state.db.pool, now_ms() + 1)
            .await
            .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(w.app.count("delivery_attempts").await, 0);
    let rows = w.delivery_rows().await;
    assert_eq!(rows.len(), 1, "the waiting delivery stays");
    assert_eq!(rows[0].1, "pending");
    assert_eq!(w.app.count("events").await, 1, "and its event");
    assert_eq!(w.run(now_ms()).await, 1);
}
