//! Login throttling: exponential backoff that always ends.
//!
//! After a few free failures each further failure doubles the wait, capped, so
//! a guesser is slowed to a crawl but the real person is never locked out for
//! good: after the cap they can always try again.
//!
//! Locks are kept per account *and* client address, so the person guessing
//! (often the partner) locks only their own address out. Across addresses an
//! account only gets slower ([`account_delay_ms`]), never locked: someone
//! who has not failed from where they are always gets in.

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

/// Failures on one account, from all addresses together, before attempts
/// on it are slowed down.
pub const ACCOUNT_FREE_FAILURES: i64 = 10;
/// The longest added delay per attempt on a much-guessed account.
pub const MAX_ACCOUNT_DELAY_MS: u64 = 2_000;

/// How long to hold an attempt on an account that already has `failures`
/// recent failures from anywhere: nothing at first, then doubling from
/// 125 ms up to [`MAX_ACCOUNT_DELAY_MS`]. A delay, never a refusal, so a
/// guesser spread over many addresses cannot lock the owner out.
pub fn account_delay_ms(failures: i64) -> u64 {
    if failures < ACCOUNT_FREE_FAILURES {
        return 0;
    }
    let exponent = (failures - ACCOUNT_FREE_FAILURES).min(20) as u32;
    (125_u64 << exponent).min(MAX_ACCOUNT_DELAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_delays_are_short_and_bounded() {
        assert_eq!(account_delay_ms(0), 0);
        assert_eq!(account_delay_ms(ACCOUNT_FREE_FAILURES - 1), 0);
        assert_eq!(account_delay_ms(ACCOUNT_FREE_FAILURES), 125);
        assert_eq!(account_delay_ms(ACCOUNT_FREE_FAILURES + 1), 250);
        assert_eq!(account_delay_ms(i64::MAX), MAX_ACCOUNT_DELAY_MS);
    }

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

/// A session's device in words ("Firefox on Windows"), from its user-agent
/// string: people recognise their browser and system, not the raw string.
/// Anything unrecognised reads as an unknown browser or system.
pub fn device_name(user_agent: &str) -> String {
    let ua = user_agent;
    // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
    let browser = if ua.contains("Edg/") || ua.contains("Edge/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("Chromium/") || ua.contains("HeadlessChrome/") {
        "Chromium"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        "Safari"
    } else if let Some(tool) = ua.split('/').next().filter(|t| {
        !ua.starts_with("Mozilla")
            && !t.is_empty()
            && t.len() <= 30
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        // A script or app that names itself ("curl/8.5", "troth-cli/1.0").
        return tool.to_string();
    } else {
        "An unknown browser"
    };
    let system = if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        return browser.to_string();
    };
    format!("{browser} on {system}")
}

#[cfg(test)]
mod device_tests {
    use super::device_name;

    #[test]
    fn browsers_and_systems_in_words() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Chromium on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0", "Edge on Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Safari on iOS"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36", "Chrome on Android"),
            ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Linux"),
            ("curl/8.5.0", "curl"),
            ("unknown device", "An unknown browser"),
            ("", "An unknown browser"),
        ];
        for (ua, want) in cases {
            assert_eq!(device_name(ua), want, "{ua}");
        }
    }
}
