//! HTTP endpoints that are not server fns: the streaming upload behind the `/publish` form,
//! downloads, and the sitemap.
//!
//! The upload is read field by field; the package streams into a temporary file, hashed on the
//! way, and is refused the moment it passes the limit. A plain form post is answered with a
//! redirect (to the new version, or back to the form with the refusal kept in the session); a
//! JavaScript caller (`Accept: application/json`) gets JSON.

use crate::error::AppError;
use crate::model::extension::{UploadOutcome, UploadRefusal, VersionState};
use crate::model::package::MAX_COMPRESSED_BYTES;
use crate::server::auth::{current_user, require_user};
use crate::server::db::{extensions, publishers};
use crate::server::packages::publish::{publish, PackageWriter, Refusal, StagedPackage};
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use tower_sessions::Session;

/// Where the upload form posts.
pub const UPLOAD_PATH: &str = "/publish/upload";
/// The session key a refused plain upload is kept under, for the form to show.
pub const REFUSAL_KEY: &str = "upload_refusal";
/// Largest text field of the upload form.
const MAX_TEXT_FIELD: usize = 64 * 1024;
/// Room for the multipart framing and the text fields around the package.
pub const UPLOAD_BODY_LIMIT: usize = MAX_COMPRESSED_BYTES as usize + 256 * 1024;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Answers a refusal: JSON with the findings, or a redirect back to the form with everything
/// the form needs to show it kept in the session.
async fn refuse(
    json: bool,
    session: &Session,
    refusal: Refusal,
    publisher: String,
    release_notes: String,
) -> Response {
    if json {
        return crate::server::rest::refusal(refusal);
    }
    let err = refusal.error;
    if matches!(err, AppError::Unauthorized(_)) {
        return Redirect::to("/signin?next=/publish").into_response();
    }
    let kept = UploadRefusal {
        message: err.to_string(),
        field: match &err {
            AppError::Validation { field, .. } => Some(field.clone()),
            _ => None,
        },
        findings: refusal.findings,
        publisher,
        release_notes,
    };
    if let Err(e) = session.insert(REFUSAL_KEY, kept).await {
        tracing::warn!(error = %e, "could not keep an upload refusal");
    }
    Redirect::to("/publish#upload").into_response()
}

async fn text_field(field: axum::extract::multipart::Field<'_>) -> Result<String, AppError> {
    let name = field.name().unwrap_or_default().to_string();
    let bytes = field
        .bytes()
        .await
        .map_err(|_| AppError::field(name.clone(), "This field could not be read."))?;
    if bytes.len() > MAX_TEXT_FIELD {
        return Err(AppError::field(name, "This field is too long."));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| AppError::field(name, "This field is not text."))
}

/// The fields of an upload as they were read.
#[derive(Debug, Default)]
pub struct Received {
    /// The publisher's slug.
    pub publisher: String,
    /// Release notes.
    pub release_notes: String,
    /// The package, staged in a temporary file.
    pub package: Option<StagedPackage>,
}

/// Reads an upload's multipart fields into `into`, streaming the package into a temporary file
/// that is refused the moment it passes the limit. Unknown fields are read past, never stored.
/// What was read before a refusal stays in `into`, so that a form can show it again.
pub async fn receive(multipart: &mut Multipart, into: &mut Received) -> Result<(), AppError> {
    let cut_short = |e: axum::extract::multipart::MultipartError| {
        AppError::field("package", format!("The upload was cut short: {e}."))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(cut_short)? {
        match field.name().unwrap_or_default() {
            "publisher" => into.publisher = text_field(field).await?,
            "release_notes" => into.release_notes = text_field(field).await?,
            "package" => {
                let mut writer = PackageWriter::new(MAX_COMPRESSED_BYTES)?;
                while let Some(chunk) = field.chunk().await.map_err(cut_short)? {
                    writer.write(&chunk).await?;
                }
                into.package = writer.finish().await?;
            }
            _ => while field.chunk().await.ok().flatten().is_some() {},
        }
    }
    Ok(())
}

/// `POST /publish/upload`: multipart fields `publisher`, `release_notes` and `package`.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let user = match require_user(&state.db, &session).await {
        Ok(u) => u,
        Err(e) => return refuse(json, &session, e.into(), String::new(), String::new()).await,
    };
    let mut form = Received::default();
    if let Err(e) = receive(&mut multipart, &mut form).await {
        return refuse(json, &session, e.into(), form.publisher, form.release_notes).await;
    }
    let (publisher, release_notes, staged) = (form.publisher, form.release_notes, form.package);
    let Some(package) = staged else {
        let e = AppError::field("package", "Choose a .tar.gz package to upload.");
        return refuse(json, &session, e.into(), publisher, release_notes).await;
    };
    match publish(&state, &user, &publisher, package, &release_notes).await {
        Ok(outcome) => {
            if json {
                (StatusCode::CREATED, Json::<UploadOutcome>(outcome)).into_response()
            } else {
                Redirect::to(&outcome.url).into_response()
            }
        }
        Err(refusal) => refuse(json, &session, refusal, publisher, release_notes).await,
    }
}

