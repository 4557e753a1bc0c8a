//! Pacing of the trust-building program: which level of exercises a pair has
//! open, and how fast new levels open.
//!
//! Levels open *by doing*, never by a daily drip: level n+1 opens once the pair
//! has finished a few exercises at level n and practised on a few distinct days
//! since level n opened. Either member may ask to slow down; the pair then goes
//! at the slower pace, and nothing here can tell who asked.
//!
//! Deliberately absent: streaks, "days in a row", anything that decays. A gap of
//! a week or a year costs nothing: progress counts days *with* practice, never
//! days without it, and an open level never closes again.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A level of the program, 1..=5: 1 is small and low-stakes, 5 the hardest
/// conversations (past hurts, a breach).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "i64", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const MIN: Level = Level(1);
    pub const MAX: Level = Level(5);
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [Level(1), Level(2), Level(3), Level(4), Level(5)];

    pub fn new(raw: i64) -> Result<Self, FieldError> {
        if (1..=5).contains(&raw) {
            Ok(Level(raw as u8))
        } else {
            Err(FieldError::new("level", "pick a level from 1 to 5"))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The level above, or `None` at the top.
    pub fn next(self) -> Option<Level> {
        (self.0 < 5).then(|| Level(self.0 + 1))
    }

    /// The level below, or `None` at the bottom.
    pub fn previous(self) -> Option<Level> {
        (self.0 > 1).then(|| Level(self.0 - 1))
    }
}

impl Default for Level {
    fn default() -> Self {
        Level::MIN
    }
}

impl TryFrom<i64> for Level {
    type Error = FieldError;
    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        Level::new(raw)
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.0
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Level {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse::<i64>().map_err(|_| FieldError::new("level", "pick a level from 1 to 5")).and_then(Level::new)
    }
}

/// How fast one member wants new levels to open. Ordered from slowest to
/// fastest, so the pair's pace is simply the minimum of the two choices.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Stay where we are for now: no new level opens until this changes.
    Paused,
    /// More practice before each new level.
    Gentle,
    /// The usual pace.
    #[default]
    Steady,
}

impl Pace {
    pub const ALL: [Pace; 3] = [Pace::Paused, Pace::Gentle, Pace::Steady];

    pub fn as_str(self) -> &'static str {
        match self {
            Pace::Paused => "paused",
            Pace::Gentle => "gentle",
            Pace::Steady => "steady",
        }
    }

    /// What opens the next level at this pace, or `None` when paused.
    pub fn rule(self) -> Option<OpeningRule> {
        match self {
            Pace::Paused => None,
            Pace::Gentle => Some(OpeningRule { exercises_finished: 3, practice_days: 6 }),
            Pace::Steady => Some(OpeningRule { exercises_finished: 2, practice_days: 3 }),
        }
    }
}

impl fmt::Display for Pace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Pace {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pace::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| FieldError::new("pace", "unknown pace"))
    }
}

/// The pair's pace: the slower of the two members' choices.
///
/// The result is a bare [`Pace`], symmetric in its arguments, so nothing
/// downstream can learn which member asked to slow down. A member whose
/// partner has not joined yet passes their own choice twice.
pub fn pair_pace(one: Pace, other: Pace) -> Pace {
    one.min(other)
}

/// The practice that opens the next level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningRule {
    /// Exercises at the open level finished since it opened.
    pub exercises_finished: u32,
    /// Distinct days with any practice since the open level opened.
    pub practice_days: u32,
}

/// One thing the pair did on a day: an exercise finished, or any other
/// practice (a step answered, a sealed part written, a prompt talked over).
/// Alone-mode work by one member counts for the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Practice {
    pub on: Date,
    /// The level of the exercise, when the practice belongs to one.
    pub level: Option<Level>,
    pub finished_exercise: bool,
}

/// Practice counted towards the next level since the open level opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelProgress {
    pub exercises_finished: u32,
    pub practice_days: u32,
}

/// Where a pair stands in the program. Stored per pair; it only ever moves up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramState {
    /// The highest open level; every level below it stays open too.
    pub open_level: Level,
    /// The day `open_level` opened. Practice on that day counted towards
    /// opening it, so progress towards the next level starts the day after.
    /// `None` for level 1, which is open from the start.
    pub opened_on: Option<Date>,
}

impl Default for ProgramState {
    fn default() -> Self {
        ProgramState { open_level: Level::MIN, opened_on: None }
    }
}

