//! Whether the database still takes writes, and keeping a connection that
//! failed mid-transaction out of the pool.
//!
//! A full disk (SQLITE_FULL) can end a transaction inside SQLite while the
//! driver still counts it open, or leave it open when the driver's ROLLBACK
//! fails; pooled again, such a connection holds the write lock for good
//! (every other writer then waits out the busy timeout: "database is
//! locked") and its later "transactions" are savepoints inside the stuck
//! one, invisible to everyone else. [`release_guard`] closes a connection
//! that comes back still inside a transaction instead of pooling it.
//!
//! [`Health`] remembers when a write last failed for lack of room or of
//! write access and when one last succeeded; [`crate::SqlStore`]'s `ping`
//! reports the failure until a real write, or its own larger write probe,
//! succeeds again.

use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyConnection, Connection};

/// How long a good write probe vouches for the database.
const PROBE_EVERY_MS: i64 = 1000;

/// When writes last failed for storage reasons and last succeeded (Unix
/// ms; 0 for never).
#[derive(Debug, Default)]
pub(crate) struct Health {
    last_failure: AtomicI64,
    last_success: AtomicI64,
    /// When the health check's own small write last went through.
    last_probe: AtomicI64,
}

impl Health {
    pub(crate) fn failed(&self, now_ms: i64) {
        self.last_failure.fetch_max(now_ms, Ordering::AcqRel);
    }

    pub(crate) fn succeeded(&self, now_ms: i64) {
        self.last_success.fetch_max(now_ms, Ordering::AcqRel);
    }

    /// Whether the health check may answer from its last small write probe
    /// instead of writing again: one probe a second is enough to notice a
    /// database that stopped taking writes, and a check polled many times a
    /// second (a load balancer, a load test) then costs a read, not a write
    /// lock each time.
    pub(crate) fn probe_is_fresh(&self, now_ms: i64) -> bool {
        let last = self.last_probe.load(Ordering::Acquire);
        last > 0 && now_ms - last < PROBE_EVERY_MS && !self.writes_failing()
    }

    pub(crate) fn probed(&self, now_ms: i64) {
        self.last_probe.fetch_max(now_ms, Ordering::AcqRel);
    }

    /// Whether the latest storage failure is newer than the latest success.
    pub(crate) fn writes_failing(&self) -> bool {
        let failure = self.last_failure.load(Ordering::Acquire);
        failure > 0 && failure > self.last_success.load(Ordering::Acquire)
    }
}

/// Errors that say the database cannot store what it is given, as opposed
/// to a rule saying no (a unique key) or a query mistake: SQLite's FULL,
/// IOERR, READONLY, CANTOPEN, CORRUPT, NOTADB, and PostgreSQL's class 53
/// (insufficient resources: disk full, out of memory) and 58 (system
/// errors: I/O), and read-only transactions (25006).
pub(crate) fn is_storage_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            // SQLite reports (extended) result codes as numbers; the
            // primary code is the low byte.
            if let Ok(n) = code.parse::<i64>() {
                return matches!(n & 0xff, 8 | 10 | 11 | 13 | 14 | 26);
            }
            code.starts_with("53") || code.starts_with("58") || code == "25006"
        }
        _ => false,
    }
}

/// The pool's `after_release` check: a connection still inside a
/// transaction once its pending rollback has run is closed, not pooled.
/// The common case (no transaction) costs one atomic load.
pub(crate) async fn release_guard(
    conn: &mut AnyConnection,
    _meta: PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A dropped transaction queues its rollback; a round trip to the
    // connection lets it run before we judge.
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("closing a database connection left inside a failed transaction");
        return Ok(false);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_counts_until_a_later_success() {
        let h = Health::default();
        assert!(!h.writes_failing());
        h.succeeded(10);
        h.failed(20);
        assert!(h.writes_failing());
        h.succeeded(20);
        assert!(!h.writes_failing(), "a success in the same millisecond clears it");
        h.failed(30);
        h.succeeded(25);
        assert!(h.writes_failing(), "an older success does not clear a newer failure");
    }
}
