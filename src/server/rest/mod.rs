//! The REST API under `/api/v1` (SPEC §9): the catalog, extensions and versions, downloads,
//! publishing, yanking, and the caller's token. JSON in and out; refusals are
//! `{"error": {"code", "message", "field"?}}`. Every route calls the same services as the pages'
//! server fns. The OpenAPI document (`/api/v1/openapi.json`) is generated from the handlers below
//! and the types in [`types`]; `/api` renders it.

pub mod limits;
pub mod reference;
pub mod types;

use crate::error::AppError;
use crate::model::catalog::{CatalogParams, CatalogQuery, PER_PAGE};
use crate::model::extension::{latest, VersionState};
use crate::model::review::Action;
use crate::model::token::Scope;
use crate::server::db::extensions::{self, ExtensionRecord};
use crate::server::db::{catalog, publishers};
use crate::server::install::token_hash;
use crate::server::packages::publish::{publish_as, Refusal, Uploader};
use crate::server::state::AppState;
use crate::server::tokens::{self, Caller};
use crate::server::upload::{self, Received, UPLOAD_BODY_LIMIT};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use limits::{retry_after_secs, Client};
use std::net::SocketAddr;
use tower_http::limit::RequestBodyLimitLayer;
use types::*;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI document of the REST API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kiket Marketplace API",
        version = "1",
        description = "Search the catalog, read extensions and versions, download packages, publish new versions and yank them; post events into a project; and, for installed extensions, read their installation and secrets. Calls that change something take a personal token (`Authorization: Bearer kkt_…`) created on the account page; its scopes (`publish`, `yank`, `read`) and key pattern limit what it may do. Refusals are `{\"error\": {\"code\", \"message\", \"field\"?}}`. Calls are rate limited per token, or per address without one: a refused call answers 429 with `Retry-After` in seconds."
    ),
    paths(
        search_extensions,
        get_extension,
        list_versions,
        get_version,
        download_version,
        publish_version,
        yank_version,
        unyank_version,
        who_am_i,
        crate::server::events_api::post_event,
        crate::server::runtime_api::installation,
        crate::server::runtime_api::secret,
    ),
    components(schemas(ApiError, PublishRefusal)),
    modifiers(&TokenAuth),
    tags(
        (name = "catalog", description = "What anyone may read."),
        (name = "publishing", description = "Releasing versions: needs a personal token."),
        (name = "account", description = "The caller's token."),
        (name = "events", description = "Posting events into a project: needs an organization token."),
        (name = "runtime", description = "What an installed extension asks about itself: needs its runtime token."),
    )
)]
pub struct ApiDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kkt_…")
                    .description(Some(
                        "A personal token from the account page (/account/tokens).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "org_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kko_…")
                    .description(Some(
                        "An organization token with the events:write scope (/orgs/{org}/tokens).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "runtime_token",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    crate::server::runtime_api::TOKEN_HEADER,
                    "The installation's runtime token, shown once when it was installed.",
                ),
            )),
        );
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}

/// The REST routes, rate limited.
pub fn router(state: AppState) -> Router<AppState> {
    let publishing = Router::new()
        .route("/api/v1/extensions", post(publish_version))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(UPLOAD_BODY_LIMIT))
        .layer(axum::middleware::from_fn(explain_too_large));
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(who_am_i))
        .route("/api/v1/extensions", get(search_extensions))
        .route("/api/v1/extensions/{key}", get(get_extension))
        .route("/api/v1/extensions/{key}/versions", get(list_versions))
        .route(
            "/api/v1/extensions/{key}/versions/{version}",
            get(get_version),
        )
        .route(
            "/api/v1/extensions/{key}/versions/{version}/download",
            get(download_version),
        )
        .route(
            "/api/v1/extensions/{key}/versions/{version}/yank",
            post(yank_version),
        )
        .route(
            "/api/v1/extensions/{key}/versions/{version}/unyank",
            post(unyank_version),
        )
        .merge(publishing)
        .layer(axum::middleware::from_fn_with_state(state, rate_limit))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

