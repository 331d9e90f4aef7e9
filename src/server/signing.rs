//! Signing what the marketplace sends to extensions (SPEC §6): the `X-Kiket-*` headers and the
//! Standard Webhooks headers of the same delivery, and the installations' signing secrets.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a generated signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// `X-Kiket-Signature`: lowercase hex of HMAC-SHA256 keyed with the secret's UTF-8 bytes over
/// `"{timestamp}.{body}"`.
pub fn kiket_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(
        secret.as_bytes(),
        &[timestamp.to_string().as_bytes(), b".", body],
    );
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key Standard Webhooks signs with: the base64-decoded part after `whsec_`. A secret that is
/// not of that form (a setting named by `callback.secret`) signs with its UTF-8 bytes.
fn standard_key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|b64| STANDARD.decode(b64).ok())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// One `webhook-signature` entry: `v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">`.
pub fn standard_signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(
        &standard_key(secret),
        &[
            id.as_bytes(),
            b".",
            timestamp.to_string().as_bytes(),
            b".",
            body,
        ],
    );
    format!("v1,{}", STANDARD.encode(digest))
}

/// What identifies one request of a delivery.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// Event name.
    pub event: &'a str,
    /// The extension's API version (`v1` unless its manifest says otherwise).
    pub event_version: &'a str,
    /// Delivery id (`dlv_…`), the same for every attempt.
    pub delivery_id: &'a str,
    /// This attempt's id.
    pub invocation_id: &'a str,
    /// Organization slug.
    pub organization: &'a str,
    /// Project slug.
    pub project: &'a str,
    /// Unix seconds.
    pub timestamp: i64,
}

/// Every header of a signed request. `secrets` holds the current signing secret and, during the
/// day after a rotation, the previous one: `X-Kiket-Signature` carries the current one's
/// signature, and `webhook-signature` one entry per secret, space-separated.
pub fn headers(envelope: &Envelope<'_>, secrets: &[&str], body: &[u8]) -> Vec<(String, String)> {
    let ts = envelope.timestamp;
    let mut out = vec![
        ("X-Kiket-Event".to_string(), envelope.event.to_string()),
        (
            "X-Kiket-Event-Version".to_string(),
            envelope.event_version.to_string(),
        ),
        (
            "X-Kiket-Delivery".to_string(),
            envelope.delivery_id.to_string(),
        ),
        (
            "X-Kiket-Invocation".to_string(),
            envelope.invocation_id.to_string(),
        ),
        (
            "X-Kiket-Organization".to_string(),
            envelope.organization.to_string(),
        ),
        ("X-Kiket-Project".to_string(), envelope.project.to_string()),
        ("X-Kiket-Timestamp".to_string(), ts.to_string()),
        ("webhook-id".to_string(), envelope.delivery_id.to_string()),
        ("webhook-timestamp".to_string(), ts.to_string()),
    ];
    if let Some(current) = secrets.first() {
        out.push((
            "X-Kiket-Signature".to_string(),
            kiket_signature(current, ts, body),
        ));
        let standard: Vec<String> = secrets
            .iter()
            .map(|s| standard_signature(s, envelope.delivery_id, ts, body))
            .collect();
        out.push(("webhook-signature".to_string(), standard.join(" ")));
    }
    out
}

/// How far a request's timestamp may be from the receiver's clock, in seconds.
pub const TOLERANCE_S: i64 = 300;

