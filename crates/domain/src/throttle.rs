//! Login throttling: exponential backoff that always ends.
//!
//! After a few free failures each further failure doubles the wait, capped, so
//! a guesser is slowed to a crawl but the real person is never locked out for
//! good: after the cap they can always try again.

/// Failures allowed before any wait.
pub const FREE_FAILURES: i64 = 5;
/// The longest wait, in seconds (15 minutes).
pub const MAX_WAIT_SECS: i64 = 15 * 60;

/// Seconds to wait after the `failures`-th consecutive failure.
pub fn wait_after(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exponent = (failures - free).min(20) as u32;
    (1_i64 << exponent).saturating_mul(2).min(MAX_WAIT_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_stop_growing() {
        assert_eq!(wait_after(0, FREE_FAILURES), 0);
        assert_eq!(wait_after(FREE_FAILURES - 1, FREE_FAILURES), 0);
        let mut last = 0;
        for n in FREE_FAILURES..FREE_FAILURES + 30 {
            let w = wait_after(n, FREE_FAILURES);
            assert!(w >= last, "wait shrank at {n}");
            assert!(w <= MAX_WAIT_SECS);
            last = w;
        }
        assert_eq!(last, MAX_WAIT_SECS);
        assert_eq!(wait_after(i64::MAX, FREE_FAILURES), MAX_WAIT_SECS);
    }
}
