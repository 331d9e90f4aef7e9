//! Manifests: the server side of the validate page (the browser runs the same lint itself).

use crate::error::AppError;
use crate::model::manifest::Lint;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::support::{answer, context, keep_input},
    crate::model::manifest::{lint, yaml::MAX_BYTES},
};

/// Lints a manifest. A plain form post keeps the text so the page shows it with its diagnostics.
#[server(endpoint = "validate_manifest")]
pub async fn validate_manifest(source: String) -> Result<Lint, AppError> {
    let (_, session) = context().await?;
    let result = if source.len() > MAX_BYTES {
        Err(AppError::field(
            "source",
            format!(
                "The manifest is {} KB; the limit is {} KB.",
                source.len() / 1024,
                MAX_BYTES / 1024
            ),
        ))
    } else {
        keep_input(&session, "validate", &[("source", source.as_str())]).await;
        Ok(lint(&source))
    };
    answer(result)
}
