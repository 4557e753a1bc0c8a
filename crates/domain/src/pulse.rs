//! The private trust pulse: now and then each person rates, for themselves,
//! how much they trust in six ways (0–10). Ratings are private by default;
//! the point is noticing one's own direction over weeks, not scoring a partner.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::fields::{multi_line, text_newtype};
use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrustType {
    Emotional,
    Instrumental,
    Informational,
    #[serde(rename = "self")]
    SelfTrust,
    Situational,
    Physical,
}

impl TrustType {
    pub const ALL: [TrustType; 6] = [
        TrustType::Emotional,
        TrustType::Instrumental,
        TrustType::Informational,
        TrustType::SelfTrust,
        TrustType::Situational,
        TrustType::Physical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrustType::Emotional => "emotional",
            TrustType::Instrumental => "instrumental",
            TrustType::Informational => "informational",
            TrustType::SelfTrust => "self",
            TrustType::Situational => "situational",
            TrustType::Physical => "physical",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TrustType::Emotional => "Feelings",
            TrustType::Instrumental => "Follow-through",
            TrustType::Informational => "Honesty",
            TrustType::SelfTrust => "Self-trust",
            TrustType::Situational => "In specific areas",
            TrustType::Physical => "Physical safety",
        }
    }

    /// One gentle question to rate from 0 (not at all) to 10 (completely).
    pub fn question(self) -> &'static str {
        match self {
            TrustType::Emotional => "When I share how I feel, how safe is it with my partner right now?",
            TrustType::Instrumental => "How much can I count on my partner to do what they said they'd do?",
            TrustType::Informational => "How sure am I that what my partner tells me is true and complete?",
            TrustType::SelfTrust => "How much do I trust my own sense of what is right for me?",
            TrustType::Situational => "In the areas where I lean on my partner's strengths, how well does that hold?",
            TrustType::Physical => "How safe does my body feel around my partner?",
        }
    }
}

impl fmt::Display for TrustType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TrustType {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrustType::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| FieldError::new("trust_type", "unknown kind of trust"))
    }
}

