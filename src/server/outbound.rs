//! Requests the marketplace sends to extensions, guarded against reaching private networks.
//!
//! Extensions tell us where they run, so a URL from a manifest or a setting could point at the
//! marketplace's own network (a database, a cloud metadata service). Every outbound request goes
//! through [`Outbound`]: host names are resolved by a resolver that drops private, loopback,
//! link-local and metadata addresses, and reqwest connects only to the addresses it returns, so the
//! address checked is the address connected to (a name that resolves differently a second time
//! gains nothing). Literal addresses in URLs are checked the same way. Operators allow-list ranges
//! with `KIKET_ALLOW_PRIVATE_TARGETS` (`loopback`, `private`, or CIDR ranges); development and
//! tests allow loopback. Redirects are never followed, and no proxy is used.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Address ranges outbound requests may reach although they are not public.
#[derive(Debug, Clone, Default)]
pub struct AllowList(Vec<IpNet>);

impl AllowList {
    /// Parses `KIKET_ALLOW_PRIVATE_TARGETS` entries: `loopback`, `private` (RFC 1918 and unique
    /// local ranges), or CIDR ranges and single addresses.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in entries {
            match entry.trim() {
                "loopback" => nets.extend(["127.0.0.0/8", "::1/128"].map(net)),
                "private" => nets
                    .extend(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"].map(net)),
                other => {
                    let parsed = other
                        .parse::<IpNet>()
                        .or_else(|_| other.parse::<IpAddr>().map(IpNet::from))
                        .map_err(|_| {
                            format!(
                                "{other:?} is not an address range: use loopback, private, or a CIDR range such as 10.1.0.0/16"
                            )
                        })?;
                    nets.push(parsed);
                }
            }
        }
        Ok(Self(nets))
    }

    /// Whether `ip` may be connected to: public, or allow-listed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        is_public(ip) || self.0.iter().any(|n| n.contains(&ip))
    }
}

fn net(s: &str) -> IpNet {
    s.parse().expect("a valid built-in range")
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Whether `ip` is an ordinary address on the internet.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16, cloud metadata included
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, fd00:ec2::254 metadata included
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 onto IPv4 space
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4)))
}

/// Why a request was not sent or did not complete. Messages name the target host, never
/// credentials.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL cannot be requested.
    #[error("{0}")]
    BadUrl(String),
    /// The target is a private address and not allow-listed.
    #[error("{0} is a private, loopback or link-local address; the marketplace does not send requests there")]
    Refused(String),
    /// The request timed out.
    #[error("no answer within {0} ms")]
    Timeout(u64),
    /// Connecting or sending failed.
    #[error("{0}")]
    Failed(String),
}

/// Resolves host names, keeping only addresses the allow-list permits.
struct GuardedResolver {
    allow: Arc<AllowList>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow.permits(a.ip()))
                .collect();
            if permitted.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = if found.is_empty() {
                    format!("{host} does not resolve").into()
                } else {
                    Box::new(OutboundError::Refused(host))
                };
                return Err(err);
            }
            let addrs: Addrs = Box::new(permitted.into_iter());
            Ok(addrs)
        })
    }
}

/// The outbound HTTP client.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow: Arc<AllowList>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow", &self.allow)
            .finish()
    }
}

/// What an extension answered.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// `Retry-After`, when given in seconds.
    pub retry_after: Option<u64>,
    /// The first bytes of the body (at most `MAX_ANSWER_BYTES`).
    pub body: Vec<u8>,
    /// How long the request took.
    pub duration: Duration,
}

/// The most of an answer's body that is read.
pub const MAX_ANSWER_BYTES: usize = 4096;

impl Outbound {
    /// A client that may reach public addresses and `allow`.
    pub fn new(allow: AllowList) -> Self {
        let allow = Arc::new(allow);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: allow.clone(),
            }))
            .user_agent(concat!("Kiket-Marketplace/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("the HTTP client's settings are valid");
        Self { client, allow }
    }

    /// Checks that `url` may be requested: http(s), a host, and a permitted literal address.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, OutboundError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| OutboundError::BadUrl(format!("{url} is not a valid URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(OutboundError::BadUrl(format!(
                "{url} is not an http(s) URL"
            )));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(OutboundError::BadUrl(
                "URLs with credentials in them are not requested".into(),
            ));
        }
        let literal = match parsed.host() {
            None => return Err(OutboundError::BadUrl(format!("{url} has no host"))),
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
        };
        if let Some(ip) = literal {
            if !self.allow.permits(ip) {
                return Err(OutboundError::Refused(ip.to_string()));
            }
        }
        Ok(parsed)
    }

    /// POSTs `body` as JSON to `url` with `headers`, waiting at most `timeout`.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Answer, OutboundError> {
        let url = self.check_url(url)?;
        let mut request = self
            .client
            .post(url)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let started = std::time::Instant::now();
        let timeout_ms = timeout.as_millis() as u64;
        let mut response = request.send().await.map_err(|e| describe(e, timeout_ms))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let mut body = Vec::new();
        while body.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_ANSWER_BYTES - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) => break,
                Err(e) => return Err(describe(e, timeout_ms)),
            }
        }
        Ok(Answer {
            status,
            retry_after,
            body,
            duration: started.elapsed(),
        })
    }
}

