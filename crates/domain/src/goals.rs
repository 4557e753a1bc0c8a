//! Shared goals and new experiences: what the two take on together (a
//! course, a trip, a garden) in small milestones, and new things to try.
//!
//! Everything here is shared by design: both members read and write all of
//! it. What lives here is pure: the validated fields, the limits, and the
//! one rule that says when a goal is done.
//!
//! When is a goal done? When every one of its milestones is ticked (and it
//! has at least one), or when every current member of the space has said
//! "we are done" (a goal without milestones, or one finished another way).
//! The store keeps `done_at` by applying [`is_done`] after every change
//! inside the goal's transaction, so un-ticking a milestone of a goal done
//! by its milestones opens it again, and [`settle`] tells the caller when
//! it has just become done (to tell the partner once).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::fields::{multi_line, one_line, present, text_newtype, FieldError};

/// At most this many goals in one space: enough for a lifetime of them,
/// small enough that one page lists them all.
pub const MAX_GOALS_PER_SPACE: i64 = 200;
/// At most this many milestones per goal: small steps, not a project plan.
pub const MAX_MILESTONES_PER_GOAL: i64 = 50;
/// At most this many new experiences in one space.
pub const MAX_EXPERIENCES_PER_SPACE: i64 = 500;

/// What the two want to do together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalTitle(String);
text_newtype!(GoalTitle);

impl GoalTitle {
    pub const MAX: usize = 200;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("title", raw, 1, Self::MAX).map(GoalTitle)
    }
}

/// A longer text that may be left out: why a goal matters, or how an
/// experience went. Empty input is `None`, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notes(String);
text_newtype!(Notes);

impl Notes {
    pub const MAX: usize = 2_000;
    pub fn parse_optional(field: &'static str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match present(field, raw, Self::MAX)? {
            None => Ok(None),
            Some(text) => multi_line(field, text, 1, Self::MAX).map(|t| Some(Notes(t))),
        }
    }
}

/// One small step towards a goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneTitle(String);
text_newtype!(MilestoneTitle);

impl MilestoneTitle {
    pub const MAX: usize = 200;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("milestone", raw, 1, Self::MAX).map(MilestoneTitle)
    }
}

/// A new thing to try together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperienceTitle(String);
text_newtype!(ExperienceTitle);

impl ExperienceTitle {
    pub const MAX: usize = 200;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("title", raw, 1, Self::MAX).map(ExperienceTitle)
    }
}

/// A calendar day to aim for or plan on (`YYYY-MM-DD`), within a range a
/// plan can sensibly have: a typo like 0202 or 20255 is refused rather
/// than kept as a date nobody meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanDate(Date);

impl PlanDate {
    pub const EARLIEST_YEAR: i16 = 1950;
    pub const LATEST_YEAR: i16 = 2150;

    pub fn parse_optional(field: &'static str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        // Exactly as the API document says: a day, or empty for none. Spaces
        // around a date are refused rather than trimmed, so that the server
        // takes no value the document calls invalid.
        let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(None) };
        let shaped = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
        let date: Date = match raw.parse() {
            Ok(d) if shaped => d,
            _ => return Err(FieldError::new(field, "use a date like 2026-05-31")),
        };
        if !(Self::EARLIEST_YEAR..=Self::LATEST_YEAR).contains(&date.year()) {
            return Err(FieldError::new(
                field,
                format!("pick a year between {} and {}", Self::EARLIEST_YEAR, Self::LATEST_YEAR),
            ));
        }
        Ok(Some(PlanDate(date)))
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// As stored and shown: `YYYY-MM-DD`.
    pub fn as_string(self) -> String {
        self.0.to_string()
    }
}

impl fmt::Display for PlanDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the store knows about a goal when it decides whether it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalFacts {
    pub milestones: i64,
    pub ticked: i64,
    /// Current members who said the goal is done.
    pub agreed: i64,
    /// Current members of the space (one while the partner has not joined
    /// or has left).
    pub members: i64,
}

/// The rule (see the module comment): every milestone ticked, or every
/// current member agrees.
pub fn is_done(f: GoalFacts) -> bool {
    let by_milestones = f.milestones > 0 && f.ticked >= f.milestones;
    let by_agreement = f.members > 0 && f.agreed >= f.members;
    by_milestones || by_agreement
}

/// Progress as a whole percentage for the bar: ticked milestones out of
/// all; a done goal is full whatever its milestones say.
pub fn percent(f: GoalFacts) -> u8 {
    if is_done(f) {
        return 100;
    }
    if f.milestones <= 0 {
        return 0;
    }
    let p = (f.ticked.clamp(0, f.milestones) * 100) / f.milestones;
    p as u8
}

/// What a change did to a goal's done state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    Unchanged,
    /// Done now, not before: tell the partner.
    BecameDone,
    /// Done before, not now (a milestone un-ticked, an agreement taken back).
    Reopened,
}

pub fn settle(was_done: bool, now_done: bool) -> Transition {
    match (was_done, now_done) {
        (false, true) => Transition::BecameDone,
        (true, false) => Transition::Reopened,
        _ => Transition::Unchanged,
    }
}

