//! Caches for the public catalog, valid while the catalog generation stands.
//!
//! Every change to what the catalog shows bumps `catalog_state.generation` in its own transaction
//! (see `db::catalog::refresh`), so a cached value tagged with the generation read before it was
//! computed is correct for as long as the database still holds that generation. The generation
//! is read again after every change this process makes, and at least every
//! [`GENERATION_MAX_AGE`] otherwise: a change made by another instance shows within that bound.
//! Nothing here is the truth; a restart only costs renders.
//!
//! - **Pages:** the catalog pages (`/`, `/extensions`) as rendered for visitors without a session
//!   are kept by URL, with an `ETag`, and answered with `304 Not Modified` when the browser
//!   already has them.
//! - **Facets:** the values the filters offer, which take a scan of the filter table to count.

use crate::model::catalog::Facets;
use crate::server::db::catalog;
use crate::server::startup::SESSION_COOKIE;
use crate::server::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use lru::LruCache;
use sha2::{Digest, Sha256};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Distinct catalog URLs kept (search texts, filters and pages).
const PAGES: usize = 2048;
/// Largest page kept.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Longest this instance goes without reading the catalog generation from the database.
pub const GENERATION_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// The generation as last read.
#[derive(Debug, Clone, Copy)]
struct Generation {
    value: i64,
    local_changes: u64,
    read_at: std::time::Instant,
}

/// A rendered page.
#[derive(Debug)]
struct Page {
    generation: i64,
    etag: HeaderValue,
    content_type: HeaderValue,
    body: Bytes,
}

/// The caches, shared by every request of this instance.
#[derive(Debug)]
pub struct CatalogCache {
    pages: Mutex<LruCache<String, Arc<Page>>>,
    facets: Mutex<Option<(i64, Facets)>>,
    generation: Mutex<Option<Generation>>,
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self {
            pages: Mutex::new(LruCache::new(
                NonZeroUsize::new(PAGES).unwrap_or(NonZeroUsize::MIN),
            )),
            facets: Mutex::new(None),
            generation: Mutex::new(None),
        }
    }
}

impl CatalogCache {
    /// The catalog generation: as last read, unless this process changed the catalog since or
    /// the reading is older than [`GENERATION_MAX_AGE`].
    pub async fn generation(&self, pool: &sqlx::AnyPool) -> Result<i64, sqlx::Error> {
        let local_changes = catalog::local_changes();
        let known = self.generation.lock().ok().and_then(|g| *g);
        if let Some(g) = known {
            if g.local_changes == local_changes && g.read_at.elapsed() < GENERATION_MAX_AGE {
                return Ok(g.value);
            }
        }
        let value = catalog::generation(pool).await?;
        if let Ok(mut slot) = self.generation.lock() {
            *slot = Some(Generation {
                value,
                local_changes,
                read_at: std::time::Instant::now(),
            });
        }
        Ok(value)
    }

    /// The filter values for `generation`, computed once per generation.
    pub async fn facets(
        &self,
        pool: &sqlx::AnyPool,
        generation: i64,
    ) -> Result<Facets, sqlx::Error> {
        if let Some((g, f)) = self.facets.lock().map(|c| c.clone()).unwrap_or_default() {
            if g == generation {
                return Ok(f);
            }
        }
        let fresh = catalog::facets(pool).await?;
        if let Ok(mut slot) = self.facets.lock() {
            *slot = Some((generation, fresh.clone()));
        }
        Ok(fresh)
    }

    fn page(&self, url: &str, generation: i64) -> Option<Arc<Page>> {
        let mut pages = self.pages.lock().ok()?;
        let page = pages.get(url)?.clone();
        if page.generation == generation {
            Some(page)
        } else {
            pages.pop(url);
            None
        }
    }

    fn keep(&self, url: String, page: Arc<Page>) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.put(url, page);
        }
    }
}

/// Whether `path` is a catalog listing page.
fn is_listing(path: &str) -> bool {
    matches!(path, "/" | "/extensions" | "/extensions/")
}

/// Whether the request carries a session cookie (a signed-in user, or one that may be).
fn has_session(req: &Request) -> bool {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| {
            c.trim()
                .split_once('=')
                .is_some_and(|(name, _)| name == SESSION_COOKIE)
        })
}

fn answer(page: &Page, if_none_match: Option<&HeaderValue>) -> Response {
    let fresh = if_none_match.is_some_and(|tags| {
        tags.to_str().is_ok_and(|tags| {
            tags.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t.as_bytes() == page.etag.as_bytes())
        })
    });
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = Response::new(Body::from(page.body.clone()));
        res.headers_mut()
            .insert(header::CONTENT_TYPE, page.content_type.clone());
        res
    };
    let headers = res.headers_mut();
    headers.insert(header::ETAG, page.etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    res
}

