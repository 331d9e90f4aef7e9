//! The database: one `sqlx::Any` pool that speaks SQLite or PostgreSQL, migrations for each, and one
//! repository module per aggregate.
//!
//! Every query is written once with `$N` placeholders, which both engines bind by number. Where the
//! engines differ (search, locking) a repository function branches on [`Backend`].

pub mod audit;
pub mod catalog;
pub mod deliveries;
pub mod extensions;
pub mod installations;
pub mod notifications;
pub mod organizations;
pub mod publishers;
pub mod review;
pub mod tokens;
pub mod users;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{AnyPool, PgPool, SqlitePool};
use std::time::Duration;

/// The engine behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (one instance).
    Sqlite,
    /// PostgreSQL (any number of instances).
    Postgres,
}

/// The engine-specific pool the session store needs (it does not speak `Any`).
#[derive(Debug, Clone)]
pub enum SessionPool {
    /// SQLite pool on the same file.
    Sqlite(SqlitePool),
    /// PostgreSQL pool on the same database.
    Postgres(PgPool),
}

/// Handle to the database, cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool every repository function takes.
    pub pool: AnyPool,
    /// Which engine `pool` talks to.
    pub backend: Backend,
    /// The pool tower-sessions stores sessions through.
    pub sessions: SessionPool,
}

/// Current time as unix milliseconds, the unit every time column uses.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A new id with a readable prefix (`usr_…`), time-ordered.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// Whether `err` is a violation of the unique constraint `constraint`.
///
/// PostgreSQL reports the constraint's name, which is compared. SQLite reports no names, only the
/// kind, so there the kind decides; each statement that relies on this has one unique constraint
/// besides its random primary key.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    match err {
        sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
            db.constraint().is_none_or(|name| name == constraint)
        }
        _ => false,
    }
}

fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.into())
    }
}

impl Db {
    /// Connects to `url` (SQLite or PostgreSQL) and applies the migrations of that engine.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if let Some(parent) = sqlite_file(url)
            .as_deref()
            .and_then(std::path::Path::parent)
        {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Reads through a memory map of the file, and a larger page cache per
                        // connection: a search joins the full-text matches to their catalog rows
                        // by rowid, and with SQLite's 2 MB default each such page is read again.
                        for pragma in ["PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -16384"]
                        {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let sessions = match backend {
            Backend::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
                SessionPool::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(max_connections.clamp(1, 4))
                        .connect_with(options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal))
                        .await?,
                )
            }
            Backend::Postgres => SessionPool::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(max_connections.clamp(1, 4))
                    .connect(url)
                    .await?,
            ),
        };
        let db = Self {
            pool,
            backend,
            sessions,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations of this engine (idempotent).
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Answers whether the database responds.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case("sqlite://data/kiket.db?mode=rwc", Some("data/kiket.db"))]
    #[case("sqlite:data/x.db", Some("data/x.db"))]
    #[case("sqlite::memory:", None)]
    #[case("postgres://localhost/db", None)]
    fn sqlite_paths(#[case] url: &str, #[case] path: Option<&str>) {
        assert_eq!(sqlite_file(url), path.map(std::path::PathBuf::from));
    }

    #[test]
    fn ids_carry_their_prefix_and_sort_by_time() {
        let a = new_id("usr");
        let b = new_id("usr");
        assert!(a.starts_with("usr_") && a.len() == 36);
        assert!(a < b);
    }
}
