//! The runtime API extensions call with their installation's token (SPEC §9):
//! `GET /api/v1/installation` (its settings, version and project) and
//! `GET /api/v1/installation/secrets/{KEY}` (a secret the manifest declares, resolved through the
//! scope chain, audited with purpose "api"). The token travels in `X-Kiket-Runtime-Token` and is
//! stored as its SHA-256 only.

use crate::error::AppError;
use crate::model::installation::InstallStatus;
use crate::server::install::{self, token_hash, Setup};
use crate::server::secrets::Purpose;
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::ExposeSecret;

/// The header extensions send their token in.
pub const TOKEN_HEADER: &str = "X-Kiket-Runtime-Token";

/// The installation a request's token belongs to. Uninstalled installations have no token.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Setup, AppError> {
    let refused = || {
        AppError::Unauthorized(format!(
            "Send this installation's runtime token in the {TOKEN_HEADER} header."
        ))
    };
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| t.starts_with(install::RUNTIME_TOKEN_PREFIX))
        .ok_or_else(refused)?;
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM installations WHERE runtime_token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(&state.db.pool)
            .await?;
    let (id,) = found.ok_or_else(|| {
        AppError::Unauthorized(
            "This runtime token is not valid (revoked, or the extension was uninstalled).".into(),
        )
    })?;
    let setup = install::load_by_id(state, &id).await?;
    if setup.installation.status == InstallStatus::Uninstalled {
        return Err(refused());
    }
    Ok(setup)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The calling installation: its version, project, granted permissions, non-secret settings and
/// missing secrets.
#[utoipa::path(
    get,
    path = "/api/v1/installation",
    tag = "runtime",
    security(("runtime_token" = [])),
    responses(
        (status = 200, description = "The installation", body = crate::server::rest::types::RuntimeInstallation),
        (status = 401, description = "No runtime token, or not valid", body = crate::server::rest::types::ApiError),
    )
)]
pub async fn installation(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let answer = async {
        let setup = authenticate(&state, &headers).await?;
        let values = setup.values();
        let settings: serde_json::Map<String, serde_json::Value> = setup
            .manifest
            .settings
            .iter()
            .filter(|s| !s.secret)
            .filter_map(|s| {
                values
                    .get(&s.key)
                    .map(|v| (s.key.clone(), serde_json::Value::String(v.clone())))
            })
            .collect();
        let secrets = install::declared_secret_states(&state, &setup).await?;
        let missing: Vec<&str> = secrets
            .iter()
            .filter(|s| s.resolved_from.is_none())
            .map(|s| s.key.as_str())
            .collect();
        Ok::<_, AppError>(Json(serde_json::json!({
            "id": setup.installation.id,
            "extension": setup.extension.key,
            "version": setup.installation.version,
            "status": setup.installation.status.as_str(),
            "organization": {"id": setup.org.id, "slug": setup.org.slug},
            "project": {"id": setup.project.id, "slug": setup.project.slug, "name": setup.project.name},
            "permissions": setup.installation.granted_permissions,
            "settings": settings,
            "secret_status": {"missing": missing},
        })))
    }
    .await;
    no_store(match answer {
        Ok(json) => json.into_response(),
        Err(e) => e.into_response(),
    })
}

/// One secret the extension's manifest declares, resolved through the scope chain. Each read is
/// audited.
#[utoipa::path(
    get,
    path = "/api/v1/installation/secrets/{key}",
    tag = "runtime",
    params(("key" = String, Path, description = "The secret's key, as the manifest declares it")),
    security(("runtime_token" = [])),
    responses(
        (status = 200, description = "The secret", body = crate::server::rest::types::RuntimeSecret),
        (status = 401, description = "No runtime token, or not valid", body = crate::server::rest::types::ApiError),
        (status = 404, description = "Not declared, or not set anywhere", body = crate::server::rest::types::ApiError),
    )
)]
pub async fn secret(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let setup = authenticate(&state, &headers).await?;
        let declared = setup
            .manifest
            .settings
            .iter()
            .any(|s| s.secret && s.key == key);
        if !declared {
            return Err(AppError::NotFound(format!(
                "{key} is not a secret this extension declares."
            )));
        }
        let found = state
            .secrets
            .resolve(
                &state.db.pool,
                &setup.org.id,
                &setup.chain(),
                &key,
                Purpose::Api,
                None,
            )
            .await
            .map_err(AppError::from)?;
        let (scope, value) =
            found.ok_or_else(|| AppError::NotFound(format!("{key} is not set.")))?;
        Ok(Json(serde_json::json!({
            "key": key,
            "value": value.expose_secret(),
            "scope": scope.as_str(),
        })))
    }
    .await;
    no_store(match answer {
        Ok(json) => json.into_response(),
        Err(e) => e.into_response(),
    })
}
