//! The calendar every deadline uses, rebuilt from the database: at startup, at once after a
//! load through this server, and — for several server processes on one database — when the
//! stored version counter (the number of stored year versions, which every load increases)
//! differs from the one this server built from (national and regional versions together).
//! The counter is read at most once every
//! [`CHECK_EVERY`] per server, on the first request after that (one cheap `COUNT`), so another
//! server's load is seen within seconds. A request uses the calendar current when it began.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jalin_domain::calendar::CalendarPolicy;
use jalin_domain::Calendar;
use jalin_persistence::{DbConnection, DbError};

/// How often a server reads the stored calendar version counter.
pub const CHECK_EVERY: Duration = Duration::from_secs(10);

pub struct Calendars {
    policy: CalendarPolicy,
    current: RwLock<(i64, Arc<Calendar>)>,
    checked: Mutex<Instant>,
}

impl Calendars {
    /// Builds the calendar in force from the database.
    pub fn load(conn: &mut DbConnection, policy: CalendarPolicy) -> Result<Self, DbError> {
        let (counter, cal) = build(conn, policy)?;
        Ok(Self {
            policy,
            current: RwLock::new((counter, Arc::new(cal))),
            checked: Mutex::new(Instant::now()),
        })
    }

    pub fn policy(&self) -> CalendarPolicy {
        self.policy
    }

    /// The calendar in force now.
    pub fn current(&self) -> Arc<Calendar> {
        match self.current.read() {
            Ok(c) => c.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    /// Whether the stored counter is due to be read again (and marks it read).
    pub fn due_for_check(&self) -> bool {
        let Ok(mut at) = self.checked.lock() else {
            return false;
        };
        if at.elapsed() < CHECK_EVERY {
            return false;
        }
        *at = Instant::now();
        true
    }

    /// Rebuilds the calendar when the stored counter differs from the one it was built at.
    pub fn refresh(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        let stored = counter(conn)?;
        let built = self.current.read().map(|c| c.0).unwrap_or(-1);
        if stored != built {
            let (counter, cal) = build(conn, self.policy)?;
            self.replace(counter, cal);
            log::info!("holiday calendar rebuilt at version counter {counter}");
        }
        Ok(())
    }

    /// Puts a calendar just built in force.
    pub fn replace(&self, counter: i64, cal: Calendar) {
        if let Ok(mut c) = self.current.write() {
            *c = (counter, Arc::new(cal));
        }
    }
}

/// The calendar in force in the database — the national days with every region's own days
/// off (composed per region by `Calendar::for_region`) — with the version counter it was
/// built at.
pub fn build(conn: &mut DbConnection, policy: CalendarPolicy) -> Result<(i64, Calendar), DbError> {
    let counter = counter(conn)?;
    let days = jalin_persistence::calendar::current_days(conn)?;
    let regional = jalin_persistence::regional_calendar::current_days(conn)?;
    Ok((
        counter,
        Calendar::new(days, policy).with_regional_days(regional),
    ))
}

/// The stored version counter: national and regional versions (each load adds one).
fn counter(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(jalin_persistence::calendar::counter(conn)?
        + jalin_persistence::regional_calendar::counter(conn)?)
}
