//! Publishers: create one, see yours, manage members, verify (marketplace admins).

use crate::error::AppError;
use crate::model::publisher::{PublisherDetail, PublisherSummary};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, keep_input},
    crate::model::account::{DisplayName, Email},
    crate::model::publisher::{PublisherRole, PublisherSlug},
    crate::server::auth,
    crate::server::db::{audit, publishers, publishers::ChangeError, users, Db},
};

#[cfg(feature = "ssr")]
fn change_error(e: ChangeError) -> AppError {
    match e {
        ChangeError::SlugTaken => AppError::field("slug", "This slug is taken. Choose another."),
        ChangeError::AlreadyMember => AppError::field("email", "This person is already a member."),
        ChangeError::LastOwner => AppError::Conflict(
            "A publisher needs at least one owner: make someone else an owner first.".into(),
        ),
        ChangeError::NotMember => AppError::NotFound("This person is not a member.".into()),
        ChangeError::Db(e) => AppError::from(e),
    }
}

/// The publisher `slug` and the caller's role in it; marketplace admins see every publisher.
#[cfg(feature = "ssr")]
async fn publisher_for(
    db: &Db,
    user: &users::UserRecord,
    slug: &str,
) -> Result<(publishers::PublisherRecord, Option<PublisherRole>), AppError> {
    let publisher = publishers::find_by_slug(&db.pool, slug)
        .await?
        .ok_or_else(|| AppError::NotFound("No such publisher.".into()))?;
    let role = publishers::role_of(&db.pool, &publisher.id, &user.id).await?;
    if role.is_none() && !user.is_admin {
        // Not a member: the publisher's members are not the caller's business.
        return Err(AppError::Forbidden(
            "Only members of this publisher can see this.".into(),
        ));
    }
    Ok((publisher, role))
}

#[cfg(feature = "ssr")]
async fn require_owner(
    db: &Db,
    user: &users::UserRecord,
    slug: &str,
) -> Result<publishers::PublisherRecord, AppError> {
    let (publisher, role) = publisher_for(db, user, slug).await?;
    if role != Some(PublisherRole::Owner) {
        return Err(AppError::Forbidden(
            "Only owners of this publisher can manage its members.".into(),
        ));
    }
    Ok(publisher)
}

/// Creates a publisher; the caller becomes its owner.
#[server(endpoint = "create_publisher")]
pub async fn create_publisher(slug: String, display_name: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let parsed = PublisherSlug::parse(&slug)?;
        let name = DisplayName::parse(&display_name)
            .map_err(|e| AppError::field("display_name", e.to_string()))?;
        let publisher = publishers::create(&state.db.pool, &parsed, name.as_str(), &user.id)
            .await
            .map_err(change_error)?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&user.id),
                "publisher.created",
                "publisher",
                &publisher.id,
            )
            .with(serde_json::json!({ "slug": publisher.slug }))
            .for_publisher(&publisher.id),
        )
        .await?;
        leptos_axum::redirect(&format!("/publishers/{}", publisher.slug));
        Ok(())
    }
    .await;
    if result.is_err() {
        keep_input(
            &session,
            "create_publisher",
            &[("slug", &slug), ("display_name", &display_name)],
        )
        .await;
    }
    answer(result)
}

/// The caller's publishers.
#[server(endpoint = "my_publishers")]
pub async fn my_publishers() -> Result<Vec<PublisherSummary>, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        Ok(publishers::for_user(&state.db.pool, &user.id).await?)
    }
    .await;
    answer(result)
}

/// A publisher with its members (members and marketplace admins).
#[server(endpoint = "get_publisher")]
pub async fn get_publisher(slug: String) -> Result<PublisherDetail, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let (publisher, role) = publisher_for(&state.db, &user, &slug).await?;
        let members = publishers::members(&state.db.pool, &publisher.id).await?;
        Ok(PublisherDetail {
            publisher: PublisherSummary {
                slug: publisher.slug,
                display_name: publisher.display_name,
                verified: publisher.verified,
                role,
            },
            members,
            can_manage: role == Some(PublisherRole::Owner),
            can_verify: user.is_admin,
            suspension: publisher.suspension.clone(),
        })
    }
    .await;
    answer(result)
}

