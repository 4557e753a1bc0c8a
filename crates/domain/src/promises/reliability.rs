//! The reliability score (0–100): how dependable someone's promises have
//! been lately, in a form that can be explained line by line.
//!
//! # The formula
//!
//! Every settled promise is an outcome at time `t` with a value `v` and a weight `w`:
//!
//! | outcome                  | value `v` | weight `w` |
//! |--------------------------|-----------|------------|
//! | kept                     | 1.0       | 1          |
//! | renegotiated in time     | 0.8       | 1          |
//! | missed                   | 0.0       | 3          |
//! | released by the partner  | —         | 0 (not counted) |
//!
//! Older outcomes fade: `d = 0.5 ^ (age_in_days / 30)`, so a month-old outcome
//! counts half and a three-month-old one an eighth. The score starts from a
//! neutral prior of 70 that weighs as much as two fresh keeps:
//!
//! ```text
//! score = 100 × (2 × 0.70 + Σ w·v·d) / (2 + Σ w·d)      rounded to a whole number
//! ```
//!
//! # Why this shape
//!
//! - **A miss weighs three keeps.** Broken trust outweighs kept trust; a few
//!   misses undo many keeps. Still, from a low score one keep lifts more than
//!   one miss drops, so climbing back is always possible.
//! - **Telling early costs little.** Renegotiating before the due time scores
//!   0.8: honesty is credited, yet keeping the original word stays best.
//! - **Releasing is neutral.** Letting someone off is the partner's generosity;
//!   it says nothing about the promiser either way.
//! - **Recent matters most** (30-day half-life), so change shows within weeks.
//! - **The prior** keeps one early outcome from swinging the score to 0 or 100.
//!
//! The result also splits `score − 70` exactly into per-kind effects in points:
//! `effect_k = 100 × Σ_k w·d·(v − 0.7) / (2 + Σ w·d)`, so the page can say
//! "+12 from keeps, −11 from misses".
//!
//! Cost: the score needs only a [`Tally`] (a count and a weight per kind),
//! which the store keeps up to date as promises are settled, so reading it
//! does not grow with the length of a history. The only allocations are the
//! result's four-entry `contributions` and its `summary`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The neutral starting point (0.0–1.0) and how many fresh keeps it weighs.
pub const PRIOR_VALUE: f64 = 0.70;
pub const PRIOR_WEIGHT: f64 = 2.0;
/// Days after which an outcome counts half.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// A miss weighs this many keeps.
pub const MISS_WEIGHT: f64 = 3.0;
/// What an in-time renegotiation is worth (a keep is 1.0).
pub const RENEGOTIATED_VALUE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Kept,
    RenegotiatedInTime,
    Released,
    Missed,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 4] =
        [OutcomeKind::Kept, OutcomeKind::RenegotiatedInTime, OutcomeKind::Released, OutcomeKind::Missed];

    /// (value, weight) in the formula above.
    pub fn value_and_weight(self) -> (f64, f64) {
        match self {
            OutcomeKind::Kept => (1.0, 1.0),
            OutcomeKind::RenegotiatedInTime => (RENEGOTIATED_VALUE, 1.0),
            OutcomeKind::Released => (PRIOR_VALUE, 0.0),
            OutcomeKind::Missed => (0.0, MISS_WEIGHT),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Kept => "kept",
            OutcomeKind::RenegotiatedInTime => "renegotiated_in_time",
            OutcomeKind::Released => "released",
            OutcomeKind::Missed => "missed",
        }
    }

    /// Words after a count: "3 kept", "1 renegotiated in time".
    pub fn phrase(self) -> &'static str {
        match self {
            OutcomeKind::Kept => "kept",
            OutcomeKind::RenegotiatedInTime => "renegotiated in time",
            OutcomeKind::Released => "let go by the partner",
            OutcomeKind::Missed => "missed",
        }
    }

    pub fn index(self) -> usize {
        match self {
            OutcomeKind::Kept => 0,
            OutcomeKind::RenegotiatedInTime => 1,
            OutcomeKind::Released => 2,
            OutcomeKind::Missed => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub at: Timestamp,
    pub kind: OutcomeKind,
}

/// One kind's part in the score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Contribution {
    pub kind: OutcomeKind,
    pub count: usize,
    /// Share of the total (faded) weight, prior included; 0.0–1.0.
    pub weight_share: f64,
    /// Points this kind moves the score away from the prior (negative for misses).
    pub effect_points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Reliability {
    pub score: u8,
    /// The unrounded score, for charts.
    pub exact: f64,
    /// Outcomes that moved the score (released ones are not counted).
    pub events_counted: usize,
    /// One entry per [`OutcomeKind`], in `OutcomeKind::ALL` order.
    /// `prior + Σ effect_points == exact`.
    pub contributions: Vec<Contribution>,
    pub summary: String,
}

/// The reference time for stored tallies: 2025-01-01T00:00:00Z, in ms.
///
/// The fade is exponential, so it factors exactly:
/// `2^(−(now − t)/H) = 2^((t − E)/H) × 2^(−(now − E)/H)`. A tally keeps
/// `Σ w·2^((t − E)/H)` per kind, which never changes as time passes; the
/// score at any `now` multiplies by the second factor once. Adding or
/// removing an outcome is one addition, so the store keeps a member's tally
/// beside their promises and the insights page reads a handful of numbers
/// however long the history. `f64` holds these sums for about 80 years past
/// the epoch (2^(29 000 days / 30) ≈ 1e291) before they would need re-basing.
pub const TALLY_EPOCH_MS: i64 = 1_735_689_600_000;
const HALF_LIFE_SECS: f64 = HALF_LIFE_DAYS * 86_400.0;

/// Half-lives from the epoch to `at` (negative before it).
fn half_lives_since_epoch(at: Timestamp) -> f64 {
    let epoch = Timestamp::from_millisecond(TALLY_EPOCH_MS).expect("the epoch is a valid time");
    at.duration_since(epoch).as_secs_f64() / HALF_LIFE_SECS
}

/// `w · 2^((t − E)/H)`: what one outcome adds to its kind's stored weight.
pub fn epoch_weight(kind: OutcomeKind, at: Timestamp) -> f64 {
    let (_, w) = kind.value_and_weight();
    w * half_lives_since_epoch(at).exp2()
}

/// Counts and epoch-scaled weights per kind (see [`TALLY_EPOCH_MS`]): all a
/// score needs, in a form that can be added to and taken from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// In `OutcomeKind::ALL` order.
    pub counts: [u64; 4],
    /// `Σ w·2^((t − E)/H)` per kind, in `OutcomeKind::ALL` order.
    pub weights: [f64; 4],
}

