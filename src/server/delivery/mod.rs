//! Event delivery (SPEC §6): routing an event to the installations that subscribed, in the
//! event's own transaction (the outbox); building the signed request of each attempt; the workers
//! that claim, send and record (see [`worker`]).

pub mod console;
pub mod worker;

use crate::error::AppError;
use crate::model::delivery::LIFECYCLE_EVENTS;
use crate::model::manifest::{Delivery, Manifest, Trigger};
use crate::model::secret::ScopeKind;
use crate::server::db::deliveries::{self, NewEvent, Route};
use crate::server::install::{
    previous_secret_until, Setup, PREVIOUS_SIGNING_SECRET_KEY, SIGNING_SECRET_KEY,
};
use crate::server::state::AppState;
use secrecy::{ExposeSecret, SecretString};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// Default per-attempt timeout, ms.
pub const DEFAULT_TIMEOUT_MS: i64 = 10_000;
/// Retries after the first attempt unless a hook caps them lower.
pub const DEFAULT_RETRIES: i64 = 7;

/// Replaces `${VAR}` placeholders in a callback URL with setting values.
pub fn resolve_placeholders(url: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = url;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                let value = values
                    .get(name)
                    .or_else(|| values.get(&name.to_lowercase()))
                    .cloned()
                    .unwrap_or_default();
                out.push_str(value.trim_end_matches('/'));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a request for `handler` goes: an absolute handler URL as is, a path under the base or
/// callback URL, or (none) the callback URL itself. `None` for extensions that run inside the
/// platform.
pub fn handler_url(
    manifest: &Manifest,
    handler: Option<&str>,
    values: &BTreeMap<String, String>,
) -> Option<String> {
    let Delivery::Http { url } = &manifest.delivery else {
        return None;
    };
    if let Some(h) = handler.filter(|h| h.starts_with("https://") || h.starts_with("http://")) {
        return Some(h.to_string());
    }
    let base = resolve_placeholders(url, values);
    Some(match handler.map(str::trim).filter(|h| !h.is_empty()) {
        Some(path) => format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        ),
        None => base,
    })
}

/// The subscription of `manifest` to `event`: its trigger, or a lifecycle event it asked for
/// (delivered to the callback URL), or none.
pub fn subscription<'m>(manifest: &'m Manifest, event: &str) -> Option<Option<&'m Trigger>> {
    if let Some(t) = manifest.triggers.iter().find(|t| t.event == event) {
        return Some(Some(t));
    }
    manifest
        .lifecycle_events
        .iter()
        .any(|e| e == event)
        .then_some(None)
}

/// The delivery of `event` to an installation with this manifest and these values, if it
/// subscribed.
pub fn route_for(
    installation_id: &str,
    manifest: &Manifest,
    values: &BTreeMap<String, String>,
    event: &str,
) -> Option<Route> {
    let trigger = subscription(manifest, event)?;
    let url = handler_url(manifest, trigger.and_then(|t| t.handler.as_deref()), values)?;
    Some(Route {
        installation_id: installation_id.to_string(),
        url,
        timeout_ms: trigger
            .and_then(|t| t.timeout_ms)
            .or(manifest.timeout_ms)
            .map(i64::from)
            .unwrap_or(DEFAULT_TIMEOUT_MS),
        max_retries: trigger
            .and_then(|t| t.retries)
            .map(|r| i64::from(r).min(DEFAULT_RETRIES))
            .unwrap_or(DEFAULT_RETRIES),
    })
}

/// The installations of a project an event goes to (enabled, subscribed, version not revoked),
/// or only installation `only` whatever its status (lifecycle events and tests).
async fn routes(
    conn: &mut AnyConnection,
    project_id: &str,
    event: &str,
    only: Option<&str>,
) -> Result<Vec<Route>, sqlx::Error> {
    let select = "SELECT i.id, i.settings, c.settings, v.manifest FROM installations i \
         JOIN versions v ON v.extension_id = i.extension_id AND v.version = i.version \
         LEFT JOIN extension_configs c ON c.organization_id = i.organization_id AND c.extension_id = i.extension_id";
    let rows: Vec<(String, String, Option<String>, String)> = match only {
        Some(id) => {
            sqlx::query_as(&format!("{select} WHERE i.project_id = $1 AND i.id = $2"))
                .bind(project_id)
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query_as(&format!(
                "{select} WHERE i.project_id = $1 AND i.status = 'active' AND v.revoked_at IS NULL"
            ))
            .bind(project_id)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, settings, org_settings, manifest)| {
            let manifest: Manifest = serde_json::from_str(&manifest).ok()?;
            let mut values: BTreeMap<String, String> = org_settings
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            values.extend(
                serde_json::from_str::<BTreeMap<String, String>>(&settings).unwrap_or_default(),
            );
            route_for(&id, &manifest, &values, event)
        })
        .collect())
}

/// What emitting an event wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// `evt_…`.
    pub event_id: String,
    /// Deliveries queued.
    pub deliveries: usize,
}

