//! Event delivery for organization admins: an installation's delivery console, redelivery, test
//! events, and the organization tokens that post events. Members and everyone else are refused.

use crate::error::AppError;
use crate::model::delivery::{DeliveryConsole, DeliveryDetail, OrgToken};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::orgs::require_org_admin,
    super::support::{answer, context},
    crate::model::delivery::ChartWindow,
    crate::server::auth,
    crate::server::db::deliveries::Filter,
    crate::server::db::organizations::OrgRecord,
    crate::server::db::{users, Db},
    crate::server::delivery::console,
    crate::server::install::{self, Setup},
    crate::server::state::AppState,
};

#[cfg(feature = "ssr")]
async fn admin_of(db: &Db, user: &users::UserRecord, slug: &str) -> Result<OrgRecord, AppError> {
    require_org_admin(
        db,
        user,
        slug,
        "see and send this installation's deliveries",
    )
    .await
}

#[cfg(feature = "ssr")]
async fn installation_of_admin(
    org: &str,
    id: &str,
) -> Result<(AppState, users::UserRecord, Setup), AppError> {
    let (state, session) = context().await?;
    let user = auth::require_user(&state.db, &session).await?;
    let organization = admin_of(&state.db, &user, org).await?;
    let setup = install::load(&state, &organization, id).await?;
    Ok((state, user, setup))
}

#[cfg(feature = "ssr")]
fn console_path(setup: &Setup) -> String {
    format!("{}/deliveries", setup.path())
}

/// An installation's delivery console: deliveries filtered by `state` and `event`, a page of
/// them, and the success-rate chart over `window` (`24h` or `7d`).
#[server(endpoint = "get_delivery_console")]
pub async fn get_delivery_console(
    org: String,
    id: String,
    state: Option<String>,
    event: Option<String>,
    page: Option<u32>,
    window: Option<String>,
) -> Result<DeliveryConsole, AppError> {
    let result = async {
        let (app, _, setup) = installation_of_admin(&org, &id).await?;
        let filter = Filter {
            state: console::parse_state(state.as_deref())?,
            event: event
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty()),
        };
        let window = ChartWindow::parse(window.as_deref().unwrap_or_default());
        console::console(&app, &setup, &filter, page.unwrap_or(1), window).await
    }
    .await;
    answer(result)
}

/// One delivery of an installation with its attempts.
#[server(endpoint = "get_delivery")]
pub async fn get_delivery(
    org: String,
    id: String,
    delivery: String,
) -> Result<DeliveryDetail, AppError> {
    let result = async {
        let (app, _, setup) = installation_of_admin(&org, &id).await?;
        console::detail(&app, &setup, &delivery).await
    }
    .await;
    answer(result)
}

/// Sends a delivery again as a new delivery, then shows the new one.
#[server(endpoint = "redeliver")]
pub async fn redeliver(org: String, id: String, delivery: String) -> Result<(), AppError> {
    let result = async {
        let (app, user, setup) = installation_of_admin(&org, &id).await?;
        let new = console::redeliver(&app, &user.id, &setup, &delivery).await?;
        leptos_axum::redirect(&format!("{}/{new}", console_path(&setup)));
        Ok(())
    }
    .await;
    answer(result)
}

/// Sends again every failed delivery since `since` (`YYYY-MM-DDTHH:MM`, UTC).
#[server(endpoint = "redeliver_failed")]
pub async fn redeliver_failed(org: String, id: String, since: String) -> Result<usize, AppError> {
    let result = async {
        let (app, user, setup) = installation_of_admin(&org, &id).await?;
        let since = console::parse_since(&since)?;
        let n = console::redeliver_failed_since(&app, &user.id, &setup, since).await?;
        leptos_axum::redirect(&format!("{}?state=pending", console_path(&setup)));
        Ok(n)
    }
    .await;
    answer(result)
}

/// Sends the installation a test event it subscribed to, then opens the console.
#[server(endpoint = "send_test_event")]
pub async fn send_test_event(org: String, id: String, event: String) -> Result<(), AppError> {
    let result = async {
        let (app, user, setup) = installation_of_admin(&org, &id).await?;
        console::send_test(&app, &user.id, &setup, &event).await?;
        leptos_axum::redirect(&console_path(&setup));
        Ok(())
    }
    .await;
    answer(result)
}

/// The organization's tokens and, once, the token its caller just created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPage {
    /// Organization (slug, name).
    pub org: (String, String),
    /// Its tokens.
    pub tokens: Vec<OrgToken>,
    /// (name, token) of the token just created, shown this once.
    pub created: Option<(String, String)>,
    /// The marketplace's public URL (for the example request).
    pub public_url: String,
}

/// The tokens page (admins).
#[server(endpoint = "get_org_tokens")]
pub async fn get_org_tokens(org: String) -> Result<TokenPage, AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = require_org_admin(&state.db, &user, &org, "manage tokens").await?;
        let created = console::reveal_new_token(&state, &organization, &user.id).await?;
        Ok(TokenPage {
            org: (organization.slug.clone(), organization.name.clone()),
            tokens: console::tokens(&state, &organization).await?,
            created,
            public_url: state.config.public_url.clone(),
        })
    }
    .await;
    answer(result)
}

/// Creates an organization token (admins); the tokens page shows it once.
#[server(endpoint = "create_org_token")]
pub async fn create_org_token(org: String, name: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = require_org_admin(&state.db, &user, &org, "manage tokens").await?;
        console::create_token(&state, &user.id, &organization, &name).await?;
        Ok(())
    }
    .await;
    answer(result)
}

/// Revokes an organization token (admins).
#[server(endpoint = "revoke_org_token")]
pub async fn revoke_org_token(org: String, token: String) -> Result<(), AppError> {
    let (state, session) = context().await?;
    let result = async {
        let user = auth::require_user(&state.db, &session).await?;
        let organization = require_org_admin(&state.db, &user, &org, "manage tokens").await?;
        console::revoke_token(&state, &user.id, &organization, &token).await?;
        Ok(())
    }
    .await;
    answer(result)
}
