//! Event delivery (SPEC §6): delivery states, how an attempt's answer is judged, the retry
//! schedule, and what the delivery console shows.

use serde::{Deserialize, Serialize};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a worker, which is sending it.
    Sending,
    /// The extension answered 2xx.
    Delivered,
    /// Given up: a final answer, or every retry used.
    Failed,
}

impl DeliveryState {
    /// Every state, in the console's filter order.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Sending, Self::Delivered, Self::Failed];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored state.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Sending => "Sending",
            Self::Delivered => "Delivered",
            Self::Failed => "Failed",
        }
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 2xx.
    Delivered,
    /// 408, 425, 429, 5xx, a timeout or a connection error: tried again later.
    Retry,
    /// Any other answer: not tried again.
    Failed,
    /// 410: the extension is gone; its installation stops receiving events.
    Gone,
}

impl Outcome {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry => "retry",
            Self::Failed => "failed",
            Self::Gone => "gone",
        }
    }

    /// Parses a stored outcome.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Delivered, Self::Retry, Self::Failed, Self::Gone]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// Judges an HTTP status; `None` is a timeout or connection error.
    pub fn of_status(status: Option<u16>) -> Self {
        match status {
            None => Self::Retry,
            Some(s) if (200..300).contains(&s) => Self::Delivered,
            Some(410) => Self::Gone,
            Some(408 | 425 | 429) => Self::Retry,
            Some(s) if s >= 500 => Self::Retry,
            Some(_) => Self::Failed,
        }
    }
}

/// Delays after the first attempt, in seconds: 30 s, 1 min, 5 min, 30 min, 2 h, 8 h, 24 h.
pub const RETRY_SCHEDULE_S: [i64; 7] = [30, 60, 300, 1_800, 7_200, 28_800, 86_400];

/// The longest `Retry-After` honoured, in seconds.
pub const MAX_RETRY_AFTER_S: i64 = 86_400;

/// How long after attempt number `attempt` (1 = the first) failed the next one is due, in
/// milliseconds, or `None` when no retry is left. `max_retries` caps the schedule (a hook's
/// `retries`); `jitter` in `[-1, 1]` spreads the delay by up to ±20 %; a `Retry-After` (seconds)
/// longer than the scheduled delay is honoured.
pub fn retry_delay_ms(
    attempt: u32,
    max_retries: u32,
    retry_after_s: Option<u64>,
    jitter: f64,
) -> Option<i64> {
    let retry = attempt.max(1) as usize; // the retry that comes next: 1-based
    if retry > (max_retries as usize).min(RETRY_SCHEDULE_S.len()) {
        return None;
    }
    let base = RETRY_SCHEDULE_S[retry - 1] as f64 * 1000.0;
    let jittered = (base * (1.0 + 0.2 * jitter.clamp(-1.0, 1.0))).round() as i64;
    let asked = retry_after_s
        .map(|s| (s as i64).min(MAX_RETRY_AFTER_S) * 1000)
        .unwrap_or(0);
    Some(jittered.max(asked))
}

/// A delivery as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    /// `dlv_…`.
    pub id: String,
    /// `evt_…`.
    pub event_id: String,
    /// Event name.
    pub event: String,
    /// Where the event came from: api, test or platform.
    pub source: String,
    /// State.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: i64,
    /// Status of the last answer.
    pub last_status: Option<i64>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// When the next attempt is due (pending), unix ms.
    pub next_attempt_at: Option<i64>,
    /// The delivery this one re-sends.
    pub redelivery_of: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Delivered or given up, unix ms.
    pub completed_at: Option<i64>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    /// 1 for the first.
    pub number: i64,
    /// Started, unix ms.
    pub started_at: i64,
    /// Milliseconds until the answer (or the error).
    pub duration_ms: i64,
    /// HTTP status, when there was an answer.
    pub status: Option<i64>,
    /// What it came to.
    pub outcome: Outcome,
    /// Headers sent, signatures left out.
    pub request_headers: Vec<(String, String)>,
    /// The answer's first 4 KB.
    pub response_body: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
}

