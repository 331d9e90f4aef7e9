//! The public catalog.
//!
//! `catalog_entries` holds one row per listed extension: published, with a latest version (not
//! yanked or revoked), its publisher not suspended. [`refresh`] rebuilds an extension's row, its
//! filter values and its full-text document from the source tables; every change that can alter
//! them calls it in its own transaction. Browsing and searching read only the index, so they cost
//! the same at 1,000 versions or 1,000,000.
//!
//! Full text is FTS5 on SQLite and a generated, GIN-indexed `tsvector` on PostgreSQL; [`search`]
//! is the one function that queries either, with the same tokens (letters and digits, no stemming),
//! the same prefix matching and the same weights (key and name over summary and tags over README).

use super::{extensions, Backend, Db};
use crate::model::catalog::{CatalogCard, CatalogQuery, Facets, PublicVersion, Sort, PER_PAGE};
use crate::model::extension::{latest, Listing};
use crate::model::manifest::Manifest;
use sqlx::{AnyConnection, AnyPool};
use std::collections::BTreeSet;

const CARD_COLUMNS: &str = "c.key, c.name, c.summary, c.categories, c.tags, c.publisher_slug, \
     c.publisher_name, c.verified, c.latest_version, c.deprecated, c.installs, c.has_icon, c.updated_at";

type CardRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
);

fn card_from(row: CardRow) -> CatalogCard {
    let (
        key,
        name,
        summary,
        cats,
        tags,
        slug,
        publisher_name,
        verified,
        latest,
        deprecated,
        installs,
        icon,
        updated,
    ) = row;
    CatalogCard {
        key,
        name,
        publisher: slug,
        publisher_name,
        verified: verified != 0,
        listing: Listing {
            summary,
            categories: serde_json::from_str(&cats).unwrap_or_default(),
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            ..Listing::default()
        },
        latest,
        deprecated: deprecated != 0,
        installs: installs.max(0) as u64,
        has_icon: icon != 0,
        updated_at: updated,
    }
}

fn is_sqlite(conn: &AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("sqlite")
}