/// Writes `event` and its deliveries in the caller's transaction: to every subscribed enabled
/// installation of the project, or only to installation `only`.
pub async fn emit(
    conn: &mut AnyConnection,
    event: &NewEvent<'_>,
    only: Option<&str>,
) -> Result<Emitted, sqlx::Error> {
    // The write comes first: on SQLite it takes the database's write lock (waiting for it if
    // need be) before anything is read, so concurrent emitters queue instead of failing.
    let event_id = deliveries::insert_event(conn, event).await?;
    let routes = routes(conn, event.project_id, event.name, only).await?;
    deliveries::insert_deliveries(conn, &event_id, event.name, &routes).await?;
    Ok(Emitted {
        event_id,
        deliveries: routes.len(),
    })
}

/// Emits `event` to every subscribed enabled installation of its project in a transaction of its
/// own, then wakes this instance's workers.
pub async fn post(state: &AppState, event: &NewEvent<'_>) -> Result<Emitted, sqlx::Error> {
    let mut tx = state.db.pool.begin().await?;
    let emitted = emit(&mut tx, event, None).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(emitted)
}

/// Emits a lifecycle event of an installation (to that installation, if it asked for it).
pub async fn emit_lifecycle(
    conn: &mut AnyConnection,
    setup: &Setup,
    name: &str,
    data: serde_json::Value,
    actor_id: Option<&str>,
) -> Result<Emitted, sqlx::Error> {
    debug_assert!(LIFECYCLE_EVENTS.contains(&name));
    let mut data = data;
    if let Some(map) = data.as_object_mut() {
        map.entry("installation")
            .or_insert_with(|| serde_json::json!(setup.installation.id));
    }
    emit(
        conn,
        &NewEvent {
            organization_id: &setup.org.id,
            project_id: &setup.project.id,
            name,
            data: &data,
            source: "platform",
            actor_id,
        },
        Some(&setup.installation.id),
    )
    .await
}

/// The secrets a delivery carries and the signing secrets, resolved for one installation.
pub struct Resolved {
    /// Declared secrets the store resolved, by key.
    pub secrets: BTreeMap<String, SecretString>,
    /// Declared secrets it did not.
    pub missing: Vec<String>,
    /// Signing secrets, current first.
    pub signing: Vec<SecretString>,
}

/// What a delivery needs from the secret store for one installation.
pub struct SecretPlan {
    /// Every key to resolve: the declared secrets, the signing key, the previous signing key.
    keys: Vec<String>,
    /// The declared secrets.
    declared: Vec<String>,
    /// The key of the signing secret.
    signing_key: String,
    /// Whether a rotated-out signing secret still signs.
    overlap: bool,
}

impl SecretPlan {
    /// Only the signing secrets (the wizard's test request carries no other secret).
    pub fn signing_only(self) -> Self {
        let keys = self
            .keys
            .into_iter()
            .filter(|k| *k == self.signing_key || k == PREVIOUS_SIGNING_SECRET_KEY)
            .collect();
        Self {
            keys,
            declared: Vec::new(),
            ..self
        }
    }

    /// The keys to resolve.
    pub fn keys(&self) -> Vec<&str> {
        self.keys.iter().map(String::as_str).collect()
    }

    /// Sorts what the store resolved into the delivery's secrets and signing secrets.
    pub fn finish(&self, found: Vec<(String, ScopeKind, SecretString)>) -> Resolved {
        let mut by_key: BTreeMap<String, SecretString> =
            found.into_iter().map(|(k, _, v)| (k, v)).collect();
        let mut signing: Vec<SecretString> =
            by_key.get(&self.signing_key).cloned().into_iter().collect();
        if self.overlap {
            // The previous secret lives in installation scope only.
            if let Some(previous) = by_key.remove(PREVIOUS_SIGNING_SECRET_KEY) {
                signing.push(previous);
            }
        }
        let missing = self
            .declared
            .iter()
            .filter(|k| !by_key.contains_key(*k))
            .cloned()
            .collect();
        by_key.retain(|k, _| self.declared.contains(k));
        Resolved {
            secrets: by_key,
            missing,
            signing,
        }
    }
}

/// Which secrets a delivery to this installation carries and is signed with.
pub async fn plan_secrets(state: &AppState, setup: &Setup) -> Result<SecretPlan, AppError> {
    let declared: Vec<String> = setup
        .manifest
        .settings
        .iter()
        .filter(|s| s.secret)
        .map(|s| s.key.clone())
        .collect();
    let signing_key = setup
        .manifest
        .signing_secret_setting
        .clone()
        .unwrap_or_else(|| SIGNING_SECRET_KEY.to_string());
    let overlap = setup.manifest.signing_secret_setting.is_none()
        && previous_secret_until(state, &setup.installation.id)
            .await?
            .is_some_and(|until| until > crate::server::db::now_ms());
    let mut keys = declared.clone();
    if !keys.contains(&signing_key) {
        keys.push(signing_key.clone());
    }
    if overlap {
        keys.push(PREVIOUS_SIGNING_SECRET_KEY.to_string());
    }
    Ok(SecretPlan {
        keys,
        declared,
        signing_key,
        overlap,
    })
}