/// A delivery with its attempts and the event it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryDetail {
    /// The delivery.
    pub delivery: DeliveryRow,
    /// Where it is sent.
    pub url: String,
    /// The event's data, pretty-printed JSON.
    pub data: String,
    /// Attempts, first first.
    pub attempts: Vec<AttemptView>,
}

/// The window of the success-rate chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChartWindow {
    /// Last 24 hours, by hour.
    #[default]
    Day,
    /// Last 7 days, by day.
    Week,
}

impl ChartWindow {
    /// As in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "24h",
            Self::Week => "7d",
        }
    }

    /// Parses a URL value (anything else is the day).
    pub fn parse(s: &str) -> Self {
        if s == "7d" {
            Self::Week
        } else {
            Self::Day
        }
    }

    /// Length of one bar, ms.
    pub fn bucket_ms(self) -> i64 {
        match self {
            Self::Day => 3_600_000,
            Self::Week => 86_400_000,
        }
    }

    /// Number of bars.
    pub fn buckets(self) -> usize {
        match self {
            Self::Day => 24,
            Self::Week => 7,
        }
    }
}

/// Attempts in one bar of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartBucket {
    /// Start of the bar, unix ms.
    pub start: i64,
    /// Attempts answered 2xx.
    pub delivered: i64,
    /// Other attempts.
    pub failed: i64,
}

impl ChartBucket {
    /// Share of successful attempts, 0..=1 (none when there were no attempts).
    pub fn rate(&self) -> Option<f64> {
        let total = self.delivered + self.failed;
        (total > 0).then(|| self.delivered as f64 / total as f64)
    }
}

/// Puts attempts `(started_at, delivered?)` into the window's bars ending at `now`.
pub fn chart(window: ChartWindow, now: i64, attempts: &[(i64, bool)]) -> Vec<ChartBucket> {
    let size = window.bucket_ms();
    let n = window.buckets();
    let end = (now / size + 1) * size;
    let start = end - size * n as i64;
    let mut out: Vec<ChartBucket> = (0..n)
        .map(|i| ChartBucket {
            start: start + size * i as i64,
            delivered: 0,
            failed: 0,
        })
        .collect();
    for &(at, ok) in attempts {
        if at < start || at >= end {
            continue;
        }
        let bucket = &mut out[((at - start) / size) as usize];
        if ok {
            bucket.delivered += 1;
        } else {
            bucket.failed += 1;
        }
    }
    out
}

/// A page of an installation's delivery console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryConsole {
    /// Deliveries of this page, newest first.
    pub rows: Vec<DeliveryRow>,
    /// Deliveries matching the filters.
    pub total: i64,
    /// 1-based page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Event names seen, for the filter.
    pub events: Vec<String>,
    /// Events the installation can be sent as a test.
    pub test_events: Vec<String>,
    /// The chart's bars.
    pub chart: Vec<ChartBucket>,
    /// The chart's window.
    pub window: ChartWindow,
    /// Whether the installation is enabled.
    pub enabled: bool,
}

impl DeliveryConsole {
    /// Number of pages (at least one).
    pub fn pages(&self) -> u32 {
        let per = self.per_page.max(1) as i64;
        (((self.total + per - 1) / per).max(1)) as u32
    }
}

/// An organization token as listed on the organization page (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgToken {
    /// Id.
    pub id: String,
    /// Name given at creation.
    pub name: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Who created it.
    pub created_by: Option<String>,
    /// Last used, unix ms.
    pub last_used_at: Option<i64>,
    /// Revoked, unix ms.
    pub revoked_at: Option<i64>,
}

/// The scope that lets a token post events.
pub const EVENTS_WRITE: &str = "events:write";

