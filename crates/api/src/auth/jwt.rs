//! HS256 access tokens.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: Arc<EncodingKey>,
    decoding: Arc<DecodingKey>,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        JwtKeys {
            encoding: Arc::new(EncodingKey::from_secret(secret)),
            decoding: Arc::new(DecodingKey::from_secret(secret)),
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(
        &self,
        user_id: i64,
        role: &str,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The user id in a valid token: right algorithm and signature, not expired and already valid at
    /// `now` (the server's clock, not the library's, so that time stays injectable).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<i64> {
        const NOT_BEFORE_LEEWAY_SECONDS: i64 = 30;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        let now = now.timestamp();
        let current = claims.nbf <= now + NOT_BEFORE_LEEWAY_SECONDS && now < claims.exp;
        current.then(|| claims.sub.parse().ok()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_they_expire() {
        let keys = JwtKeys::new(b"a test secret that is long enough!", Duration::minutes(5));
        let now = Utc::now();
        let token = keys.issue(42, "agent", now).unwrap();
        assert_eq!(keys.verify(&token, now), Some(42));
        assert_eq!(keys.verify(&token, now + Duration::minutes(4)), Some(42));
        assert_eq!(
            keys.verify(&token, now + Duration::minutes(5)),
            None,
            "expired"
        );
        let other = JwtKeys::new(b"another secret, just as long!!!!!", Duration::minutes(5));
        assert_eq!(other.verify(&token, now), None, "wrong signature");
        let future = keys.issue(42, "agent", now + Duration::hours(1)).unwrap();
        assert_eq!(keys.verify(&future, now), None, "not yet valid");
        assert_eq!(keys.verify("not.a.token", now), None);
    }
}