/// A sentence for a failed request: the guard's refusal when that is the cause.
fn describe(e: reqwest::Error, timeout_ms: u64) -> OutboundError {
    if e.is_timeout() {
        return OutboundError::Timeout(timeout_ms);
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(OutboundError::Refused(host)) = err.downcast_ref::<OutboundError>() {
            return OutboundError::Refused(host.clone());
        }
        source = err.source();
    }
    let what = if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    // reqwest's message names the URL, which carries no credentials (refused above).
    let mut message = what.to_string();
    if let Some(inner) = std::error::Error::source(&e) {
        message.push_str(&format!(": {inner}"));
    }
    OutboundError::Failed(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case("127.0.0.1")]
    #[case("10.0.0.1")]
    #[case("172.16.5.4")]
    #[case("192.168.1.1")]
    #[case("169.254.169.254")]
    #[case("100.64.0.1")]
    #[case("0.0.0.0")]
    #[case("::1")]
    #[case("::")]
    #[case("fe80::1")]
    #[case("fd00:ec2::254")]
    #[case("::ffff:127.0.0.1")]
    #[case("::ffff:169.254.169.254")]
    #[case("64:ff9b::a00:1")]
    #[case("224.0.0.1")]
    fn private_addresses_are_refused(#[case] ip: &str) {
        let ip: IpAddr = ip.parse().unwrap();
        assert!(!AllowList::default().permits(ip), "{ip}");
    }

    #[rstest::rstest]
    #[case("93.184.215.14")]
    #[case("1.1.1.1")]
    #[case("2606:4700:4700::1111")]
    fn public_addresses_pass(#[case] ip: &str) {
        assert!(AllowList::default().permits(ip.parse().unwrap()));
    }

    #[test]
    fn allow_lists_open_only_what_they_name() {
        let loopback = AllowList::parse(&["loopback".into()]).unwrap();
        assert!(loopback.permits("127.0.0.1".parse().unwrap()));
        assert!(loopback.permits("::1".parse().unwrap()));
        assert!(loopback.permits("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!loopback.permits("10.0.0.1".parse().unwrap()));
        assert!(!loopback.permits("169.254.169.254".parse().unwrap()));
        let cidr = AllowList::parse(&["10.1.0.0/16".into(), "192.168.0.7".into()]).unwrap();
        assert!(cidr.permits("10.1.2.3".parse().unwrap()));
        assert!(!cidr.permits("10.2.0.1".parse().unwrap()));
        assert!(cidr.permits("192.168.0.7".parse().unwrap()));
        assert!(AllowList::parse(&["intranet".into()])
            .unwrap_err()
            .contains("CIDR"));
    }

    #[rstest::rstest]
    #[case("http://127.0.0.1:9/x")]
    #[case("http://10.0.0.1/x")]
    #[case("http://169.254.169.254/latest/meta-data")]
    #[case("http://[::1]:9/x")]
    #[case("http://[::ffff:7f00:1]/x")]
    #[case("http://2130706433/x")]
    #[case("http://0x7f.1/x")]
    fn literal_addresses_are_checked(#[case] url: &str) {
        let out = Outbound::new(AllowList::default());
        assert!(
            matches!(out.check_url(url), Err(OutboundError::Refused(_))),
            "{url}"
        );
    }

    #[test]
    fn only_http_urls_without_credentials() {
        let out = Outbound::new(AllowList::default());
        assert!(matches!(
            out.check_url("file:///etc/passwd"),
            Err(OutboundError::BadUrl(_))
        ));
        assert!(matches!(
            out.check_url("https://user:pw@example.com/"),
            Err(OutboundError::BadUrl(_))
        ));
        assert!(out.check_url("https://example.com/hook").is_ok());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        let out = Outbound::new(AllowList::default());
        let err = out
            .post_json(
                "http://localhost:9/hook",
                &[],
                b"{}".to_vec(),
                Duration::from_secs(2),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, OutboundError::Refused(ref h) if h == "localhost"),
            "{err:?}"
        );
    }
}
