//! Building and serving the router: shared by `main` and the integration tests.

use crate::app::{shell, App};
use crate::server::blobs::BlobStore;
use crate::server::config::Config;
use crate::server::db::{Db, SessionPool};
use crate::server::secrets::SecretStore;
use crate::server::state::AppState;
use crate::server::upload;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{time::Duration as CookieDuration, SameSite};
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kiket_session";
/// Largest request body accepted by ordinary routes (forms, JSON).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Longest a page, server fn or download may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest an upload may take (a 50 MB package over a slow connection).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// Connects the database, applies every migration (ours and the session store's) and builds state.
pub async fn build_state(config: Config) -> Result<AppState, StartupError> {
    let blobs = BlobStore::from_url(&config.blob_url, &config.blob_options.0)
        .map_err(StartupError::Blobs)?;
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    match &db.sessions {
        SessionPool::Sqlite(pool) => SqliteStore::new(pool.clone()).migrate().await?,
        SessionPool::Postgres(pool) => PostgresStore::new(pool.clone()).migrate().await?,
    }
    if let Some(listed) = crate::server::db::catalog::build_if_new(&db.pool).await? {
        tracing::info!(listed, "built the catalog index");
    }
    let keyring =
        crate::server::secrets::keyring(&config.master_key).map_err(StartupError::Secrets)?;
    let secrets = SecretStore::new(keyring);
    let data_keys = secrets
        .verify(&db.pool)
        .await
        .map_err(StartupError::Secrets)?;
    tracing::info!(
        data_keys,
        master_key = secrets.keyring().current().id(),
        "secret store ready"
    );
    Ok(AppState::new(config, db, blobs, secrets))
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("cannot open the database (DATABASE_URL): {0}")]
    Db(#[from] sqlx::Error),
    /// The package store could not be opened.
    #[error("cannot open the package store (KIKET_BLOB_URL): {0}")]
    Blobs(String),
    /// The master key is missing, unreadable or does not match the stored data keys.
    #[error("cannot use the secret store's master key (KIKET_MASTER_KEY): {0}")]
    Secrets(String),
}

/// Deletes expired sessions every `period`, for as long as the process runs.
pub fn spawn_session_cleanup(db: &Db, period: Duration) {
    async fn run<S: ExpiredDeletion>(store: S, period: Duration) {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    }
    match db.sessions.clone() {
        SessionPool::Sqlite(pool) => tokio::spawn(run(SqliteStore::new(pool), period)),
        SessionPool::Postgres(pool) => tokio::spawn(run(PostgresStore::new(pool), period)),
    };
}

fn sessions<S: SessionStore + Clone>(store: S, secure: bool) -> SessionManagerLayer<S> {
    SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(CookieDuration::days(14)))
}

async fn healthz(State(state): State<AppState>) -> Response {
    let up = tokio::time::timeout(Duration::from_secs(3), state.db.ping())
        .await
        .unwrap_or(false);
    if up {
        Json(serde_json::json!({ "status": "ok", "database": "ok" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable", "database": "unreachable" })),
        )
            .into_response()
    }
}

fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    tracing::error!(panic = %detail, "request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("../../public/500.html"),
    )
        .into_response()
}

/// The complete application: pages, server fns, health check, static files, sessions and the
/// cross-cutting layers.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let secure = state.config.secure_cookies();
    let db = state.db.clone();
    // The upload has its own, larger body limit; everything else keeps the small one.
    let uploads = Router::new()
        .route(upload::UPLOAD_PATH, post(upload::upload))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(upload::UPLOAD_BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            UPLOAD_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(upload::explain_too_large));
    let pages = Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/extensions/{key}/versions/{version}/download",
            get(upload::download),
        )
        .route("/extensions/{key}/icon", get(upload::icon))
        .route("/sitemap.xml", get(upload::sitemap))
        .route(
            "/api/v1/installation",
            get(crate::server::runtime_api::installation),
        )
        .route(
            "/api/v1/installation/secrets/{key}",
            get(crate::server::runtime_api::secret),
        )
        .route(
            "/api/v1/projects/{org}/{project}/events",
            post(crate::server::events_api::post_event),
        )
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // A request that hangs ends with a 503 instead of holding its connection forever.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ));
    let cache = axum::middleware::from_fn_with_state(
        state.clone(),
        crate::server::catalog_cache::listing_pages,
    );
    // The REST API: its own limits (uploads are large), and as long as an upload may take.
    let rest = crate::server::rest::router(state.clone()).layer(TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        UPLOAD_TIMEOUT,
    ));
    let router = uploads.merge(rest).merge(pages).with_state(state);
    let router = match db.sessions {
        SessionPool::Sqlite(pool) => router.layer(sessions(SqliteStore::new(pool), secure)),
        SessionPool::Postgres(pool) => router.layer(sessions(PostgresStore::new(pool), secure)),
    };
    // Outside the sessions: a visitor's cached catalog page needs none (it carries no cookie).
    router
        .layer(cache)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                // The path only: query strings may carry tokens.
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With the peer's address: anonymous API calls are rate limited by it.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
