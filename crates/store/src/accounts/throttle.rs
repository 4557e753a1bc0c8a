//! Login throttling: attempts per key, reserved before the password is
//! hashed, and when the key may try again.
//!
//! Each attempt is counted by one conditional `UPDATE` (or the `INSERT` of a
//! new key) that also sets the lock the count calls for, as if the attempt
//! failed; a success then releases or clears it. So concurrent attempts
//! cannot read the same count and each write it back plus one (fifty at
//! once used to record a handful), and an attempt refused by the lock never
//! reaches the hash at all.

use jiff::Timestamp;
use troth_domain::accounts::{wait_after, MAX_WAIT_SECS};

use crate::accounts::ThrottleAttempt;
use crate::db::{ms, ts, SqlStore};
use crate::Result;

/// A quiet hour forgives earlier failures, so old typos never add up.
const FORGIVE_AFTER_MS: i64 = 3_600_000;

/// The count the next attempt makes, from the row's current values.
const NEXT_COUNT: &str = "(CASE WHEN updated_at < $3 THEN 1 ELSE failures + 1 END)";

/// An SQL expression for `wait_after(count, free)` in milliseconds: the
/// domain's rule spelled out as a `CASE`, so the lock is set in the same
/// statement that counts.
fn wait_ms_sql(count: &str, free: i64) -> String {
    let mut sql = format!("(CASE WHEN {count} < {free} THEN 0");
    let mut n = free;
    loop {
        let wait = wait_after(n, free);
        sql.push_str(&format!(" WHEN {count} = {n} THEN {}", wait * 1000));
        if wait >= MAX_WAIT_SECS || n == i64::MAX {
            break;
        }
        n += 1;
    }
    sql.push_str(&format!(" ELSE {} END)", MAX_WAIT_SECS * 1000));
    sql
}

#[derive(sqlx::FromRow)]
struct LockRow {
    locked_until: i64,
}

/// Counts one attempt under `key` unless the key is locked; the lock for
/// the new count (`wait_after(count, free_failures)`) starts at once.
pub(crate) async fn throttle_reserve(
    db: &SqlStore,
    key: &str,
    free_failures: i64,
    now: Timestamp,
) -> Result<ThrottleAttempt> {
    let now_ms = ms(now);
    let forget_before = now_ms - FORGIVE_AFTER_MS;
    // No wait is stored as 0, not as `now`: concurrent attempts read the
    // clock a little apart, and one with an earlier clock must not find the
    // key "locked" until a later one's now.
    // The `WHERE` is checked on the row as it is when the update runs (after
    // any concurrent update of it), so a lock set an instant ago holds.
    let update = format!(
        "UPDATE login_throttle SET failures = {NEXT_COUNT}, \
         locked_until = CASE WHEN {wait} = 0 THEN 0 ELSE $2 + {wait} END, updated_at = $2 \
         WHERE key = $1 AND locked_until <= $2 RETURNING failures",
        wait = wait_ms_sql(NEXT_COUNT, free_failures)
    );
    // Two rounds: a key created by a concurrent attempt between our update
    // and our insert is updated on the second.
    for _ in 0..2 {
        let counted: Option<i64> =
            sqlx::query_scalar(&update).bind(key).bind(now_ms).bind(forget_before).fetch_optional(&db.pool).await?;
        if let Some(attempts) = counted {
            return Ok(ThrottleAttempt::Reserved { attempts });
        }
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES ($1, 1, $2, $3) \
             ON CONFLICT (key) DO NOTHING RETURNING failures",
        )
        .bind(key)
        .bind(match wait_after(1, free_failures) {
            0 => 0,
            wait => now_ms + wait * 1000,
        })
        .bind(now_ms)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(attempts) = inserted {
            return Ok(ThrottleAttempt::Reserved { attempts });
        }
        let lock = sqlx::query_as::<_, LockRow>("SELECT locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&db.pool)
            .await?;
        if let Some(until) = lock.map(|r| r.locked_until).filter(|until| *until > now_ms) {
            return Ok(ThrottleAttempt::Locked { until: ts(until) });
        }
    }
    // Lost both rounds to concurrent attempts on the same key: a busy key,
    // asked to wait a second.
    Ok(ThrottleAttempt::Locked { until: ts(now_ms + 1000) })
}

/// Takes back one reserved attempt that turned out not to be a failure (a
/// success, or an attempt another key refused), and the lock it set, unless
/// the remaining count still calls for one.
pub(crate) async fn throttle_release(db: &SqlStore, key: &str, free_failures: i64) -> Result<()> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1, \
         locked_until = CASE WHEN failures <= $2 THEN 0 ELSE locked_until END \
         WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .bind(free_failures)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) async fn throttle_clear(db: &SqlStore, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&db.pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_wait_follows_the_domain_rule() {
        let sql = wait_ms_sql("n", 5);
        assert!(sql.starts_with("(CASE WHEN n < 5 THEN 0 WHEN n = 5 THEN 2000 WHEN n = 6 THEN 4000"), "{sql}");
        assert!(sql.ends_with(&format!(" ELSE {} END)", MAX_WAIT_SECS * 1000)), "{sql}");
        // A key that never locks (per-account counting) stays one branch long.
        assert_eq!(
            wait_ms_sql("n", i64::MAX),
            format!(
                "(CASE WHEN n < {m} THEN 0 WHEN n = {m} THEN 2000 ELSE {} END)",
                MAX_WAIT_SECS * 1000,
                m = i64::MAX
            )
        );
    }
}
