//! What every handler shares: the pool, the calendar, the configuration.

use std::sync::Arc;

use jalin_domain::Calendar;
use jalin_persistence::{write_transaction, DbConnection, Pool};

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::context::{current_request_id, with_request_id};
use crate::error::ApiError;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// The calendar in force when the request began (a snapshot of `calendars`, taken by
    /// `Caller`); handlers without a `Caller` read `calendars.current()`.
    pub calendar: Arc<Calendar>,
    /// The calendar in force, rebuilt from the database after each load (calendars.rs).
    pub calendars: Arc<crate::calendars::Calendars>,
    pub config: Arc<Config>,
    pub keys: Arc<TokenKeys>,
    /// Sign-in and public feed limits, counted in the database (throttle.rs).
    pub throttle: Arc<crate::throttle::Throttle>,
    pub storage: Storage,
    /// SQLite takes one writer at a time: writers queue here, in order of arrival, before they
    /// take a connection. Left to SQLite's busy handler — which polls with growing sleeps and
    /// favours no one — 64 concurrent creations had a p99 of 670 ms (BENCHMARKS.md). `None` on
    /// PostgreSQL, which runs writers concurrently.
    pub write_gate: Option<Arc<tokio::sync::Semaphore>>,
    /// Recent `stats/overview` and `reminders` per scope (JALIN_SUMMARY_CACHE_SECONDS).
    pub summaries: Arc<crate::summaries::Summaries>,
    /// Accounts behind recent tokens (JALIN_ACCOUNT_CACHE_SECONDS).
    pub accounts: Arc<crate::auth::AccountCache>,
    /// The one clock (`config.clock`): now, and today in WIB or a region's zone.
    pub clock: crate::clock::Clock,
}

impl AppState {
    /// Runs database work off the async workers, with the request id for its logs.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let rid = current_request_id();
        actix_web::web::block(move || {
            with_request_id(rid, || {
                let mut conn = pool.get()?;
                f(&mut conn)
            })
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
    }

    /// Reads `f`, computed once per `key` and reused while nothing is written through this
    /// server, for a few seconds (summaries.rs); `key` names the summary, its scope and day.
    pub async fn summary<T, F>(&self, key: String, f: F) -> Result<Arc<T>, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + Sync + 'static,
    {
        let db = self.clone();
        (self.summaries)
            .get_or_compute(key, || async move { db.db(f).await })
            .await
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let _turn = match &self.write_gate {
            Some(gate) => {
                let queued = std::time::Instant::now();
                let turn = (gate.acquire().await)
                    .map_err(|e| ApiError::internal(format!("write gate: {e}")))?;
                crate::metrics::observe_write_wait(queued.elapsed());
                Some(turn)
            }
            None => None,
        };
        let result = self.db(move |conn| write_transaction(conn, f)).await;
        // After the commit: a summary computed from now on includes this write.
        self.summaries.written();
        result
    }
}
