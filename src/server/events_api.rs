//! The events API (SPEC §6): `POST /api/v1/projects/{org}/{project}/events` with an organization
//! token (`Authorization: Bearer kko_…`, scope `events:write`) and a body
//! `{"event": "issue.created", "data": {…}}` of at most 256 KB. The event and a delivery per
//! subscribed installation are written in one transaction; the answer is
//! `202 {"id": "evt_…", "deliveries": N}`.

use crate::error::AppError;
use crate::model::delivery::{EVENTS_WRITE, LIFECYCLE_EVENTS, ORG_TOKEN_PREFIX};
use crate::model::manifest::names::EventName;
use crate::server::db::deliveries::{self, NewEvent};
use crate::server::db::organizations;
use crate::server::delivery;
use crate::server::install::token_hash;
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Largest event body accepted.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

#[derive(serde::Deserialize)]
struct Posted {
    event: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// The organization id a request's token belongs to, if it may post events.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<String, AppError> {
    let token = crate::server::tokens::bearer(headers)
        .filter(|t| t.starts_with(ORG_TOKEN_PREFIX))
        .ok_or_else(|| {
            AppError::Unauthorized(
                "Send an organization token as \"Authorization: Bearer kko_…\"; organization admins create them on the organization page.".into(),
            )
        })?;
    let (_, org, scopes) = deliveries::use_token(&state.db.pool, &token_hash(token))
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized(
                "This token is not valid: it was revoked or never existed.".into(),
            )
        })?;
    if !scopes.iter().any(|s| s == EVENTS_WRITE) {
        return Err(AppError::Forbidden(format!(
            "This token lacks the {EVENTS_WRITE} scope."
        )));
    }
    Ok(org)
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(serde_json::json!({"error": {
            "code": "too_large",
            "message": format!("An event body may be at most {} KB.", MAX_EVENT_BYTES / 1024),
        }})),
    )
        .into_response()
}

/// Post an event into a project: every installed extension subscribed to it receives a signed
/// delivery. The body is at most 256 KB.
#[utoipa::path(
    post,
    path = "/api/v1/projects/{org}/{project}/events",
    tag = "events",
    params(
        ("org" = String, Path, description = "Organization slug"),
        ("project" = String, Path, description = "Project slug"),
    ),
    request_body = crate::server::rest::types::PostedEvent,
    security(("org_token" = ["events:write"])),
    responses(
        (status = 202, description = "Accepted; deliveries queued", body = crate::server::rest::types::AcceptedEvent),
        (status = 401, description = "No organization token, or not valid", body = crate::server::rest::types::ApiError),
        (status = 404, description = "No such project for this token", body = crate::server::rest::types::ApiError),
        (status = 413, description = "The body is larger than 256 KB", body = crate::server::rest::types::ApiError),
        (status = 422, description = "Not an event: bad JSON, name or data", body = crate::server::rest::types::ApiError),
    )
)]
pub async fn post_event(
    State(state): State<AppState>,
    Path((org_slug, project_slug)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let org_id = match authenticate(&state, &headers).await {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    // A body announced longer than the limit is refused before any of it is read; one that
    // turns out longer while streaming is refused at the limit, without being held.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > MAX_EVENT_BYTES) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, MAX_EVENT_BYTES).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    let answer = async {
        let not_found = || {
            AppError::NotFound(format!(
                "No project {project_slug} in organization {org_slug} for this token."
            ))
        };
        let org = organizations::find_by_slug(&state.db.pool, &org_slug)
            .await?
            .filter(|o| o.id == org_id)
            .ok_or_else(not_found)?;
        let project = organizations::find_project(&state.db.pool, &org.id, &project_slug)
            .await?
            .ok_or_else(not_found)?;
        let posted: Posted = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::field(
                "body",
                format!("The body must be JSON like {{\"event\": \"issue.created\", \"data\": {{}}}} ({e})."),
            )
        })?;
        let name = EventName::parse(posted.event.trim()).map_err(|m| AppError::field("event", m))?;
        if LIFECYCLE_EVENTS.contains(&name.as_str()) {
            return Err(AppError::field(
                "event",
                format!("{} is emitted by the marketplace itself.", name.as_str()),
            ));
        }
        let data = posted.data.unwrap_or_else(|| serde_json::json!({}));
        if !data.is_object() {
            return Err(AppError::field("data", "data must be a JSON object."));
        }
        let emitted = delivery::post(
            &state,
            &NewEvent {
                organization_id: &org.id,
                project_id: &project.id,
                name: name.as_str(),
                data: &data,
                source: "api",
                actor_id: None,
            },
        )
        .await?;
        Ok::<_, AppError>(emitted)
    }
    .await;
    match answer {
        Ok(emitted) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({"id": emitted.event_id, "deliveries": emitted.deliveries})),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
