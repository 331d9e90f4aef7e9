//! Delivery workers: every server instance runs `KIKET_DELIVERY_WORKERS` of them. A worker claims a
//! batch of due deliveries, prepares each installation once (its settings, its secrets in one
//! audited read), sends the batch's requests concurrently, and records every attempt and the
//! next step of each delivery in one transaction.

use super::{build_request, plan_secrets, EventRef, Resolved, SecretPlan};
use crate::error::AppError;
use crate::model::delivery::{retry_delay_ms, DeliveryState, Outcome};
use crate::server::db::deliveries::{self, AttemptRecord, Claimed};
use crate::server::db::{audit, catalog, new_id, notifications, now_ms};
use crate::server::install::{self, Setup};
use crate::server::outbound::OutboundError;
use crate::server::secrets::{Lookup, Purpose, Scope};
use crate::server::signing;
use crate::server::state::AppState;
use std::collections::HashMap;
use std::time::Duration;

/// Deliveries a worker claims at once.
pub const BATCH: i64 = 128;
/// Requests a worker has in flight to one installation at most.
pub const IN_FLIGHT_PER_INSTALLATION: usize = 16;
/// How often an idle worker looks for due deliveries other instances queued.
pub const IDLE_POLL: Duration = Duration::from_millis(500);
/// How long attempts are kept.
pub const RETENTION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// Starts `count` workers for this instance.
pub fn spawn(state: &AppState, count: usize) -> Vec<tokio::task::JoinHandle<()>> {
    let instance = new_id("wrk");
    (0..count)
        .map(|i| {
            let state = state.clone();
            let worker = format!("{instance}-{i}");
            tokio::spawn(async move { run(state, worker).await })
        })
        .collect()
}

async fn run(state: AppState, worker: String) {
    loop {
        match run_once(&state, &worker, now_ms(), BATCH).await {
            Ok(0) => {
                tokio::select! {
                    _ = state.delivery_wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(%worker, error = %e, "delivery worker could not run a batch");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Purges attempts older than 90 days once an hour (and once at start).
pub fn spawn_retention(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match deliveries::purge(&state.db.pool, now_ms() - RETENTION_MS).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(attempts = n, "purged delivery attempts older than 90 days")
                }
                Err(e) => tracing::warn!(error = %e, "could not purge old delivery attempts"),
            }
            if let Err(e) = install::forget_uninstalled_secrets(&state).await {
                tracing::warn!(error = %e, "could not clear the secrets of uninstalled extensions");
            }
        }
    })
}

/// What one attempt came to, before it is recorded.
struct Sent {
    record: AttemptRecord,
    gone: bool,
}

/// Claims, sends and records one batch as `worker` at `now`; returns how many were claimed.
/// Tests call it with their own clock.
pub async fn run_once(
    state: &AppState,
    worker: &str,
    now: i64,
    limit: i64,
) -> Result<usize, AppError> {
    let claimed = deliveries::claim(&state.db.pool, state.db.backend, worker, now, limit).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let prepared = prepare(state, &claimed).await;
    // A batch may hold many deliveries to one extension's server: it gets a few at a time.
    let limits: HashMap<&str, tokio::sync::Semaphore> = claimed
        .iter()
        .map(|c| {
            (
                c.installation_id.as_str(),
                tokio::sync::Semaphore::new(IN_FLIGHT_PER_INSTALLATION),
            )
        })
        .collect();
    let prepared = &prepared;
    let sent = futures_util::future::join_all(claimed.iter().map(|c| {
        let limit = &limits[c.installation_id.as_str()];
        async move {
            let _permit = limit.acquire().await;
            attempt(state, c, &prepared[&c.installation_id], now).await
        }
    }))
    .await;
    let mut tx = state.db.pool.begin().await?;
    let recorded_at = now.max(now_ms());
    for s in &sent {
        deliveries::record(&mut tx, worker, &s.record, recorded_at).await?;
    }
    for s in sent.iter().filter(|s| s.gone) {
        if let Some(Ok((setup, _))) = prepared.get(&s.record.installation_id) {
            stop_gone(&mut tx, setup, recorded_at).await?;
        }
    }
    tx.commit().await?;
    Ok(claimed.len())
}

/// Loads each claimed installation once and resolves all their secrets in one audited read.
async fn prepare(
    state: &AppState,
    claimed: &[Claimed],
) -> HashMap<String, Result<(Setup, Resolved), String>> {
    let mut setups: Vec<(String, Setup, SecretPlan)> = Vec::new();
    let mut prepared: HashMap<String, Result<(Setup, Resolved), String>> = HashMap::new();
    for c in claimed {
        if prepared.contains_key(&c.installation_id)
            || setups.iter().any(|(id, _, _)| *id == c.installation_id)
        {
            continue;
        }
        let loaded = async {
            let setup = install::load_by_id(state, &c.installation_id).await?;
            let plan = plan_secrets(state, &setup).await?;
            Ok::<_, AppError>((setup, plan))
        }
        .await;
        match loaded {
            Ok((setup, plan)) => setups.push((c.installation_id.clone(), setup, plan)),
            Err(e) => {
                prepared.insert(c.installation_id.clone(), Err(e.to_string()));
            }
        }
    }
    let keys: Vec<Vec<&str>> = setups.iter().map(|(_, _, plan)| plan.keys()).collect();
    let chains: Vec<Vec<Scope>> = setups.iter().map(|(_, setup, _)| setup.chain()).collect();
    let lookups: Vec<Lookup<'_>> = setups
        .iter()
        .zip(&keys)
        .zip(&chains)
        .map(|(((_, setup, _), keys), chain)| Lookup {
            organization_id: &setup.org.id,
            chain,
            keys,
        })
        .collect();
    match state
        .secrets
        .resolve_batch(&state.db.pool, &lookups, Purpose::Delivery, None)
        .await
    {
        Ok(found) => {
            for ((id, setup, plan), found) in setups.into_iter().zip(found) {
                prepared.insert(id, Ok((setup, plan.finish(found))));
            }
        }
        Err(e) => {
            let message = AppError::from(e).to_string();
            for (id, _, _) in setups {
                prepared.insert(id, Err(message.clone()));
            }
        }
    }
    prepared
}

