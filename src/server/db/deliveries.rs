//! Events, the delivery outbox and its attempts, and organization tokens.

use super::{new_id, now_ms, Backend};
use crate::model::delivery::{
    AttemptView, DeliveryDetail, DeliveryRow, DeliveryState, OrgToken, Outcome,
};
use sqlx::{AnyConnection, AnyPool};

/// A new event, written with its deliveries in one transaction.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Organization id.
    pub organization_id: &'a str,
    /// Project id.
    pub project_id: &'a str,
    /// Event name.
    pub name: &'a str,
    /// The `data` object.
    pub data: &'a serde_json::Value,
    /// `api`, `test` or `platform`.
    pub source: &'a str,
    /// The user who caused it, if any.
    pub actor_id: Option<&'a str>,
}

/// A delivery to write for a new event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The receiving installation.
    pub installation_id: String,
    /// The URL to POST to.
    pub url: String,
    /// Per-attempt timeout, ms.
    pub timeout_ms: i64,
    /// Retries after the first attempt.
    pub max_retries: i64,
}

/// Writes the event. Returns its id.
pub async fn insert_event(
    conn: &mut AnyConnection,
    event: &NewEvent<'_>,
) -> Result<String, sqlx::Error> {
    let id = new_id("evt");
    sqlx::query(
        "INSERT INTO events (id, organization_id, project_id, name, payload, source, actor_id, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(event.organization_id)
    .bind(event.project_id)
    .bind(event.name)
    .bind(event.data.to_string())
    .bind(event.source)
    .bind(event.actor_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Writes one pending delivery of event `event_id` per route, due at once.
pub async fn insert_deliveries(
    conn: &mut AnyConnection,
    event_id: &str,
    event_name: &str,
    routes: &[Route],
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for route in routes {
        sqlx::query(
            "INSERT INTO deliveries (id, event_id, installation_id, event_name, url, state, attempts, \
             max_retries, timeout_ms, next_attempt_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8, $8, $8)",
        )
        .bind(new_id("dlv"))
        .bind(event_id)
        .bind(&route.installation_id)
        .bind(event_name)
        .bind(&route.url)
        .bind(route.max_retries)
        .bind(route.timeout_ms)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A delivery a worker claimed, with its event.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// `dlv_…`.
    pub id: String,
    /// Receiving installation.
    pub installation_id: String,
    /// URL.
    pub url: String,
    /// This attempt's number (1 = first).
    pub attempt: i64,
    /// Retries allowed.
    pub max_retries: i64,
    /// Per-attempt timeout, ms.
    pub timeout_ms: i64,
    /// `evt_…`.
    pub event_id: String,
    /// Event name.
    pub event: String,
    /// The event's data, JSON text.
    pub payload: String,
    /// When it happened, unix ms.
    pub occurred_at: i64,
}

/// How long past a claim's timeout its lease lasts: after that another worker takes it.
pub const LEASE_MARGIN_MS: i64 = 10_000;

/// Claims up to `limit` deliveries due at `now` (and claims whose lease ran out) for `worker`.
///
/// PostgreSQL skips rows other instances hold locked; SQLite has one writer, so its single
/// `UPDATE … RETURNING` is the claim.
pub async fn claim(
    pool: &AnyPool,
    backend: Backend,
    worker: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE deliveries SET state = 'sending', claimed_by = $1, \
         claim_until = $2 + timeout_ms + {LEASE_MARGIN_MS}, attempts = attempts + 1, updated_at = $2 \
         WHERE id IN (SELECT id FROM deliveries \
           WHERE (state = 'pending' AND next_attempt_at <= $2) OR (state = 'sending' AND claim_until < $2) \
           ORDER BY next_attempt_at LIMIT $3{lock}) \
         RETURNING id"
    );
    let ids: Vec<(String,)> = sqlx::query_as(&sql)
        .bind(worker)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (1..=ids.len())
        .map(|i| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT d.id, d.installation_id, d.url, d.attempts, d.max_retries, d.timeout_ms, \
         e.id, e.name, e.payload, e.occurred_at \
         FROM deliveries d JOIN events e ON e.id = d.event_id \
         WHERE d.claimed_by = $1 AND d.id IN ({placeholders})"
    );
    let mut query = sqlx::query_as::<
        _,
        (
            String,
            String,
            String,
            i64,
            i64,
            i64,
            String,
            String,
            String,
            i64,
        ),
    >(&sql)
    .bind(worker);
    for (id,) in &ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                installation_id,
                url,
                attempt,
                max_retries,
                timeout_ms,
                event_id,
                event,
                payload,
                occurred_at,
            )| Claimed {
                id,
                installation_id,
                url,
                attempt,
                max_retries,
                timeout_ms,
                event_id,
                event,
                payload,
                occurred_at,
            },
        )
        .collect())
}

