//! Version transitions (SPEC §7): the one service behind the review page's buttons and the REST
//! API's yank and un-yank. Every transition goes through `model::review::decide`.

use crate::error::AppError;
use crate::model::review::{decide, Action};
use crate::server::db::{publishers, review, users::UserRecord, Db};

/// Takes `action` on `key`@`version` as `user`. Versions of publishers the user is not a member
/// of do not exist for them, unless they are a marketplace admin.
pub async fn act(
    db: &Db,
    user: &UserRecord,
    key: &str,
    version: &str,
    action: Action,
    message: &str,
) -> Result<(), AppError> {
    let not_found = || AppError::NotFound(format!("{key} has no version {version}."));
    let target = review::find(&db.pool, key, version)
        .await?
        .ok_or_else(not_found)?;
    let member = publishers::role_of(&db.pool, &target.publisher_id, &user.id)
        .await?
        .is_some();
    if !member && !user.is_admin {
        // Unpublished versions are not the caller's business.
        return Err(not_found());
    }
    let to = decide(target.standing, action, user.is_admin, member, message)?;
    let applied = review::apply(
        &db.pool, &target, key, version, to, action, &user.id, message,
    )
    .await?;
    if !applied {
        return Err(AppError::Conflict(
            "Someone else changed this version meanwhile; reload to see where it stands.".into(),
        ));
    }
    Ok(())
}