impl Tally {
    pub fn of(outcomes: &[Outcome]) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            t.add(*o);
        }
        t
    }

    pub fn add(&mut self, o: Outcome) {
        self.add_stored(o.kind, 1, epoch_weight(o.kind, o.at));
    }

    /// Undo an earlier [`Tally::add`] of the same outcome.
    pub fn remove(&mut self, o: Outcome) {
        self.add_stored(o.kind, -1, -epoch_weight(o.kind, o.at));
    }

    /// Merge a stored row (or its negation). Rounding can leave a removed
    /// weight a hair below zero; it is held at zero.
    pub fn add_stored(&mut self, kind: OutcomeKind, count: i64, weight: f64) {
        let i = kind.index();
        self.counts[i] = self.counts[i].saturating_add_signed(count);
        self.weights[i] = (self.weights[i] + weight).max(0.0);
    }

    /// The score at `now`.
    pub fn reliability(&self, now: Timestamp) -> Reliability {
        let to_now = (-half_lives_since_epoch(now)).exp2();
        let mut weight = [0.0f64; 4]; // Σ w·d per kind
        let mut lift = [0.0f64; 4]; // Σ w·d·(v − prior) per kind: v is fixed per kind
        for kind in OutcomeKind::ALL {
            let i = kind.index();
            let (v, _) = kind.value_and_weight();
            weight[i] = self.weights[i] * to_now;
            // `+ 0.0` turns the −0.0 of an empty kind into 0.0 for display.
            lift[i] = weight[i] * (v - PRIOR_VALUE) + 0.0;
        }
        let total = PRIOR_WEIGHT + weight.iter().sum::<f64>();
        let exact = (100.0 * (PRIOR_VALUE + lift.iter().sum::<f64>() / total)).clamp(0.0, 100.0);
        let score = exact.round() as u8;
        let counts = self.counts.map(|c| c as usize);
        let contributions: Vec<Contribution> = OutcomeKind::ALL
            .iter()
            .map(|&kind| {
                let i = kind.index();
                Contribution {
                    kind,
                    count: counts[i],
                    weight_share: weight[i] / total,
                    effect_points: 100.0 * lift[i] / total,
                }
            })
            .collect();
        let events_counted = counts.iter().sum::<usize>() - counts[OutcomeKind::Released.index()];
        let summary = summarise(score, &counts);
        Reliability { score, exact, events_counted, contributions, summary }
    }
}