impl ProgramState {
    /// Progress towards the next level from the pair's practice log (in any
    /// order). Only practice after the open level opened counts; finished
    /// exercises count only at the open level itself (repeating an easier one
    /// is welcome but does not open harder ones).
    pub fn progress<'a>(&self, log: impl IntoIterator<Item = &'a Practice>) -> LevelProgress {
        let mut days = BTreeSet::new();
        let mut finished = 0u32;
        for practice in log {
            if self.opened_on.is_some_and(|opened| practice.on <= opened) {
                continue;
            }
            days.insert(practice.on);
            if practice.finished_exercise && practice.level == Some(self.open_level) {
                finished += 1;
            }
        }
        LevelProgress { exercises_finished: finished, practice_days: days.len() as u32 }
    }

    /// The state after taking the log into account at `pace`: opens every
    /// level the practice has earned, one at a time and in date order, so a
    /// burst of practice on one day opens at most one level. Never lowers the
    /// open level, whatever the pace or however long the gap.
    pub fn advance(self, log: &[Practice], pace: Pace) -> ProgramState {
        let Some(rule) = pace.rule() else {
            return self;
        };
        let mut days: Vec<Date> = log.iter().map(|p| p.on).collect();
        days.sort_unstable();
        days.dedup();
        let mut state = self;
        for day in days {
            let Some(next) = state.open_level.next() else {
                break;
            };
            if state.opened_on.is_some_and(|opened| day <= opened) {
                continue;
            }
            let progress = state.progress(log.iter().filter(|p| p.on <= day));
            if progress.exercises_finished >= rule.exercises_finished && progress.practice_days >= rule.practice_days {
                state = ProgramState { open_level: next, opened_on: Some(day) };
            }
        }
        state
    }

    /// What is still needed to open the next level at `pace`, for a gentle
    /// "two more exercises" hint; `None` at the top level or when paused.
    pub fn remaining(&self, log: &[Practice], pace: Pace) -> Option<LevelProgress> {
        self.open_level.next()?;
        let rule = pace.rule()?;
        let progress = self.progress(log);
        Some(LevelProgress {
            exercises_finished: rule.exercises_finished.saturating_sub(progress.exercises_finished),
            practice_days: rule.practice_days.saturating_sub(progress.practice_days),
        })
    }
}

/// The pair's path through the program: what they chose, either of them,
/// and may change at any time.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PairTrack {
    /// Building trust that is new or steady.
    #[default]
    Build,
    /// Rebuilding trust after it was broken.
    Rebuild,
}

impl PairTrack {
    pub const ALL: [PairTrack; 2] = [PairTrack::Build, PairTrack::Rebuild];

    pub fn as_str(self) -> &'static str {
        match self {
            PairTrack::Build => "build",
            PairTrack::Rebuild => "rebuild",
        }
    }
}

impl FromStr for PairTrack {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PairTrack::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| FieldError::new("track", "choose build or rebuild"))
    }
}

/// How a guided session is done: by one member (private to them until they
/// share it) or by both, each on their own device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    Alone,
    Together,
}

impl SessionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionMode::Alone => "alone",
            SessionMode::Together => "together",
        }
    }

    /// From the stored word; anything else is read as alone, the more
    /// private of the two, so an odd row can never widen who sees it.
    pub fn from_stored(s: &str) -> SessionMode {
        if s == "together" {
            SessionMode::Together
        } else {
            SessionMode::Alone
        }
    }
}

/// The most a single answer or reflection field may hold, in characters.
pub const MAX_ANSWER_CHARS: usize = 4000;

/// One written answer to a step's question: trimmed, not empty, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerText(String);