fn too_many(wait: std::time::Duration, what: &str) -> Response {
    let secs = retry_after_secs(wait);
    let mut res = AppError::TooManyRequests(format!("Too many {what}; try again in {secs} s."))
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

/// Counts every call against its token, or its address without one.
async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let client = match tokens::bearer(req.headers()) {
        Some(token) => Client::Token(token_hash(token)),
        None => Client::Address(
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
        ),
    };
    if let Err(wait) = state.rate_limits.check(&client) {
        return too_many(wait, "requests");
    }
    next.run(req).await
}

/// The body-limit layer's bare 413 as the API's refusal.
async fn explain_too_large(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return res;
    }
    refusal(Refusal::from(AppError::field(
        "package",
        format!(
            "The package is larger than {} MB.",
            crate::model::package::MAX_COMPRESSED_BYTES / (1024 * 1024)
        ),
    )))
}

/// A refused upload: the error with the automated checks' findings.
pub fn refusal(refusal: Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.error.status_code())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = PublishRefusal {
        error: ErrorBody::of(&refusal.error),
        findings: refusal.findings.into_iter().map(Into::into).collect(),
    };
    (status, Json(body)).into_response()
}

fn base(state: &AppState) -> &str {
    state.config.public_url.trim_end_matches('/')
}

/// The extension `key` and whether `caller` sees what only its publisher sees: a token with the
/// `read` scope covering the key, of a member or a marketplace admin. Others see listed
/// extensions only. `acting`: the caller has just changed the extension as its publisher (the
/// change checked that), and sees it as such.
async fn extension_for(
    state: &AppState,
    caller: Option<&Caller>,
    key: &str,
    acting: bool,
) -> Result<(ExtensionRecord, bool), AppError> {
    let pool = &state.db.pool;
    let not_found = || AppError::NotFound(format!("No extension {key} is listed."));
    let ext = extensions::find_by_key(pool, key)
        .await?
        .ok_or_else(not_found)?;
    let privileged = acting
        || match caller {
            Some(c) if c.reads(key) => {
                c.user.is_admin
                    || publishers::role_of(pool, &ext.publisher_id, &c.user.id)
                        .await?
                        .is_some()
            }
            _ => false,
        };
    if !privileged && catalog::card(pool, key).await?.is_none() {
        return Err(not_found());
    }
    Ok((ext, privileged))
}

/// The versions `privileged` or not may see, highest first.
async fn versions_for(
    state: &AppState,
    ext: &ExtensionRecord,
    privileged: bool,
) -> Result<Vec<VersionInfo>, AppError> {
    let pool = &state.db.pool;
    let base = base(state);
    let published = catalog::published_versions(pool, &ext.id).await?;
    if !privileged {
        return Ok(published
            .into_iter()
            .map(|v| VersionInfo::published(&ext.key, v, base))
            .collect());
    }
    let all = extensions::versions_of(pool, &ext.id).await?;
    Ok(all
        .into_iter()
        .map(
            |v| match published.iter().find(|p| p.summary.version == v.version) {
                Some(p) => VersionInfo::published(&ext.key, p.clone(), base),
                None => VersionInfo::of(&ext.key, v, base),
            },
        )
        .collect())
}

fn answer<T: serde::Serialize>(result: Result<T, AppError>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Search the catalog: listed extensions matching the text and filters, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/extensions",
    tag = "catalog",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of results", body = SearchResult),
        (status = 429, description = "Rate limited; see Retry-After", body = ApiError),
    )
)]
async fn search_extensions(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let result = async {
        let Query(p) = params.map_err(|e| AppError::field("query", e.body_text()))?;
        let (query, notices) = CatalogQuery::parse(&CatalogParams {
            q: p.q,
            category: p.category,
            event: p.event,
            permission: p.permission,
            verified: p.verified,
            sort: p.sort,
            page: p.page,
        });
        let (cards, total) = catalog::search(&state.db, &query).await?;
        let base = base(&state);
        Ok(SearchResult {
            total,
            page: query.page,
            per_page: PER_PAGE,
            items: cards
                .into_iter()
                .map(|c| ExtensionSummary::of(c, base))
                .collect(),
            notices,
        })
    }
    .await;
    answer(result)
}

