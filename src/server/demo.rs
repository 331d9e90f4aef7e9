//! The demo dataset `make run` loads into an empty database, so a fresh clone shows every feature.

use crate::model::account::{DisplayName, Email};
use crate::model::organization::OrgRole;
use crate::model::package::find_manifest;
use crate::model::publisher::{PublisherRole, PublisherSlug};
use crate::model::review::{decide, Action, Actor};
use crate::server::auth;
use crate::server::db::{organizations, publishers, review, users};
use crate::server::packages::{pack, publish};
use crate::server::secrets::Scope;
use crate::server::state::AppState;
use secrecy::SecretString;
use std::path::PathBuf;

/// The demo installation: Slack Notifier in Globex's Website project, set up through the
/// wizard's own steps with these values (its test step is skipped: the example's host does not
/// exist).
pub const DEMO_INSTALL: (&str, &[(&str, &str)]) = (
    "slack-notifier",
    &[
        ("SLACK_BOT_TOKEN", "xoxb-demo-token-not-real"),
        ("channel", "#website"),
        ("notify_on", "created,closed"),
        ("mention_mode", "assignee"),
    ],
);

/// Where `make run` starts the Event Inspector example (`kiket extensions listen`).
pub const DEMO_LISTENER: &str = "127.0.0.1:3001";
/// The signing secret of the demo's Event Inspector installation; `make run` starts the listener
/// with the same value (Makefile, `DEMO_SIGNING_SECRET`). Made up for the demo: base64 of
/// `demo-signing-secret-not-for-use!`.
pub const DEMO_SIGNING_SECRET: &str = "whsec_ZGVtby1zaWduaW5nLXNlY3JldC1ub3QtZm9yLXVzZSE=";
/// The Event Inspector installation of the demo: (key, wizard values).
pub const DEMO_INSPECTOR: (&str, &[(&str, &str)]) = (
    "event-inspector",
    &[
        ("listener_address", DEMO_LISTENER),
        ("INSPECTOR_SIGNING_SECRET", DEMO_SIGNING_SECRET),
    ],
);
/// The demo organization's token for the events API (made up for the demo; printed at start).
pub const DEMO_ORG_TOKEN: &str = "kko_demo-globex-events-token-for-local-use-only";
/// Priya Publisher's personal token for the REST API and the `kiket` CLI (made up for the demo;
/// printed at start).
pub const DEMO_PERSONAL_TOKEN: &str = "kkt_demo-priya-publisher-token-for-local-use-only";
/// Events the demo posts into its project, delivered once the server runs: (name, data).
pub const DEMO_EVENTS: &[(&str, &str)] = &[
    (
        "issue.created",
        r#"{"issue": {"id": 101, "key": "WEB-101", "title": "Checkout button misaligned on mobile", "assignee": "omar"}}"#,
    ),
    (
        "issue.updated",
        r#"{"issue": {"id": 101, "key": "WEB-101", "changes": {"priority": ["low", "high"]}}}"#,
    ),
    (
        "issue.closed",
        r#"{"issue": {"id": 97, "key": "WEB-97", "title": "Broken link in the footer", "resolution": "fixed"}}"#,
    ),
];

/// The demo accounts: (email, display name, password, admin).
pub const ACCOUNTS: &[(&str, &str, &str, bool)] = &[
    ("admin@kiket.test", "Ada Admin", "kiket-admin-demo", true),
    (
        "publisher@kiket.test",
        "Priya Publisher",
        "kiket-publisher-demo",
        false,
    ),
    (
        "member@kiket.test",
        "Omar Orgmember",
        "kiket-member-demo",
        false,
    ),
];

/// The demo publishers: (slug, name, verified). Priya owns both; Omar maintains Acme Tools.
pub const PUBLISHERS: &[(&str, &str, bool)] = &[
    ("acme-tools", "Acme Tools", true),
    ("northwind-labs", "Northwind Labs", false),
];