/// A pulse rating, 0..=10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "i64", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub const MIN: i64 = 0;
    pub const MAX: i64 = 10;
    pub fn parse(raw: i64) -> Result<Self, FieldError> {
        if (Self::MIN..=Self::MAX).contains(&raw) {
            Ok(Rating(raw as u8))
        } else {
            Err(FieldError::new("rating", "pick a number from 0 to 10"))
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Rating {
    type Error = FieldError;
    fn try_from(v: i64) -> Result<Self, FieldError> {
        Rating::parse(v)
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// An optional private note with a pulse; empty is fine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PulseNote(String);
text_newtype!(PulseNote);

impl PulseNote {
    pub const MAX: usize = 500;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multi_line("note", raw, 0, Self::MAX).map(PulseNote)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// At or below this physical-safety rating, the page offers help resources.
pub const SAFETY_THRESHOLD: u8 = 3;

/// Show safety resources when physical safety is rated low. Errs on the side
/// of showing them: a page of phone numbers too many costs nothing.
pub fn needs_safety_resources(ratings: &[(TrustType, Rating)]) -> bool {
    ratings.iter().any(|(t, r)| *t == TrustType::Physical && r.get() <= SAFETY_THRESHOLD)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    Flat,
    NotEnough,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Trend {
    pub latest: Option<u8>,
    pub previous: Option<u8>,
    pub direction: Direction,
    /// Mean of the last (up to) [`TREND_WINDOW`] ratings.
    pub moving_average: Option<f64>,
}

/// How many recent ratings the moving average and the comparison use.
pub const TREND_WINDOW: usize = 4;

/// Direction compares the latest rating with the mean of the (up to three)
/// before it, so one odd week doesn't read as a turn; a change under one
/// point is `Flat`. Points may come in any order.
pub fn trend(points: &[(Timestamp, u8)]) -> Trend {
    let mut sorted: Vec<(Timestamp, u8)> = points.to_vec();
    sorted.sort_by_key(|p| p.0);
    let n = sorted.len();
    let latest = sorted.last().map(|p| p.1);
    let previous = n.checked_sub(2).map(|i| sorted[i].1);
    let mean = |s: &[(Timestamp, u8)]| s.iter().map(|p| f64::from(p.1)).sum::<f64>() / s.len() as f64;
    let moving_average = (n > 0).then(|| mean(&sorted[n.saturating_sub(TREND_WINDOW)..]));
    let direction = match latest {
        Some(l) if n >= 2 => {
            let before = mean(&sorted[n.saturating_sub(TREND_WINDOW)..n - 1]);
            let diff = f64::from(l) - before;
            if diff >= 1.0 {
                Direction::Up
            } else if diff <= -1.0 {
                Direction::Down
            } else {
                Direction::Flat
            }
        }
        _ => Direction::NotEnough,
    };
    Trend { latest, previous, direction, moving_average }
}

fn monday_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(back.days()).unwrap_or(date)
}

/// Average rating per ISO week (Monday–Sunday in `tz`) for the `weeks` weeks
/// ending with the one containing `now`; newest last, `None` for empty weeks.
/// Points after `now`'s week or before the range are ignored.
pub fn weekly_series(points: &[(Timestamp, u8)], tz: &TimeZone, weeks: usize, now: Timestamp) -> Vec<Option<f64>> {
    let slots = week_slots(points.iter().map(|p| p.0), tz, weeks, now);
    weekly_averages(&slots, points.iter().map(|p| p.1), weeks)
}

/// For each time, its slot among the `weeks` weeks ending with `now`'s
/// (0 = oldest), or `None` outside them. Work it out once per pulse and
/// reuse it for all six kinds of trust: the time-zone arithmetic is the
/// costly part.
pub fn week_slots(
    times: impl IntoIterator<Item = Timestamp>,
    tz: &TimeZone,
    weeks: usize,
    now: Timestamp,
) -> Vec<Option<usize>> {
    let this_monday = monday_of(now.to_zoned(tz.clone()).date());
    times
        .into_iter()
        .map(|at| {
            let monday = monday_of(at.to_zoned(tz.clone()).date());
            // Civil dates have no DST: the difference is a whole number of days.
            let days = monday.duration_until(this_monday).as_secs() / 86_400;
            let back = usize::try_from(days / 7).ok().filter(|_| days >= 0)?;
            (back < weeks).then(|| weeks - 1 - back)
        })
        .collect()
}

/// Averages `values` (one per slot entry, in the same order) per week slot.
pub fn weekly_averages(
    slots: &[Option<usize>],
    values: impl IntoIterator<Item = u8>,
    weeks: usize,
) -> Vec<Option<f64>> {
    let mut sums = vec![(0.0f64, 0u32); weeks];
    for (slot, value) in slots.iter().zip(values) {
        if let Some(s) = slot.and_then(|i| sums.get_mut(i)) {
            s.0 += f64::from(value);
            s.1 += 1;
        }
    }
    sums.into_iter().map(|(sum, n)| (n > 0).then(|| sum / f64::from(n))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn six_types_round_trip() {
        assert_eq!(TrustType::ALL.len(), 6);
        for t in TrustType::ALL {
            assert_eq!(t.as_str().parse::<TrustType>().unwrap(), t);
            assert!(t.question().ends_with('?'));
            assert!(!t.label().is_empty());
        }
        assert_eq!(TrustType::SelfTrust.as_str(), "self");
        assert!("self_trust".parse::<TrustType>().is_err());
    }

    #[test]
    fn ratings_and_notes_are_bounded() {
        assert_eq!(Rating::parse(0).unwrap().get(), 0);
        assert_eq!(Rating::parse(10).unwrap().get(), 10);
        assert_eq!(Rating::parse(11).unwrap_err().field, "rating");
        assert!(Rating::parse(-1).is_err());
        assert!(PulseNote::parse("").unwrap().is_empty());
        assert!(PulseNote::parse(&"x".repeat(500)).is_ok());
        assert!(PulseNote::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn low_physical_safety_offers_resources() {
        let r = |n| Rating::parse(n).unwrap();
        assert!(needs_safety_resources(&[(TrustType::Physical, r(3))]));
        assert!(needs_safety_resources(&[(TrustType::Emotional, r(9)), (TrustType::Physical, r(0))]));
        assert!(!needs_safety_resources(&[(TrustType::Physical, r(4))]));
        assert!(!needs_safety_resources(&[(TrustType::Emotional, r(0))]));
        assert!(!needs_safety_resources(&[]));
    }

    #[test]
    fn trend_reads_direction_from_recent_points() {
        let empty = trend(&[]);
        assert_eq!((empty.latest, empty.direction, empty.moving_average), (None, Direction::NotEnough, None));
        let one = trend(&[(ts("2026-01-01T00:00:00Z"), 6)]);
        assert_eq!((one.latest, one.previous, one.direction), (Some(6), None, Direction::NotEnough));
        // Given out of order on purpose.
        let pts = [(ts("2026-01-15T00:00:00Z"), 8), (ts("2026-01-01T00:00:00Z"), 4), (ts("2026-01-08T00:00:00Z"), 5)];
        let t = trend(&pts);
        assert_eq!((t.latest, t.previous, t.direction), (Some(8), Some(5), Direction::Up));
        assert!((t.moving_average.unwrap() - 17.0 / 3.0).abs() < 1e-12);
        let down = trend(&[(ts("2026-01-01T00:00:00Z"), 7), (ts("2026-01-08T00:00:00Z"), 5)]);
        assert_eq!(down.direction, Direction::Down);
        let flat =
            trend(&[(ts("2026-01-01T00:00:00Z"), 7), (ts("2026-01-08T00:00:00Z"), 6), (ts("2026-01-15T00:00:00Z"), 7)]);
        assert_eq!(flat.direction, Direction::Flat);
        // Only the last four count towards the average.
        let many: Vec<_> =
            (0..10).map(|i| (ts("2026-01-01T00:00:00Z") + (i * 24).hours(), if i < 6 { 0 } else { 10 })).collect();
        assert_eq!(trend(&many).moving_average, Some(10.0));
    }

    #[test]
    fn weekly_series_averages_per_iso_week_newest_last() {
        let utc = TimeZone::UTC;
        let now = ts("2026-01-21T12:00:00Z"); // Wednesday of 2026-W04
        let pts = [
            (ts("2026-01-19T08:00:00Z"), 6), // W04 (Monday)
            (ts("2026-01-21T08:00:00Z"), 8), // W04
            (ts("2026-01-11T23:00:00Z"), 3), // W02 (Sunday)
            (ts("2025-12-01T00:00:00Z"), 9), // too old
            (ts("2026-01-26T00:00:00Z"), 1), // next week: ignored
        ];
        let s = weekly_series(&pts, &utc, 4, now);
        assert_eq!(s, vec![None, Some(3.0), None, Some(7.0)]);
        assert!(weekly_series(&pts, &utc, 0, now).is_empty());
        // In Auckland, Sunday 23:00 UTC is already Monday: it moves into W03.
        let akl = TimeZone::get("Pacific/Auckland").unwrap();
        assert_eq!(weekly_series(&pts[2..3], &akl, 4, now), vec![None, None, Some(3.0), None]);
        // Across a DST change the weeks still line up.
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let spring = [(ts("2026-03-23T10:00:00Z"), 5), (ts("2026-03-30T10:00:00Z"), 7)];
        assert_eq!(weekly_series(&spring, &paris, 2, ts("2026-04-01T10:00:00Z")), vec![Some(5.0), Some(7.0)]);
    }
}