/// One extension with its versions.
#[utoipa::path(
    get,
    path = "/api/v1/extensions/{key}",
    tag = "catalog",
    params(("key" = String, Path, description = "Extension key")),
    security((), ("token" = ["read"])),
    responses(
        (status = 200, description = "The extension", body = ExtensionInfo),
        (status = 401, description = "The token is not valid, revoked or expired", body = ApiError),
        (status = 404, description = "No such listed extension", body = ApiError),
    )
)]
async fn get_extension(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let caller = tokens::authenticate(&state, &headers).await?;
        let (ext, privileged) = extension_for(&state, caller.as_ref(), &key, false).await?;
        let card = catalog::card(&state.db.pool, &key).await?;
        let versions = versions_for(&state, &ext, privileged).await?;
        let summaries = extensions::versions_of(&state.db.pool, &ext.id).await?;
        Ok(ExtensionInfo {
            url: format!("{}/extensions/{}", base(&state), ext.key),
            latest_version: card
                .as_ref()
                .map(|c| c.latest.clone())
                .or_else(|| latest(&summaries).map(|v| v.version.clone())),
            installs: card.as_ref().map_or(0, |c| c.installs),
            publisher: PublisherRef {
                slug: ext.publisher_slug.clone(),
                name: ext.publisher_name.clone(),
                verified: card.as_ref().is_some_and(|c| c.verified),
            },
            key: ext.key,
            name: ext.name,
            summary: ext.listing.summary,
            categories: ext.listing.categories,
            tags: ext.listing.tags,
            homepage: ext.listing.homepage,
            repository: ext.listing.repository,
            deprecation: ext.deprecation.map(Into::into),
            versions,
        })
    }
    .await;
    answer(result)
}

/// An extension's versions, highest first: published ones (with yank and revoke reasons) for
/// everyone; all of them for a `read` token of the publisher's members.
#[utoipa::path(
    get,
    path = "/api/v1/extensions/{key}/versions",
    tag = "catalog",
    params(("key" = String, Path, description = "Extension key")),
    security((), ("token" = ["read"])),
    responses(
        (status = 200, description = "The versions", body = [VersionInfo]),
        (status = 401, description = "The token is not valid, revoked or expired", body = ApiError),
        (status = 404, description = "No such listed extension", body = ApiError),
    )
)]
async fn list_versions(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let caller = tokens::authenticate(&state, &headers).await?;
        let (ext, privileged) = extension_for(&state, caller.as_ref(), &key, false).await?;
        versions_for(&state, &ext, privileged).await
    }
    .await;
    answer(result)
}

/// The version `key`@`version` in full, if the caller may see it.
async fn version_detail(
    state: &AppState,
    caller: Option<&Caller>,
    key: &str,
    version: &str,
) -> Result<VersionDetailInfo, AppError> {
    Ok(version_access(state, caller, key, version, false).await?.0)
}

/// The version in full, and whether the caller sees it as its publisher does.
async fn version_access(
    state: &AppState,
    caller: Option<&Caller>,
    key: &str,
    version: &str,
    acting: bool,
) -> Result<(VersionDetailInfo, bool), AppError> {
    let not_found = || AppError::NotFound(format!("{key} has no version {version}."));
    let (ext, privileged) = extension_for(state, caller, key, acting).await?;
    let record = extensions::find_version(&state.db.pool, &ext.id, version)
        .await?
        .ok_or_else(not_found)?;
    if !privileged && record.summary.state != VersionState::Published {
        return Err(not_found());
    }
    let listed = versions_for(state, &ext, privileged).await?;
    let info = listed
        .into_iter()
        .find(|v| v.version == record.summary.version)
        .ok_or_else(not_found)?;
    let manifest = serde_json::to_value(record.manifest.as_ref().ok_or(AppError::Internal)?)
        .map_err(|_| AppError::Internal)?;
    Ok((
        VersionDetailInfo {
            key: ext.key.clone(),
            url: format!(
                "{}{}",
                base(state),
                crate::model::extension::version_path(&ext.key, &record.summary.version)
            ),
            version: info,
            sha256: record.sha256,
            manifest,
            manifest_path: record.manifest_path,
            findings: record.findings.into_iter().map(Into::into).collect(),
            release_notes: record.release_notes,
            file_count: record.files.len(),
        },
        privileged,
    ))
}

