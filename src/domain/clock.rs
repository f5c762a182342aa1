//! Where "now" comes from. Every timestamp the server writes or compares is
//! read from a [`Clock`] carried in the protocol's context, so that tests can
//! move time on instead of sleeping for it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time source: the system's clock in production, or a manual one that
/// only moves when told to. Cheap to clone; clones of a manual clock share
/// its time.
///
/// Whole seconds are enough: every timestamp column, and every time claim in
/// a JWT (RFC 7519 §2 `NumericDate`), is in whole seconds. In-process caches
/// that only need "how long since I loaded this" use `std::time::Instant`
/// instead and do not follow this clock.
#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock standing at `start` (UTC seconds since the epoch) until it is
    /// advanced or set.
    pub fn manual(start: i64) -> Clock {
        Clock(Source::Manual(Arc::new(AtomicI64::new(start))))
    }

    /// The current time, in UTC seconds since the epoch: the unit of every
    /// timestamp column.
    pub fn now(&self) -> i64 {
        match &self.0 {
            Source::System => system_now(),
            Source::Manual(at) => at.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock on by `by` (whole seconds; a fraction is dropped).
    ///
    /// # Panics
    /// On the system clock, which cannot be moved.
    pub fn advance(&self, by: Duration) {
        match &self.0 {
            Source::System => panic!("the system clock cannot be advanced"),
            Source::Manual(at) => {
                at.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
            }
        }
    }

    /// Sets a manual clock to `to` (UTC seconds since the epoch).
    ///
    /// # Panics
    /// On the system clock, which cannot be set.
    pub fn set(&self, to: i64) {
        match &self.0 {
            Source::System => panic!("the system clock cannot be set"),
            Source::Manual(at) => at.store(to, Ordering::SeqCst),
        }
    }
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_advanced_and_its_clones_follow() {
        let clock = Clock::manual(1_000);
        let clone = clock.clone();
        assert_eq!(clock.now(), 1_000);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clone.now(), 1_090);
        clone.set(5);
        assert_eq!(clock.now(), 5);
    }

    #[test]
    fn the_system_clock_reads_the_current_time() {
        let before = system_now();
        let read = Clock::system().now();
        assert!(read >= before && read <= system_now());
        assert!(read > 1_700_000_000);
    }
}