/// What one attempt came to, to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: String,
    /// Its installation.
    pub installation_id: String,
    /// Attempt number.
    pub number: i64,
    /// Started, unix ms.
    pub started_at: i64,
    /// Duration, ms.
    pub duration_ms: i64,
    /// HTTP status.
    pub status: Option<i64>,
    /// Outcome.
    pub outcome: Outcome,
    /// Headers sent (no signatures), JSON.
    pub request_headers: String,
    /// First 4 KB of the answer.
    pub response_body: Option<String>,
    /// Error.
    pub error: Option<String>,
    /// The delivery's next state.
    pub next_state: DeliveryState,
    /// When the next attempt is due.
    pub next_attempt_at: Option<i64>,
}

/// Records an attempt and moves its delivery on, if `worker` still holds it.
pub async fn record(
    conn: &mut AnyConnection,
    worker: &str,
    attempt: &AttemptRecord,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO delivery_attempts (id, delivery_id, installation_id, number, started_at, \
         duration_ms, status, outcome, request_headers, response_body, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id("att"))
    .bind(&attempt.delivery_id)
    .bind(&attempt.installation_id)
    .bind(attempt.number)
    .bind(attempt.started_at)
    .bind(attempt.duration_ms)
    .bind(attempt.status)
    .bind(attempt.outcome.as_str())
    .bind(&attempt.request_headers)
    .bind(&attempt.response_body)
    .bind(&attempt.error)
    .execute(&mut *conn)
    .await?;
    let done = matches!(
        attempt.next_state,
        DeliveryState::Delivered | DeliveryState::Failed
    );
    sqlx::query(
        "UPDATE deliveries SET state = $1, next_attempt_at = $2, last_status = $3, last_error = $4, \
         claimed_by = NULL, claim_until = NULL, updated_at = $5, completed_at = $6 \
         WHERE id = $7 AND claimed_by = $8 AND state = 'sending'",
    )
    .bind(attempt.next_state.as_str())
    .bind(attempt.next_attempt_at)
    .bind(attempt.status)
    .bind(&attempt.error)
    .bind(now)
    .bind(done.then_some(now))
    .bind(&attempt.delivery_id)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives up every delivery of an installation still waiting (its extension answered 410).
pub async fn fail_waiting(
    conn: &mut AnyConnection,
    installation_id: &str,
    reason: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE deliveries SET state = 'failed', last_error = $1, next_attempt_at = NULL, \
         updated_at = $2, completed_at = $2 WHERE installation_id = $3 AND state = 'pending'",
    )
    .bind(reason)
    .bind(now)
    .bind(installation_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Console filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this state.
    pub state: Option<DeliveryState>,
    /// Only this event.
    pub event: Option<String>,
}

const ROW_COLUMNS: &str =
    "d.id, d.event_id, d.event_name, e.source, d.state, d.attempts, d.last_status, \
     d.last_error, d.next_attempt_at, d.redelivery_of, d.created_at, d.completed_at";

type RowTuple = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
);

fn to_row(t: RowTuple) -> DeliveryRow {
    DeliveryRow {
        id: t.0,
        event_id: t.1,
        event: t.2,
        source: t.3,
        state: DeliveryState::parse(&t.4).unwrap_or(DeliveryState::Pending),
        attempts: t.5,
        last_status: t.6,
        last_error: t.7,
        next_attempt_at: t.8,
        redelivery_of: t.9,
        created_at: t.10,
        completed_at: t.11,
    }
}

