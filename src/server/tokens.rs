//! Personal tokens: created and revoked on the account page, shown once, and checked on every REST
//! call that carries one (`Authorization: Bearer kkt_…`).

use crate::components::time::format_ms;
use crate::error::AppError;
use crate::model::token::{
    parse_expiry, parse_scopes, KeyPattern, PersonalToken, Scope, MAX_TOKEN_NAME,
    PERSONAL_TOKEN_PREFIX,
};
use crate::server::db::tokens::{self, NewToken};
use crate::server::db::{audit, now_ms, users, users::UserRecord};
use crate::server::install::{random_secret, token_hash};
use crate::server::state::AppState;
use axum::http::{header, HeaderMap};

/// What the account page's form sends.
#[derive(Debug, Clone, Default)]
pub struct TokenForm {
    /// Name.
    pub name: String,
    /// Checked scopes.
    pub scopes: Vec<String>,
    /// `expires_in` choice.
    pub expires_in: String,
    /// Key pattern, empty for any.
    pub key_pattern: String,
}

/// Creates a token for `user`; the tokens page generates and shows it once.
pub async fn create(
    state: &AppState,
    user: &UserRecord,
    form: &TokenForm,
) -> Result<String, AppError> {
    let mut problems = std::collections::BTreeMap::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME {
        problems.insert(
            "name".to_string(),
            format!("Give the token a name of 1 to {MAX_TOKEN_NAME} characters, such as \"CI releases\"."),
        );
    }
    let scopes = collect(&mut problems, parse_scopes(&form.scopes));
    let expires_at = collect(&mut problems, parse_expiry(&form.expires_in, now_ms()));
    let pattern = match form.key_pattern.trim() {
        "" => Some(None),
        p => collect(&mut problems, KeyPattern::parse(p)).map(Some),
    };
    let (Some(scopes), Some(expires_at), Some(pattern)) = (scopes, expires_at, pattern) else {
        return Err(AppError::Fields(problems));
    };
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let mut tx = state.db.pool.begin().await?;
    let id = tokens::create(
        &mut tx,
        &NewToken {
            user_id: &user.id,
            name,
            scopes: &scopes,
            key_pattern: pattern.as_ref().map(KeyPattern::as_str),
            expires_at,
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(&user.id),
            "personal_token.created",
            "personal_token",
            &id,
        )
        .with(serde_json::json!({
            "name": name,
            "scopes": scopes,
            "key_pattern": pattern.as_ref().map(KeyPattern::as_str),
            "expires_at": expires_at,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Keeps a field's message and yields its value when it is valid.
fn collect<T>(
    problems: &mut std::collections::BTreeMap<String, String>,
    parsed: Result<T, AppError>,
) -> Option<T> {
    match parsed {
        Ok(v) => Some(v),
        Err(AppError::Validation { field, message }) => {
            problems.insert(field, message);
            None
        }
        Err(other) => {
            problems.insert("name".into(), other.to_string());
            None
        }
    }
}

/// The newest token `user` created that was not shown yet: generates it, stores its hash and
/// returns (name, token). Shown once: a second call finds nothing.
pub async fn reveal_new(
    state: &AppState,
    user: &UserRecord,
) -> Result<Option<(String, String)>, AppError> {
    let Some((id, name)) = tokens::unrevealed(&state.db.pool, &user.id).await? else {
        return Ok(None);
    };
    let token = format!("{PERSONAL_TOKEN_PREFIX}{}", random_secret(32));
    if tokens::set_hash(&state.db.pool, &id, &token_hash(&token)).await? {
        Ok(Some((name, token)))
    } else {
        Ok(None)
    }
}

/// The user's tokens, newest first.
pub async fn list(state: &AppState, user: &UserRecord) -> Result<Vec<PersonalToken>, AppError> {
    Ok(tokens::of_user(&state.db.pool, &user.id).await?)
}

/// Revokes one of the user's tokens: the API refuses it from now on.
pub async fn revoke(state: &AppState, user: &UserRecord, id: &str) -> Result<(), AppError> {
    let mut tx = state.db.pool.begin().await?;
    if !tokens::revoke(&mut tx, &user.id, id).await? {
        return Err(AppError::NotFound(
            "No such token, or it is already revoked.".into(),
        ));
    }
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(&user.id),
            "personal_token.revoked",
            "personal_token",
            id,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who calls the REST API with a personal token, and what the token allows.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's id (rate limits are kept per token).
    pub token_id: String,
    /// The token's name.
    pub token_name: String,
    /// The token's owner.
    pub user: UserRecord,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// Keys it is limited to.
    pub key_pattern: Option<KeyPattern>,
    /// Expiry, unix ms.
    pub expires_at: Option<i64>,
}

impl Caller {
    /// Refuses unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "This token lacks the {} scope; create a token with it on your account page.",
                scope.as_str()
            )))
        }
    }

    /// Whether the token may act on the extension `key`.
    pub fn covers(&self, key: &str) -> bool {
        self.key_pattern.as_ref().is_none_or(|p| p.matches(key))
    }

    /// Refuses unless the token may act on the extension `key`.
    pub fn require_key(&self, key: &str) -> Result<(), AppError> {
        if self.covers(key) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "This token is limited to extensions matching {}, and {key} does not.",
                self.key_pattern
                    .as_ref()
                    .map(KeyPattern::as_str)
                    .unwrap_or_default()
            )))
        }
    }

    /// Whether the token can read what only the extension's publisher sees.
    pub fn reads(&self, key: &str) -> bool {
        self.scopes.contains(&Scope::Read) && self.covers(key)
    }
}

/// The bearer token of a request, if it sends one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The caller behind a request's personal token: `None` without an `Authorization` header, 401
/// for a token that is malformed, unknown, revoked or expired.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Caller>, AppError> {
    if !headers.contains_key(header::AUTHORIZATION) {
        return Ok(None);
    }
    let token = bearer(headers)
        .filter(|t| t.starts_with(PERSONAL_TOKEN_PREFIX))
        .ok_or_else(|| {
            AppError::Unauthorized(
                "Send a personal token as \"Authorization: Bearer kkt_…\"; create one on your account page (/account/tokens).".into(),
            )
        })?;
    let record = tokens::find_by_hash(&state.db.pool, &token_hash(token))
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized(
                "This token is not valid: check that it was copied whole.".into(),
            )
        })?;
    if let Some(at) = record.revoked_at {
        return Err(AppError::Unauthorized(format!(
            "This token was revoked on {}; create a new one on your account page.",
            format_ms(at)
        )));
    }
    if let Some(at) = record.expires_at.filter(|at| *at <= now_ms()) {
        return Err(AppError::Unauthorized(format!(
            "This token expired on {}; create a new one on your account page.",
            format_ms(at)
        )));
    }
    let user = users::find_by_id(&state.db.pool, &record.user_id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("This token's account no longer exists.".into()))?;
    tokens::touch(&state.db.pool, &record.id).await?;
    Ok(Some(Caller {
        token_id: record.id,
        token_name: record.name,
        user,
        scopes: record.scopes,
        key_pattern: record
            .key_pattern
            .as_deref()
            .and_then(|p| KeyPattern::parse(p).ok()),
        expires_at: record.expires_at,
    }))
}

/// Like [`authenticate`], but a token is required.
pub async fn require(state: &AppState, headers: &HeaderMap) -> Result<Caller, AppError> {
    authenticate(state, headers).await?.ok_or_else(|| {
        AppError::Unauthorized(
            "This call needs a personal token: send \"Authorization: Bearer kkt_…\"; create one on your account page (/account/tokens).".into(),
        )
    })
}