/// Rebuilds the catalog row of one extension from the source tables (or removes it when the
/// extension is no longer listed), and bumps the catalog generation. Call it inside the
/// transaction that made the change.
pub async fn refresh(conn: &mut AnyConnection, extension_id: &str) -> Result<(), sqlx::Error> {
    // Takes the extension's row lock first, so two refreshes of one extension run one after the
    // other and the later one reads what the earlier one committed (PostgreSQL; SQLite has one
    // writer anyway).
    sqlx::query("UPDATE extensions SET id = id WHERE id = $1")
        .bind(extension_id)
        .execute(&mut *conn)
        .await?;
    type ExtRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
    );
    let ext: Option<ExtRow> = sqlx::query_as(
        "SELECT e.key, e.name, e.summary, e.categories, e.tags, p.id, p.slug, p.display_name, p.verified, \
         p.suspended_at, e.deprecated_at FROM extensions e JOIN publishers p ON p.id = e.publisher_id \
         WHERE e.id = $1",
    )
    .bind(extension_id)
    .fetch_optional(&mut *conn)
    .await?;
    let listed = match ext {
        Some(ext) if ext.9.is_none() => {
            let versions = extensions::versions_of(&mut *conn, extension_id).await?;
            latest(&versions).map(|l| (ext, l.version.clone()))
        }
        _ => None,
    };
    remove(conn, extension_id).await?;
    if let Some((ext, latest)) = listed {
        let (key, name, summary, cats, tags, publisher_id, slug, pname, verified, _, deprecated) =
            ext;
        let (manifest, readme, published_at, has_icon): (String, Option<String>, i64, i64) =
            sqlx::query_as(
                "SELECT manifest, readme_text, COALESCE(decided_at, created_at), \
                 CASE WHEN icon IS NULL THEN 0 ELSE 1 END FROM versions \
                 WHERE extension_id = $1 AND version = $2",
            )
            .bind(extension_id)
            .bind(&latest)
            .fetch_one(&mut *conn)
            .await?;
        let manifest: Option<Manifest> = serde_json::from_str(&manifest).ok();
        let categories: Vec<String> = serde_json::from_str(&cats).unwrap_or_default();
        let tag_list: Vec<String> = serde_json::from_str(&tags).unwrap_or_default();
        let readme = readme.unwrap_or_default();
        let installs = super::installations::active_count(&mut *conn, extension_id).await?;
        sqlx::query(
            "INSERT INTO catalog_entries (extension_id, key, name, name_sort, summary, categories, tags, readme, \
             publisher_id, publisher_slug, publisher_name, verified, latest_version, has_icon, deprecated, \
             installs, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             $16, $17)",
        )
        .bind(extension_id)
        .bind(&key)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&summary)
        .bind(&cats)
        .bind(&tags)
        .bind(&readme)
        .bind(&publisher_id)
        .bind(&slug)
        .bind(&pname)
        .bind(verified)
        .bind(&latest)
        .bind(has_icon)
        .bind(i64::from(deprecated.is_some()))
        .bind(installs)
        .bind(published_at)
        .execute(&mut *conn)
        .await?;
        let mut facets = BTreeSet::new();
        for c in categories {
            facets.insert(("category", c));
        }
        if let Some(m) = &manifest {
            for t in &m.triggers {
                facets.insert(("event", t.event.clone()));
            }
            for p in &m.permissions {
                facets.insert(("permission", p.clone()));
            }
        }
        for (kind, value) in facets {
            sqlx::query(
                "INSERT INTO catalog_facets (kind, value, extension_id) VALUES ($1, $2, $3)",
            )
            .bind(kind)
            .bind(value)
            .bind(extension_id)
            .execute(&mut *conn)
            .await?;
        }
        if is_sqlite(conn) {
            let (rowid,): (i64,) =
                sqlx::query_as("SELECT rowid FROM catalog_entries WHERE extension_id = $1")
                    .bind(extension_id)
                    .fetch_one(&mut *conn)
                    .await?;
            sqlx::query(
                "INSERT INTO catalog_fts (rowid, key, name, summary, tags, readme) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(rowid)
            .bind(&key)
            .bind(&name)
            .bind(&summary)
            .bind(tag_list.join(" "))
            .bind(&readme)
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query("UPDATE catalog_state SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    LOCAL_CHANGES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// Changes to the catalog made by this process (so its caches re-read the generation at once
/// instead of within their bound).
static LOCAL_CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many catalog changes this process has made.
pub fn local_changes() -> u64 {
    LOCAL_CHANGES.load(std::sync::atomic::Ordering::SeqCst)
}

/// Removes an extension's catalog row, filter values and document.
async fn remove(conn: &mut AnyConnection, extension_id: &str) -> Result<(), sqlx::Error> {
    if is_sqlite(conn) {
        let rowid: Option<(i64,)> =
            sqlx::query_as("SELECT rowid FROM catalog_entries WHERE extension_id = $1")
                .bind(extension_id)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((rowid,)) = rowid {
            sqlx::query("DELETE FROM catalog_fts WHERE rowid = $1")
                .bind(rowid)
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query("DELETE FROM catalog_facets WHERE extension_id = $1")
        .bind(extension_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM catalog_entries WHERE extension_id = $1")
        .bind(extension_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Refreshes every extension of a publisher (after it is verified, suspended or reinstated).
pub async fn refresh_publisher(
    conn: &mut AnyConnection,
    publisher_id: &str,
) -> Result<(), sqlx::Error> {
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM extensions WHERE publisher_id = $1")
        .bind(publisher_id)
        .fetch_all(&mut *conn)
        .await?;
    for (id,) in ids {
        refresh(conn, &id).await?;
    }
    Ok(())
}

/// Builds the index of every extension when it has never been built (a database that predates
/// it). Returns the number of extensions listed.
pub async fn build_if_new(pool: &AnyPool) -> Result<Option<u64>, sqlx::Error> {
    if generation(pool).await? != 0 {
        return Ok(None);
    }
    let mut tx = pool.begin().await?;
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM extensions ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    for (id,) in &ids {
        refresh(&mut tx, id).await?;
    }
    // A database without extensions still counts as built.
    sqlx::query("UPDATE catalog_state SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let (listed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM catalog_entries")
        .fetch_one(pool)
        .await?;
    Ok(Some(listed as u64))
}

/// The catalog's generation: it changes with every change to what the catalog shows.
pub async fn generation(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let (g,): (i64,) = sqlx::query_as("SELECT generation FROM catalog_state WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok(g)
}

/// A statement's bound values, numbered in order.
#[derive(Default)]
struct Binds(Vec<Bind>);

enum Bind {
    Text(String),
    Int(i64),
}

impl Bind {
    fn copy(&self) -> Self {
        match self {
            Bind::Text(s) => Bind::Text(s.clone()),
            Bind::Int(n) => Bind::Int(*n),
        }
    }
}

impl Binds {
    fn text(&mut self, s: impl Into<String>) -> String {
        self.0.push(Bind::Text(s.into()));
        format!("${}", self.0.len())
    }

    fn int(&mut self, n: i64) -> String {
        self.0.push(Bind::Int(n));
        format!("${}", self.0.len())
    }

    fn apply<'q, O>(
        &'q self,
        mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for b in &self.0 {
            q = match b {
                Bind::Text(s) => q.bind(s.as_str()),
                Bind::Int(n) => q.bind(*n),
            };
        }
        q
    }
}

/// One page of the catalog for `query`, and the number of matches over all pages.
///
/// Browsing (no search text) counts through an index and reads one page in index order. A search
/// must find every match anyway, so one pass matches, ranks and counts them: an inner query reads
/// only what the order needs, and the page's card columns are read for its rows alone.
pub async fn search(db: &Db, query: &CatalogQuery) -> Result<(Vec<CatalogCard>, u64), sqlx::Error> {
    let (pool, sqlite) = (&db.pool, db.backend == Backend::Sqlite);
    let sort = query.effective_sort();
    let mut binds = Binds::default();
    let mut from = String::from("catalog_entries c");
    let mut filters: Vec<String> = Vec::new();
    // The relevance columns of a search: the exact-match tier, then the rank (lower is better).
    let mut relevance = None;
    if let (Some(fts), Some(tsq)) = (query.fts5_match(), query.tsquery()) {
        let rank = if sqlite {
            let p = binds.text(fts);
            from = "catalog_fts f JOIN catalog_entries c ON c.rowid = f.rowid".into();
            filters.push(format!("catalog_fts MATCH {p}"));
            // bm25 is lower for better matches; columns: key, name, summary, tags, readme.
            "bm25(catalog_fts, 10.0, 8.0, 3.0, 3.0, 1.0)".to_string()
        } else {
            let p = binds.text(tsq);
            filters.push(format!("c.search @@ to_tsquery('simple', {p})"));
            // Negated, so that lower is better on both engines. Ranked on key, name, summary and
            // tags only: README-only matches tie, and fall to the installs order.
            format!("-ts_rank('{{0.05, 0.2, 0.4, 1.0}}', c.rank_vector, to_tsquery('simple', {p}))")
        };
        relevance = Some(match sort {
            Sort::Relevance => {
                let exact = binds.text(query.q.trim().to_lowercase());
                format!(
                    ", CASE WHEN c.key = {exact} THEN 0 WHEN c.name_sort = {exact} THEN 1 ELSE 2 END \
                     AS tier, {rank} AS score"
                )
            }
            // Another order needs no rank.
            _ => String::new(),
        });
    }
    for (kind, value) in [
        ("category", &query.category),
        ("event", &query.event),
        ("permission", &query.permission),
    ] {
        if let Some(v) = value {
            let p = binds.text(v.clone());
            filters.push(format!(
                "EXISTS (SELECT 1 FROM catalog_facets x WHERE x.kind = '{kind}' AND x.value = {p} \
                 AND x.extension_id = c.extension_id)"
            ));
        }
    }
    if query.verified {
        filters.push("c.verified = 1".into());
    }
    let filter_sql = if filters.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filters.join(" AND "))
    };
    let count_sql = format!("SELECT COUNT(*) FROM {from}{filter_sql}");
    let filter_binds = binds.0.len();
    let offset = i64::from(query.page.saturating_sub(1)) * i64::from(PER_PAGE);
    let total = match relevance {
        Some(_) => None,
        None => {
            let total = count(pool, &count_sql, &binds).await?;
            if offset >= total {
                return Ok((Vec::new(), total.max(0) as u64));
            }
            Some(total)
        }
    };
    let limit = binds.int(i64::from(PER_PAGE));
    let offset_param = binds.int(offset);
    let sql = match &relevance {
        Some(relevance) => {
            // On PostgreSQL, `OFFSET 0` keeps the ranking below the count's window, so that the
            // window holds the narrow columns the order needs rather than the vectors ranked.
            let fence = if sqlite { "" } else { " OFFSET 0" };
            let inner = format!(
                "SELECT c.extension_id, c.key, c.name_sort, c.installs, c.updated_at{relevance} \
                 FROM {from}{filter_sql}{fence}"
            );
            format!(
                "SELECT {CARD_COLUMNS}, p.total FROM \
                 (SELECT m.*, COUNT(*) OVER () AS total FROM ({inner}) m \
                 ORDER BY {} LIMIT {limit} OFFSET {offset_param}) p \
                 JOIN catalog_entries c ON c.extension_id = p.extension_id ORDER BY {}",
                order_by(sort, "m"),
                order_by(sort, "p"),
            )
        }
        None => format!(
            "SELECT {CARD_COLUMNS}, CAST(0 AS BIGINT) FROM {from}{filter_sql} ORDER BY {} \
             LIMIT {limit} OFFSET {offset_param}",
            order_by(sort, "c"),
        ),
    };
    let rows: Vec<(CardRow, i64)> = if relevance.is_some() && !sqlite {
        // Planned for its own values every time: a prepared statement's generic plan cannot
        // know how many rows a search matches, so it joins the filters row by row and parses
        // `to_tsquery` again for every row it ranks, several times slower on broad searches.
        // And PostgreSQL's planner costs testing a row's full-text vector as cheap, but those
        // vectors are stored out of line: a plan that reads them back (a sequential scan, or an
        // index scan in sort order filtering every row) is several times slower than the GIN
        // index's bitmap, which matches without reading them.
        let mut tx = pool.begin().await?;
        sqlx::query(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), \
             set_config('enable_seqscan', 'off', true), \
             set_config('enable_indexscan', 'off', true)",
        )
        .execute(&mut *tx)
        .await?;
        let rows = binds
            .apply(sqlx::query_as::<_, CountedRow>(&sql))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows
    } else {
        binds
            .apply(sqlx::query_as::<_, CountedRow>(&sql))
            .fetch_all(pool)
            .await?
    }
    .into_iter()
    .map(split_counted)
    .collect();
    let total = match (total, rows.first()) {
        (Some(total), _) => total,
        (None, Some((_, total))) => *total,
        // Past the last page of a search: the window had no row to report the count on.
        (None, None) if offset > 0 => {
            let mut count_binds = Binds::default();
            count_binds
                .0
                .extend(binds.0.iter().take(filter_binds).map(Bind::copy));
            count(pool, &count_sql, &count_binds).await?
        }
        (None, None) => 0,
    };
    Ok((
        rows.into_iter().map(|(card, _)| card_from(card)).collect(),
        total.max(0) as u64,
    ))
}

/// The ORDER BY of `sort` over the columns of `alias` (relevance needs `tier` and `score`).
fn order_by(sort: Sort, alias: &str) -> String {
    let a = alias;
    match sort {
        Sort::Relevance => {
            format!("{a}.tier, {a}.score, {a}.installs DESC, {a}.name_sort, {a}.key")
        }
        Sort::Updated => format!("{a}.updated_at DESC, {a}.name_sort, {a}.key"),
        Sort::Name => format!("{a}.name_sort, {a}.key"),
        Sort::Installs => format!("{a}.installs DESC, {a}.name_sort, {a}.key"),
    }
}

async fn count(pool: &AnyPool, sql: &str, binds: &Binds) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = binds.apply(sqlx::query_as(sql)).fetch_one(pool).await?;
    Ok(n)
}

type CountedRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn split_counted(r: CountedRow) -> (CardRow, i64) {
    (
        (
            r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12,
        ),
        r.13,
    )
}

/// What the filters offer: every category, event and permission listed extensions use, with
/// their counts, most used first.
pub async fn facets(pool: &AnyPool) -> Result<Facets, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, value, COUNT(*) FROM catalog_facets GROUP BY kind, value \
         ORDER BY kind, COUNT(*) DESC, value",
    )
    .fetch_all(pool)
    .await?;
    let mut facets = Facets::default();
    for (kind, value, n) in rows {
        let list = match kind.as_str() {
            "category" => &mut facets.categories,
            "event" => &mut facets.events,
            _ => &mut facets.permissions,
        };
        list.push((value, n.max(0) as u64));
    }
    Ok(facets)
}

/// The catalog card of a listed extension.
pub async fn card(pool: &AnyPool, key: &str) -> Result<Option<CatalogCard>, sqlx::Error> {
    let row: Option<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM catalog_entries c WHERE c.key = $1"
    ))
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(card_from))
}