/// Demo versions built from the trees under `examples/`: (folder, publisher, uploader's email,
/// versions in upload order). Each version is the folder's tree with the manifest's version set.
pub const PACKAGES: &[(&str, &str, &str, &[&str])] = &[
    (
        "slack-notifier",
        "acme-tools",
        "publisher@kiket.test",
        &["1.0.0", "1.1.0", "1.2.0", "1.3.0-beta.1"],
    ),
    (
        "github-links",
        "acme-tools",
        "member@kiket.test",
        &["0.9.0", "1.0.0"],
    ),
    (
        "standup-digest",
        "northwind-labs",
        "publisher@kiket.test",
        &["2.0.0", "2.1.0"],
    ),
    (
        "incident-pager",
        "northwind-labs",
        "publisher@kiket.test",
        &["0.3.0"],
    ),
    (
        "sprint-burndown",
        "acme-tools",
        "member@kiket.test",
        &["1.3.0", "1.4.0"],
    ),
    (
        "time-tracker",
        "acme-tools",
        "publisher@kiket.test",
        &["2.2.0"],
    ),
    (
        "release-notes-writer",
        "northwind-labs",
        "publisher@kiket.test",
        &["0.8.0"],
    ),
    (
        "deploy-gate",
        "northwind-labs",
        "publisher@kiket.test",
        &["3.0.1"],
    ),
    (
        "campaign-briefs",
        "northwind-labs",
        "publisher@kiket.test",
        &["1.0.0"],
    ),
    (
        "event-inspector",
        "acme-tools",
        "publisher@kiket.test",
        &["1.0.0"],
    ),
];

/// The demo organization (slug, name) and its project.
pub const DEMO_ORG: (&str, &str) = ("globex", "Globex Engineering");
/// The demo organization's project (slug, name).
pub const DEMO_PROJECT: (&str, &str) = ("website", "Website");
/// Organization secrets of the demo (made-up values).
pub const DEMO_ORG_SECRETS: &[(&str, &str)] = &[
    ("SLACK_WEBHOOK_URL", "demo-slack-webhook-value"),
    ("PAGERDUTY_API_KEY", "demo-pagerduty-key-value"),
];
/// Project secrets of the demo (made-up values).
pub const DEMO_PROJECT_SECRETS: &[(&str, &str)] = &[("SENTRY_DSN", "demo-sentry-dsn-value")];

/// Key, version, and the actions taken on it with their messages.
pub type DemoReview = (
    &'static str,
    &'static str,
    &'static [(Action, &'static str)],
);

/// Demo review decisions, in order, on versions of [`PACKAGES`]. Versions not named here wait in
/// the queue (Incident Pager 0.3.0, the oldest, among them).
pub const REVIEWS: &[DemoReview] = &[
    ("slack-notifier", "1.0.0", &[(Action::Claim, ""), (Action::Approve, "")]),
    (
        "slack-notifier",
        "1.1.0",
        &[
            (Action::Claim, ""),
            (Action::Approve, "Thanks for the event filter."),
            (
                Action::Yank,
                "Notifications were sent twice for assigned issues; use 1.2.0.",
            ),
        ],
    ),
    ("slack-notifier", "1.2.0", &[(Action::Claim, ""), (Action::Approve, "")]),
    ("dev.acme.github-links", "0.9.0", &[(Action::Claim, ""), (Action::Approve, "")]),
    ("dev.acme.github-links", "1.0.0", &[(Action::Claim, ""), (Action::Approve, "")]),
    ("standup-digest", "2.0.0", &[(Action::Claim, ""), (Action::Approve, "")]),
    (
        "standup-digest",
        "2.1.0",
        &[
            (Action::Claim, ""),
            (
                Action::RequestChanges,
                "The digest lists closed issues even when include_closed is off. Please fix and upload 2.1.1.",
            ),
        ],
    ),
    ("sprint-burndown", "1.3.0", APPROVE),
    ("sprint-burndown", "1.4.0", APPROVE),
    ("time-tracker", "2.2.0", APPROVE),
    ("release-notes-writer", "0.8.0", APPROVE),
    ("deploy-gate", "3.0.1", APPROVE),
    ("campaign-briefs", "1.0.0", APPROVE),
    ("event-inspector", "1.0.0", APPROVE),
];

/// Claimed, then approved without a note.
const APPROVE: &[(Action, &str)] = &[(Action::Claim, ""), (Action::Approve, "")];

/// The folder holding the example trees: `KIKET_EXAMPLES_DIR`, else `examples` under the current
/// directory, else the one beside this crate's sources.
fn examples_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("KIKET_EXAMPLES_DIR").map(PathBuf::from),
        Some(PathBuf::from("examples")),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}