/// Adds an existing user, by email, as owner or maintainer (owners only).
#[server(endpoint = "add_publisher_member")]
pub async fn add_publisher_member(
    slug: String,
    email: String,
    role: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let publisher = require_owner(&state.db, &user, &slug).await?;
        let role = PublisherRole::parse(&role)?;
        let email = Email::parse(&email)?;
        let member = users::find_by_email(&state.db.pool, &email)
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "email",
                    "No account uses this email. Ask them to sign up first.",
                )
            })?;
        publishers::add_member(&state.db.pool, &publisher.id, &member.id, role)
            .await
            .map_err(change_error)?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&user.id),
                "publisher.member_added",
                "publisher",
                &publisher.id,
            )
            .with(serde_json::json!({ "user_id": member.id, "role": role.as_str() }))
            .for_publisher(&publisher.id),
        )
        .await?;
        Ok(())
    }
    .await;
    if result.is_err() {
        keep_input(
            &session,
            "add_member",
            &[("email", &email), ("role", &role)],
        )
        .await;
    }
    answer(result)
}

/// Removes a member (owners only; never the last owner).
#[server(endpoint = "remove_publisher_member")]
pub async fn remove_publisher_member(slug: String, user_id: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let publisher = require_owner(&state.db, &user, &slug).await?;
        publishers::remove_member(&state.db.pool, &publisher.id, &user_id)
            .await
            .map_err(change_error)?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&user.id),
                "publisher.member_removed",
                "publisher",
                &publisher.id,
            )
            .with(serde_json::json!({ "user_id": user_id }))
            .for_publisher(&publisher.id),
        )
        .await?;
        if user_id == user.id {
            leptos_axum::redirect("/publish");
        }
        Ok(())
    }
    .await;
    answer(result)
}

/// Marks a publisher verified or not (marketplace admins only).
#[server(endpoint = "set_publisher_verified")]
pub async fn set_publisher_verified(slug: String, verified: bool) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let admin = auth::require_admin(&state.db, &session).await?;
        let publisher = publishers::find_by_slug(&state.db.pool, &slug)
            .await?
            .ok_or_else(|| AppError::NotFound("No such publisher.".into()))?;
        publishers::set_verified(&state.db.pool, &publisher.id, verified).await?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&admin.id),
                if verified {
                    "publisher.verified"
                } else {
                    "publisher.unverified"
                },
                "publisher",
                &publisher.id,
            )
            .for_publisher(&publisher.id),
        )
        .await?;
        Ok(())
    }
    .await;
    answer(result)
}

/// Suspends a publisher (its listings are hidden; reason required) or reinstates it (marketplace
/// admins only). Its members are notified.
#[server(endpoint = "set_publisher_suspended")]
pub async fn set_publisher_suspended(
    slug: String,
    suspended: bool,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let admin = auth::require_admin(&state.db, &session).await?;
        let publisher = publishers::find_by_slug(&state.db.pool, &slug)
            .await?
            .ok_or_else(|| AppError::NotFound("No such publisher.".into()))?;
        let reason = reason.trim();
        if suspended && reason.is_empty() {
            return Err(AppError::field(
                "reason",
                "Give the reason: the publisher's members will read it.",
            ));
        }
        if reason.chars().count() > 1_000 {
            return Err(AppError::field("reason", "At most 1,000 characters."));
        }
        publishers::set_suspended(&state.db.pool, &publisher.id, suspended.then_some(reason))
            .await?;
        audit::record(
            &state.db.pool,
            audit::Entry::new(
                Some(&admin.id),
                if suspended {
                    "publisher.suspended"
                } else {
                    "publisher.reinstated"
                },
                "publisher",
                &publisher.id,
            )
            .with(serde_json::json!({ "reason": reason }))
            .for_publisher(&publisher.id),
        )
        .await?;
        let text = if suspended {
            format!(
                "{} was suspended by a marketplace admin: “{reason}”. Its listings are hidden.",
                publisher.display_name
            )
        } else {
            format!(
                "{} was reinstated: its listings are visible again.",
                publisher.display_name
            )
        };
        crate::server::db::notifications::to_publisher(
            &state.db.pool,
            &publisher.id,
            &text,
            &format!("/publishers/{}", publisher.slug),
        )
        .await?;
        Ok(())
    }
    .await;
    answer(result)
}
