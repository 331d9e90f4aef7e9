//! Error and status pages that say what happened without showing internals.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the HTTP status of the page being rendered on the server (no-op in the browser).
pub fn set_page_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(code) {
            res.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// A full-page error: a heading for the kind, the message, and a way out.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    set_page_status(error.status_code());
    let heading = match &error {
        AppError::NotFound(_) => "Not found",
        AppError::Unauthorized(_) => "Sign in required",
        AppError::Forbidden(_) => "Not allowed",
        AppError::TooManyRequests(_) => "Slow down",
        AppError::Unavailable(_) => "Unavailable",
        AppError::Validation { .. } | AppError::Fields(_) | AppError::Conflict(_) => {
            "That did not work"
        }
        AppError::Internal => "Something went wrong",
    };
    view! {
        <Title text=heading />
        <section class="page narrow error-page">
            <h1>{heading}</h1>
            <p>{error.to_string()}</p>
            <p>
                <a href="/">"Back to the catalog"</a>
            </p>
        </section>
    }
}