/// One request, ready to send.
pub struct Request {
    /// Body bytes.
    pub body: Vec<u8>,
    /// Every header, signatures included.
    pub headers: Vec<(String, String)>,
}

/// What identifies the event a request carries.
pub struct EventRef<'a> {
    /// `evt_…`.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// When it happened, unix ms.
    pub occurred_at: i64,
    /// Its data.
    pub data: serde_json::Value,
}

/// The body and signed headers of one attempt (SPEC §6). `public_url` is the marketplace's.
pub fn build_request(
    setup: &Setup,
    resolved: &Resolved,
    event: &EventRef<'_>,
    delivery_id: &str,
    public_url: &str,
    now: time::OffsetDateTime,
) -> Request {
    let occurred =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(event.occurred_at) * 1_000_000)
            .unwrap_or(now);
    let secrets: serde_json::Map<String, serde_json::Value> = resolved
        .secrets
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                serde_json::Value::String(v.expose_secret().into()),
            )
        })
        .collect();
    let body = serde_json::json!({
        "id": event.id,
        "event": event.name,
        "event_version": setup.manifest.api_version,
        "occurred_at": occurred.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "organization": {"id": setup.org.id, "slug": setup.org.slug},
        "project": {"id": setup.project.id, "slug": setup.project.slug},
        "installation": {"id": setup.installation.id, "extension": setup.extension.key, "version": setup.installation.version},
        "data": event.data,
        "secrets": secrets,
        "secret_status": {"missing": resolved.missing},
        "api": {"base_url": format!("{}/api/v1", public_url.trim_end_matches('/')), "token_header": crate::server::runtime_api::TOKEN_HEADER},
    });
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let exposed: Vec<&str> = resolved.signing.iter().map(|s| s.expose_secret()).collect();
    let mut headers = crate::server::signing::headers(
        &crate::server::signing::Envelope {
            event: event.name,
            event_version: &setup.manifest.api_version,
            delivery_id,
            invocation_id: &crate::server::db::new_id("inv"),
            organization: &setup.org.slug,
            project: &setup.project.slug,
            timestamp: now.unix_timestamp(),
        },
        &exposed,
        &body,
    );
    headers.extend(setup.manifest.headers.iter().cloned());
    Request { body, headers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::manifest::lint;

    fn manifest(yaml: &str) -> Manifest {
        lint(yaml).manifest.expect("valid manifest")
    }

    const V2: &str = "manifest_version: 2\nextension:\n  key: sync\n  name: Sync\n  version: 1.0.0\n  runtime: external\n  base_url: https://sync.example.com/\ntriggers:\n  - event: issue.created\n    handler: /hooks/issue\n  - event: issue.closed\n    handler: https://other.example.com/closed\n";

    #[test]
    fn triggers_route_to_their_handler_under_the_base_url() {
        let m = manifest(V2);
        let r = route_for("ins_1", &m, &BTreeMap::new(), "issue.created").unwrap();
        assert_eq!(r.url, "https://sync.example.com/hooks/issue");
        assert_eq!((r.timeout_ms, r.max_retries), (10_000, 7));
        let r = route_for("ins_1", &m, &BTreeMap::new(), "issue.closed").unwrap();
        assert_eq!(r.url, "https://other.example.com/closed");
        assert!(route_for("ins_1", &m, &BTreeMap::new(), "issue.updated").is_none());
    }

    #[test]
    fn hooks_carry_their_timeout_and_retry_cap_and_placeholders_resolve() {
        let m = manifest(
            "model_version: \"1.0\"\nextension:\n  id: dev.kiket.ext.sync\n  name: Sync\n  delivery: http\n  callback:\n    url: https://${sync_host}/kiket\n    timeout: 2500\n  configuration:\n    sync_host:\n      type: string\n      required: true\n  lifecycleEvents: [extension.installed]\n  hooks:\n    - event: issue.created\n      endpoint: /issue\n      timeout: 1000\n      retries: 2\n",
        );
        let values = BTreeMap::from([("sync_host".to_string(), "me.example.com".to_string())]);
        let r = route_for("ins_1", &m, &values, "issue.created").unwrap();
        assert_eq!(r.url, "https://me.example.com/kiket/issue");
        assert_eq!((r.timeout_ms, r.max_retries), (1000, 2));
        let r = route_for("ins_1", &m, &values, "extension.installed").unwrap();
        assert_eq!(r.url, "https://me.example.com/kiket");
        assert_eq!(r.timeout_ms, 2500);
        assert!(route_for("ins_1", &m, &values, "extension.disabled").is_none());
    }

    #[test]
    fn placeholders_take_setting_values() {
        let values = BTreeMap::from([("SLACK_URL".to_string(), "https://a.example/".to_string())]);
        assert_eq!(
            resolve_placeholders("${SLACK_URL}/hook", &values),
            "https://a.example/hook"
        );
        assert_eq!(resolve_placeholders("${UNSET}/x", &values), "/x");
        assert_eq!(
            resolve_placeholders("https://x/${open", &values),
            "https://x/${open"
        );
    }
}
