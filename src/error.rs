//! The one error type of the application, shared by server fns, pages and the server.
//!
//! Policy: a variant carries only what may be shown to the person who made the request. Causes that
//! could reveal internals (database errors, I/O, panics) are logged on the server with a request span
//! and replaced by the generic `Internal` message before they leave the process.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Everything that can go wrong for a request, as the requester may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "Wire", from = "Wire")]
pub enum AppError {
    /// The thing asked for does not exist (or the requester may not know that it does).
    #[error("{0}")]
    NotFound(String),
    /// The request needs a signed-in user.
    #[error("{0}")]
    Unauthorized(String),
    /// The signed-in user lacks the role for this.
    #[error("{0}")]
    Forbidden(String),
    /// One input is wrong; `field` names the form field the message belongs next to.
    #[error("{message}")]
    Validation {
        /// Name of the form field (as in the form's `name` attribute).
        field: String,
        /// What is wrong, in words the user understands.
        message: String,
    },
    /// Several inputs are wrong: a message per form field.
    #[error("{}", fields_summary(.0))]
    Fields(std::collections::BTreeMap<String, String>),
    /// The request conflicts with the current state (already exists, already done).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts: the user must wait.
    #[error("{0}")]
    TooManyRequests(String),
    /// A service we depend on is unreachable right now.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on our side; details are in the server log only.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

/// The flat form errors travel in: `{"kind", "message", "field"?}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Wire {
    kind: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fields: Option<std::collections::BTreeMap<String, String>>,
}

fn fields_summary(fields: &std::collections::BTreeMap<String, String>) -> String {
    match fields.len() {
        1 => "One field needs attention.".to_string(),
        n => format!("{n} fields need attention."),
    }
}

impl From<AppError> for Wire {
    fn from(err: AppError) -> Self {
        let message = err.to_string();
        let (kind, field, fields) = match err {
            AppError::Validation { field, .. } => ("validation", Some(field), None),
            AppError::Fields(map) => ("validation", None, Some(map)),
            other => (other.kind(), None, None),
        };
        Wire {
            kind: kind.to_string(),
            message,
            field,
            fields,
        }
    }
}

impl From<Wire> for AppError {
    fn from(w: Wire) -> Self {
        match w.kind.as_str() {
            "not_found" => AppError::NotFound(w.message),
            "unauthorized" => AppError::Unauthorized(w.message),
            "forbidden" => AppError::Forbidden(w.message),
            "validation" if w.fields.is_some() => AppError::Fields(w.fields.unwrap_or_default()),
            "validation" => AppError::Validation {
                field: w.field.unwrap_or_else(|| "form".into()),
                message: w.message,
            },
            "conflict" => AppError::Conflict(w.message),
            "too_many_requests" => AppError::TooManyRequests(w.message),
            "unavailable" => AppError::Unavailable(w.message),
            _ => AppError::Internal,
        }
    }
}

