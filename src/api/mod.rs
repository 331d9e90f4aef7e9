//! Server fns grouped by capability. Each is thin: read the state and session, check the role, call
//! `server::`, return a DTO. No SQL here.

pub mod activity;
pub mod admin;
pub mod auth;
pub mod catalog;
pub mod deliveries;
pub mod extensions;
pub mod installs;
pub mod manifests;
pub mod orgs;
pub mod publishers;
pub mod review;
pub mod tokens;

#[cfg(feature = "ssr")]
pub(crate) mod support {
    //! What every server fn needs: the state, the session, and error answers that suit both a
    //! JavaScript caller and a plain form post.

    use crate::error::AppError;
    use crate::server::state::AppState;
    use leptos::prelude::*;
    use tower_sessions::Session;

    /// The application state and the caller's session.
    pub async fn context() -> Result<(AppState, Session), AppError> {
        let state = use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server fn context");
            AppError::Internal
        })?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::Internal
        })?;
        Ok((state, session))
    }

    /// Whether the request is a plain HTML form post (no JavaScript): such callers are answered
    /// with a redirect back to the form, never with an error status.
    pub fn is_form_post() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Sets the HTTP status of an error answer for JavaScript callers, then hands the result back.
    pub fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(err) = &result {
            if !is_form_post() {
                if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(
                        http::StatusCode::from_u16(err.status_code())
                            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
                    );
                }
            }
        }
        result
    }

    const KEPT: &str = "kept_input";

    /// Keeps what a plain form post typed (never passwords) so the form can show it again after
    /// the redirect that reports the error.
    pub async fn keep_input(session: &Session, form: &str, values: &[(&str, &str)]) {
        if !is_form_post() {
            return;
        }
        let map: std::collections::BTreeMap<String, String> = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let kept = serde_json::json!({ "form": form, "values": map });
        if let Err(e) = session.insert(KEPT, kept).await {
            tracing::warn!(error = %e, "could not keep form input");
        }
    }

    /// Takes the input kept for `form`, if the last plain form post was that form.
    pub async fn take_kept_input(
        session: &Session,
        form: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, AppError> {
        let kept: Option<serde_json::Value> = session.get(KEPT).await?;
        match kept {
            Some(v) if v.get("form").and_then(|f| f.as_str()) == Some(form) => {
                session.remove_value(KEPT).await?;
                Ok(serde_json::from_value(v["values"].clone()).unwrap_or_default())
            }
            _ => Ok(Default::default()),
        }
    }

    /// A redirect target that stays on this site: a path, never `//host` or a full URL.
    pub fn safe_next(next: Option<&str>) -> String {
        match next {
            // Printable ASCII only: the target becomes a Location header.
            Some(n)
                if n.starts_with('/')
                    && !n.starts_with("//")
                    && !n.contains('\\')
                    && n.chars().all(|c| c.is_ascii_graphic()) =>
            {
                n.to_string()
            }
            _ => "/".to_string(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::safe_next;

        #[rstest::rstest]
        #[case(Some("/account"), "/account")]
        #[case(Some("/extensions?q=a"), "/extensions?q=a")]
        #[case(Some("//evil.example"), "/")]
        #[case(Some("https://evil.example"), "/")]
        #[case(Some("/\\evil.example"), "/")]
        #[case(Some("/a\r\nSet-Cookie: x=1"), "/")]
        #[case(Some("/caf\u{e9}"), "/")]
        #[case(None, "/")]
        fn redirects_stay_on_site(#[case] next: Option<&str>, #[case] expected: &str) {
            assert_eq!(safe_next(next), expected);
        }
    }
}
