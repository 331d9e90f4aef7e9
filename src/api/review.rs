//! Review and lifecycle: the queue for marketplace admins, and the one server fn through which
//! every version transition goes (claim, decide, withdraw, yank, un-yank, revoke).

use crate::error::AppError;
use crate::model::review::ReviewQueue;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, is_form_post, keep_input},
    crate::model::diff,
    crate::model::manifest::Manifest,
    crate::model::review::{Action, ReviewInfo, Standing},
    crate::server::auth,
    crate::server::db::{extensions, review, Db},
};

/// The review side of a stored version, for a viewer who is an admin and/or a member.
#[cfg(feature = "ssr")]
pub(crate) async fn review_info(
    db: &Db,
    key: &str,
    v: &extensions::VersionRecord,
    manifest: &Manifest,
    is_admin: bool,
    is_member: bool,
) -> Result<ReviewInfo, AppError> {
    let pool = &db.pool;
    let history = review::history(pool, &v.id).await?;
    let against = review::previous_published(pool, &v.extension_id, &v.id).await?;
    let diff = match against {
        Some(version) => match extensions::find_version(pool, &v.extension_id, &version).await? {
            Some(old) => match old.manifest.as_ref() {
                Some(old_m) => diff::diff(
                    Some((version.as_str(), old_m, &old.files)),
                    (manifest, &v.files),
                ),
                None => diff::VersionDiff::default(),
            },
            None => diff::VersionDiff::default(),
        },
        None => diff::VersionDiff::default(),
    };
    let waiting = matches!(
        v.summary.state,
        crate::model::extension::VersionState::Submitted
            | crate::model::extension::VersionState::InReview
    );
    let queue_position = if waiting {
        let queue = review::queue(pool).await?;
        queue
            .iter()
            .position(|q| q.key == key && q.version == v.summary.version)
            .map(|p| p + 1)
    } else {
        None
    };
    Ok(ReviewInfo {
        standing: Standing {
            state: v.summary.state,
            yanked: v.review.yanked_at.is_some(),
            revoked: v.review.revoked_at.is_some(),
        },
        reviewer: v.review.reviewer.clone(),
        review_message: v.review.review_message.clone(),
        yank_reason: v.review.yank_reason.clone(),
        revoke_reason: v.review.revoke_reason.clone(),
        history,
        diff,
        queue_position,
        median_review_ms: review::median_review_ms(pool, 30).await?,
        can_review: is_admin,
        can_manage: is_member,
    })
}

/// Versions waiting for review, oldest first (marketplace admins).
#[server(endpoint = "get_review_queue")]
pub async fn get_review_queue() -> Result<ReviewQueue, AppError> {
    let (state, session) = context().await?;
    let result = async {
        auth::require_admin(&state.db, &session).await?;
        Ok(ReviewQueue {
            items: review::queue(&state.db.pool).await?,
            median_review_ms: review::median_review_ms(&state.db.pool, 30).await?,
        })
    }
    .await;
    answer(result)
}

/// Takes `action` on a version: every transition of SPEC §7 goes through here and
/// `model::review::decide`. `back` is where a plain form post returns to.
#[server(endpoint = "act_on_version")]
pub async fn act_on_version(
    key: String,
    version: String,
    action: String,
    #[server(default)] message: String,
    #[server(default)] back: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let form = format!("review:{key}:{version}");
    keep_input(
        &session,
        &form,
        &[("message", &message), ("action", &action)],
    )
    .await;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let action =
            Action::parse(&action).ok_or_else(|| AppError::field("action", "Choose an action."))?;
        crate::server::lifecycle::act(&state.db, &user, &key, &version, action, &message).await?;
        super::support::take_kept_input(&session, &form).await?;
        Ok(())
    }
    .await;
    if result.is_ok() && is_form_post() {
        let back = super::support::safe_next(Some(&back));
        leptos_axum::redirect(&back);
    }
    answer(result)
}
