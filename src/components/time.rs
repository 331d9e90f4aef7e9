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

/// `2026-11-27T14:05:00Z` (RFC 3339) for a unix time in milliseconds.
pub fn rfc3339_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A `<time>` element for a unix time in milliseconds.
#[component]
pub fn When(ms: i64) -> impl IntoView {
    let iso = rfc3339_ms(ms);
    view! { <time datetime=iso>{format_ms(ms)}</time> }
}

/// Now, as unix milliseconds (server clock when rendering, browser clock when hydrated).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}

/// A span of time for people: `3 min`, `5 h`, `2 days`.
pub fn duration(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "under a minute".into(),
        1..=59 => format!("{minutes} min"),
        60..=2879 => format!("{} h", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(30_000), "under a minute");
        assert_eq!(super::duration(5 * 60_000), "5 min");
        assert_eq!(super::duration(3 * 3_600_000), "3 h");
        assert_eq!(super::duration(3 * 86_400_000), "3 days");
    }

    #[test]
    fn formats_in_utc() {
        assert_eq!(super::format_ms(1_795_000_000_000), "2026-11-18 11:06 UTC");
    }
}
