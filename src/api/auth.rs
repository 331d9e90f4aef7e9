//! Accounts: sign up, sign in, sign out, change password, and who is signed in.

use crate::error::AppError;
use crate::model::account::CurrentUser;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, keep_input, safe_next, take_kept_input},
    crate::model::account::{check_new_password, DisplayName, Email},
    crate::server::auth,
    secrecy::SecretString,
};

/// Creates an account and signs it in.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let email = Email::parse(&email)?;
        let display_name = DisplayName::parse(&display_name)?;
        check_new_password("password", &password)?;
        let user = auth::register(
            &state.db,
            &email,
            &display_name,
            SecretString::from(password),
            false,
        )
        .await?;
        auth::start_session(&session, &user).await?;
        leptos_axum::redirect("/account?welcome=1");
        Ok(())
    }
    .await;
    if result.is_err() {
        keep_input(
            &session,
            "sign_up",
            &[
                ("email", email.as_str()),
                ("display_name", display_name.as_str()),
            ],
        )
        .await;
    }
    answer(result)
}

/// Signs in with email and password, then goes to `next` (a path on this site).
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::authenticate(&state.db, &email, SecretString::from(password)).await?;
        auth::start_session(&session, &user).await?;
        tracing::info!(user_id = %user.id, "signed in");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    }
    .await;
    if result.is_err() {
        let next = next.clone().unwrap_or_default();
        keep_input(
            &session,
            "sign_in",
            &[("email", email.as_str()), ("next", &next)],
        )
        .await;
    }
    answer(result)
}

/// Signs out and returns to the catalog.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let (_, session) = context().await?;
    let result = auth::end_session(&session).await;
    if result.is_ok() {
        leptos_axum::redirect("/");
    }
    answer(result)
}

/// Changes the signed-in user's password; every other session of the user ends.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        check_new_password("new_password", &new_password)?;
        let ok = auth::verify_password(
            SecretString::from(current_password),
            Some(user.password_hash.clone()),
        )
        .await?;
        if !ok {
            return Err(AppError::field(
                "current_password",
                "This is not your current password.",
            ));
        }
        let hash = auth::hash_password(SecretString::from(new_password)).await?;
        let epoch = crate::server::db::users::set_password(&state.db.pool, &user.id, &hash).await?;
        crate::server::db::audit::record(
            &state.db.pool,
            crate::server::db::audit::Entry::new(
                Some(&user.id),
                "user.password_changed",
                "user",
                &user.id,
            ),
        )
        .await?;
        auth::refresh_epoch(&session, epoch).await?;
        leptos_axum::redirect("/account?password=changed");
        Ok(())
    }
    .await;
    answer(result)
}

/// The signed-in user, if any.
#[server(endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let (state, session) = context().await?;
    let result = auth::current_user(&state.db, &session)
        .await
        .map(|u| u.as_ref().map(auth::to_current));
    answer(result)
}

/// What the last plain (no-JavaScript) post of `form` typed, so the form can show it again.
#[server(endpoint = "kept_input")]
pub async fn kept_input(form: String) -> Result<BTreeMap<String, String>, AppError> {
    let (_, session) = context().await?;
    answer(take_kept_input(&session, &form).await)
}