/// A page of an installation's deliveries, newest first, and how many match.
pub async fn list(
    pool: &AnyPool,
    installation_id: &str,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DeliveryRow>, i64), sqlx::Error> {
    let mut conditions = vec!["d.installation_id = $1".to_string()];
    let mut binds: Vec<String> = vec![installation_id.to_string()];
    if let Some(state) = filter.state {
        binds.push(state.as_str().to_string());
        conditions.push(format!("d.state = ${}", binds.len()));
    }
    if let Some(event) = &filter.event {
        binds.push(event.clone());
        conditions.push(format!("d.event_name = ${}", binds.len()));
    }
    let predicate = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM deliveries d WHERE {predicate}");
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let (total,) = count.fetch_one(pool).await?;
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id \
         WHERE {predicate} ORDER BY d.created_at DESC, d.id DESC LIMIT {limit} OFFSET {offset}"
    );
    let mut query = sqlx::query_as::<_, RowTuple>(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(pool).await?;
    Ok((rows.into_iter().map(to_row).collect(), total))
}

/// Event names an installation's deliveries carried.
pub async fn event_names(
    pool: &AnyPool,
    installation_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT event_name FROM deliveries WHERE installation_id = $1 ORDER BY event_name",
    )
    .bind(installation_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// One delivery of an installation, with its attempts and event data.
pub async fn detail(
    pool: &AnyPool,
    installation_id: &str,
    id: &str,
) -> Result<Option<DeliveryDetail>, sqlx::Error> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id \
         WHERE d.installation_id = $1 AND d.id = $2"
    );
    let row: Option<RowTuple> = sqlx::query_as(&sql)
        .bind(installation_id)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let delivery = to_row(row);
    let (url, payload): (String, String) = sqlx::query_as(
        "SELECT d.url, e.payload FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    #[allow(clippy::type_complexity)]
    let attempts: Vec<(i64, i64, i64, Option<i64>, String, String, Option<String>, Option<String>)> =
        sqlx::query_as(
            "SELECT number, started_at, duration_ms, status, outcome, request_headers, response_body, error \
             FROM delivery_attempts WHERE delivery_id = $1 ORDER BY started_at, number",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
    let data = serde_json::from_str::<serde_json::Value>(&payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(payload);
    Ok(Some(DeliveryDetail {
        delivery,
        url,
        data,
        attempts: attempts
            .into_iter()
            .map(
                |(
                    number,
                    started_at,
                    duration_ms,
                    status,
                    outcome,
                    headers,
                    response_body,
                    error,
                )| {
                    AttemptView {
                        number,
                        started_at,
                        duration_ms,
                        status,
                        outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Failed),
                        request_headers: serde_json::from_str(&headers).unwrap_or_default(),
                        response_body,
                        error,
                    }
                },
            )
            .collect(),
    }))
}

/// Attempts of an installation since `since`: (started_at, delivered?).
pub async fn attempts_since(
    pool: &AnyPool,
    installation_id: &str,
    since: i64,
) -> Result<Vec<(i64, bool)>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT started_at, outcome FROM delivery_attempts WHERE installation_id = $1 AND started_at >= $2",
    )
    .bind(installation_id)
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, outcome)| (at, outcome == Outcome::Delivered.as_str()))
        .collect())
}

/// Queues a new delivery of the same event to the same installation, due now. Returns its id.
pub async fn redeliver(
    conn: &mut AnyConnection,
    installation_id: &str,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let new = new_id("dlv");
    let now = now_ms();
    let done = sqlx::query(
        "INSERT INTO deliveries (id, event_id, installation_id, event_name, url, state, attempts, \
         max_retries, timeout_ms, next_attempt_at, redelivery_of, created_at, updated_at) \
         SELECT $1, event_id, installation_id, event_name, url, 'pending', 0, max_retries, timeout_ms, \
         $2, id, $2, $2 FROM deliveries WHERE installation_id = $3 AND id = $4",
    )
    .bind(&new)
    .bind(now)
    .bind(installation_id)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((done == 1).then_some(new))
}