/// One version: its manifest, the automated checks' findings and the package's sha256.
#[utoipa::path(
    get,
    path = "/api/v1/extensions/{key}/versions/{version}",
    tag = "catalog",
    params(
        ("key" = String, Path, description = "Extension key"),
        ("version" = String, Path, description = "Version (semver)"),
    ),
    security((), ("token" = ["read"])),
    responses(
        (status = 200, description = "The version", body = VersionDetailInfo),
        (status = 401, description = "The token is not valid, revoked or expired", body = ApiError),
        (status = 404, description = "No such version, or not visible to the caller", body = ApiError),
    )
)]
async fn get_version(
    State(state): State<AppState>,
    Path((key, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let caller = tokens::authenticate(&state, &headers).await?;
        version_detail(&state, caller.as_ref(), &key, &version).await
    }
    .await;
    answer(result)
}

/// The version's package (`.tar.gz`), with its sha256 in `X-Checksum-Sha256`.
#[utoipa::path(
    get,
    path = "/api/v1/extensions/{key}/versions/{version}/download",
    tag = "catalog",
    params(
        ("key" = String, Path, description = "Extension key"),
        ("version" = String, Path, description = "Version (semver)"),
    ),
    security((), ("token" = ["read"])),
    responses(
        (status = 200, description = "The package", content_type = "application/gzip", body = Vec<u8>),
        (status = 404, description = "No such version, or not visible to the caller", body = ApiError),
    )
)]
async fn download_version(
    State(state): State<AppState>,
    Path((key, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let caller = tokens::authenticate(&state, &headers).await?;
        let (detail, privileged) =
            version_access(&state, caller.as_ref(), &key, &version, false).await?;
        let public =
            detail.version.state == VersionState::Published.as_str() && !detail.version.revoked;
        // Revoked packages are blocked for everyone but their publisher.
        if detail.version.revoked && !privileged {
            return Err(AppError::NotFound(format!(
                "{key} {version} was revoked and cannot be downloaded."
            )));
        }
        upload::send_package(
            &state,
            &key,
            &detail.version.version,
            &detail.sha256,
            detail.version.size_bytes,
            public,
        )
        .await
    }
    .await;
    match result {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

/// Upload a new version (`multipart/form-data`, the same checks and limits as the upload form).
/// It waits for review as `submitted`. Publishing is limited to 5 uploads at once, then one a
/// minute, per token.
#[utoipa::path(
    post,
    path = "/api/v1/extensions",
    tag = "publishing",
    request_body(content = PublishForm, content_type = "multipart/form-data"),
    security(("token" = ["publish"])),
    responses(
        (status = 201, description = "Submitted for review", body = Published),
        (status = 401, description = "No token, or not valid, revoked or expired", body = ApiError),
        (status = 403, description = "The token lacks the publish scope, or does not cover the key", body = ApiError),
        (status = 409, description = "The version exists, or the key belongs to another publisher", body = PublishRefusal),
        (status = 413, description = "The package is larger than 50 MB", body = PublishRefusal),
        (status = 422, description = "The package was refused; see the findings", body = PublishRefusal),
        (status = 429, description = "Too many uploads; see Retry-After", body = ApiError),
    )
)]
async fn publish_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let caller = match tokens::require(&state, &headers).await.and_then(|c| {
        c.require(Scope::Publish)?;
        Ok(c)
    }) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Err(wait) = state.rate_limits.check_publish(&caller.token_id) {
        return too_many(wait, "uploads");
    }
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(_) => {
            return AppError::field(
                "package",
                "Send the package as multipart/form-data with a field named package.",
            )
            .into_response()
        }
    };
    let mut form = Received::default();
    if let Err(e) = upload::receive(&mut multipart, &mut form).await {
        return refusal(e.into());
    }
    let Some(package) = form.package else {
        return AppError::field(
            "package",
            "Send the .tar.gz package in a field named package.",
        )
        .into_response();
    };
    let covers = |key: &str| caller.require_key(key);
    let uploader = Uploader {
        user: &caller.user,
        publisher: Some(form.publisher.as_str()).filter(|p| !p.trim().is_empty()),
        key_allowed: &covers,
    };
    match publish_as(&state, &uploader, package, &form.release_notes).await {
        Ok(outcome) => (
            StatusCode::CREATED,
            Json(Published {
                url: format!("{}{}", base(&state), outcome.url),
                key: outcome.key,
                version: outcome.version,
                state: VersionState::Submitted.as_str().to_string(),
                findings: outcome.findings.into_iter().map(Into::into).collect(),
            }),
        )
            .into_response(),
        Err(r) => refusal(r),
    }
}