/// Middleware: serves catalog listing pages to visitors without a session from the cache, with an
/// `ETag` (and `304` when it matches), and keeps what it renders for them.
pub async fn listing_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !is_listing(req.uri().path()) {
        return next.run(req).await;
    }
    if let Some(canonical) = canonical_url(req.uri().path(), req.uri().query()) {
        return Redirect::to(&canonical).into_response();
    }
    if has_session(&req) {
        return next.run(req).await;
    }
    let Ok(generation) = state.catalog_cache.generation(&state.db.pool).await else {
        return next.run(req).await;
    };
    let url = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(page) = state.catalog_cache.page(&url, generation) {
        return answer(&page, if_none_match.as_ref());
    }
    let res = next.run(req).await;
    let cacheable =
        res.status() == StatusCode::OK && !res.headers().contains_key(header::SET_COOKIE);
    if !cacheable {
        return res;
    }
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            tracing::warn!(url = %req_path(&url), "catalog page too large to cache");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let digest = Sha256::digest(&body);
    let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let page = Arc::new(Page {
        generation,
        etag: HeaderValue::from_str(&format!("\"{tag}\""))
            .unwrap_or(HeaderValue::from_static("\"\"")),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8")),
        body,
    });
    state.catalog_cache.keep(url, page.clone());
    answer(&page, if_none_match.as_ref())
}

/// The address of a catalog query without its empty and default parameters, when it has any: a
/// plain form sends every field, and shared links should be short.
fn canonical_url(path: &str, query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query?.as_bytes())
        .into_owned()
        .collect();
    let needed = |(k, v): &&(String, String)| {
        !(v.trim().is_empty()
            || (k == "sort" && v == "relevance")
            || (k == "page" && v == "1")
            || (k == "verified" && v == "0"))
    };
    let kept: Vec<&(String, String)> = pairs.iter().filter(needed).collect();
    if kept.len() == pairs.len() {
        return None;
    }
    if kept.is_empty() {
        return Some(path.to_string());
    }
    let start = path.len() + 1;
    let mut url = form_urlencoded::Serializer::for_suffix(format!("{path}?"), start);
    url.extend_pairs(kept);
    Some(url.finish())
}

/// The path of a URL, without its query (logs carry no search text).
fn req_path(url: &str) -> &str {
    url.split('?').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listing_paths_are_cached() {
        assert!(is_listing("/"));
        assert!(is_listing("/extensions"));
        assert!(!is_listing("/extensions/slack-notifier"));
        assert!(!is_listing("/publish"));
    }

    #[test]
    fn empty_and_default_parameters_are_dropped() {
        assert_eq!(canonical_url("/extensions", None), None);
        assert_eq!(canonical_url("/extensions", Some("q=slack")), None);
        assert_eq!(
            canonical_url(
                "/extensions",
                Some("q=slack+bot&category=&event=&permission=&sort=relevance")
            )
            .as_deref(),
            Some("/extensions?q=slack+bot")
        );
        assert_eq!(
            canonical_url("/", Some("q=&sort=relevance&page=1")).as_deref(),
            Some("/")
        );
        assert_eq!(
            canonical_url("/extensions", Some("q=a%3Ab&sort=name&event=")).as_deref(),
            Some("/extensions?q=a%3Ab&sort=name")
        );
    }

    #[test]
    fn a_session_cookie_is_seen_among_others() {
        let req = |cookie: &str| {
            Request::builder()
                .uri("/")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap()
        };
        assert!(has_session(&req(&format!("a=1; {SESSION_COOKIE}=x"))));
        assert!(!has_session(&req("a=1; other_kiket_session=x")));
    }

    #[test]
    fn matching_etags_answer_not_modified() {
        let page = Page {
            generation: 1,
            etag: HeaderValue::from_static("\"abc\""),
            content_type: HeaderValue::from_static("text/html"),
            body: Bytes::from_static(b"<p>hi</p>"),
        };
        let status = |tags: Option<&str>| {
            answer(
                &page,
                tags.map(|t| HeaderValue::from_str(t).unwrap()).as_ref(),
            )
            .status()
        };
        assert_eq!(status(None), StatusCode::OK);
        assert_eq!(status(Some("\"abc\"")), StatusCode::NOT_MODIFIED);
        assert_eq!(status(Some("W/\"abc\", \"x\"")), StatusCode::NOT_MODIFIED);
        assert_eq!(status(Some("\"abd\"")), StatusCode::OK);
    }
}
