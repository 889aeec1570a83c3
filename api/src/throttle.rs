//! Throttling that every server sees (issue #18 item 3): failed sign-ins per (name, client
//! address) and per client address, and the public feed's requests per client address, counted
//! in the database (`request_counters`) inside write transactions, so N servers on one database
//! enforce the limits of one.
//!
//! Sign-in: past `max_failures` failures of one name from one address (4× that from one address
//! for any names), each further try waits — 1 s, 2 s, 4 s … up to the window — instead of a hard
//! lock; the same name from another address is not affected, so an attacker cannot keep the
//! real user out. A counter is forgotten after a quiet window; the right password resets its
//! (name, address) pair. The client address is the peer's, or — only when the peer is one of
//! `JALIN_TRUSTED_PROXIES` — the rightmost `X-Forwarded-For` address no trusted proxy added.
//! Throttling is technical real time, never the injected clock.
//!
//! Responses on limited routes say where the client stands (IETF draft
//! httpapi-ratelimit-headers): `RateLimit-Policy: "feed";q=120;w=60` names each limit (quota
//! `q` per window `w` seconds) and `RateLimit: "feed";r=119;t=42` the quota remaining and the
//! seconds until it is whole again; a 429 adds `Retry-After` (seconds).

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use chrono::{NaiveDateTime, TimeDelta};
use jalin_persistence::throttle::{self as counters, Counter};
use jalin_persistence::DbConnection;

use crate::error::ApiError;
use crate::state::AppState;

/// An address or a network (`10.0.0.0/8`, `::1`), as JALIN_TRUSTED_PROXIES lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// `ADDR` or `ADDR/PREFIX`.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.trim().parse::<IpAddr>().ok()?, None),
        };
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |a: IpAddr| match a.to_canonical() {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        };
        let ((net, width), (ip, ip_width)) = (bits(self.addr), bits(ip));
        if width != ip_width {
            return false;
        }
        let shift = width - u32::from(self.prefix);
        shift >= width || (net >> shift) == (ip >> shift)
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The client's address: the peer's, or behind a trusted proxy the rightmost `X-Forwarded-For`
/// address that no trusted proxy added.
pub fn client_address(req: &HttpRequest, trusted: &[Network]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let mut chain = Vec::new();
    for value in req.headers().get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return Some(peer);
        };
        for part in text.split(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => chain.push(ip.to_canonical()),
                // A hop we cannot read: nothing left of it is trustworthy.
                Err(_) => chain.clear(),
            }
        }
    }
    chain
        .iter()
        .rev()
        .find(|ip| !is_trusted(**ip))
        .or(chain.first())
        .copied()
        .or(Some(peer))
}

/// The sign-in limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_failures: u32,
    pub per_address_max: u32,
    /// The counting window, and the longest wait.
    pub window: Duration,
}

/// The limits, shared by every server through the database.
pub struct Throttle {
    pub limits: Limits,
    /// Requests per minute per client address to the public feed.
    pub feed_per_minute: u32,
    pub trusted_proxies: Vec<Network>,
    /// Writes since the last clean-up of old counters.
    writes: AtomicU64,
}

/// A sign-in attempt counted (as a failure until it succeeds).
pub struct Attempt {
    pair: String,
    address: Option<String>,
}

/// Where a client stands against one limit, for the `RateLimit` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// The policy's name: `login` (one name from one address), `login-address`, `feed`.
    pub policy: &'static str,
    /// Requests (or failures) allowed per window.
    pub limit: u32,
    pub window_secs: u64,
    pub remaining: u32,
    /// Seconds until the quota is whole again.
    pub reset_secs: u64,
}

/// The quotas a request was counted against (request extension, rendered by
/// [`rate_limit_headers`]).
#[derive(Debug, Clone, Default)]
pub struct Quotas(pub Vec<Quota>);

impl Quotas {
    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): `"name";q=N;w=S, …`.
    pub fn policy_header(&self) -> String {
        let items = self
            .0
            .iter()
            .map(|q| format!("\"{}\";q={};w={}", q.policy, q.limit, q.window_secs));
        items.collect::<Vec<_>>().join(", ")
    }

    /// `RateLimit`: `"name";r=REMAINING;t=SECONDS, …`.
    pub fn state_header(&self) -> String {
        let items = (self.0.iter())
            .map(|q| format!("\"{}\";r={};t={}", q.policy, q.remaining, q.reset_secs));
        items.collect::<Vec<_>>().join(", ")
    }
}