async fn transition(
    state: &AppState,
    headers: &HeaderMap,
    key: &str,
    version: &str,
    body: Result<Json<ReasonBody>, JsonRejection>,
    action: Action,
) -> Result<VersionDetailInfo, AppError> {
    let caller = tokens::require(state, headers).await?;
    caller.require(Scope::Yank)?;
    caller.require_key(key)?;
    let Json(body) = body.map_err(|e| {
        AppError::field(
            "reason",
            format!("Send JSON like {{\"reason\": \"…\"}} ({}).", e.body_text()),
        )
    })?;
    crate::server::lifecycle::act(&state.db, &caller.user, key, version, action, &body.reason)
        .await
        .map_err(|e| match e {
            // The review page's field is the API's `reason`.
            AppError::Validation { field, message } if field == "message" => {
                AppError::field("reason", message)
            }
            other => other,
        })?;
    Ok(version_access(state, Some(&caller), key, version, true)
        .await?
        .0)
}

/// Yank a published version: hidden from new installs, existing installs keep it. The reason is
/// shown to users.
#[utoipa::path(
    post,
    path = "/api/v1/extensions/{key}/versions/{version}/yank",
    tag = "publishing",
    params(
        ("key" = String, Path, description = "Extension key"),
        ("version" = String, Path, description = "Version (semver)"),
    ),
    request_body = ReasonBody,
    security(("token" = ["yank"])),
    responses(
        (status = 200, description = "Yanked", body = VersionDetailInfo),
        (status = 401, description = "No token, or not valid, revoked or expired", body = ApiError),
        (status = 403, description = "The token lacks the yank scope, or does not cover the key", body = ApiError),
        (status = 404, description = "No such version among your publishers", body = ApiError),
        (status = 409, description = "Already yanked, or not published", body = ApiError),
        (status = 422, description = "No reason given", body = ApiError),
    )
)]
async fn yank_version(
    State(state): State<AppState>,
    Path((key, version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<ReasonBody>, JsonRejection>,
) -> Response {
    answer(transition(&state, &headers, &key, &version, body, Action::Yank).await)
}

/// Un-yank a version: installable again. Say why it is safe.
#[utoipa::path(
    post,
    path = "/api/v1/extensions/{key}/versions/{version}/unyank",
    tag = "publishing",
    params(
        ("key" = String, Path, description = "Extension key"),
        ("version" = String, Path, description = "Version (semver)"),
    ),
    request_body = ReasonBody,
    security(("token" = ["yank"])),
    responses(
        (status = 200, description = "Un-yanked", body = VersionDetailInfo),
        (status = 401, description = "No token, or not valid, revoked or expired", body = ApiError),
        (status = 403, description = "The token lacks the yank scope, or does not cover the key", body = ApiError),
        (status = 404, description = "No such version among your publishers", body = ApiError),
        (status = 409, description = "Not yanked", body = ApiError),
        (status = 422, description = "No reason given", body = ApiError),
    )
)]
async fn unyank_version(
    State(state): State<AppState>,
    Path((key, version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<ReasonBody>, JsonRejection>,
) -> Response {
    answer(transition(&state, &headers, &key, &version, body, Action::Unyank).await)
}

/// The caller: the token's owner, their publishers and the token's grants.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    security(("token" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No token, or not valid, revoked or expired", body = ApiError),
    )
)]
async fn who_am_i(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let caller = tokens::require(&state, &headers).await?;
        let publishers = publishers::for_user(&state.db.pool, &caller.user.id).await?;
        Ok(Me {
            email: caller.user.email,
            display_name: caller.user.display_name,
            publishers: publishers.into_iter().map(|p| p.slug).collect(),
            token: TokenInfo {
                name: caller.token_name,
                scopes: caller
                    .scopes
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                key_pattern: caller.key_pattern.map(|p| p.as_str().to_string()),
                expires_at: caller.expires_at.map(crate::components::time::rfc3339_ms),
            },
        })
    }
    .await;
    answer(result)
}