impl AnswerText {
    pub fn parse(field: &'static str, raw: &str) -> Result<AnswerText, FieldError> {
        // The limit counts what was sent, as in `fields::check_len`.
        if raw.chars().count() > MAX_ANSWER_CHARS {
            return Err(FieldError::new(field, format!("keep it under {MAX_ANSWER_CHARS} characters")));
        }
        let text = raw.trim();
        if text.is_empty() {
            return Err(FieldError::new(field, "write a few words first"));
        }
        if text.chars().count() > MAX_ANSWER_CHARS {
            return Err(FieldError::new(field, format!("keep it under {MAX_ANSWER_CHARS} characters")));
        }
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(FieldError::new(field, "remove the invisible control characters"));
        }
        Ok(AnswerText(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The short reflection that closes a session: what we learned, how it
/// felt, and a number from 0 to 10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub learned: AnswerText,
    pub felt: AnswerText,
    pub rating: u8,
}

impl Reflection {
    pub const RATING_MIN: i64 = 0;
    pub const RATING_MAX: i64 = 10;

    pub fn parse(learned: &str, felt: &str, rating: Option<i64>) -> Result<Reflection, FieldError> {
        let learned = AnswerText::parse("learned", learned)?;
        let felt = AnswerText::parse("felt", felt)?;
        let rating = match rating {
            Some(r) if (Self::RATING_MIN..=Self::RATING_MAX).contains(&r) => r as u8,
            Some(_) => return Err(FieldError::new("rating", "pick a number from 0 to 10")),
            None => return Err(FieldError::new("rating", "pick a number from 0 to 10")),
        };
        Ok(Reflection { learned, felt, rating })
    }
}

#[cfg(test)]
mod session_tests {
    use super::*;

    #[test]
    fn answers_are_trimmed_and_bounded() {
        assert_eq!(AnswerText::parse("a", "  hello ").unwrap().as_str(), "hello");
        assert_eq!(AnswerText::parse("a", "   ").unwrap_err().field, "a");
        assert!(AnswerText::parse("a", &"x".repeat(MAX_ANSWER_CHARS + 1)).is_err());
        assert!(AnswerText::parse("a", "line one\nline two").is_ok());
        assert!(AnswerText::parse("a", "bell\u{7}").is_err());
    }

    #[test]
    fn reflections_rate_from_zero_to_ten() {
        assert_eq!(Reflection::parse("a", "b", Some(10)).unwrap().rating, 10);
        assert_eq!(Reflection::parse("a", "b", Some(11)).unwrap_err().field, "rating");
        assert_eq!(Reflection::parse("a", "b", Some(-1)).unwrap_err().field, "rating");
        assert_eq!(Reflection::parse("a", "b", None).unwrap_err().field, "rating");
        assert_eq!(Reflection::parse("", "b", Some(3)).unwrap_err().field, "learned");
        assert_eq!("rebuild".parse::<PairTrack>().unwrap(), PairTrack::Rebuild);
        assert!("both".parse::<PairTrack>().is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn finished(on: Date, level: u8) -> Practice {
        Practice { on, level: Some(Level(level)), finished_exercise: true }
    }

    fn practised(on: Date) -> Practice {
        Practice { on, level: None, finished_exercise: false }
    }

    #[test]
    fn level_parses_only_one_to_five() {
        assert!(Level::new(0).is_err());
        assert!(Level::new(6).is_err());
        assert_eq!(Level::new(3).unwrap().get(), 3);
        assert_eq!("4".parse::<Level>().unwrap(), Level(4));
        assert!("five".parse::<Level>().is_err());
        assert_eq!(Level::MAX.next(), None);
        assert_eq!(Level::MIN.previous(), None);
        assert_eq!(Level(2).next(), Some(Level(3)));
    }

    #[test]
    fn pair_pace_is_the_slower_and_symmetric() {
        for a in Pace::ALL {
            for b in Pace::ALL {
                assert_eq!(pair_pace(a, b), pair_pace(b, a));
                assert!(pair_pace(a, b) <= a && pair_pace(a, b) <= b);
            }
        }
        assert_eq!(pair_pace(Pace::Steady, Pace::Gentle), Pace::Gentle);
        assert_eq!(pair_pace(Pace::Paused, Pace::Steady), Pace::Paused);
        assert_eq!(pair_pace(Pace::Steady, Pace::Steady), Pace::Steady);
    }

    #[test]
    fn two_exercises_on_three_days_open_the_next_level() {
        let log = [finished(date(2026, 1, 1), 1), practised(date(2026, 1, 2)), finished(date(2026, 1, 3), 1)];
        let state = ProgramState::default().advance(&log, Pace::Steady);
        assert_eq!(state, ProgramState { open_level: Level(2), opened_on: Some(date(2026, 1, 3)) });
    }

    #[test]
    fn many_exercises_on_one_day_do_not_open_a_level() {
        let day = date(2026, 1, 1);
        let log: Vec<Practice> = (0..6).map(|_| finished(day, 1)).collect();
        let state = ProgramState::default().advance(&log, Pace::Steady);
        assert_eq!(state.open_level, Level(1));
        let remaining = state.remaining(&log, Pace::Steady).unwrap();
        assert_eq!(remaining, LevelProgress { exercises_finished: 0, practice_days: 2 });
    }

    #[test]
    fn many_days_without_finishing_do_not_open_a_level() {
        let log: Vec<Practice> = (1..=20).map(|d| practised(date(2026, 1, d))).collect();
        assert_eq!(ProgramState::default().advance(&log, Pace::Steady).open_level, Level(1));
    }

    #[test]
    fn exercises_below_the_open_level_do_not_count() {
        let start = ProgramState { open_level: Level(2), opened_on: Some(date(2026, 1, 1)) };
        let log = [finished(date(2026, 1, 2), 1), finished(date(2026, 1, 3), 1), finished(date(2026, 1, 4), 1)];
        assert_eq!(start.advance(&log, Pace::Steady), start);
        let progress = start.progress(&log);
        assert_eq!(progress, LevelProgress { exercises_finished: 0, practice_days: 3 });
    }

    #[test]
    fn practice_on_or_before_the_opening_day_is_not_counted_again() {
        let opened = date(2026, 1, 3);
        let start = ProgramState { open_level: Level(2), opened_on: Some(opened) };
        let log = [finished(date(2026, 1, 1), 2), finished(opened, 2), finished(date(2026, 1, 4), 2)];
        assert_eq!(start.progress(&log), LevelProgress { exercises_finished: 1, practice_days: 1 });
    }

    #[test]
    fn a_long_gap_costs_nothing() {
        let log = [finished(date(2026, 1, 1), 1), practised(date(2026, 1, 2)), finished(date(2027, 6, 30), 1)];
        let state = ProgramState::default().advance(&log, Pace::Steady);
        assert_eq!(state.open_level, Level(2));
    }

    #[test]
    fn levels_open_one_after_another_in_date_order() {
        let mut log = Vec::new();
        for (level, first_day) in [(1u8, 1i8), (2, 4), (3, 7), (4, 10), (5, 13)] {
            log.push(finished(date(2026, 3, first_day), level));
            log.push(practised(date(2026, 3, first_day + 1)));
            log.push(finished(date(2026, 3, first_day + 2), level));
        }
        log.reverse(); // order of the log must not matter
        let state = ProgramState::default().advance(&log, Pace::Steady);
        assert_eq!(state.open_level, Level::MAX);
        assert_eq!(state.opened_on, Some(date(2026, 3, 12)));
        assert_eq!(state.remaining(&log, Pace::Steady), None);
    }

    #[test]
    fn gentle_pace_asks_for_more_and_paused_opens_nothing() {
        let log: Vec<Practice> = (1..=3).map(|d| finished(date(2026, 2, d), 1)).collect();
        assert_eq!(ProgramState::default().advance(&log, Pace::Steady).open_level, Level(2));
        assert_eq!(ProgramState::default().advance(&log, Pace::Gentle).open_level, Level(1));
        assert_eq!(ProgramState::default().advance(&log, Pace::Paused).open_level, Level(1));
        let more: Vec<Practice> = (1..=6).map(|d| finished(date(2026, 2, d), 1)).collect();
        assert_eq!(ProgramState::default().advance(&more, Pace::Gentle).open_level, Level(2));
        assert_eq!(ProgramState::default().remaining(&log, Pace::Paused), None);
    }

    #[test]
    fn slowing_down_never_closes_an_open_level() {
        let start = ProgramState { open_level: Level(3), opened_on: Some(date(2026, 1, 10)) };
        for pace in Pace::ALL {
            assert_eq!(start.advance(&[], pace), start);
            assert!(start.advance(&[finished(date(2026, 1, 11), 3)], pace).open_level >= Level(3));
        }
    }

    #[test]
    fn level_and_pace_convert_as_stored_and_shown() {
        assert_eq!(u8::from(Level(3)), 3);
        assert_eq!(Level::try_from(5i64).unwrap(), Level(5));
        assert!(Level::try_from(0i64).is_err());
        assert_eq!(Pace::Gentle.to_string(), "gentle");
        assert_eq!(Pace::default(), Pace::Steady);
    }

    #[test]
    fn pace_round_trips_through_text() {
        for pace in Pace::ALL {
            assert_eq!(pace.as_str().parse::<Pace>().unwrap(), pace);
        }
        assert!("fast".parse::<Pace>().is_err());
    }
}
