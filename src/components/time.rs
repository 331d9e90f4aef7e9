//! Times as people read them: one format everywhere, in UTC, with a machine-readable `datetime`.

use leptos::prelude::*;

/// `2026-11-27 14:05 UTC` for a unix time in milliseconds.
pub fn format_ms(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// A `<time>` element for a unix time in milliseconds.
#[component]
pub fn When(ms: i64) -> impl IntoView {
    let iso = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    view! { <time datetime=iso>{format_ms(ms)}</time> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_utc() {
        assert_eq!(super::format_ms(1_795_000_000_000), "2026-11-18 11:06 UTC");
    }
}
