//! Configuration read once from the environment; every error names the variable at fault.

use crate::server::secrets::crypto::{Kek, Keyring};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the server runs: development creates what it needs, production refuses to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local development and tests (`LEPTOS_ENV=DEV`, the default).
    Development,
    /// A real deployment (`LEPTOS_ENV=PROD`).
    Production,
}

/// Typed configuration of the marketplace server.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `KIKET_PUBLIC_URL`: the address users reach the marketplace at.
    pub public_url: String,
    /// `LEPTOS_SITE_ADDR`: the socket the server listens on.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: the built site (pkg/, assets).
    pub site_root: PathBuf,
    /// `LEPTOS_ENV`.
    pub environment: Environment,
    /// `KIKET_BLOB_URL`: where packages are stored.
    pub blob_url: String,
    /// The `AWS_*` settings of an `s3://` blob store.
    pub blob_options: BlobOptions,
    /// `KIKET_ALLOW_PRIVATE_TARGETS`: address ranges outbound requests may reach despite being private.
    pub allow_private_targets: Vec<String>,
    /// `KIKET_DELIVERY_WORKERS`: delivery workers per instance.
    pub delivery_workers: usize,
    /// `KIKET_DB_MAX_CONNECTIONS`: pool size.
    pub db_max_connections: u32,
    /// `KIKET_MASTER_KEY` (and `KIKET_PREVIOUS_MASTER_KEYS`), or the development key file.
    pub master_key: MasterKey,
}

/// Where the secret store's master key comes from.
#[derive(Clone)]
pub enum MasterKey {
    /// `KIKET_MASTER_KEY`, with `KIKET_PREVIOUS_MASTER_KEYS` readable during a rotation.
    Configured(Arc<Keyring>),
    /// Development without `KIKET_MASTER_KEY`: a key file created at first start
    /// (`KIKET_MASTER_KEY_FILE`, default `data/master.key`).
    DevelopmentFile(PathBuf),
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Configured(ring) => write!(f, "Configured({:?})", ring.ids()),
            Self::DevelopmentFile(path) => write!(f, "DevelopmentFile({})", path.display()),
        }
    }
}

/// Settings of the blob store's client (`AWS_REGION`, `AWS_SECRET_ACCESS_KEY`, …) as
/// (lower-case name, value). Its `Debug` shows names only: values may be credentials.
#[derive(Clone, Default)]
pub struct BlobOptions(pub Vec<(String, String)>);

impl std::fmt::Debug for BlobOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

/// The variables read for an `s3://` blob store.
const BLOB_VARIABLES: &[&str] = &[
    "AWS_ENDPOINT",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
];

/// A configuration problem, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Reads variables through a lookup function, so tests need not touch the process environment.
struct Vars<F>(F);

