//! Short-lived results of the expensive read-only summaries (`stats/overview`, `reminders`),
//! per caller scope. Computing one reads every agreement of a province (thousands of rows);
//! a dashboard asks for the same one again and again. An entry is served only while it is
//! younger than `ttl` (JALIN_SUMMARY_CACHE_SECONDS) *and* nothing was written through this
//! server since it was computed — every write bumps the generation — so a user sees their own
//! change at once. Changes made elsewhere (another instance, `jalin jobs run`, the CLI) show
//! within `ttl`. Concurrent misses of one key compute it once; the others wait for it.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Entry = (Instant, u64, Arc<dyn Any + Send + Sync>);

pub struct Summaries {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
    /// One lock per key being computed, so a burst of misses computes it once.
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Summaries {
    /// Entries kept at most (scopes × queries); past it the whole cache is dropped.
    const MAX_ENTRIES: usize = 4096;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
            computing: Mutex::new(HashMap::new()),
        }
    }

    /// Something was written: every summary computed before is out of date.
    pub fn written(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn fresh<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let generation = self.generation.load(Ordering::Acquire);
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (at, computed_in, value) = map.get(key)?;
        if *computed_in != generation || at.elapsed() >= self.ttl {
            return None;
        }
        value.clone().downcast::<T>().ok()
    }

    /// The summary under `key`, computed by `compute` when there is no fresh one. `key` must
    /// name everything the result depends on: the caller's scope, the query, today's date.
    pub async fn get_or_compute<T, E, F, Fut>(&self, key: String, compute: F) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.ttl.is_zero() {
            return compute().await.map(Arc::new);
        }
        if let Some(hit) = self.fresh::<T>(&key) {
            return Ok(hit);
        }
        let lock = {
            let mut map = self.computing.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        let _turn = lock.lock().await;
        // Computed meanwhile by the request this one waited for?
        if let Some(hit) = self.fresh::<T>(&key) {
            return Ok(hit);
        }
        // The generation before reading: a write during the computation makes the result
        // stale at once instead of serving it for `ttl`.
        let generation = self.generation.load(Ordering::Acquire);
        let computed = compute().await;
        self.computing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
        let value = Arc::new(computed?);
        {
            let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= Self::MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                key.clone(),
                (
                    Instant::now(),
                    generation,
                    value.clone() as Arc<dyn Any + Send + Sync>,
                ),
            );
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        actix_web::rt::System::new().block_on(f)
    }

    #[test]
    fn a_summary_is_reused_until_something_is_written() {
        let s = Summaries::new(Duration::from_secs(60));
        let calls = AtomicU64::new(0);
        let get = || {
            block_on(s.get_or_compute("k".into(), || async {
                Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst))
            }))
            .unwrap()
        };
        assert_eq!(*get(), 0);
        assert_eq!(*get(), 0, "fresh: not computed again");
        s.written();
        assert_eq!(*get(), 1, "a write makes it stale");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_summary_expires_after_its_ttl_and_zero_means_never_kept() {
        let s = Summaries::new(Duration::from_millis(20));
        let n = AtomicU64::new(0);
        let get = |s: &Summaries| {
            *block_on(s.get_or_compute("k".into(), || async {
                Ok::<_, ()>(n.fetch_add(1, Ordering::SeqCst))
            }))
            .unwrap()
        };
        assert_eq!(get(&s), 0);
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(get(&s), 1);
        let off = Summaries::new(Duration::ZERO);
        assert_eq!(get(&off), 2);
        assert_eq!(get(&off), 3);
    }

    #[test]
    fn keys_are_separate_and_errors_are_not_kept() {
        let s = Summaries::new(Duration::from_secs(60));
        let a = block_on(s.get_or_compute("a".into(), || async { Ok::<_, ()>(1) })).unwrap();
        let b = block_on(s.get_or_compute("b".into(), || async { Ok::<_, ()>(2) })).unwrap();
        assert_eq!((*a, *b), (1, 2));
        let e = block_on(s.get_or_compute::<i32, _, _, _>("c".into(), || async { Err("x") }));
        assert!(e.is_err());
        let c = block_on(s.get_or_compute("c".into(), || async { Ok::<_, ()>(3) })).unwrap();
        assert_eq!(*c, 3);
    }
}
