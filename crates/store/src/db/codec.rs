//! How values cross the database boundary: times as Unix milliseconds (ids
//! are BIGINT, read through `Id::from_db` from `FromRow` structs), and `$n`
//! placeholders numbered as a query grows.

use jiff::Timestamp;

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn opt_ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(ts)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// Numbers `$n` placeholders for a query whose filters are optional, so
/// the numbers always match the order of the binds.
#[derive(Debug)]
pub(crate) struct Placeholders {
    used: usize,
}

impl Placeholders {
    /// `already` placeholders are written by hand at the start of the query.
    pub(crate) fn after(already: usize) -> Self {
        Placeholders { used: already }
    }

    /// The next placeholder, as `$n`.
    pub(crate) fn next(&mut self) -> String {
        self.used += 1;
        format!("${}", self.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_continue_after_the_fixed_ones() {
        let mut p = Placeholders::after(2);
        assert_eq!(p.next(), "$3");
        assert_eq!(p.next(), "$4");
    }

    #[test]
    fn times_round_trip_at_millisecond_precision() {
        let t: Timestamp = "2026-11-30T10:11:12.345Z".parse().unwrap();
        assert_eq!(ts(ms(t)), t);
        assert_eq!(opt_ts(None), None);
    }
}
