//! Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
//! `{id}.{timestamp}.{body}` with a secret `whsec_{base64}`, sent as `webhook-signature:
//! v1,{base64}` (several space-separated signatures while keys rotate). Used for inbound
//! callbacks from SIOLA, SIMPEL and Exit Permit, and for everything jalin sends.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// `whsec_` followed by base64 of at least 24 bytes.
    pub fn parse(s: &str) -> Result<Secret, String> {
        let b64 = s
            .trim()
            .strip_prefix("whsec_")
            .ok_or("a secret starts with whsec_")?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| "the part after whsec_ is not base64")?;
        if bytes.len() < 24 {
            return Err("a secret has at least 24 bytes".into());
        }
        Ok(Secret(bytes))
    }

    /// A fresh random secret, in its `whsec_` form.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        let _ = getrandom::fill(&mut bytes);
        format!("whsec_{}", STANDARD.encode(bytes))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // Any key length is accepted by HMAC; this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header value for a message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes())
        )
    }
}

/// Why a signed message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    MissingHeaders,
    BadTimestamp,
    /// Older or newer than the tolerance: a replay, or a clock far off.
    OutsideTolerance,
    NoMatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::MissingHeaders => {
                "webhook-id, webhook-timestamp and webhook-signature headers are required"
            }
            Self::BadTimestamp => "webhook-timestamp is not a number of seconds",
            Self::OutsideTolerance => "webhook-timestamp is outside the accepted tolerance",
            Self::NoMatch => "no signature matches",
        })
    }
}

/// Checks a message against every secret in force (key rotation), in constant time per
/// comparison.
pub fn verify(
    secrets: &[Secret],
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance_seconds: i64,
) -> Result<(), SignatureError> {
    let (Some(id), Some(ts), Some(sigs)) = (id, timestamp, signatures) else {
        return Err(SignatureError::MissingHeaders);
    };
    let ts: i64 = ts
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if (now - ts).abs() > tolerance_seconds {
        return Err(SignatureError::OutsideTolerance);
    }
    for sig in sigs.split_whitespace() {
        let Some(b64) = sig.strip_prefix("v1,") else {
            continue;
        };
        let Ok(given) = STANDARD.decode(b64) else {
            continue;
        };
        for s in secrets {
            if s.mac(id, ts, body).verify_slice(&given).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_like_the_specification_example() {
        assert_eq!(Secret::parse(SECRET).unwrap().sign(ID, TS, BODY), EXPECTED);
    }

    #[test]
    fn accepts_any_current_secret_and_any_listed_signature() {
        let old = Secret::parse(SECRET).unwrap();
        let new = Secret::parse(&Secret::generate()).unwrap();
        let header = format!("v1,bm9wZQ== {}", old.sign(ID, TS, BODY));
        assert_eq!(
            verify(
                &[new.clone(), old],
                Some(ID),
                Some(&TS.to_string()),
                Some(&header),
                BODY,
                TS + 10,
                300
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                &[new],
                Some(ID),
                Some(&TS.to_string()),
                Some(&header),
                BODY,
                TS,
                300
            ),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn refuses_tampering_replays_and_missing_headers() {
        let s = Secret::parse(SECRET).unwrap();
        let ts = TS.to_string();
        // The example's headers for message `id` (none: the headers are missing), as received
        // at `now` with `body`.
        let received = |id: Option<&str>, body: &[u8], now: i64| {
            verify(
                std::slice::from_ref(&s),
                id,
                Some(&ts),
                Some(EXPECTED),
                body,
                now,
                300,
            )
        };
        let tampered = br#"{"test": 2432232315}"#;
        let no_match = Err(SignatureError::NoMatch);
        assert_eq!(received(Some(ID), tampered, TS), no_match);
        assert_eq!(
            received(Some(ID), BODY, TS + 301),
            Err(SignatureError::OutsideTolerance)
        );
        assert_eq!(received(Some("msg_other"), BODY, TS), no_match);
        assert_eq!(
            received(None, BODY, TS),
            Err(SignatureError::MissingHeaders)
        );
        assert!(Secret::parse("plain").is_err());
    }
}
