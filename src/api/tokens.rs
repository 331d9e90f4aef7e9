//! Personal tokens on the account page, and the REST API's reference.

use crate::error::AppError;
use crate::model::api_doc::ApiReference;
use crate::model::token::PersonalTokenPage;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, keep_input, take_kept_input},
    crate::server::auth,
    crate::server::tokens::{self, TokenForm},
};

/// The form's name for what a refused plain post typed.
#[cfg(feature = "ssr")]
const FORM: &str = "personal-token";

/// The caller's tokens and, once, the token just created.
#[server(endpoint = "get_personal_tokens")]
pub async fn get_personal_tokens() -> Result<PersonalTokenPage, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let created = tokens::reveal_new(&state, &user).await?;
        Ok(PersonalTokenPage {
            kept: take_kept_input(&session, FORM).await?,
            tokens: tokens::list(&state, &user).await?,
            created,
            public_url: state.config.public_url.clone(),
            now: crate::server::db::now_ms(),
        })
    }
    .await;
    answer(result)
}

/// Creates a personal token; the tokens page shows it once.
#[server(endpoint = "create_personal_token")]
pub async fn create_personal_token(
    name: String,
    #[server(default)] scopes: Vec<String>,
    #[server(default)] expires_in: String,
    #[server(default)] key_pattern: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    keep_input(
        &session,
        FORM,
        &[
            ("name", &name),
            ("scopes", &scopes.join(",")),
            ("expires_in", &expires_in),
            ("key_pattern", &key_pattern),
        ],
    )
    .await;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        tokens::create(
            &state,
            &user,
            &TokenForm {
                name,
                scopes,
                expires_in,
                key_pattern,
            },
        )
        .await?;
        take_kept_input(&session, FORM).await?;
        Ok(())
    }
    .await;
    answer(result)
}

/// Revokes one of the caller's tokens.
#[server(endpoint = "revoke_personal_token")]
pub async fn revoke_personal_token(token: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        tokens::revoke(&state, &user, &token).await
    }
    .await;
    answer(result)
}

/// The REST API's reference, read from its OpenAPI document.
#[server(endpoint = "get_api_reference")]
pub async fn get_api_reference() -> Result<ApiReference, AppError> {
    let (state, _) = context().await?;
    answer(Ok(crate::server::rest::reference::reference(
        &state.config.public_url,
    )))
}
