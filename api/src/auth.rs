//! Authentication: argon2id password and secret hashes, HS256 JWT access tokens, sign-in
//! (throttled: crate::throttle), and the [`Authenticated`] extractor that turns a bearer token into a
//! [`Principal`] checked against the account's current state (read at most
//! JALIN_ACCOUNT_CACHE_SECONDS before; see [`AccountCache`]).

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jalin_domain::access::{Action, Principal, PrincipalKind, Visibility};
use jalin_domain::identity::scopes_still_held;
use jalin_persistence::audit::Actor;
use jalin_persistence::identity::{self, ServiceAccount, User};
use jalin_persistence::DbConnection;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::error::ApiError;
use crate::extract::{parse_form, parse_json};
use crate::state::AppState;

pub const ISSUER: &str = "jalin";
pub const AUDIENCE: &str = "jalin-api";

/// An argon2id PHC string for `secret` (a password or a client secret).
pub fn hash_secret(secret: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hashing failed: {e}")))
}

/// Checks `secret` against a stored hash; an unreadable hash never matches.
pub fn verify_secret(hash: &str, secret: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verified against when the account does not exist, so a login takes the same time either way.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_secret(&random_secret(16).unwrap_or_default()).unwrap_or_default());

/// Verifies `secret` against `hash`, or against a dummy hash when there is no account.
pub fn verify_or_dummy(hash: Option<&str>, secret: &str) -> bool {
    match hash {
        Some(h) => verify_secret(h, secret),
        None => {
            let _ = verify_secret(&DUMMY_HASH, secret);
            false
        }
    }
}