/// Why a change is refused, with a stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a space can hold at most 200 goals; finish or delete one first")]
    TooManyGoals,
    #[error("a goal can have at most 50 milestones; join some together or delete one first")]
    TooManyMilestones,
    #[error("a space can hold at most 500 new experiences; delete some old ones first")]
    TooManyExperiences,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::TooManyGoals => "too_many_goals",
            Refusal::TooManyMilestones => "too_many_milestones",
            Refusal::TooManyExperiences => "too_many_experiences",
        }
    }
}

/// May one more be added, with `existing` already there?
pub fn room_for(existing: i64, max: i64, refusal: Refusal) -> Result<(), Refusal> {
    if existing >= max {
        Err(refusal)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(milestones: i64, ticked: i64, agreed: i64, members: i64) -> GoalFacts {
        GoalFacts { milestones, ticked, agreed, members }
    }

    #[test]
    fn done_by_every_milestone_or_by_everyone_agreeing() {
        assert!(!is_done(facts(0, 0, 0, 2)), "a new goal is not done");
        assert!(!is_done(facts(3, 2, 1, 2)), "two of three ticked, one agreed");
        assert!(is_done(facts(3, 3, 0, 2)), "every milestone ticked");
        assert!(is_done(facts(0, 0, 2, 2)), "both agree, no milestones");
        assert!(is_done(facts(5, 1, 2, 2)), "both agree before the milestones are all ticked");
        assert!(!is_done(facts(0, 0, 1, 2)), "one member alone cannot close a shared goal");
        assert!(is_done(facts(0, 0, 1, 1)), "a member on their own decides alone");
        assert!(!is_done(facts(0, 0, 0, 0)));
    }

    #[test]
    fn progress_is_a_percentage_and_full_when_done() {
        assert_eq!(percent(facts(0, 0, 0, 2)), 0);
        assert_eq!(percent(facts(3, 1, 0, 2)), 33);
        assert_eq!(percent(facts(4, 2, 0, 2)), 50);
        assert_eq!(percent(facts(4, 4, 0, 2)), 100);
        assert_eq!(percent(facts(4, 1, 2, 2)), 100, "agreed done is done");
        assert_eq!(percent(facts(2, 9, 0, 2)), 100);
    }

    #[test]
    fn transitions_say_what_changed() {
        assert_eq!(settle(false, true), Transition::BecameDone);
        assert_eq!(settle(true, false), Transition::Reopened);
        assert_eq!(settle(true, true), Transition::Unchanged);
        assert_eq!(settle(false, false), Transition::Unchanged);
    }

    #[test]
    fn limits_refuse_the_one_too_many() {
        assert_eq!(room_for(49, MAX_MILESTONES_PER_GOAL, Refusal::TooManyMilestones), Ok(()));
        assert_eq!(room_for(50, MAX_MILESTONES_PER_GOAL, Refusal::TooManyMilestones), Err(Refusal::TooManyMilestones));
        assert_eq!(room_for(200, MAX_GOALS_PER_SPACE, Refusal::TooManyGoals), Err(Refusal::TooManyGoals));
        let codes: std::collections::HashSet<_> =
            [Refusal::TooManyGoals, Refusal::TooManyMilestones, Refusal::TooManyExperiences].map(|r| r.code()).into();
        assert_eq!(codes.len(), 3);
    }

    #[test]
    fn fields_have_their_limits_and_names() {
        assert_eq!(GoalTitle::parse(" ").unwrap_err().field, "title");
        assert!(GoalTitle::parse(&"a".repeat(GoalTitle::MAX)).is_ok());
        assert_eq!(GoalTitle::parse(&"a".repeat(GoalTitle::MAX + 1)).unwrap_err().field, "title");
        assert_eq!(GoalTitle::parse("a\nb").unwrap_err().field, "title");
        assert_eq!(MilestoneTitle::parse("").unwrap_err().field, "milestone");
        assert_eq!(ExperienceTitle::parse(&"x".repeat(201)).unwrap_err().field, "title");
        assert_eq!(Notes::parse_optional("why", Some("  ")).unwrap(), None);
        assert_eq!(Notes::parse_optional("why", None).unwrap(), None);
        assert!(Notes::parse_optional("why", Some(&"w".repeat(Notes::MAX))).unwrap().is_some());
        assert_eq!(Notes::parse_optional("note", Some(&"w".repeat(Notes::MAX + 1))).unwrap_err().field, "note");
    }

    #[test]
    fn dates_are_plain_days_in_a_sensible_range() {
        let d = PlanDate::parse_optional("target_date", Some("2026-05-31")).unwrap().unwrap();
        assert_eq!(d.as_string(), "2026-05-31");
        assert_eq!(PlanDate::parse_optional("target_date", Some("")).unwrap(), None);
        for bad in ["2026-02-30", "31/05/2026", "2026-5-31", "tomorrow", "0202-01-01", "2999-01-01", "20255-01-01"] {
            assert_eq!(PlanDate::parse_optional("target_date", Some(bad)).unwrap_err().field, "target_date", "{bad}");
        }
    }
}
