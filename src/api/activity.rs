//! Notifications and the audit log: what happened, for the people it concerns.

use crate::error::AppError;
use crate::model::audit::AuditPage;
use crate::model::notification::Notifications;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, is_form_post},
    crate::model::audit::AuditEntry,
    crate::server::auth,
    crate::server::db::{audit, notifications, publishers},
};

/// Entries per audit page.
pub const AUDIT_PAGE: usize = 50;

/// The caller's latest notifications and unread count.
#[server(endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<Notifications, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (items, unread) = notifications::for_user(&state.db.pool, &user.id, 50).await?;
        Ok(Notifications { items, unread })
    }
    .await;
    answer(result)
}

/// How many notifications the caller has not read (0 for visitors: the header asks on every page).
#[server(endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<u32, AppError> {
    let (state, session) = context().await?;
    let result = async {
        match auth::current_user(&state.db, &session).await? {
            Some(user) => Ok(notifications::unread(&state.db.pool, &user.id).await?),
            None => Ok(0),
        }
    }
    .await;
    answer(result)
}

/// Marks all of the caller's notifications read.
#[server(endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        notifications::mark_all_read(&state.db.pool, &user.id).await?;
        Ok(())
    }
    .await;
    if result.is_ok() && is_form_post() {
        leptos_axum::redirect("/notifications");
    }
    answer(result)
}

/// The audit log, newest first: everything for marketplace admins; with `publisher`, the entries
/// about that publisher, for its members (and admins). Entries are only ever appended.
#[server(endpoint = "list_audit")]
pub async fn list_audit(
    #[server(default)] publisher: String,
    #[server(default)] action: String,
    #[server(default)] before: String,
) -> Result<AuditPage, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let publisher_id = if publisher.is_empty() {
            if !user.is_admin {
                return Err(AppError::Forbidden(
                    "Only marketplace admins can read the whole audit log.".into(),
                ));
            }
            None
        } else {
            let p = publishers::find_by_slug(&state.db.pool, &publisher)
                .await?
                .ok_or_else(|| AppError::NotFound("No such publisher.".into()))?;
            let member = publishers::role_of(&state.db.pool, &p.id, &user.id)
                .await?
                .is_some();
            if !member && !user.is_admin {
                return Err(AppError::Forbidden(
                    "Only members of this publisher can read its audit log.".into(),
                ));
            }
            Some(p.id)
        };
        let filter = audit::Filter {
            publisher_id: publisher_id.as_deref(),
            action_prefix: Some(action.as_str()).filter(|a| !a.is_empty()),
            target_kind: None,
            // `AT:ID` of the last entry of the previous page.
            before: before
                .split_once(':')
                .and_then(|(at, id)| Some((at.parse().ok()?, id.to_string()))),
        };
        let rows = audit::list(&state.db.pool, &filter, AUDIT_PAGE as i64 + 1).await?;
        let more = rows.len() > AUDIT_PAGE;
        let next_before = more
            .then(|| {
                rows.get(AUDIT_PAGE - 1)
                    .map(|r| format!("{}:{}", r.at, r.id))
            })
            .flatten();
        let entries: Vec<AuditEntry> = rows
            .into_iter()
            .take(AUDIT_PAGE)
            .map(|r| AuditEntry {
                at: r.at,
                actor: r.actor,
                action: r.action,
                target_kind: r.target_kind,
                target_id: r.target_id,
                detail: r.detail,
            })
            .collect();
        Ok(AuditPage {
            next_before,
            entries,
        })
    }
    .await;
    answer(result)
}
