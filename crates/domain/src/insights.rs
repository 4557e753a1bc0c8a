//! Good moments against hard ones. Gottman's observation of couples who stayed
//! together: during disagreements they still had roughly five warm moments for
//! every cold one. We count what the app can see and show it as a compass,
//! never as a grade.

use serde::{Deserialize, Serialize};

/// What happened in the period being looked at (the caller picks it, e.g. 30 days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Moments {
    pub appreciations: u32,
    pub kept_promises: u32,
    pub finished_rituals: u32,
    pub finished_exercises: u32,
    pub missed_promises: u32,
    /// Concerns raised in rituals: saying what hurt takes courage and
    /// opens a repair, so they count as brave acts, never as hard moments.
    pub concerns_raised: u32,
}

impl Moments {
    pub fn positive(&self) -> u32 {
        self.appreciations
            .saturating_add(self.kept_promises)
            .saturating_add(self.finished_rituals)
            .saturating_add(self.finished_exercises)
    }
    /// The hard moments: promises missed.
    pub fn negative(&self) -> u32 {
        self.missed_promises
    }
    pub fn brave(&self) -> u32 {
        self.concerns_raised
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Five or more good moments per hard one.
    Thriving,
    /// Between two and five.
    Steady,
    /// Fewer than two.
    Strained,
    /// Enough good moments and no hard ones recorded.
    NoNegatives,
    /// Too few moments of any kind to say anything.
    NotEnough,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Thriving => "thriving",
            Band::Steady => "steady",
            Band::Strained => "strained",
            Band::NoNegatives => "no_negatives",
            Band::NotEnough => "not_enough",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Band::Thriving => "Plenty of warmth",
            Band::Steady => "Steady",
            Band::Strained => "Could use some warmth",
            Band::NoNegatives => "All warm so far",
            Band::NotEnough => "Too early to tell",
        }
    }
}

/// Below this many moments in total the reading is `NotEnough`.
pub const MIN_MOMENTS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatioReading {
    pub positive: u32,
    pub negative: u32,
    /// Concerns raised: shown beside the ratio, never in it.
    pub brave: u32,
    /// positive / negative; `None` when there are no negative moments.
    pub ratio: Option<f64>,
    pub band: Band,
    pub explanation: String,
}

const COMPASS: &str = "Studies of couples who stayed together found about five warm moments for every cold or hurtful one, even while they disagreed. Treat this as a compass, not a grade.";

pub fn ratio(m: &Moments) -> RatioReading {
    let (positive, negative) = (m.positive(), m.negative());
    let ratio = (negative > 0).then(|| f64::from(positive) / f64::from(negative));
    let band = match ratio {
        _ if positive.saturating_add(negative) < MIN_MOMENTS => Band::NotEnough,
        None => Band::NoNegatives,
        Some(r) if r >= 5.0 => Band::Thriving,
        Some(r) if r >= 2.0 => Band::Steady,
        Some(_) => Band::Strained,
    };
    let step = "One small step: tell your partner one specific thing you appreciated today.";
    let explanation = match (band, ratio) {
        (Band::NotEnough, _) => format!(
            "Only a few moments are recorded so far, so there's no pattern to read yet. {step} Each appreciation, kept promise and ritual adds to the picture."
        ),
        (Band::NoNegatives, _) => format!(
            "{positive} good moments and no missed promises recorded. Lovely. Harder weeks will come too; noting them honestly keeps this picture true."
        ),
        (Band::Thriving, Some(r)) => format!(
            "About {} good moments for each missed promise. {COMPASS} You're well within that range; keep the small things going.",
            fmt_ratio(r)
        ),
        (Band::Steady, Some(r)) => format!(
            "About {} good moments for each missed promise. {COMPASS} A few more small kindnesses would tip it further. {step}",
            fmt_ratio(r)
        ),
        (_, r) => format!(
            "{positive} good moments and {negative} missed promises lately{}. That happens in every relationship, often in busy or stressful weeks. {COMPASS} {step}",
            r.map(|r| format!(" (about {} to 1)", fmt_ratio(r))).unwrap_or_default()
        ),
    };
    RatioReading { positive, negative, brave: m.brave(), ratio, band, explanation }
}

/// "5", "2.5": one decimal, without a trailing ".0".
fn fmt_ratio(r: f64) -> String {
    let s = format!("{r:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pos: u32, neg: u32) -> Moments {
        Moments { appreciations: pos, missed_promises: neg, ..Moments::default() }
    }

    #[test]
    fn counts_every_kind_of_moment() {
        let all = Moments {
            appreciations: 1,
            kept_promises: 2,
            finished_rituals: 3,
            finished_exercises: 4,
            missed_promises: 5,
            concerns_raised: 6,
        };
        let r = ratio(&all);
        assert_eq!((r.positive, r.negative, r.brave), (10, 5, 6), "a concern raised is brave, not hard");
        let huge = Moments { appreciations: u32::MAX, kept_promises: 5, ..Moments::default() };
        assert_eq!(huge.positive(), u32::MAX);
    }

    #[test]
    fn bands() {
        assert_eq!(ratio(&m(10, 2)).band, Band::Thriving);
        assert_eq!(ratio(&m(10, 2)).ratio, Some(5.0));
        assert_eq!(ratio(&m(9, 2)).band, Band::Steady);
        assert_eq!(ratio(&m(4, 2)).band, Band::Steady);
        assert_eq!(ratio(&m(3, 2)).band, Band::Strained);
        assert_eq!(ratio(&m(0, 4)).band, Band::Strained);
        assert_eq!(ratio(&m(0, 4)).ratio, Some(0.0));
        assert_eq!(ratio(&m(3, 0)).band, Band::NoNegatives);
        assert_eq!(ratio(&m(3, 0)).ratio, None);
    }

    #[test]
    fn zero_and_tiny_cases_say_too_early() {
        for (p, n) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 0)] {
            let r = ratio(&m(p, n));
            assert_eq!(r.band, Band::NotEnough, "{p}:{n}");
            assert!(r.explanation.contains("no pattern"));
        }
        assert_eq!(ratio(&m(0, 0)).ratio, None);
    }

    #[test]
    fn explanations_are_kind_and_suggest_a_step() {
        for (p, n) in [(10, 2), (5, 2), (1, 5), (0, 3), (3, 0), (0, 0)] {
            let e = ratio(&m(p, n)).explanation;
            let lower = e.to_lowercase();
            for harsh in ["fail", "bad", "warning", "danger", "blame", "wrong", "should"] {
                assert!(!lower.contains(harsh), "{harsh} in {e}");
            }
            assert!(!e.contains('!'));
        }
        let strained = ratio(&m(2, 4)).explanation;
        assert!(strained.contains("compass, not a grade"));
        assert!(strained.contains("One small step"));
        assert!(strained.contains("about 0.5 to 1"));
        assert!(ratio(&m(10, 2)).explanation.starts_with("About 5 good moments"));
        assert!(ratio(&m(5, 2)).explanation.starts_with("About 2.5 good moments"));
    }
}