/// A fresh random secret, hex-encoded (`bytes` random bytes).
pub fn random_secret(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ApiError::internal(format!("random: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// What a token says. Role, region and active state are *not* trusted from it: they are read
/// from the account (at most JALIN_ACCOUNT_CACHE_SECONDS old; a change through this server
/// takes effect at once). `cv` is the account's credentials version at issue: a password reset,
/// a role or region change, disabling or re-enabling bumps the account's, and the token is
/// refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    /// `user` or `service_account`.
    pub typ: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The account's credentials version when the token was issued.
    pub cv: i64,
    /// Not before (jalin does not issue it; one in the future is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Space-separated scopes granted to a service account's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Signing and verification keys with the token lifetime.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl TokenKeys {
    /// Seconds of clock difference tolerated between servers.
    const LEEWAY: i64 = 5;

    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = Self::LEEWAY as u64;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// Issues a token for `sub` at credentials version `cv`; returns it and its lifetime in
    /// seconds.
    pub fn issue(
        &self,
        sub: &str,
        typ: &str,
        scope: Option<String>,
        cv: i64,
    ) -> Result<(String, u64), ApiError> {
        // Token expiry is technical real time, never the injected (movable) clock.
        let now = chrono::Utc::now().timestamp();
        let ttl = self.ttl.as_secs();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            typ: typ.into(),
            iat: now,
            exp: now + ttl as i64,
            jti: uuid::Uuid::now_v7().to_string(),
            cv,
            nbf: None,
            scope,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map(|t| (t, ttl))
            .map_err(|e| ApiError::internal(format!("token signing: {e}")))
    }

    /// Verifies signature (HS256 only: `alg: none` and other algorithms fail), expiry, issuer
    /// and audience; and that the token was not issued (`iat`) or made valid (`nbf`) in the
    /// future, and lives no longer than the lifetime this server issues (the cap holds even for
    /// a token signed with the right key elsewhere).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // Technical real time, like the expiry.
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let fits = claims.iat <= now + Self::LEEWAY
            && claims.nbf.is_none_or(|nbf| nbf <= now + Self::LEEWAY)
            && claims.exp.saturating_sub(claims.iat) <= ttl
            && claims.exp <= now.saturating_add(ttl).saturating_add(Self::LEEWAY);
        fits.then_some(claims)
    }
}

/// The signing secret: `JALIN_JWT_SECRET`, or a random one generated once into the data
/// directory (`jwt-secret`, mode 0600) so tokens survive restarts.
pub fn load_or_create_secret(
    configured: Option<&str>,
    data_dir: &Path,
) -> std::io::Result<Vec<u8>> {
    if let Some(s) = configured {
        return Ok(s.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 64 => return Ok(s.trim().as_bytes().to_vec()),
        Ok(_) => {
            return Err(std::io::Error::other(format!(
                "{} is too short; delete it to generate a new one",
                path.display()
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(data_dir)?;
    let secret = random_secret(48).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(&path) {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(secret.as_bytes())?;
            Ok(secret.into_bytes())
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec())
        }
        Err(e) => Err(e),
    }
}

/// Checks a name and its secret against the account `find` looks up, throttled per (name,
/// client address) and per client address in the database (crate::throttle; 429 with
/// `Retry-After` while waiting). A wrong name, a wrong secret and a disabled account get the same
/// `None` in the same time: argon2 runs against a dummy hash when there is no account, on a
/// blocking thread.
async fn sign_in<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    name: &str,
    secret: String,
    find: impl FnOnce(&mut DbConnection) -> Result<Option<T>, ApiError> + Send + 'static,
    hash_and_active: fn(&T) -> (&str, bool),
) -> Result<Option<T>, ApiError> {
    let attempt = state.throttle.attempt(state, req, name).await?;
    let account = state.db(find).await?;
    let hash = account.as_ref().map(|a| hash_and_active(a).0.to_owned());
    let ok = web::block(move || verify_or_dummy(hash.as_deref(), &secret))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let account = account.filter(|a| ok && hash_and_active(a).1);
    match &account {
        None => state.throttle.failed(state, req, attempt).await?,
        Some(_) => state.throttle.succeeded(state, req, attempt).await?,
    }
    Ok(account)
}

/// Signs a user in by username (already lower-case) and password; 401 `invalid_credentials`
/// whatever was wrong.
pub async fn sign_in_user(
    state: &AppState,
    req: &HttpRequest,
    username: &str,
    password: String,
) -> Result<User, ApiError> {
    let lookup = username.to_owned();
    let find = move |c: &mut DbConnection| Ok(identity::find_user_by_username(c, &lookup)?);
    let user = sign_in(state, req, username, password, find, |u| {
        (&u.password_hash, u.active)
    });
    user.await?.ok_or_else(|| {
        log::info!("failed sign-in for a username");
        ApiError::InvalidCredentials
    })
}

/// Signs a service account in by client id and secret; 401 `invalid_client` whatever was wrong.
pub async fn sign_in_client(
    state: &AppState,
    req: &HttpRequest,
    client_id: &str,
    secret: String,
) -> Result<ServiceAccount, ApiError> {
    let lookup = client_id.to_owned();
    let find =
        move |c: &mut DbConnection| Ok(identity::find_service_account_by_client_id(c, &lookup)?);
    let account = sign_in(state, req, client_id, secret, find, |a| {
        (&a.secret_hash, a.active)
    });
    account.await?.ok_or(ApiError::InvalidClient)
}

/// A body sent as a form (`application/x-www-form-urlencoded`, as OAuth 2.0 clients do) or as
/// JSON, validated either way; any other type is a 415.
pub fn form_or_json<T: DeserializeOwned + Validate>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let essence = (req.headers().get(header::CONTENT_TYPE))
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some("application/x-www-form-urlencoded") => parse_form(
            std::str::from_utf8(body).map_err(|_| ApiError::MalformedJson("not UTF-8".into()))?,
        ),
        Some(ct) if ct == "application/json" || ct.ends_with("+json") => {
            Ok(parse_json(body)?.value)
        }
        other => Err(ApiError::UnsupportedMediaType {
            found: other.map(str::to_owned),
        }),
    }
}

/// The authenticated caller, as a handler argument: 401 without a valid token or when the
/// account is disabled or gone.
pub struct Authenticated(pub Principal);

impl Authenticated {
    /// Where the caller may perform `action`: 403 when not at all.
    pub fn may(&self, action: Action) -> Result<Visibility, ApiError> {
        self.0.visibility(action).ok_or(ApiError::Forbidden)
    }

    pub fn actor(&self) -> Actor {
        let kind = match self.0.kind {
            PrincipalKind::User { .. } => "user",
            PrincipalKind::ServiceAccount { .. } => "service_account",
        };
        Actor {
            kind: kind.into(),
            id: self.0.id.clone(),
            name: self.0.name.clone(),
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The accounts behind recent requests' tokens, kept `ttl` (JALIN_ACCOUNT_CACHE_SECONDS) so a
/// client's burst of requests reads its account once instead of once per request. Changes made
/// through this server (a user's role, region or `active`, a service account's scopes or
/// deletion) clear it at once; a change by another process — another instance, the CLI — is
/// seen within `ttl`. `ttl` zero reads the account on every request.
pub struct AccountCache {
    ttl: Duration,
    /// Bumped by every `clear`: an account read before a change is not cached after it.
    generation: std::sync::atomic::AtomicU64,
    /// Each principal with the credentials version it was read at.
    entries: Mutex<HashMap<String, (Instant, Principal, i64)>>,
}

impl AccountCache {
    /// Entries kept at most; past it the expired ones go, then all (a burst of many tokens).
    const MAX_ENTRIES: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: std::sync::atomic::AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// A token's subject and the scopes it was issued with (a service account's principal
    /// depends on both).
    fn key(claims: &Claims) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}",
            claims.typ,
            claims.sub,
            claims.scope.as_deref().unwrap_or("")
        )
    }

    fn get(&self, claims: &Claims) -> Option<Principal> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&Self::key(claims))
            .filter(|(at, _, cv)| at.elapsed() < self.ttl && *cv == claims.cv)
            .map(|(_, p, _)| p.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Keeps `principal` (at credentials version `claims.cv`), read when the generation was
    /// `read_at`, unless a change came since.
    fn put(&self, claims: &Claims, principal: &Principal, read_at: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if self.generation() != read_at {
            return;
        }
        if map.len() >= Self::MAX_ENTRIES {
            let ttl = self.ttl;
            map.retain(|_, (at, _, _)| at.elapsed() < ttl);
            if map.len() >= Self::MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(
            Self::key(claims),
            (Instant::now(), principal.clone(), claims.cv),
        );
    }

    /// Forget every account: called after a change to any user or service account.
    pub fn clear(&self) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        map.clear();
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // The access log names who called (logging.rs).
        let http = req.clone();
        let authenticated = async move {
            let state = state.ok_or_else(|| ApiError::internal("no app state"))?;
            let token = token.ok_or(ApiError::Unauthenticated)?;
            let claims = state.keys.verify(&token).ok_or(ApiError::InvalidToken)?;
            if let Some(principal) = state.accounts.get(&claims) {
                return Ok::<_, ApiError>(Authenticated(principal));
            }
            let read_at = state.accounts.generation();
            let looked_up = claims.clone();
            let principal = state
                .db(move |c| {
                    let claims = looked_up;
                    Ok(match claims.typ.as_str() {
                        "user" => identity::find_user(c, &claims.sub, &Visibility::All)?
                            .filter(|u| u.active && u.credentials_version == claims.cv)
                            .map(|u| Principal {
                                id: u.id,
                                name: u.username,
                                kind: PrincipalKind::User { role: u.role },
                                region: u.region,
                            }),
                        "service_account" => {
                            identity::find_service_account(c, &claims.sub, &Visibility::All)?
                                .filter(|a| a.active && a.credentials_version == claims.cv)
                                .map(|a| {
                                    let issued = claims.scope.as_deref().unwrap_or("");
                                    let granted = scopes_still_held(issued, &a.scopes);
                                    Principal {
                                        id: a.id,
                                        name: a.name,
                                        kind: PrincipalKind::ServiceAccount { scopes: granted },
                                        region: a.region,
                                    }
                                })
                        }
                        _ => None,
                    })
                })
                .await?
                .ok_or(ApiError::InvalidToken)?;
            state.accounts.put(&claims, &principal, read_at);
            Ok(Authenticated(principal))
        };
        Box::pin(async move {
            let auth = authenticated.await?;
            (http.extensions_mut()).insert(crate::logging::ActorId(auth.0.id.clone()));
            Ok(auth)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: &str, scope: Option<&str>) -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            typ: "service_account".into(),
            iat: 0,
            exp: 0,
            jti: "j".into(),
            cv: 1,
            nbf: None,
            scope: scope.map(str::to_owned),
        }
    }

    fn principal(scopes: Vec<Action>) -> Principal {
        Principal {
            id: "sa".into(),
            name: "sa".into(),
            kind: PrincipalKind::ServiceAccount { scopes },
            region: None,
        }
    }

    #[test]
    fn a_cached_account_is_dropped_by_a_change_and_an_older_read_is_not_kept() {
        let cache = AccountCache::new(Duration::from_secs(60));
        let c = claims("sa", Some("agreements:read"));
        let read_at = cache.generation();
        cache.put(&c, &principal(vec![Action::ReadAgreements]), read_at);
        assert!(cache.get(&c).is_some());
        // The same account with a token of other scopes is another entry.
        assert!(cache.get(&claims("sa", Some("agreements:write"))).is_none());
        // A change clears it; a read that began before the change is not cached after it.
        let stale_read = cache.generation();
        cache.clear();
        assert!(cache.get(&c).is_none());
        cache.put(&c, &principal(vec![Action::ReadAgreements]), stale_read);
        assert!(cache.get(&c).is_none(), "read before the change: not kept");
    }

    #[test]
    fn an_account_cache_of_zero_seconds_keeps_nothing() {
        let cache = AccountCache::new(Duration::ZERO);
        let c = claims("sa", None);
        cache.put(&c, &principal(vec![]), cache.generation());
        assert!(cache.get(&c).is_none());
    }

    #[test]
    fn tokens_verify_only_with_the_right_key_issuer_and_audience() {
        let keys = TokenKeys::new(
            b"a-secret-of-enough-length-for-hs256-0123456789",
            Duration::from_secs(60),
        );
        let (token, ttl) = keys.issue("u1", "user", None, 1).unwrap();
        assert_eq!(ttl, 60);
        assert_eq!(keys.verify(&token).unwrap().sub, "u1");
        let other = TokenKeys::new(
            b"another-secret-of-enough-length-0123456789abc",
            Duration::from_secs(60),
        );
        assert!(other.verify(&token).is_none());
        // alg: none with the same claims.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = token.split('.').nth(1).unwrap();
        let none = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            payload
        );
        assert!(keys.verify(&none).is_none());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_secret("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret(&h, "correct horse battery"));
        assert!(!verify_secret(&h, "wrong"));
        assert!(!verify_or_dummy(None, "anything"));
    }
}
