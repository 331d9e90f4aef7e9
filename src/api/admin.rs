//! Marketplace administration: the users list and the admin role.

use crate::error::AppError;
use crate::model::account::UserSummary;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context},
    crate::server::auth,
    crate::server::db::{audit, users},
};

/// Users, by email (marketplace admins only).
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    let (state, session) = context().await?;
    let result = async {
        auth::require_admin(&state.db, &session).await?;
        Ok(users::list(&state.db.pool, 500, 0).await?)
    }
    .await;
    answer(result)
}

/// Grants (`admin = true`) or withdraws the marketplace admin role (marketplace admins only).
#[server(endpoint = "set_user_admin")]
pub async fn set_user_admin(user_id: String, admin: bool) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let me = auth::require_admin(&state.db, &session).await?;
        if me.id == user_id && !admin {
            return Err(AppError::Conflict(
                "You cannot remove your own admin role. Ask another admin to do it.".into(),
            ));
        }
        if !users::set_admin(&state.db.pool, &user_id, admin).await? {
            return Err(AppError::NotFound("No such user.".into()));
        }
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&me.id),
                if admin {
                    "user.admin_granted"
                } else {
                    "user.admin_revoked"
                },
                "user",
                &user_id,
            ),
        )
        .await?;
        Ok(())
    }
    .await;
    answer(result)
}