/// The score from a list of outcomes. Outcomes stamped after `now` (clock
/// skew) count as fresh, never more.
pub fn reliability(outcomes: &[Outcome], now: Timestamp) -> Reliability {
    let mut t = Tally::default();
    for o in outcomes {
        t.add(Outcome { at: o.at.min(now), kind: o.kind });
    }
    t.reliability(now)
}

fn summarise(score: u8, counts: &[usize; 4]) -> String {
    if counts.iter().all(|&c| c == 0) {
        return format!(
            "{score}: no settled promises yet, so this is the neutral starting point. It moves as promises are kept, renegotiated or missed."
        );
    }
    use std::fmt::Write;
    let shown = [OutcomeKind::Kept, OutcomeKind::RenegotiatedInTime, OutcomeKind::Missed];
    let total = shown.iter().filter(|k| counts[k.index()] > 0).count();
    let mut s = format!("{score}: ");
    if total == 0 {
        s.push_str("nothing counted yet");
    }
    // Written straight into the summary ("a, b and c") to avoid temporary strings.
    for (n, k) in shown.iter().filter(|k| counts[k.index()] > 0).enumerate() {
        let sep = if n == 0 {
            ""
        } else if n + 1 == total {
            " and "
        } else {
            ", "
        };
        let _ = write!(s, "{sep}{} {}", counts[k.index()], k.phrase());
    }
    let released = counts[OutcomeKind::Released.index()];
    if released > 0 {
        let _ = write!(s, " ({released} let go by the partner, which doesn't count either way)");
    }
    s.push_str(
        ". Recent promises count most (a month-old one counts half); a miss weighs three times as much as a keep.",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn now() -> Timestamp {
        "2026-03-01T12:00:00Z".parse().unwrap()
    }

    fn days_ago(d: f64) -> Timestamp {
        now() - SignedDuration::from_secs_f64(d * 86_400.0)
    }

    fn at(kind: OutcomeKind, d: f64) -> Outcome {
        Outcome { at: days_ago(d), kind }
    }

    /// A small deterministic generator (xorshift) so the property tests need no crate.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn history(&mut self) -> Vec<Outcome> {
            let n = (self.next() % 40) as usize;
            (0..n)
                .map(|_| {
                    let kind = OutcomeKind::ALL[(self.next() % 4) as usize];
                    at(kind, (self.next() % 3650) as f64 / 10.0)
                })
                .collect()
        }
    }

    fn cases() -> impl Iterator<Item = Vec<Outcome>> {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        (0..2000).map(move |_| g.history())
    }

    fn with(h: &[Outcome], o: Outcome) -> Vec<Outcome> {
        let mut v = h.to_vec();
        v.push(o);
        v
    }

    #[test]
    fn no_events_means_the_prior() {
        let r = reliability(&[], now());
        assert_eq!(r.score, 70);
        assert_eq!(r.events_counted, 0);
        assert!(r.summary.starts_with("70: no settled promises yet"));
        assert_eq!(r.contributions.len(), 4);
    }

    #[test]
    fn always_between_0_and_100_and_effects_add_up() {
        for h in cases() {
            let r = reliability(&h, now());
            assert!(r.score <= 100);
            assert!((0.0..=100.0).contains(&r.exact));
            let sum: f64 = r.contributions.iter().map(|c| c.effect_points).sum();
            assert!((100.0 * PRIOR_VALUE + sum - r.exact).abs() < 1e-9);
            let shares: f64 = r.contributions.iter().map(|c| c.weight_share).sum();
            assert!((0.0..1.0).contains(&shares));
        }
        let all_missed: Vec<_> = (0..500).map(|_| at(OutcomeKind::Missed, 0.0)).collect();
        let all_kept: Vec<_> = (0..500).map(|_| at(OutcomeKind::Kept, 0.0)).collect();
        assert_eq!(reliability(&all_missed, now()).score, 0);
        assert_eq!(reliability(&all_kept, now()).score, 100);
    }

    #[test]
    fn one_event_does_not_swing_to_an_extreme() {
        assert_eq!(reliability(&[at(OutcomeKind::Missed, 0.0)], now()).score, 28);
        assert_eq!(reliability(&[at(OutcomeKind::Kept, 0.0)], now()).score, 80);
    }

    #[test]
    fn monotone_keeps_never_lower_misses_never_raise() {
        for h in cases() {
            let base = reliability(&h, now());
            for d in [0.0, 5.0, 90.0] {
                let kept = reliability(&with(&h, at(OutcomeKind::Kept, d)), now());
                let missed = reliability(&with(&h, at(OutcomeKind::Missed, d)), now());
                let released = reliability(&with(&h, at(OutcomeKind::Released, d)), now());
                assert!(kept.exact >= base.exact - 1e-12 && kept.score >= base.score);
                assert!(missed.exact <= base.exact + 1e-12 && missed.score <= base.score);
                assert_eq!(released.score, base.score);
            }
        }
    }

    #[test]
    fn a_miss_hurts_more_than_a_keep_helps_while_there_is_trust_to_lose() {
        // Holds whenever the score is above ~36; below that a keep lifts more
        // than a miss drops, which is what makes recovery possible.
        let mut checked = 0;
        for h in cases() {
            let base = reliability(&h, now()).exact;
            if base < 40.0 {
                continue;
            }
            checked += 1;
            let up = reliability(&with(&h, at(OutcomeKind::Kept, 0.0)), now()).exact - base;
            let down = base - reliability(&with(&h, at(OutcomeKind::Missed, 0.0)), now()).exact;
            assert!(down > up, "base {base}: miss {down} vs keep {up}");
        }
        assert!(checked > 500);
        // "A few misses undo many keeps": nine keeps then two misses lands below the prior.
        let mut h: Vec<_> = (0..9).map(|i| at(OutcomeKind::Kept, 10.0 + i as f64)).collect();
        assert!(reliability(&h, now()).score > 85);
        h.push(at(OutcomeKind::Missed, 2.0));
        h.push(at(OutcomeKind::Missed, 1.0));
        assert!(reliability(&h, now()).score < 70);
    }

    #[test]
    fn old_misses_fade() {
        let recent = reliability(&[at(OutcomeKind::Missed, 1.0)], now()).exact;
        let month = reliability(&[at(OutcomeKind::Missed, 30.0)], now()).exact;
        let year = reliability(&[at(OutcomeKind::Missed, 365.0)], now()).exact;
        assert!(recent < month && month < year);
        assert_eq!(year.round() as u8, 70);
        // Half-life: a 30-day-old miss weighs exactly half of a fresh one.
        let fresh_w = reliability(&[at(OutcomeKind::Missed, 0.0)], now()).contributions[3].weight_share;
        assert!((fresh_w - 3.0 / 5.0).abs() < 1e-12);
        let month_w = reliability(&[at(OutcomeKind::Missed, 30.0)], now()).contributions[3].weight_share;
        assert!((month_w - 1.5 / 3.5).abs() < 1e-12);
        // An outcome stamped in the future counts as fresh, not more.
        let future = Outcome { at: now() + SignedDuration::from_hours(48), kind: OutcomeKind::Missed };
        assert_eq!(reliability(&[future], now()).score, 28);
    }

    #[test]
    fn telling_early_costs_little() {
        for h in cases().take(300) {
            let kept = reliability(&with(&h, at(OutcomeKind::Kept, 0.0)), now()).exact;
            let reneg = reliability(&with(&h, at(OutcomeKind::RenegotiatedInTime, 0.0)), now()).exact;
            let missed = reliability(&with(&h, at(OutcomeKind::Missed, 0.0)), now()).exact;
            assert!(missed < reneg && reneg <= kept);
            assert!(kept - reneg <= 100.0 * 0.2 / 3.0 + 1e-9, "a renegotiation costs at most ~7 points");
        }
    }

    /// The formula as written in the module docs, fading each outcome
    /// directly: the tally's factored form must agree with it.
    fn direct(outcomes: &[Outcome], now: Timestamp) -> f64 {
        let (mut num, mut den) = (PRIOR_WEIGHT * PRIOR_VALUE, PRIOR_WEIGHT);
        for o in outcomes {
            let (v, w) = o.kind.value_and_weight();
            let age_days = now.duration_since(o.at).as_secs_f64().max(0.0) / 86_400.0;
            let d = (-age_days / HALF_LIFE_DAYS).exp2();
            num += w * v * d;
            den += w * d;
        }
        100.0 * num / den
    }

    #[test]
    fn the_factored_tally_matches_the_formula() {
        for h in cases() {
            let r = reliability(&h, now());
            assert!((r.exact - direct(&h, now())).abs() < 1e-9, "{} vs {}", r.exact, direct(&h, now()));
        }
        // Far from the epoch on both sides, too.
        for year in ["2019-06-01T00:00:00Z", "2060-06-01T00:00:00Z"] {
            let later: Timestamp = year.parse().unwrap();
            let shifted: Vec<_> = cases()
                .take(200)
                .flatten()
                .map(|o| Outcome { at: later - now().duration_since(o.at), kind: o.kind })
                .collect();
            assert!((reliability(&shifted, later).exact - direct(&shifted, later)).abs() < 1e-9);
        }
    }

    #[test]
    fn a_tally_can_take_back_what_it_added() {
        let mut g = Gen(42);
        for h in cases().take(500) {
            let mut t = Tally::default();
            let extra: Vec<_> = g.history();
            for o in h.iter().chain(&extra) {
                t.add(*o);
            }
            for o in &extra {
                t.remove(*o);
            }
            let back = t.reliability(now());
            let fresh = Tally::of(&h).reliability(now());
            assert_eq!(back.score, fresh.score);
            assert!((back.exact - fresh.exact).abs() < 1e-9);
            assert_eq!(back.events_counted, fresh.events_counted);
            for (w, expected) in t.weights.iter().zip(Tally::of(&h).weights) {
                assert!((w - expected).abs() <= 1e-9 * expected.max(1.0), "{w} vs {expected}");
            }
        }
        // Removing more than was added stays at zero, never negative.
        let mut t = Tally::default();
        t.remove(at(OutcomeKind::Missed, 1.0));
        assert_eq!(t.counts, [0; 4]);
        assert_eq!(t.reliability(now()).score, 70);
    }

    #[test]
    fn a_stored_tally_decays_by_itself() {
        // The same tally read a month later: a fresh miss's pull halves.
        let t = Tally::of(&[at(OutcomeKind::Missed, 0.0)]);
        let later = now() + SignedDuration::from_hours(24 * 30);
        assert_eq!(t.reliability(now()).score, 28);
        let month = t.reliability(later);
        assert!((month.contributions[3].weight_share - 1.5 / 3.5).abs() < 1e-12);
    }

    #[test]
    fn deterministic_and_explained() {
        let h = [
            at(OutcomeKind::Kept, 1.0),
            at(OutcomeKind::Kept, 3.0),
            at(OutcomeKind::RenegotiatedInTime, 4.0),
            at(OutcomeKind::Missed, 5.0),
            at(OutcomeKind::Released, 6.0),
        ];
        let a = reliability(&h, now());
        assert_eq!(a, reliability(&h, now()));
        assert_eq!(a.events_counted, 4);
        assert!(a.summary.starts_with(&format!("{}: 2 kept, 1 renegotiated in time and 1 missed (1 let go", a.score)));
        assert!(a.summary.contains("three times"));
        assert!(a.contributions[0].effect_points > 0.0);
        assert!(a.contributions[3].effect_points < 0.0);
        assert_eq!(a.contributions[2].effect_points, 0.0);
    }
}
