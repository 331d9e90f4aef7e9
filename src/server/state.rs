//! Shared application state handed to every handler, page and server fn.

use crate::server::blobs::BlobStore;
use crate::server::catalog_cache::CatalogCache;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::outbound::{AllowList, Outbound};
use crate::server::secrets::SecretStore;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a request may need, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Package storage.
    pub blobs: BlobStore,
    /// The configuration read at start.
    pub config: Arc<Config>,
    /// Leptos' own options (site root, output name).
    pub leptos_options: LeptosOptions,
    /// Cached catalog pages and filter values (valid per catalog generation).
    pub catalog_cache: Arc<CatalogCache>,
    /// The secret store.
    pub secrets: SecretStore,
    /// Requests to extensions, guarded against private addresses.
    pub outbound: Outbound,
    /// Wakes this instance's idle delivery workers when a transaction queued deliveries.
    pub delivery_wake: Arc<tokio::sync::Notify>,
    /// The REST API's rate limits (per instance).
    pub rate_limits: Arc<crate::server::rest::limits::RateLimits>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Builds the state from a configuration, a connected database, the package store and the
    /// secret store.
    pub fn new(config: Config, db: Db, blobs: BlobStore, secrets: SecretStore) -> Self {
        let config_allow = config.allow_private_targets.clone();
        let leptos_options = LeptosOptions::builder()
            .output_name("kiket-marketplace")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.site_addr)
            .env(match config.environment {
                crate::server::config::Environment::Development => leptos::config::Env::DEV,
                crate::server::config::Environment::Production => leptos::config::Env::PROD,
            })
            .build();
        Self {
            db,
            blobs,
            config: Arc::new(config),
            leptos_options,
            catalog_cache: Arc::default(),
            secrets,
            // Checked when the configuration was read.
            outbound: Outbound::new(AllowList::parse(&config_allow).unwrap_or_default()),
            delivery_wake: Arc::default(),
            rate_limits: Arc::default(),
        }
    }

    /// Tells idle delivery workers that deliveries were queued (call after the commit).
    pub fn wake_delivery(&self) {
        self.delivery_wake.notify_waiters();
        self.delivery_wake.notify_one();
    }
}
