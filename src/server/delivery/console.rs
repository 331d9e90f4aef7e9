//! What organization admins do with deliveries: the delivery console of an installation (list,
//! attempts, chart), redelivering, sending a test event, and the organization tokens the events
//! API takes. Server fns call these after checking the caller's role.

use super::{emit, Emitted};
use crate::error::AppError;
use crate::model::delivery::{
    chart, ChartWindow, DeliveryConsole, DeliveryDetail, DeliveryState, OrgToken, EVENTS_WRITE,
    ORG_TOKEN_PREFIX,
};
use crate::model::installation::InstallStatus;
use crate::model::manifest::names::EventName;
use crate::server::db::deliveries::{self, Filter, NewEvent};
use crate::server::db::organizations::OrgRecord;
use crate::server::db::{audit, now_ms};
use crate::server::install::{random_secret, token_hash, Setup};
use crate::server::state::AppState;

/// Deliveries per console page.
pub const PER_PAGE: u32 = 25;

/// A page of the console.
pub async fn console(
    state: &AppState,
    setup: &Setup,
    filter: &Filter,
    page: u32,
    window: ChartWindow,
) -> Result<DeliveryConsole, AppError> {
    let page = page.max(1);
    let pool = &state.db.pool;
    let id = &setup.installation.id;
    let (rows, total) = deliveries::list(
        pool,
        id,
        filter,
        i64::from(PER_PAGE),
        i64::from((page - 1) * PER_PAGE),
    )
    .await?;
    let now = now_ms();
    let since = now - window.bucket_ms() * window.buckets() as i64;
    let attempts = deliveries::attempts_since(pool, id, since).await?;
    Ok(DeliveryConsole {
        rows,
        total,
        page,
        per_page: PER_PAGE,
        events: deliveries::event_names(pool, id).await?,
        test_events: setup.manifest.subscribed_events(),
        chart: chart(window, now, &attempts),
        window,
        enabled: setup.installation.status == InstallStatus::Active,
    })
}

/// One delivery with its attempts.
pub async fn detail(
    state: &AppState,
    setup: &Setup,
    delivery: &str,
) -> Result<DeliveryDetail, AppError> {
    deliveries::detail(&state.db.pool, &setup.installation.id, delivery)
        .await?
        .ok_or_else(|| AppError::NotFound("No such delivery of this installation.".into()))
}

fn refuse_uninstalled(setup: &Setup) -> Result<(), AppError> {
    if setup.installation.status == InstallStatus::Uninstalled {
        return Err(AppError::Conflict(
            "This extension was uninstalled: nothing is sent to it any more.".into(),
        ));
    }
    Ok(())
}

/// Sends the delivery again, as a new delivery of the same event. Returns the new id.
pub async fn redeliver(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    delivery: &str,
) -> Result<String, AppError> {
    refuse_uninstalled(setup)?;
    let mut tx = state.db.pool.begin().await?;
    let new = deliveries::redeliver(&mut tx, &setup.installation.id, delivery)
        .await?
        .ok_or_else(|| AppError::NotFound("No such delivery of this installation.".into()))?;
    audit::record(
        &mut *tx,
        audit::Entry::new(Some(actor_id), "delivery.redelivered", "delivery", delivery)
            .with(serde_json::json!({"new": new, "installation": setup.installation.id}))
            .for_organization(&setup.org.id),
    )
    .await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(new)
}

/// Sends again every failed delivery created since `since` (unix ms) that was not re-sent yet.
pub async fn redeliver_failed_since(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    since: i64,
) -> Result<usize, AppError> {
    refuse_uninstalled(setup)?;
    let mut tx = state.db.pool.begin().await?;
    // Written first (SQLite's write lock before any read); the count is in the redeliveries.
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            "delivery.redelivered_failed",
            "installation",
            &setup.installation.id,
        )
        .with(serde_json::json!({"since": since}))
        .for_organization(&setup.org.id),
    )
    .await?;
    let failed = deliveries::failed_since(&mut tx, &setup.installation.id, since).await?;
    for id in &failed {
        deliveries::redeliver(&mut tx, &setup.installation.id, id).await?;
    }
    tx.commit().await?;
    state.wake_delivery();
    Ok(failed.len())
}