/// Turns the body-limit layer's bare 413 into the same answer as any other refusal.
pub async fn explain_too_large(session: Session, req: Request, next: Next) -> Response {
    let json = wants_json(req.headers());
    let res = next.run(req).await;
    if res.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return res;
    }
    let e = AppError::field(
        "package",
        format!(
            "The package is larger than {} MB.",
            MAX_COMPRESSED_BYTES / (1024 * 1024)
        ),
    );
    refuse(json, &session, e.into(), String::new(), String::new()).await
}

/// `GET /extensions/{key}/versions/{version}/download`: the package as an attachment. Published
/// versions are public; others only for the publisher's members and marketplace admins.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Path((key, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound(format!("{key} has no version {version}."));
    let package = extensions::package_of(&state.db.pool, &key, &version)
        .await?
        .ok_or_else(not_found)?;
    let (publisher_id, sha256, version_state, size) = (
        package.publisher_id,
        package.sha256,
        package.state,
        package.size,
    );
    let public = version_state == VersionState::Published && !package.revoked;
    // Revoked versions are blocked everywhere: only the publisher and admins can still fetch them.
    if !public {
        let user = current_user(&state.db, &session)
            .await?
            .ok_or_else(not_found)?;
        let member = publishers::role_of(&state.db.pool, &publisher_id, &user.id)
            .await?
            .is_some();
        if !member && !user.is_admin {
            return Err(not_found());
        }
    }
    send_package(&state, &key, &version, &sha256, size, public).await
}

/// The stored package `sha256` of `key`@`version` as an attachment; `public` packages may be
/// cached by anyone.
pub async fn send_package(
    state: &AppState,
    key: &str,
    version: &str,
    sha256: &str,
    size: u64,
    public: bool,
) -> Result<Response, AppError> {
    let stream = state.blobs.get(sha256).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read a package");
        AppError::Unavailable("The package cannot be read right now; try again.".into())
    })?;
    let Some(stream) = stream else {
        tracing::error!(%key, %version, "a registered package is missing from the blob store");
        return Err(AppError::Unavailable(
            "The package cannot be read right now; try again.".into(),
        ));
    };
    let file_name = format!("{key}-{version}.tar.gz");
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(sha256) {
        h.insert("x-checksum-sha256", v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=300"
        } else {
            "private, no-store"
        }),
    );
    Ok(res)
}

/// `GET /sitemap.xml`: the catalog's pages for search engines (listed extensions only).
pub async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let entries = crate::server::db::catalog::sitemap(&state.db.pool).await?;
    let base = &state.config.public_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    xml.push_str(&format!("  <url><loc>{base}/</loc></url>\n"));
    xml.push_str(&format!("  <url><loc>{base}/extensions</loc></url>\n"));
    for (key, updated_at) in entries {
        let day = crate::components::time::format_ms(updated_at);
        let day = day.split(' ').next().unwrap_or_default();
        // Keys are lower-case letters, digits, dots and dashes: nothing to escape.
        xml.push_str(&format!(
            "  <url><loc>{base}/extensions/{key}</loc><lastmod>{day}</lastmod></url>\n"
        ));
    }
    xml.push_str("</urlset>\n");
    let mut res = Response::new(Body::from(xml));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}

/// `GET /extensions/{key}/icon`: the icon of a listed extension's latest version. SVG icons are
/// served sandboxed, with no script, so an icon opened on its own cannot act on the site.
pub async fn icon(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (bytes, content_type, sha256) = extensions::listed_icon(&state.db.pool, &key)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{key} has no icon.")))?;
    let etag = format!("\"{}\"", &sha256[..sha256.len().min(32)]);
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    let mut res = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(bytes))
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    Ok(res)
}