fn record(req: &HttpRequest, quotas: Vec<Quota>) {
    let mut ext = req.extensions_mut();
    match ext.get_mut::<Quotas>() {
        Some(q) => {
            q.0.retain(|old| !quotas.iter().any(|new| new.policy == old.policy));
            q.0.extend(quotas);
        }
        None => {
            ext.insert(Quotas(quotas));
        }
    }
}

/// The middleware: adds `RateLimit-Policy` and `RateLimit` to the answer of a request that was
/// counted against a limit (on the 429 too, beside its `Retry-After`).
pub async fn rate_limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?.map_into_boxed_body();
    let quotas = res.request().extensions().get::<Quotas>().cloned();
    if let Some(q) = quotas.filter(|q| !q.0.is_empty()) {
        let headers = res.headers_mut();
        for (name, value) in [
            ("ratelimit-policy", q.policy_header()),
            ("ratelimit", q.state_header()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
    }
    Ok(res)
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Whole seconds until `until`, at least 1.
fn seconds_until(until: NaiveDateTime, now: NaiveDateTime) -> u64 {
    let ms = (until - now).num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

impl Limits {
    /// The wait after `hits` failures against `limit`: none below it, then 1 s doubling up to
    /// the window.
    pub fn delay(&self, hits: i64, limit: u32) -> Option<Duration> {
        let past = hits - i64::from(limit);
        (past >= 0).then(|| {
            let secs = 1u64.checked_shl(past.min(40) as u32).unwrap_or(u64::MAX);
            Duration::from_secs(secs).min(self.window)
        })
    }

    /// Where `c` stands against `limit` at `now`: failures left before waits begin, and the
    /// seconds until the counter is forgotten (a quiet window past its last failure or wait).
    fn quota(&self, policy: &'static str, c: &Counter, limit: u32, now: NaiveDateTime) -> Quota {
        let quiet_since = c.blocked_until.map_or(c.last_at, |b| b.max(c.last_at));
        let reset_at = quiet_since + delta(self.window);
        let reset_secs = if c.hits == 0 || reset_at <= now {
            0
        } else {
            seconds_until(reset_at, now)
        };
        Quota {
            policy,
            limit,
            window_secs: self.window.as_secs(),
            remaining: u32::try_from((i64::from(limit) - c.hits).max(0)).unwrap_or(0),
            reset_secs,
        }
    }

    /// Counts one failure on `c` (forgotten after a quiet window past its last wait).
    fn count_failure(&self, c: &mut Counter, limit: u32, now: NaiveDateTime) {
        let quiet_since = c.blocked_until.map_or(c.last_at, |b| b.max(c.last_at));
        if now - quiet_since >= delta(self.window) {
            c.hits = 0;
            c.first_at = now;
        }
        c.hits += 1;
        c.last_at = now;
        c.blocked_until = self.delay(c.hits, limit).map(|d| now + delta(d));
    }
}

/// The policy a sign-in counter key belongs to.
fn login_policy(key: &str) -> &'static str {
    if key.starts_with("login-address:") {
        "login-address"
    } else {
        "login"
    }
}

impl Throttle {
    pub fn new(
        max_failures: u32,
        window: Duration,
        feed_per_minute: u32,
        trusted: Vec<Network>,
    ) -> Self {
        Self {
            limits: Limits {
                max_failures,
                per_address_max: max_failures.saturating_mul(4),
                window,
            },
            feed_per_minute,
            trusted_proxies: trusted,
            writes: AtomicU64::new(0),
        }
    }

    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        client_address(req, &self.trusted_proxies)
    }

    /// Before checking a secret: refuses (429) while the (name, address) pair or the address
    /// waits; otherwise counts the attempt as a failure at once (so concurrent tries on any
    /// server count), to be taken back by [`Self::succeeded`] or timed by [`Self::failed`].
    pub async fn attempt(
        &self,
        state: &AppState,
        req: &HttpRequest,
        name: &str,
    ) -> Result<Attempt, ApiError> {
        let addr = self.client(req);
        let name = name.trim().to_lowercase();
        let attempt = Attempt {
            pair: format!(
                "login:{name}@{}",
                addr.map_or("-".into(), |a| a.to_string())
            ),
            address: addr.map(|a| format!("login-address:{a}")),
        };
        let mut keys = vec![(attempt.pair.clone(), self.limits.max_failures)];
        keys.extend((attempt.address.clone()).map(|k| (k, self.limits.per_address_max)));
        keys.sort();
        let limits = self.limits;
        let prune = self.prune_due();
        let waited = state
            .write(move |c| {
                let now = now();
                let mut held = Vec::new();
                for (key, limit) in &keys {
                    let counter = counters::lock(c, key, now)?;
                    if let Some(until) = counter.blocked_until.filter(|u| *u > now) {
                        let wait = seconds_until(until, now);
                        let mut q = limits.quota(login_policy(key), &counter, *limit, now);
                        (q.remaining, q.reset_secs) = (0, q.reset_secs.max(wait));
                        return Ok(Err((wait, q)));
                    }
                    held.push((counter, *limit));
                }
                let mut quotas = Vec::new();
                for (mut counter, limit) in held {
                    limits.count_failure(&mut counter, limit, now);
                    counters::store(c, &counter)?;
                    let policy = login_policy(&counter.counter_key);
                    quotas.push(limits.quota(policy, &counter, limit, now));
                }
                if prune {
                    prune_old(c, now)?;
                }
                Ok(Ok(quotas))
            })
            .await?;
        match waited {
            Err((retry_after_secs, quota)) => {
                record(req, vec![quota]);
                Err(ApiError::RateLimited { retry_after_secs })
            }
            Ok(quotas) => {
                record(req, quotas);
                Ok(attempt)
            }
        }
    }

    /// The secret was wrong: the wait past the limit runs from now (the check took time).
    pub async fn failed(
        &self,
        state: &AppState,
        req: &HttpRequest,
        attempt: Attempt,
    ) -> Result<(), ApiError> {
        let limits = self.limits;
        let mut keys = vec![(attempt.pair, limits.max_failures)];
        keys.extend(attempt.address.map(|k| (k, limits.per_address_max)));
        keys.sort();
        let quotas = state
            .write(move |c| {
                let now = now();
                let mut quotas = Vec::new();
                for (key, limit) in &keys {
                    let mut counter = counters::lock(c, key, now)?;
                    if let Some(wait) = limits.delay(counter.hits, *limit) {
                        counter.blocked_until = Some(now + delta(wait));
                        counters::store(c, &counter)?;
                    }
                    quotas.push(limits.quota(login_policy(key), &counter, *limit, now));
                }
                Ok(quotas)
            })
            .await?;
        record(req, quotas);
        Ok(())
    }

    /// The secret was right: forgets the pair and takes the attempt back from the address.
    pub async fn succeeded(
        &self,
        state: &AppState,
        req: &HttpRequest,
        attempt: Attempt,
    ) -> Result<(), ApiError> {
        let limits = self.limits;
        let quotas = state
            .write(move |c| {
                let now = now();
                let mut quotas = Vec::new();
                // The address first, then the pair: the order `attempt` locks them in (sorted).
                if let Some(key) = &attempt.address {
                    let mut counter = counters::lock(c, key, now)?;
                    counter.hits = (counter.hits - 1).max(0);
                    if limits.delay(counter.hits, limits.per_address_max).is_none() {
                        counter.blocked_until = None;
                    }
                    counters::store(c, &counter)?;
                    let max = limits.per_address_max;
                    quotas.push(limits.quota("login-address", &counter, max, now));
                }
                counters::forget(c, &attempt.pair)?;
                // The pair is forgotten: its whole quota again.
                let fresh = Counter {
                    counter_key: attempt.pair.clone(),
                    hits: 0,
                    first_at: now,
                    last_at: now,
                    blocked_until: None,
                };
                quotas.push(limits.quota("login", &fresh, limits.max_failures, now));
                Ok(quotas)
            })
            .await?;
        record(req, quotas);
        Ok(())
    }

    /// Counts a request to the public feed from `addr`: 429 past the limit in a minute.
    pub async fn feed(&self, state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(addr) = self.client(req) else {
            return Ok(());
        };
        let key = format!("feed:{addr}");
        let limit = i64::from(self.feed_per_minute);
        let prune = self.prune_due();
        let waited = state
            .write(move |c| {
                let now = now();
                let minute = TimeDelta::seconds(60);
                let mut counter = counters::lock(c, &key, now)?;
                if now - counter.first_at >= minute {
                    counter.hits = 0;
                    counter.first_at = now;
                }
                counter.hits += 1;
                counter.last_at = now;
                counters::store(c, &counter)?;
                if prune {
                    prune_old(c, now)?;
                }
                let reset = seconds_until(counter.first_at + minute, now);
                let remaining = (limit - counter.hits).max(0);
                Ok((remaining, reset, counter.hits > limit))
            })
            .await?;
        let (remaining, reset_secs, over) = waited;
        record(
            req,
            vec![Quota {
                policy: "feed",
                limit: self.feed_per_minute,
                window_secs: 60,
                remaining: u32::try_from(remaining).unwrap_or(0),
                reset_secs,
            }],
        );
        if over {
            return Err(ApiError::RateLimited {
                retry_after_secs: reset_secs,
            });
        }
        Ok(())
    }

    /// Every 1000th write cleans up counters quiet for a day.
    fn prune_due(&self) -> bool {
        self.writes.fetch_add(1, Ordering::Relaxed) % 1000 == 999
    }
}

fn prune_old(c: &mut DbConnection, now: NaiveDateTime) -> Result<(), ApiError> {
    counters::prune(c, now - TimeDelta::days(1))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(!n.contains("::1".parse().unwrap()));
        let one = Network::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(one.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!(Network::parse("::/0")
            .unwrap()
            .contains("2001:db8::1".parse().unwrap()));
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("localhost").is_none());
    }

    #[test]
    fn quotas_render_as_ratelimit_structured_fields() {
        let q = Quotas(vec![
            Quota {
                policy: "login",
                limit: 5,
                window_secs: 900,
                remaining: 4,
                reset_secs: 900,
            },
            Quota {
                policy: "login-address",
                limit: 20,
                window_secs: 900,
                remaining: 19,
                reset_secs: 900,
            },
        ]);
        assert_eq!(
            q.policy_header(),
            "\"login\";q=5;w=900, \"login-address\";q=20;w=900"
        );
        assert_eq!(
            q.state_header(),
            "\"login\";r=4;t=900, \"login-address\";r=19;t=900"
        );
    }

    #[test]
    fn a_counter_quota_counts_down_and_resets_after_a_quiet_window() {
        let limits = Throttle::new(5, Duration::from_secs(900), 0, Vec::new()).limits;
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let mut c = Counter {
            counter_key: "login:a@1.2.3.4".into(),
            hits: 0,
            first_at: t0,
            last_at: t0,
            blocked_until: None,
        };
        assert_eq!(limits.quota("login", &c, 5, t0).remaining, 5);
        assert_eq!(limits.quota("login", &c, 5, t0).reset_secs, 0);
        for _ in 0..2 {
            limits.count_failure(&mut c, 5, t0);
        }
        let q = limits.quota("login", &c, 5, t0 + TimeDelta::seconds(100));
        assert_eq!((q.remaining, q.reset_secs), (3, 800));
        for _ in 0..6 {
            limits.count_failure(&mut c, 5, t0);
        }
        assert_eq!(limits.quota("login", &c, 5, t0).remaining, 0);
    }

    #[test]
    fn the_wait_doubles_from_one_second_up_to_the_window() {
        let t = Throttle::new(5, Duration::from_secs(900), 0, Vec::new()).limits;
        assert_eq!(t.delay(4, 5), None);
        assert_eq!(t.delay(5, 5), Some(Duration::from_secs(1)));
        assert_eq!(t.delay(6, 5), Some(Duration::from_secs(2)));
        assert_eq!(t.delay(9, 5), Some(Duration::from_secs(16)));
        assert_eq!(t.delay(30, 5), Some(Duration::from_secs(900)));
        assert_eq!(t.delay(i64::MAX, 5), Some(Duration::from_secs(900)));
    }
}