/// Sends one claimed delivery and judges the answer.
async fn attempt(
    state: &AppState,
    claimed: &Claimed,
    prepared: &Result<(Setup, Resolved), String>,
    now: i64,
) -> Sent {
    let mut record = AttemptRecord {
        delivery_id: claimed.id.clone(),
        installation_id: claimed.installation_id.clone(),
        number: claimed.attempt,
        started_at: now,
        duration_ms: 0,
        status: None,
        outcome: Outcome::Retry,
        request_headers: "[]".into(),
        response_body: None,
        error: None,
        next_state: DeliveryState::Pending,
        next_attempt_at: None,
    };
    let (setup, resolved) = match prepared {
        Ok(p) => p,
        Err(e) => {
            record.error = Some(format!("The delivery could not be prepared: {e}"));
            return schedule(record, claimed, None);
        }
    };
    if resolved.signing.is_empty() {
        record.outcome = Outcome::Failed;
        record.error = Some("The installation has no signing secret.".into());
        return schedule(record, claimed, None);
    }
    let request = build_request(
        setup,
        resolved,
        &EventRef {
            id: &claimed.event_id,
            name: &claimed.event,
            occurred_at: claimed.occurred_at,
            data: serde_json::from_str(&claimed.payload).unwrap_or_default(),
        },
        &claimed.id,
        &state.config.public_url,
        time::OffsetDateTime::now_utc(),
    );
    let shown: Vec<&(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| signing::is_shown_header(name))
        .collect();
    record.request_headers = serde_json::to_string(&shown).unwrap_or_else(|_| "[]".into());
    let started = std::time::Instant::now();
    let answer = state
        .outbound
        .post_json(
            &claimed.url,
            &request.headers,
            request.body,
            Duration::from_millis(claimed.timeout_ms.max(1) as u64),
        )
        .await;
    record.duration_ms = started.elapsed().as_millis() as i64;
    match answer {
        Ok(answer) => {
            record.status = Some(i64::from(answer.status));
            record.outcome = Outcome::of_status(Some(answer.status));
            record.response_body = Some(String::from_utf8_lossy(&answer.body).into_owned());
            if record.outcome != Outcome::Delivered {
                record.error = Some(format!("The extension answered HTTP {}.", answer.status));
            }
            schedule(record, claimed, answer.retry_after)
        }
        Err(e) => {
            record.outcome = match e {
                OutboundError::Refused(_) | OutboundError::BadUrl(_) => Outcome::Failed,
                OutboundError::Timeout(_) | OutboundError::Failed(_) => Outcome::Retry,
            };
            record.error = Some(e.to_string());
            schedule(record, claimed, None)
        }
    }
}

/// Decides the delivery's next state from the attempt's outcome.
fn schedule(mut record: AttemptRecord, claimed: &Claimed, retry_after: Option<u64>) -> Sent {
    let gone = record.outcome == Outcome::Gone;
    (record.next_state, record.next_attempt_at) = match record.outcome {
        Outcome::Delivered => (DeliveryState::Delivered, None),
        Outcome::Failed | Outcome::Gone => (DeliveryState::Failed, None),
        Outcome::Retry => {
            let jitter = rand::random::<f64>() * 2.0 - 1.0;
            match retry_delay_ms(
                claimed.attempt.max(1) as u32,
                claimed.max_retries.max(0) as u32,
                retry_after,
                jitter,
            ) {
                Some(delay) => (
                    DeliveryState::Pending,
                    Some(record.started_at + record.duration_ms + delay),
                ),
                None => (DeliveryState::Failed, None),
            }
        }
    };
    Sent { record, gone }
}

/// The extension answered 410 Gone: its installation stops receiving events, waiting deliveries
/// are given up, and the organization's admins are told.
async fn stop_gone(
    conn: &mut sqlx::AnyConnection,
    setup: &Setup,
    now: i64,
) -> Result<(), sqlx::Error> {
    let reason = "The extension answered 410 Gone: it no longer accepts events. Enable it again once it does.";
    let changed = sqlx::query(
        "UPDATE installations SET status = 'disabled', disabled_reason = $1, updated_at = $2 \
         WHERE id = $3 AND status = 'active'",
    )
    .bind(reason)
    .bind(now)
    .bind(&setup.installation.id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    deliveries::fail_waiting(conn, &setup.installation.id, reason, now).await?;
    if changed == 1 {
        catalog::refresh(conn, &setup.extension.id).await?;
        audit::record(
            &mut *conn,
            audit::Entry::new(
                None,
                "installation.delivery_gone",
                "installation",
                &setup.installation.id,
            )
            .for_organization(&setup.org.id),
        )
        .await?;
        notifications::to_org_admins(
            &mut *conn,
            &setup.org.id,
            &format!(
                "{} in {} answered 410 Gone and was disabled: it receives no more events until it is enabled again.",
                setup.extension.name, setup.project.name
            ),
            &setup.path(),
        )
        .await?;
    }
    Ok(())
}