/// Failed deliveries of an installation created since `since` (unix ms) and not re-sent yet.
pub async fn failed_since(
    conn: &mut AnyConnection,
    installation_id: &str,
    since: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT d.id FROM deliveries d WHERE d.installation_id = $1 AND d.state = 'failed' \
         AND d.created_at >= $2 AND NOT EXISTS \
         (SELECT 1 FROM deliveries r WHERE r.redelivery_of = d.id) ORDER BY d.created_at",
    )
    .bind(installation_id)
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Deletes attempts older than `before`, then finished deliveries and events older than it
/// that nothing refers to. Returns the number of attempts deleted.
pub async fn purge(pool: &AnyPool, before: i64) -> Result<u64, sqlx::Error> {
    let attempts = sqlx::query("DELETE FROM delivery_attempts WHERE started_at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected();
    sqlx::query(
        "DELETE FROM deliveries WHERE state IN ('delivered', 'failed') AND created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = deliveries.id)",
    )
    .bind(before)
    .execute(pool)
    .await?;
    sqlx::query(
        "DELETE FROM events WHERE occurred_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)",
    )
    .bind(before)
    .execute(pool)
    .await?;
    Ok(attempts)
}

/// Deliveries of an installation not finished yet.
pub async fn unfinished(pool: &AnyPool, installation_id: &str) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM deliveries WHERE installation_id = $1 AND state IN ('pending', 'sending')",
    )
    .bind(installation_id)
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// Stores a new organization token, not shown yet (no hash), and returns its id.
pub async fn create_token(
    pool: &AnyPool,
    organization_id: &str,
    name: &str,
    scopes: &[&str],
    actor_id: &str,
) -> Result<String, sqlx::Error> {
    let id = new_id("otk");
    sqlx::query(
        "INSERT INTO org_tokens (id, organization_id, name, scopes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(organization_id)
    .bind(name)
    .bind(scopes.join(" "))
    .bind(actor_id)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(id)
}

/// The newest live token `actor_id` created in the organization that was not shown yet.
pub async fn unrevealed_token(
    pool: &AnyPool,
    organization_id: &str,
    actor_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM org_tokens WHERE organization_id = $1 AND created_by = $2 \
         AND token_hash IS NULL AND revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(organization_id)
    .bind(actor_id)
    .fetch_optional(pool)
    .await
}

/// Stores the hash of a token being shown; false when it was shown meanwhile.
pub async fn set_token_hash(pool: &AnyPool, id: &str, hash: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE org_tokens SET token_hash = $1 WHERE id = $2 AND token_hash IS NULL")
            .bind(hash)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
            == 1,
    )
}

/// The organization's tokens, newest first.
pub async fn tokens(pool: &AnyPool, organization_id: &str) -> Result<Vec<OrgToken>, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(String, String, String, i64, Option<String>, Option<i64>, Option<i64>)> =
        sqlx::query_as(
            "SELECT t.id, t.name, t.scopes, t.created_at, u.display_name, t.last_used_at, t.revoked_at \
             FROM org_tokens t LEFT JOIN users u ON u.id = t.created_by \
             WHERE t.organization_id = $1 ORDER BY t.created_at DESC, t.id DESC",
        )
        .bind(organization_id)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, created_at, created_by, last_used_at, revoked_at)| OrgToken {
                id,
                name,
                scopes: scopes.split_whitespace().map(str::to_string).collect(),
                created_at,
                created_by,
                last_used_at,
                revoked_at,
            },
        )
        .collect())
}

/// Revokes a token of the organization; false when there is no such live token.
pub async fn revoke_token(
    conn: &mut AnyConnection,
    organization_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE org_tokens SET revoked_at = $1 WHERE organization_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(organization_id)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The live token with this hash: (id, organization id, scopes). Marks it used.
pub async fn use_token(
    pool: &AnyPool,
    hash: &str,
) -> Result<Option<(String, String, Vec<String>)>, sqlx::Error> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT id, organization_id, scopes FROM org_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    let Some((id, org, scopes)) = row else {
        return Ok(None);
    };
    sqlx::query("UPDATE org_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(&id)
        .execute(pool)
        .await?;
    Ok(Some((
        id,
        org,
        scopes.split_whitespace().map(str::to_string).collect(),
    )))
}