/// Checks a received request as an extension should (SPEC §6): the timestamp is within five
/// minutes of `now` (unix seconds), `X-Kiket-Signature` matches, and one `webhook-signature`
/// entry matches. `header` looks a header up by name, case-insensitively. Comparisons take
/// constant time.
pub fn verify(
    secret: &str,
    header: impl Fn(&str) -> Option<String>,
    body: &[u8],
    now: i64,
) -> Result<(), String> {
    let ts_text = header("X-Kiket-Timestamp").ok_or("X-Kiket-Timestamp is missing")?;
    let ts: i64 = ts_text
        .trim()
        .parse()
        .map_err(|_| "X-Kiket-Timestamp is not a number")?;
    if (now - ts).abs() > TOLERANCE_S {
        return Err(format!(
            "the timestamp is {} s away from this clock (at most {TOLERANCE_S} s)",
            (now - ts).abs()
        ));
    }
    let given = header("X-Kiket-Signature").ok_or("X-Kiket-Signature is missing")?;
    let expected = kiket_signature(secret, ts, body);
    if !constant_eq(given.trim().as_bytes(), expected.as_bytes()) {
        return Err("X-Kiket-Signature does not match this secret".into());
    }
    let id = header("webhook-id").ok_or("webhook-id is missing")?;
    let standard = header("webhook-signature").ok_or("webhook-signature is missing")?;
    let expected = standard_signature(secret, id.trim(), ts, body);
    if !standard
        .split_whitespace()
        .any(|entry| constant_eq(entry.as_bytes(), expected.as_bytes()))
    {
        return Err("no webhook-signature entry matches this secret".into());
    }
    Ok(())
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Headers that may be recorded and shown: everything but the signatures.
pub fn is_shown_header(name: &str) -> bool {
    !name.eq_ignore_ascii_case("X-Kiket-Signature")
        && !name.eq_ignore_ascii_case("webhook-signature")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        br#"{"event":"issue.created","event_version":"v1","issue":{"id":42,"title":"Test"}}"#;

    #[test]
    fn the_kiket_signature_matches_the_spec_vector() {
        assert_eq!(
            kiket_signature("whsec_test_123", 1_729_700_400, BODY),
            "1d5833c484ac740ae1779bc53cfb720a462d52e83b3c4624c9c0788878a21da6"
        );
    }

    #[test]
    fn the_standard_webhooks_signature_matches_the_spec_vector() {
        assert_eq!(
            standard_signature(
                "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "dlv_test_1",
                1_729_700_400,
                BODY
            ),
            "v1,VA3XHnmh0qEKqkwekM73zrHg6iiGXLxeJvGe6HiCtYY="
        );
    }

    #[test]
    fn generated_secrets_hold_32_random_bytes() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        let raw = STANDARD
            .decode(a.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(raw.len(), 32);
    }

    #[test]
    fn both_secrets_sign_during_a_rotation() {
        let env = Envelope {
            event: "extension.ping",
            event_version: "v1",
            delivery_id: "dlv_1",
            invocation_id: "inv_1",
            organization: "globex",
            project: "website",
            timestamp: 1_729_700_400,
        };
        let (new, old) = (generate_secret(), generate_secret());
        let h = headers(&env, &[&new, &old], BODY);
        let get = |n: &str| h.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(
            get("X-Kiket-Signature"),
            kiket_signature(&new, env.timestamp, BODY)
        );
        let sigs: Vec<&str> = get("webhook-signature").leak().split(' ').collect();
        assert_eq!(sigs.len(), 2);
        assert_eq!(
            sigs[1],
            standard_signature(&old, "dlv_1", env.timestamp, BODY)
        );
        assert!(h
            .iter()
            .filter(|(k, _)| is_shown_header(k))
            .all(|(_, v)| !v.contains("v1,")));
    }

    #[test]
    fn verify_accepts_what_headers_signs_and_nothing_else() {
        let secret = generate_secret();
        let body = br#"{"event":"issue.created"}"#;
        let env = Envelope {
            event: "issue.created",
            event_version: "v1",
            delivery_id: "dlv_1",
            invocation_id: "inv_1",
            organization: "acme",
            project: "web",
            timestamp: 1_729_700_400,
        };
        let rotated = generate_secret();
        let headers = headers(&env, &[&rotated, &secret], body);
        let lookup = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(verify(&rotated, lookup, body, 1_729_700_400 + 10), Ok(()));
        // The previous secret matches the second webhook-signature entry, not X-Kiket-Signature.
        assert!(verify(&secret, lookup, body, 1_729_700_400).is_err());
        assert!(verify(&rotated, lookup, b"{}", 1_729_700_400).is_err());
        let late = verify(&rotated, lookup, body, 1_729_700_400 + 301).unwrap_err();
        assert!(late.contains("301 s"), "{late}");
    }
}