impl<F: Fn(&str) -> Result<String, std::env::VarError>> Vars<F> {
    fn get(&self, name: &'static str) -> Result<Option<String>, ConfigError> {
        match (self.0)(name) {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError {
                variable: name,
                message: "is not valid UTF-8".into(),
            }),
        }
    }

    fn parsed<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name)? {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|e| ConfigError {
                variable: name,
                message: format!("cannot parse {v:?}: {e}"),
            }),
        }
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name))
    }

    /// Reads the configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Result<String, std::env::VarError>,
    ) -> Result<Self, ConfigError> {
        let vars = Vars(lookup);
        let var = |name| vars.get(name);
        let environment = match var("LEPTOS_ENV")?.as_deref().map(str::to_ascii_lowercase) {
            None => Environment::Development,
            Some(v) if v == "dev" || v == "development" => Environment::Development,
            Some(v) if v == "prod" || v == "production" => Environment::Production,
            Some(v) => {
                return Err(ConfigError {
                    variable: "LEPTOS_ENV",
                    message: format!("must be DEV or PROD, not {v:?}"),
                })
            }
        };
        let site_addr: SocketAddr =
            vars.parsed("LEPTOS_SITE_ADDR", ([127, 0, 0, 1], 3000).into())?;
        let database_url =
            var("DATABASE_URL")?.unwrap_or_else(|| "sqlite://data/kiket.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                message: "must start with sqlite:, postgres:// or postgresql://".into(),
            });
        }
        let public_url = var("KIKET_PUBLIC_URL")?
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                variable: "KIKET_PUBLIC_URL",
                message: "must start with http:// or https://".into(),
            });
        }
        let allow_private_targets = match var("KIKET_ALLOW_PRIVATE_TARGETS")? {
            Some(v) => v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None if environment == Environment::Development => vec!["loopback".into()],
            None => Vec::new(),
        };
        crate::server::outbound::AllowList::parse(&allow_private_targets).map_err(|message| {
            ConfigError {
                variable: "KIKET_ALLOW_PRIVATE_TARGETS",
                message,
            }
        })?;
        let delivery_workers = vars.parsed("KIKET_DELIVERY_WORKERS", 4usize)?;
        if delivery_workers > 256 {
            return Err(ConfigError {
                variable: "KIKET_DELIVERY_WORKERS",
                message: "must be between 0 and 256".into(),
            });
        }
        let master_key = match var("KIKET_MASTER_KEY")? {
            Some(text) => {
                let current = Kek::from_base64(&text).map_err(|e| ConfigError {
                    variable: "KIKET_MASTER_KEY",
                    message: e.to_string(),
                })?;
                let previous = var("KIKET_PREVIOUS_MASTER_KEYS")?
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| {
                        Kek::from_base64(t).map_err(|e| ConfigError {
                            variable: "KIKET_PREVIOUS_MASTER_KEYS",
                            message: e.to_string(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                MasterKey::Configured(Arc::new(Keyring::new(current, previous)))
            }
            None if environment == Environment::Development => MasterKey::DevelopmentFile(
                var("KIKET_MASTER_KEY_FILE")?
                    .unwrap_or_else(|| "data/master.key".into())
                    .into(),
            ),
            None => {
                return Err(ConfigError {
                    variable: "KIKET_MASTER_KEY",
                    message: "is required in production: base64 of 32 random bytes (for example \
                              `openssl rand -base64 32`); it encrypts every stored secret"
                        .into(),
                })
            }
        };
        let db_max_connections = vars.parsed("KIKET_DB_MAX_CONNECTIONS", 16u32)?;
        if db_max_connections == 0 {
            return Err(ConfigError {
                variable: "KIKET_DB_MAX_CONNECTIONS",
                message: "must be at least 1".into(),
            });
        }
        Ok(Self {
            database_url,
            public_url,
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT")?
                .unwrap_or_else(|| "target/site".into())
                .into(),
            environment,
            blob_url: var("KIKET_BLOB_URL")?.unwrap_or_else(|| "file://data/blobs".into()),
            blob_options: {
                let mut options = Vec::new();
                for name in BLOB_VARIABLES {
                    if let Some(v) = vars.get(name)? {
                        options.push((name.to_lowercase(), v));
                    }
                }
                BlobOptions(options)
            },
            allow_private_targets,
            delivery_workers,
            db_max_connections,
            master_key,
        })
    }

    /// A configuration for tests: the given database, a random port, development mode.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_string(),
            public_url: "http://127.0.0.1".into(),
            site_addr: ([127, 0, 0, 1], 0).into(),
            site_root: "target/site".into(),
            environment: Environment::Development,
            blob_url: "memory://".into(),
            blob_options: BlobOptions::default(),
            allow_private_targets: vec!["loopback".into()],
            delivery_workers: 0,
            db_max_connections: 5,
            master_key: MasterKey::Configured(Arc::new(Keyring::new(Kek::generate().0, vec![]))),
        }
    }

    /// Whether session cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from_map(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned().ok_or(std::env::VarError::NotPresent))
    }

    #[test]
    fn defaults_are_a_local_sqlite_development_server() {
        let c = from_map(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/kiket.db?mode=rwc");
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.allow_private_targets, vec!["loopback".to_string()]);
        assert_eq!(c.delivery_workers, 4);
    }

    #[test]
    fn production_allows_no_private_targets_by_default() {
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let c = from_map(&[("LEPTOS_ENV", "PROD"), ("KIKET_MASTER_KEY", key)]).unwrap();
        assert_eq!(c.environment, Environment::Production);
        assert!(c.allow_private_targets.is_empty());
    }

    #[rstest::rstest]
    #[case("LEPTOS_SITE_ADDR", "localhost")]
    #[case("DATABASE_URL", "mysql://x")]
    #[case("KIKET_PUBLIC_URL", "ftp://x")]
    #[case("KIKET_DELIVERY_WORKERS", "many")]
    #[case("KIKET_DB_MAX_CONNECTIONS", "0")]
    #[case("LEPTOS_ENV", "staging")]
    #[case("KIKET_MASTER_KEY", "c2hvcnQ=")]
    #[case("KIKET_MASTER_KEY", "not base64")]
    fn errors_name_the_variable(#[case] name: &str, #[case] value: &str) {
        let err = from_map(&[(name, value)]).unwrap_err();
        assert_eq!(err.variable, name);
        assert!(err.to_string().starts_with(name), "{err}");
    }

    #[test]
    fn the_master_key_is_required_in_production_and_a_file_in_development() {
        let err = from_map(&[("LEPTOS_ENV", "PROD")]).unwrap_err();
        assert_eq!(err.variable, "KIKET_MASTER_KEY");
        assert!(err.to_string().contains("required in production"), "{err}");
        assert!(matches!(
            from_map(&[]).unwrap().master_key,
            MasterKey::DevelopmentFile(p) if p == std::path::Path::new("data/master.key")
        ));
        let (k, text) = Kek::generate();
        let (old, old_text) = Kek::generate();
        let c = from_map(&[
            (
                "KIKET_MASTER_KEY",
                secrecy::ExposeSecret::expose_secret(&text),
            ),
            (
                "KIKET_PREVIOUS_MASTER_KEYS",
                secrecy::ExposeSecret::expose_secret(&old_text),
            ),
        ])
        .unwrap();
        let MasterKey::Configured(ring) = &c.master_key else {
            panic!("configured");
        };
        assert_eq!(ring.ids(), vec![k.id(), old.id()]);
        // The configuration's debug output names key ids, never keys.
        assert!(!format!("{c:?}").contains(secrecy::ExposeSecret::expose_secret(&text)));
        let err = from_map(&[
            (
                "KIKET_MASTER_KEY",
                secrecy::ExposeSecret::expose_secret(&text),
            ),
            ("KIKET_PREVIOUS_MASTER_KEYS", "short"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "KIKET_PREVIOUS_MASTER_KEYS");
    }

    #[test]
    fn secure_cookies_follow_the_public_url() {
        let mut c = Config::for_tests("sqlite::memory:");
        assert!(!c.secure_cookies());
        c.public_url = "https://market.example.com".into();
        assert!(c.secure_cookies());
    }
}