/// The tree of `folder` packed with its manifest's version set to `version`.
pub fn example_package(folder: &str, version: &str) -> Result<Vec<u8>, String> {
    let dir = examples_dir()
        .ok_or("the examples folder was not found (set KIKET_EXAMPLES_DIR)")?
        .join(folder);
    let files = pack::collect(&dir)?;
    let manifest = find_manifest(files.iter().map(|f| f.rel.as_str()))?;
    let mut contents = Vec::new();
    for f in pack::read_tree(&files) {
        let (rel, data, executable) = f?;
        let data = if rel == manifest {
            let text = String::from_utf8(data).map_err(|_| format!("{rel} is not UTF-8"))?;
            let mut done = false;
            let lines: Vec<String> = text
                .lines()
                .map(|l| {
                    if !done && l.trim_start().starts_with("version:") {
                        done = true;
                        let indent = &l[..l.len() - l.trim_start().len()];
                        format!("{indent}version: {version}")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            (lines.join("\n") + "\n").into_bytes()
        } else {
            data
        };
        contents.push(Ok((rel, data, executable)));
    }
    pack::write_archive(Vec::new(), contents)
}

/// Printed when the database already had data, so the logins are not lost from view.
pub const LOGINS_AGAIN: &str =
    "Database already holds data: demo dataset not loaded again (demo logins, if it was seeded: see README).";

fn logins(public_url: &str) -> String {
    let mut out = String::from("Demo logins (email / password):\n");
    for (email, name, password, admin) in ACCOUNTS {
        out.push_str(&format!(
            "  {email:<24} {password:<22} {name}{}\n",
            if *admin { " — marketplace admin" } else { "" }
        ));
    }
    out.push_str(&format!(
        "Post an event to the demo project (the Event Inspector on {DEMO_LISTENER} receives it):\n  \
         curl -X POST {}/api/v1/projects/{}/{}/events -H 'Authorization: Bearer {DEMO_ORG_TOKEN}' \\\n    \
         -H 'Content-Type: application/json' -d '{{\"event\": \"issue.created\", \"data\": {{\"issue\": {{\"id\": 7}}}}}}'\n",
        public_url.trim_end_matches('/'),
        DEMO_ORG.0,
        DEMO_PROJECT.0,
    ));
    out.push_str(&format!(
        "Use the REST API and the CLI as Priya (API reference: {0}/docs/api):
           kiket auth login --api-url {0} --token {DEMO_PERSONAL_TOKEN}
           kiket extensions versions slack-notifier
",
        public_url.trim_end_matches('/'),
    ));
    out
}

/// Loads the demo dataset when the database has no users; returns the logins to print.
pub async fn seed(state: &AppState) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let db = &state.db;
    if users::count(&db.pool).await? > 0 {
        return Ok(None);
    }
    let mut ids = Vec::new();
    for (email, name, password, admin) in ACCOUNTS {
        let user = auth::register(
            db,
            &Email::parse(email)?,
            &DisplayName::parse(name)?,
            SecretString::from(password.to_string()),
            *admin,
        )
        .await?;
        ids.push(user.id);
    }
    let (publisher, member) = (&ids[1], &ids[2]);
    tokens_demo(state, publisher).await?;
    for (slug, name, verified) in PUBLISHERS {
        let p = publishers::create(&db.pool, &PublisherSlug::parse(slug)?, name, publisher).await?;
        if *verified {
            publishers::set_verified(&db.pool, &p.id, true).await?;
        }
        if *slug == "acme-tools" {
            publishers::add_member(&db.pool, &p.id, member, PublisherRole::Maintainer).await?;
        }
    }
    for (folder, publisher, uploader, versions) in PACKAGES {
        let user = users::find_by_email(&db.pool, &Email::parse(uploader)?)
            .await?
            .ok_or("demo uploader missing")?;
        for version in *versions {
            let bytes = example_package(folder, version)?;
            let staged = publish::StagedPackage::from_bytes(&bytes).await?;
            publish::publish(
                state,
                &user,
                publisher,
                staged,
                &format!("Demo release {version}."),
            )
            .await
            .map_err(|r| format!("demo package {folder} {version}: {}", r.error))?;
        }
    }
    // Reviews: what the admin decided, so every state shows up somewhere.
    let admin = &ids[0];
    for (key, version, actions) in REVIEWS {
        let target = review::find(&db.pool, key, version)
            .await?
            .ok_or("demo version missing")?;
        let mut target = target;
        for (action, message) in *actions {
            let reviewer = action.needs() == Actor::Reviewer;
            let actor = if reviewer { admin } else { publisher };
            let to = decide(target.standing, *action, reviewer, !reviewer, message)?;
            review::apply(&db.pool, &target, key, version, to, *action, actor, message).await?;
            target.standing = to;
        }
    }
    // An organization with a project, and secrets at both levels. Priya administers it, Omar is a
    // member (he sees the keys, not the values, and no controls).
    let org = organizations::create(&db.pool, DEMO_ORG.0, DEMO_ORG.1, publisher).await?;
    organizations::add_member(&db.pool, &org, member, OrgRole::Member, publisher).await?;
    let project =
        organizations::create_project(&db.pool, &org, DEMO_PROJECT.0, DEMO_PROJECT.1, publisher)
            .await?;
    for (key, value) in DEMO_ORG_SECRETS {
        state
            .secrets
            .set(
                &db.pool,
                &org.id,
                &Scope::organization(&org.id),
                key,
                &SecretString::from(value.to_string()),
                publisher,
            )
            .await?;
    }
    for (key, value) in DEMO_PROJECT_SECRETS {
        state
            .secrets
            .set(
                &db.pool,
                &org.id,
                &Scope::project(&project.id),
                key,
                &SecretString::from(value.to_string()),
                publisher,
            )
            .await?;
    }
    // Replaced once, so the page shows a rotation.
    state
        .secrets
        .set(
            &db.pool,
            &org.id,
            &Scope::organization(&org.id),
            DEMO_ORG_SECRETS[0].0,
            &SecretString::from("demo-rotated-webhook-value".to_string()),
            publisher,
        )
        .await?;
    install_demo(state, &org, &project, publisher).await?;
    deliveries_demo(state, &org, &project, publisher).await?;
    tracing::info!("demo dataset loaded");
    Ok(Some(logins(&state.config.public_url)))
}

/// Priya's API tokens: the printed one (every scope), one limited to Acme's keys that expires,
/// and a revoked one.
async fn tokens_demo(state: &AppState, user_id: &str) -> Result<(), Box<dyn std::error::Error>> {
    use crate::model::token::Scope;
    use crate::server::db::tokens::{self, NewToken};
    let mut conn = state.db.pool.acquire().await?;
    let token = |name, scopes, key_pattern, expires_at| NewToken {
        user_id,
        name,
        scopes,
        key_pattern,
        expires_at,
    };
    tokens::create_shown(
        &mut conn,
        &token("Demo CLI", &Scope::ALL, None, None),
        &crate::server::install::token_hash(DEMO_PERSONAL_TOKEN),
    )
    .await?;
    let in_90_days = crate::server::db::now_ms() + 90 * 24 * 60 * 60 * 1000;
    let ci = token(
        "Acme CI releases",
        &[Scope::Publish],
        Some("acme-*"),
        Some(in_90_days),
    );
    tokens::create_shown(
        &mut conn,
        &ci,
        &crate::server::install::token_hash(&crate::server::install::random_secret(32)),
    )
    .await?;
    let old = token("Old laptop", &[Scope::Publish, Scope::Yank], None, None);
    let id = tokens::create_shown(
        &mut conn,
        &old,
        &crate::server::install::token_hash(&crate::server::install::random_secret(32)),
    )
    .await?;
    tokens::revoke(&mut conn, user_id, &id).await?;
    Ok(())
}

/// Installs the Event Inspector, gives the organization a known events token, and posts
/// [`DEMO_EVENTS`]: the deliveries go out (signed) as soon as the server runs.
async fn deliveries_demo(
    state: &AppState,
    org: &organizations::OrgRecord,
    project: &organizations::ProjectRecord,
    admin: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use crate::server::db::deliveries::{self, NewEvent};
    let (key, values) = DEMO_INSPECTOR;
    crate::server::install::install_with(state, admin, org, project, key, values).await?;
    let token_id =
        crate::server::delivery::console::create_token(state, admin, org, "Demo events").await?;
    deliveries::set_token_hash(
        &state.db.pool,
        &token_id,
        &crate::server::install::token_hash(DEMO_ORG_TOKEN),
    )
    .await?;
    for (name, data) in DEMO_EVENTS {
        let data: serde_json::Value = serde_json::from_str(data)?;
        crate::server::delivery::post(
            state,
            &NewEvent {
                organization_id: &org.id,
                project_id: &project.id,
                name,
                data: &data,
                source: "api",
                actor_id: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Installs [`DEMO_INSTALL`] through the same steps as the setup wizard.
async fn install_demo(
    state: &AppState,
    org: &organizations::OrgRecord,
    project: &organizations::ProjectRecord,
    admin: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let (key, values) = DEMO_INSTALL;
    crate::server::install::install_with(state, admin, org, project, key, values).await?;
    Ok(())
}