impl AppError {
    /// Stable machine-readable name of the variant.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::Validation { .. } | Self::Fields(_) => "validation",
            Self::Conflict(_) => "conflict",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// A validation error for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotFound(_) => 404,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::Validation { .. } | Self::Fields(_) => 422,
            Self::Conflict(_) => 409,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable(_) => 503,
            Self::Internal => 500,
        }
    }

    /// The message for `field`, when this error belongs to that form field.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            Self::Validation { field, message } if field == name => Some(message.clone()),
            Self::Fields(map) => map.get(name).cloned(),
            _ => None,
        }
    }

    /// The message to show above a form: every error that does not belong to one field.
    pub fn form_message(&self) -> Option<String> {
        match self {
            Self::Validation { .. } => None,
            other => Some(other.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed arguments are the client's fault, and they name the field that failed.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                Self::field("form", "The form was incomplete. Please fill it in again.")
            }
            ServerFnErrorErr::Request(_) => Self::Unavailable(
                "The server could not be reached. Check your connection and try again.".into(),
            ),
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    impl From<sqlx::migrate::MigrateError> for AppError {
        fn from(err: sqlx::migrate::MigrateError) -> Self {
            tracing::error!(error = %err, "migration error");
            AppError::Internal
        }
    }

    impl From<crate::server::secrets::SecretError> for AppError {
        /// Never carries a value: the store's errors name none.
        fn from(err: crate::server::secrets::SecretError) -> Self {
            use crate::server::secrets::SecretError;
            match err {
                SecretError::Conflict => AppError::Conflict(
                    "Someone else changed this secret meanwhile; reload and try again.".into(),
                ),
                SecretError::Db(e) => AppError::from(e),
                SecretError::Crypto(e) => {
                    tracing::error!(error = %e, "secret store refused a stored key or value");
                    AppError::Unavailable(
                        "The secret store cannot use this organization's key. An operator has been told."
                            .into(),
                    )
                }
            }
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(err: tower_sessions::session::Error) -> Self {
            tracing::error!(error = %err, "session store error");
            AppError::Internal
        }
    }

    impl From<tokio::task::JoinError> for AppError {
        fn from(err: tokio::task::JoinError) -> Self {
            tracing::error!(error = %err, "blocking task failed");
            AppError::Internal
        }
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            let status = axum::http::StatusCode::from_u16(self.status_code())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            let field = match &self {
                AppError::Validation { field, .. } => Some(field.clone()),
                _ => None,
            };
            let fields = match &self {
                AppError::Fields(map) => Some(map.clone()),
                _ => None,
            };
            let code = self.kind();
            let body = serde_json::json!({
                "error": { "code": code, "message": self.to_string(), "field": field, "fields": fields }
            });
            (status, axum::Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(AppError::NotFound("x".into()), 404)]
    #[case(AppError::Unauthorized("x".into()), 401)]
    #[case(AppError::Forbidden("x".into()), 403)]
    #[case(AppError::field("email", "bad"), 422)]
    #[case(AppError::Conflict("x".into()), 409)]
    #[case(AppError::TooManyRequests("x".into()), 429)]
    #[case(AppError::Unavailable("x".into()), 503)]
    #[case(AppError::Internal, 500)]
    fn status_codes(#[case] err: AppError, #[case] status: u16) {
        assert_eq!(err.status_code(), status);
    }

    #[test]
    fn field_errors_belong_to_their_field_only() {
        let err = AppError::field("email", "Enter a valid email address.");
        assert_eq!(
            err.for_field("email").as_deref(),
            Some("Enter a valid email address.")
        );
        assert_eq!(err.for_field("password"), None);
        assert_eq!(err.form_message(), None);
    }

    #[rstest]
    #[case(AppError::field("password", "Too short"))]
    #[case(AppError::NotFound("No such extension.".into()))]
    #[case(AppError::Unauthorized("Sign in.".into()))]
    #[case(AppError::Forbidden("Admins only.".into()))]
    #[case(AppError::Conflict("Taken.".into()))]
    #[case(AppError::TooManyRequests("Wait.".into()))]
    #[case(AppError::Unavailable("Down.".into()))]
    #[case(AppError::Internal)]
    fn every_variant_round_trips_through_the_server_fn_encoding(#[case] err: AppError) {
        let back = AppError::de(err.ser());
        assert_eq!(back, err);
    }

    #[test]
    fn errors_travel_flat_with_kind_and_message() {
        let json =
            serde_json::to_value(AppError::TooManyRequests("Wait 3 minutes.".into())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "kind": "too_many_requests", "message": "Wait 3 minutes." })
        );
    }

    #[test]
    fn internal_never_carries_details() {
        let from_fn = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "relation users does not exist".into(),
        ));
        assert_eq!(from_fn, AppError::Internal);
        assert!(!from_fn.to_string().contains("relation"));
    }
}