/// A publisher's listed extensions, by name.
pub async fn of_publisher(
    pool: &AnyPool,
    publisher_id: &str,
) -> Result<Vec<CatalogCard>, sqlx::Error> {
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM catalog_entries c WHERE c.publisher_id = $1 ORDER BY c.name_sort, c.key"
    ))
    .bind(publisher_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(card_from).collect())
}

/// Every listed extension's key and last update, for the sitemap.
pub async fn sitemap(pool: &AnyPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT key, updated_at FROM catalog_entries ORDER BY key")
        .fetch_all(pool)
        .await
}

/// Published versions of an extension with their badges' reasons, highest first.
pub async fn published_versions(
    pool: &AnyPool,
    extension_id: &str,
) -> Result<Vec<PublicVersion>, sqlx::Error> {
    let all = extensions::versions_of(pool, extension_id).await?;
    type VersionRow = (String, String, Option<i64>, Option<String>, Option<String>);
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT version, sha256, decided_at, yank_reason, revoke_reason FROM versions \
         WHERE extension_id = $1 AND state = 'published'",
    )
    .bind(extension_id)
    .fetch_all(pool)
    .await?;
    Ok(all
        .into_iter()
        .filter_map(|summary| {
            let (_, sha256, decided_at, yank_reason, revoke_reason) =
                rows.iter().find(|r| r.0 == summary.version)?.clone();
            Some(PublicVersion {
                published_at: decided_at.unwrap_or(summary.created_at),
                summary,
                sha256,
                yank_reason,
                revoke_reason,
            })
        })
        .collect())
}