/// Sends the installation a test event it subscribed to, with sample data.
pub async fn send_test(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    event: &str,
) -> Result<Emitted, AppError> {
    refuse_uninstalled(setup)?;
    if setup.installation.status == InstallStatus::Setup {
        return Err(AppError::Conflict(
            "Finish the setup first: a test event needs the extension's settings.".into(),
        ));
    }
    let name = EventName::parse(event.trim()).map_err(|m| AppError::field("event", m))?;
    if !setup
        .manifest
        .subscribed_events()
        .iter()
        .any(|e| e == name.as_str())
    {
        return Err(AppError::field(
            "event",
            format!("This extension does not subscribe to {}.", name.as_str()),
        ));
    }
    let data = serde_json::json!({
        "test": true,
        "message": format!("A test {} sent from the installation page.", name.as_str()),
    });
    let mut tx = state.db.pool.begin().await?;
    let emitted = emit(
        &mut tx,
        &NewEvent {
            organization_id: &setup.org.id,
            project_id: &setup.project.id,
            name: name.as_str(),
            data: &data,
            source: "test",
            actor_id: Some(actor_id),
        },
        Some(&setup.installation.id),
    )
    .await?;
    if emitted.deliveries == 0 {
        return Err(AppError::Conflict(
            "This extension runs inside the platform: there is nothing to send.".into(),
        ));
    }
    tx.commit().await?;
    state.wake_delivery();
    Ok(emitted)
}

/// Parses the console's "since" field: `YYYY-MM-DDTHH:MM` (UTC) as the form's datetime input
/// sends it.
pub fn parse_since(value: &str) -> Result<i64, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let bad = || AppError::field("since", "Give a date and time like 2026-11-27T09:00 (UTC).");
    let value = value.trim();
    let at = time::PrimitiveDateTime::parse(value.get(..16).unwrap_or(value), format)
        .map_err(|_| bad())?;
    let ms = at.assume_utc().unix_timestamp() * 1000;
    if ms > now_ms() {
        return Err(AppError::field("since", "This time is in the future."));
    }
    Ok(ms)
}

/// Creates an organization token named `name` with scope `events:write`. The token itself is
/// generated when the tokens page shows it, once, to its creator.
pub async fn create_token(
    state: &AppState,
    actor_id: &str,
    org: &OrgRecord,
    name: &str,
) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::field(
            "name",
            "Give the token a name of 1 to 80 characters, such as \"CI events\".",
        ));
    }
    let id =
        deliveries::create_token(&state.db.pool, &org.id, name, &[EVENTS_WRITE], actor_id).await?;
    audit::record(
        &state.db.pool,
        audit::Entry::new(Some(actor_id), "org_token.created", "org_token", &id)
            .with(serde_json::json!({"name": name, "scopes": [EVENTS_WRITE]}))
            .for_organization(&org.id),
    )
    .await?;
    Ok(id)
}

/// The newest token `actor_id` created that was not shown yet: generates it, stores its hash
/// and returns (name, token). Shown once: a second call finds nothing.
pub async fn reveal_new_token(
    state: &AppState,
    org: &OrgRecord,
    actor_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    let Some((id, name)) = deliveries::unrevealed_token(&state.db.pool, &org.id, actor_id).await?
    else {
        return Ok(None);
    };
    let token = format!("{ORG_TOKEN_PREFIX}{}", random_secret(32));
    if deliveries::set_token_hash(&state.db.pool, &id, &token_hash(&token)).await? {
        Ok(Some((name, token)))
    } else {
        Ok(None)
    }
}

/// The organization's tokens.
pub async fn tokens(state: &AppState, org: &OrgRecord) -> Result<Vec<OrgToken>, AppError> {
    Ok(deliveries::tokens(&state.db.pool, &org.id).await?)
}

/// Revokes a token: the events API refuses it from now on.
pub async fn revoke_token(
    state: &AppState,
    actor_id: &str,
    org: &OrgRecord,
    id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.pool.begin().await?;
    if !deliveries::revoke_token(&mut tx, &org.id, id).await? {
        return Err(AppError::NotFound(
            "No such token, or it is already revoked.".into(),
        ));
    }
    audit::record(
        &mut *tx,
        audit::Entry::new(Some(actor_id), "org_token.revoked", "org_token", id)
            .for_organization(&org.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a state filter value names a state (empty: all).
pub fn parse_state(value: Option<&str>) -> Result<Option<DeliveryState>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => DeliveryState::parse(v)
            .map(Some)
            .ok_or_else(|| AppError::field("state", format!("{v} is not a delivery state."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_the_datetime_input_as_utc() {
        assert_eq!(parse_since("2026-01-02T03:04").unwrap(), 1_767_323_040_000);
        assert_eq!(
            parse_since("2026-01-02T03:04:59").unwrap(),
            1_767_323_040_000
        );
        assert!(parse_since("yesterday").is_err());
        assert!(parse_since("2999-01-01T00:00").is_err());
    }

    #[test]
    fn state_filters_are_states() {
        assert_eq!(
            parse_state(Some("failed")).unwrap(),
            Some(DeliveryState::Failed)
        );
        assert_eq!(parse_state(Some("")).unwrap(), None);
        assert!(parse_state(Some("lost")).is_err());
    }
}