/// Prefix of organization tokens.
pub const ORG_TOKEN_PREFIX: &str = "kko_";

/// Lifecycle events the platform emits itself.
pub const LIFECYCLE_EVENTS: [&str; 7] = [
    "extension.installed",
    "extension.configured",
    "extension.upgraded",
    "extension.enabled",
    "extension.disabled",
    "extension.uninstalled",
    "extension.ping",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Some(200), Outcome::Delivered)]
    #[case(Some(204), Outcome::Delivered)]
    #[case(Some(410), Outcome::Gone)]
    #[case(Some(408), Outcome::Retry)]
    #[case(Some(425), Outcome::Retry)]
    #[case(Some(429), Outcome::Retry)]
    #[case(Some(500), Outcome::Retry)]
    #[case(Some(503), Outcome::Retry)]
    #[case(None, Outcome::Retry)]
    #[case(Some(400), Outcome::Failed)]
    #[case(Some(401), Outcome::Failed)]
    #[case(Some(404), Outcome::Failed)]
    #[case(Some(301), Outcome::Failed)]
    fn answers_are_judged_as_the_contract_says(
        #[case] status: Option<u16>,
        #[case] expected: Outcome,
    ) {
        assert_eq!(Outcome::of_status(status), expected);
    }

    #[test]
    fn the_schedule_runs_thirty_seconds_to_a_day_then_stops() {
        let delays: Vec<Option<i64>> = (1..=8).map(|a| retry_delay_ms(a, 7, None, 0.0)).collect();
        assert_eq!(
            delays,
            vec![
                Some(30_000),
                Some(60_000),
                Some(300_000),
                Some(1_800_000),
                Some(7_200_000),
                Some(28_800_000),
                Some(86_400_000),
                None
            ]
        );
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        assert_eq!(retry_delay_ms(1, 7, None, 1.0), Some(36_000));
        assert_eq!(retry_delay_ms(1, 7, None, -1.0), Some(24_000));
        assert_eq!(retry_delay_ms(1, 7, None, 5.0), Some(36_000));
    }

    #[test]
    fn a_hook_cap_ends_retries_sooner() {
        assert_eq!(retry_delay_ms(1, 0, None, 0.0), None);
        assert_eq!(retry_delay_ms(2, 2, None, 0.0), Some(60_000));
        assert_eq!(retry_delay_ms(3, 2, None, 0.0), None);
        // A cap above the schedule's length is the schedule's length.
        assert_eq!(retry_delay_ms(8, 20, None, 0.0), None);
    }

    #[test]
    fn retry_after_is_honoured_when_longer() {
        assert_eq!(retry_delay_ms(1, 7, Some(120), 0.0), Some(120_000));
        assert_eq!(retry_delay_ms(1, 7, Some(5), 0.0), Some(30_000));
        assert_eq!(
            retry_delay_ms(1, 7, Some(10_000_000), 0.0),
            Some(86_400_000)
        );
    }

    #[test]
    fn the_chart_puts_attempts_in_their_hour() {
        let hour = 3_600_000;
        let now = 100 * hour + 10;
        let bars = chart(
            ChartWindow::Day,
            now,
            &[
                (now, true),
                (now - hour, false),
                (now - hour, true),
                (now - 30 * hour, true),
            ],
        );
        assert_eq!(bars.len(), 24);
        assert_eq!(bars[23].start, 100 * hour);
        assert_eq!((bars[23].delivered, bars[23].failed), (1, 0));
        assert_eq!((bars[22].delivered, bars[22].failed), (1, 1));
        assert_eq!(bars[22].rate(), Some(0.5));
        assert_eq!(bars[0].rate(), None);
        assert_eq!(bars.iter().map(|b| b.delivered + b.failed).sum::<i64>(), 3);
    }

    #[test]
    fn states_round_trip() {
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
        assert_eq!(Outcome::parse("gone"), Some(Outcome::Gone));
    }
}
