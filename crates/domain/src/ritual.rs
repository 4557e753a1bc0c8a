//! The weekly ritual of connection: a fixed time each week and a short,
//! ordered agenda the two of you walk through together.
//!
//! The slot is a local wall-clock time in a named zone ("Sunday 19:30 in
//! Europe/Paris"), so it stays at 19:30 when the clocks change. One ritual per
//! pair per ISO week: the store keys rituals by [`week_key`], so both partners
//! pressing "start" at once end up in the same ritual.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan, Zoned};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::fields::{multi_line, text_newtype};
use crate::{FieldError, Id};

/// "Every <weekday> at <time>, in <tz>".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklySlot {
    pub weekday: Weekday,
    pub time: Time,
    /// A validated IANA zone name.
    pub tz: String,
}

fn parse_weekday(raw: &str) -> Option<Weekday> {
    let s = raw.trim().to_ascii_lowercase();
    let all = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    // Full names or the usual three-letter abbreviations.
    all.into_iter().find(|(name, _)| s == *name || (s.len() == 3 && name.starts_with(&s))).map(|(_, d)| d)
}

/// "HH:MM", 24-hour; a single-digit hour ("9:30") is accepted.
fn parse_hhmm(raw: &str) -> Option<Time> {
    let (h, m) = raw.trim().split_once(':')?;
    let digits = |s: &str, max_len: usize| !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, 2) || !digits(m, 2) || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

pub fn weekday_str(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

impl WeeklySlot {
    pub fn parse(weekday: &str, time: &str, tz: &str) -> Result<Self, FieldError> {
        let weekday = parse_weekday(weekday).ok_or_else(|| FieldError::new("weekday", "pick a day of the week"))?;
        let time = parse_hhmm(time).ok_or_else(|| FieldError::new("time", "use a time like 19:30"))?;
        // The same rule (and length limit) as a person's own time zone.
        let tz = crate::TimeZoneName::parse(tz)?;
        Ok(WeeklySlot { weekday, time, tz: tz.as_str().to_string() })
    }

    pub fn time_zone(&self) -> TimeZone {
        TimeZone::get(&self.tz).unwrap_or(TimeZone::UTC)
    }

    /// "HH:MM" for forms.
    pub fn time_str(&self) -> String {
        format!("{:02}:{:02}", self.time.hour(), self.time.minute())
    }

    /// The slot's instant on a given local date. In a spring-forward gap the
    /// time moves later (02:30 that doesn't exist becomes 03:30); in an
    /// autumn fold the first of the two 01:30s is used.
    fn on(&self, date: Date, tz: &TimeZone) -> Option<Zoned> {
        date.to_datetime(self.time).to_zoned(tz.clone()).ok()
    }

    /// The first slot strictly after `now`.
    pub fn next_after(&self, now: Timestamp) -> Timestamp {
        let tz = self.time_zone();
        let today = now.to_zoned(tz.clone()).date();
        for offset in 0..=8i64 {
            let Ok(date) = today.checked_add(offset.days()) else { break };
            if date.weekday() != self.weekday {
                continue;
            }
            if let Some(z) = self.on(date, &tz) {
                if z.timestamp() > now {
                    return z.timestamp();
                }
            }
        }
        // Only reachable at the very end of jiff's supported range.
        now
    }

    /// The latest slot at or before `now`.
    pub fn last_at_or_before(&self, now: Timestamp) -> Option<Timestamp> {
        let tz = self.time_zone();
        let today = now.to_zoned(tz.clone()).date();
        for offset in 0..=8i64 {
            let Ok(date) = today.checked_sub(offset.days()) else { break };
            if date.weekday() != self.weekday {
                continue;
            }
            if let Some(z) = self.on(date, &tz) {
                if z.timestamp() <= now {
                    return Some(z.timestamp());
                }
            }
        }
        None
    }

    /// True from the slot's start until `window` later: "it's ritual time".
    pub fn is_due(&self, now: Timestamp, window: SignedDuration) -> bool {
        self.last_at_or_before(now).is_some_and(|start| now.duration_since(start) < window)
    }
}

/// The ISO week of `ts` as seen in `tz`, like "2026-W47". Around New Year the
/// ISO year can differ from the calendar year (29 Dec 2025 is "2026-W01").
pub fn week_key(ts: Timestamp, tz: &TimeZone) -> String {
    let week = ts.to_zoned(tz.clone()).date().iso_week_date();
    format!("{:04}-W{:02}", week.year(), week.week())
}

/// A week key ("2026-W49") as a person says it, seen from `now` in `tz`:
/// "this week", "last week", "next week", or "the week of 30 November"
/// (with the year when it is not this year). A key that is not a week
/// reads as itself rather than failing a page.
pub fn week_name(key: &str, now: Timestamp, tz: &TimeZone) -> String {
    let Some(monday) = week_monday(key) else { return key.to_string() };
    let today = now.to_zoned(tz.clone()).date();
    let this_monday = today - i64::from(today.weekday().to_monday_zero_offset()).days();
    let weeks_ago = (this_monday - monday).get_days().div_euclid(7);
    match weeks_ago {
        0 => "this week".to_string(),
        1 => "last week".to_string(),
        -1 => "next week".to_string(),
        _ if monday.year() == today.year() => format!("the week of {}", monday.strftime("%-d %B")),
        _ => format!("the week of {}", monday.strftime("%-d %B %Y")),
    }
}

/// The Monday that starts the ISO week `key` names.
fn week_monday(key: &str) -> Option<jiff::civil::Date> {
    let (year, week) = key.split_once("-W")?;
    let date = jiff::civil::ISOWeekDate::new(year.parse().ok()?, week.parse().ok()?, Weekday::Monday).ok()?;
    Some(date.date())
}

/// The agenda, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgendaStep {
    Appreciations,
    WentWell,
    Promises,
    Concerns,
    Boundaries,
    CanIDo,
    Heard,
    Done,
}

impl AgendaStep {
    pub const ALL: [AgendaStep; 8] = [
        AgendaStep::Appreciations,
        AgendaStep::WentWell,
        AgendaStep::Promises,
        AgendaStep::Concerns,
        AgendaStep::Boundaries,
        AgendaStep::CanIDo,
        AgendaStep::Heard,
        AgendaStep::Done,
    ];

    pub fn first() -> Self {
        AgendaStep::Appreciations
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgendaStep::Appreciations => "appreciations",
            AgendaStep::WentWell => "went_well",
            AgendaStep::Promises => "promises",
            AgendaStep::Concerns => "concerns",
            AgendaStep::Boundaries => "boundaries",
            AgendaStep::CanIDo => "can_i_do",
            AgendaStep::Heard => "heard",
            AgendaStep::Done => "done",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            AgendaStep::Appreciations => "Appreciations",
            AgendaStep::WentWell => "What went well",
            AgendaStep::Promises => "Our promises",
            AgendaStep::Concerns => "One concern each",
            AgendaStep::Boundaries => "Boundaries",
            AgendaStep::CanIDo => "What can I do for you?",
            AgendaStep::Heard => "Did you feel heard?",
            AgendaStep::Done => "Done",
        }
    }

    pub fn prompt(self) -> &'static str {
        match self {
            AgendaStep::Appreciations => {
                "Start warm. Name something your partner did this week that you were glad about, however small."
            }
            AgendaStep::WentWell => "What worked between you this week? Noticing it helps you do more of it.",
            AgendaStep::Promises => {
                "Look at the promises you made each other: which were kept, which need new terms, which can be let go."
            }
            AgendaStep::Concerns => {
                "Each of you may raise one thing that bothered you. Say how it felt for you (\"I felt…\") and suggest one thing that would help."
            }
            AgendaStep::Boundaries => {
                "Is there a limit you want to name or adjust? Saying it calmly now spares a hurt later."
            }
            AgendaStep::CanIDo => "Ask each other: what is one thing I could do for you in the coming week?",
            AgendaStep::Heard => {
                "From 0 to 10, how heard did you feel today? An honest number is more useful than a polite one."
            }
            AgendaStep::Done => "That's it for this week. Thank you both for showing up for each other.",
        }
    }

    /// The steps a member answers, in order (every step but `Done`).
    pub fn answer_steps() -> &'static [AgendaStep] {
        &AgendaStep::ALL[..AgendaStep::ALL.len() - 1]
    }

    /// "Step 3 of 7": this step's place among the answer steps (1-based),
    /// `None` for `Done`.
    pub fn number(self) -> Option<usize> {
        AgendaStep::answer_steps().iter().position(|s| *s == self).map(|i| i + 1)
    }

    /// The step before; `None` on the first.
    pub fn previous(self) -> Option<Self> {
        let i = AgendaStep::ALL.iter().position(|s| *s == self)?;
        i.checked_sub(1).map(|j| AgendaStep::ALL[j])
    }

    /// Steps where each partner gives their own answer. In these, one's
    /// words are not coloured by the other's: the partner's answer stays
    /// out of sight until you have written yours or chosen to skip.
    pub fn both_answer(self) -> bool {
        matches!(self, AgendaStep::Appreciations | AgendaStep::Concerns | AgendaStep::Heard)
    }

    /// The following step; `None` after `Done`.
    pub fn next(self) -> Option<Self> {
        let i = AgendaStep::ALL.iter().position(|s| *s == self)?;
        AgendaStep::ALL.get(i + 1).copied()
    }
}

impl fmt::Display for AgendaStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AgendaStep {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgendaStep::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| FieldError::new("step", "unknown agenda step"))
    }
}

/// How heard someone felt, 0..=10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "i64", into = "u8")]
pub struct HeardRating(u8);

impl HeardRating {
    pub const MIN: i64 = 0;
    pub const MAX: i64 = 10;
    pub fn parse(raw: i64) -> Result<Self, FieldError> {
        if (Self::MIN..=Self::MAX).contains(&raw) {
            Ok(HeardRating(raw as u8))
        } else {
            Err(FieldError::new("heard", "pick a number from 0 to 10"))
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for HeardRating {
    type Error = FieldError;
    fn try_from(v: i64) -> Result<Self, FieldError> {
        HeardRating::parse(v)
    }
}

impl From<HeardRating> for u8 {
    fn from(r: HeardRating) -> u8 {
        r.0
    }
}

/// Text written during a ritual step (an appreciation, a boundary, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RitualText(String);
text_newtype!(RitualText);

impl RitualText {
    pub const MAX: usize = 1000;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multi_line("text", raw, 1, Self::MAX).map(RitualText)
    }
}

/// What a member typed in a step but has not saved as an answer yet. Kept
/// as typed (no trimming, empty allowed: clearing a field is a draft too),
/// only bounded like an answer.
pub fn draft_text(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let n = raw.chars().count();
    if n > RitualText::MAX {
        return Err(FieldError::new(field, format!("can be at most {} characters (this is {n})", RitualText::MAX)));
    }
    Ok(raw.to_string())
}

/// May a member read the partner's answer to `step`? Always once the
/// ritual is finished (it is then a record both reread), and in steps one
/// answers alone; in a step both answer, once they have answered it
/// themselves or chosen to skip it.
pub fn partner_answer_visible(step: AgendaStep, finished: bool, answered: bool, skipped: bool) -> bool {
    finished || !step.both_answer() || answered || skipped
}

/// One concern: how it felt, told from "I", and one proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concern {
    pub feeling: RitualText,
    pub proposal: RitualText,
}

/// Does the text speak from the first person somewhere ("I", "I'm", "I've")?
fn speaks_for_self(s: &str) -> bool {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .any(|w| w == "I" || w.starts_with("I'") || w.starts_with("I’"))
}

impl Concern {
    pub fn parse(feeling: &str, proposal: &str) -> Result<Self, FieldError> {
        let feeling = RitualText::parse(feeling).map_err(|e| FieldError::new("feeling", e.message))?;
        if !speaks_for_self(feeling.as_str()) {
            return Err(FieldError::new(
                "feeling",
                "try saying it from your side, with \"I\" (for example \"I felt alone when…\")",
            ));
        }
        let proposal = RitualText::parse(proposal)
            .map_err(|_| FieldError::new("proposal", "add one thing that would help, however small"))?;
        Ok(Concern { feeling, proposal })
    }
}

/// What has been written in one step so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub step: AgendaStep,
    /// The author of each item written in this step (one entry per item).
    pub authors: Vec<Id>,
    /// Heard ratings given (only meaningful in the `Heard` step).
    pub heard: Vec<(Id, HeardRating)>,
}

impl StepState {
    pub fn new(step: AgendaStep) -> Self {
        StepState { step, authors: Vec::new(), heard: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RitualError {
    #[error("Each of you shares at least one appreciation before finishing.")]
    NeedsAppreciationFromEach,
    #[error("Each of you gives a heard rating before finishing.")]
    NeedsHeardFromEach,
    #[error("One concern each per week keeps it gentle; yours is already on the table.")]
    OneConcernEach,
    #[error("You've already given your heard rating.")]
    AlreadyRated,
    #[error("Only the two of you can take part in your ritual.")]
    NotAMember,
    #[error("This ritual is finished; nothing more can be added.")]
    Finished,
}

impl RitualError {
    pub fn code(&self) -> &'static str {
        match self {
            RitualError::NeedsAppreciationFromEach => "needs_appreciation_from_each",
            RitualError::NeedsHeardFromEach => "needs_heard_from_each",
            RitualError::OneConcernEach => "one_concern_each",
            RitualError::AlreadyRated => "already_rated",
            RitualError::NotAMember => "not_a_member",
            RitualError::Finished => "finished",
        }
    }
}

/// May `member` add an item to `step` (given what it holds already)?
pub fn can_add(members: &[Id], state: &StepState, member: Id) -> Result<(), RitualError> {
    if !members.contains(&member) {
        return Err(RitualError::NotAMember);
    }
    match state.step {
        AgendaStep::Done => Err(RitualError::Finished),
        AgendaStep::Concerns if state.authors.contains(&member) => Err(RitualError::OneConcernEach),
        AgendaStep::Heard if state.heard.iter().any(|(m, _)| *m == member) => Err(RitualError::AlreadyRated),
        _ => Ok(()),
    }
}

/// Can the ritual be finished? Appreciations from each member and a heard
/// rating from each; every other step may be passed over. Missing steps count
/// as empty.
pub fn can_finish(members: &[Id], step_states: &[StepState]) -> Result<(), RitualError> {
    let step = |s: AgendaStep| step_states.iter().filter(move |st| st.step == s);
    let appreciated = |m: &Id| step(AgendaStep::Appreciations).any(|st| st.authors.contains(m));
    if !members.iter().all(appreciated) {
        return Err(RitualError::NeedsAppreciationFromEach);
    }
    let rated = |m: &Id| step(AgendaStep::Heard).any(|st| st.heard.iter().any(|(who, _)| who == m));
    if !members.iter().all(rated) {
        return Err(RitualError::NeedsHeardFromEach);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn weeks_have_human_names() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let now: Timestamp = "2026-12-02T10:00:00Z".parse().unwrap(); // a Wednesday
        assert_eq!(week_key(now, &tz), "2026-W49");
        assert_eq!(week_name("2026-W49", now, &tz), "this week");
        assert_eq!(week_name("2026-W48", now, &tz), "last week");
        assert_eq!(week_name("2026-W50", now, &tz), "next week");
        assert_eq!(week_name("2026-W47", now, &tz), "the week of 16 November");
        assert_eq!(week_name("2025-W49", now, &tz), "the week of 1 December 2025");
        // Around New Year: ISO week 1 of 2026 starts on 29 December 2025.
        let new_year: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
        assert_eq!(week_name("2026-W01", new_year, &tz), "this week");
        assert_eq!(week_name("2025-W52", new_year, &tz), "last week");
        assert_eq!(week_name("not a week", now, &tz), "not a week");
    }

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn slots_are_validated() {
        let s = WeeklySlot::parse("Sunday", "19:30", "Europe/Paris").unwrap();
        assert_eq!((s.weekday, s.time_str(), s.tz.as_str()), (Weekday::Sunday, "19:30".to_string(), "Europe/Paris"));
        assert_eq!(WeeklySlot::parse("tue", "9:05", "UTC").unwrap().weekday, Weekday::Tuesday);
        assert_eq!(WeeklySlot::parse("funday", "19:30", "UTC").unwrap_err().field, "weekday");
        for bad in ["24:00", "19:60", "1930", "19:3", "ab:cd", "", "-1:30", "123:00"] {
            assert_eq!(WeeklySlot::parse("monday", bad, "UTC").unwrap_err().field, "time", "{bad}");
        }
        assert_eq!(WeeklySlot::parse("monday", "10:00", "Mars/Olympus").unwrap_err().field, "time_zone");
        // A huge zone name is refused without being echoed back in full.
        let long = WeeklySlot::parse("monday", "10:00", &"Europe/".repeat(5_000)).unwrap_err();
        assert_eq!(long.field, "time_zone");
        assert!(long.message.len() < 200, "{}", long.message.len());
        assert_eq!(weekday_str(s.weekday), "sunday");
    }

    #[test]
    fn next_after_finds_the_next_local_slot() {
        let s = WeeklySlot::parse("sunday", "19:30", "Europe/Paris").unwrap();
        // Wednesday 2026-01-07 → Sunday 2026-01-11 19:30 CET = 18:30Z.
        assert_eq!(s.next_after(ts("2026-01-07T10:00:00Z")), ts("2026-01-11T18:30:00Z"));
        // Exactly at the slot: the next one is a week later.
        assert_eq!(s.next_after(ts("2026-01-11T18:30:00Z")), ts("2026-01-18T18:30:00Z"));
        // Same day, before the slot.
        assert_eq!(s.next_after(ts("2026-01-11T08:00:00Z")), ts("2026-01-11T18:30:00Z"));
    }

    #[test]
    fn the_local_time_holds_across_daylight_saving() {
        let s = WeeklySlot::parse("sunday", "19:30", "Europe/Paris").unwrap();
        // Clocks go forward on Sunday 2026-03-29: 19:30 is then CEST (17:30Z).
        let before = s.next_after(ts("2026-03-23T00:00:00Z"));
        assert_eq!(before, ts("2026-03-29T17:30:00Z"));
        let prev = s.next_after(ts("2026-03-16T00:00:00Z"));
        assert_eq!(prev, ts("2026-03-22T18:30:00Z"));
        assert_eq!(before.duration_since(prev), SignedDuration::from_hours(7 * 24 - 1));
        // A slot inside the spring gap moves later instead of vanishing.
        let gap = WeeklySlot::parse("sunday", "02:30", "Europe/Paris").unwrap();
        assert_eq!(gap.next_after(ts("2026-03-28T12:00:00Z")), ts("2026-03-29T01:30:00Z"));
        // Chained slots every week stay at 19:30 local all year.
        let tz = s.time_zone();
        let mut t = ts("2026-01-01T00:00:00Z");
        for _ in 0..60 {
            t = s.next_after(t);
            let z = t.to_zoned(tz.clone());
            assert_eq!((z.weekday(), z.hour(), z.minute()), (Weekday::Sunday, 19, 30));
        }
    }

    #[test]
    fn due_within_the_window_after_the_start() {
        let s = WeeklySlot::parse("sunday", "19:30", "UTC").unwrap();
        let w = SignedDuration::from_hours(3);
        assert!(!s.is_due(ts("2026-01-11T19:29:00Z"), w));
        assert!(s.is_due(ts("2026-01-11T19:30:00Z"), w));
        assert!(s.is_due(ts("2026-01-11T22:29:00Z"), w));
        assert!(!s.is_due(ts("2026-01-11T22:30:00Z"), w));
        assert!(!s.is_due(ts("2026-01-14T12:00:00Z"), w));
    }

    #[test]
    fn week_keys_follow_iso_weeks_in_the_pairs_zone() {
        let utc = TimeZone::UTC;
        assert_eq!(week_key(ts("2026-11-18T12:00:00Z"), &utc), "2026-W47");
        assert_eq!(week_key(ts("2025-12-29T12:00:00Z"), &utc), "2026-W01");
        assert_eq!(week_key(ts("2027-01-01T12:00:00Z"), &utc), "2026-W53");
        // Sunday 23:30 in UTC is already Monday in Tokyo: a new week there.
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(week_key(ts("2026-11-22T23:30:00Z"), &utc), "2026-W47");
        assert_eq!(week_key(ts("2026-11-22T23:30:00Z"), &tokyo), "2026-W48");
        // Both partners starting seconds apart get the same key.
        assert_eq!(week_key(ts("2026-11-18T12:00:00Z"), &utc), week_key(ts("2026-11-18T12:00:01Z"), &utc));
    }

    #[test]
    fn agenda_runs_in_order() {
        let mut step = AgendaStep::first();
        let mut seen = vec![step];
        while let Some(n) = step.next() {
            assert!(n > step);
            seen.push(n);
            step = n;
        }
        assert_eq!(seen, AgendaStep::ALL);
        for s in AgendaStep::ALL {
            assert_eq!(s.as_str().parse::<AgendaStep>().unwrap(), s);
            assert!(!s.title().is_empty());
            let sentences = s.prompt().matches(['.', '?']).count();
            assert!((1..=3).contains(&sentences), "{s}: {}", s.prompt());
        }
        assert!("nope".parse::<AgendaStep>().is_err());
    }

    #[test]
    fn steps_are_numbered_with_heard_last() {
        assert_eq!(AgendaStep::answer_steps().len(), 7);
        assert_eq!(AgendaStep::answer_steps().last(), Some(&AgendaStep::Heard));
        assert_eq!(AgendaStep::Appreciations.number(), Some(1));
        assert_eq!(AgendaStep::Promises.number(), Some(3));
        assert_eq!(AgendaStep::Heard.number(), Some(7));
        assert_eq!(AgendaStep::Done.number(), None);
        assert_eq!(AgendaStep::Appreciations.previous(), None);
        assert_eq!(AgendaStep::WentWell.previous(), Some(AgendaStep::Appreciations));
        assert_eq!(AgendaStep::Done.previous(), Some(AgendaStep::Heard));
        let both: Vec<_> = AgendaStep::ALL.into_iter().filter(|s| s.both_answer()).collect();
        assert_eq!(both, [AgendaStep::Appreciations, AgendaStep::Concerns, AgendaStep::Heard]);
    }

    #[test]
    fn a_partners_answer_waits_for_yours_in_steps_both_answer() {
        use AgendaStep::*;
        assert!(!partner_answer_visible(Appreciations, false, false, false));
        assert!(partner_answer_visible(Appreciations, false, true, false));
        assert!(partner_answer_visible(Concerns, false, false, true));
        assert!(!partner_answer_visible(Heard, false, false, false));
        assert!(partner_answer_visible(Heard, true, false, false), "a finished ritual is a record");
        assert!(partner_answer_visible(WentWell, false, false, false), "a shared step");
    }

    #[test]
    fn drafts_are_kept_as_typed_within_bounds() {
        assert_eq!(draft_text("body", "").unwrap(), "");
        assert_eq!(draft_text("body", "  half a thought ").unwrap(), "  half a thought ");
        assert_eq!(draft_text("body", &"é".repeat(1000)).unwrap().chars().count(), 1000);
        let long = draft_text("proposal", &"x".repeat(1001)).unwrap_err();
        assert_eq!(long.field, "proposal");
    }

    #[test]
    fn heard_ratings_are_0_to_10() {
        assert_eq!(HeardRating::parse(0).unwrap().get(), 0);
        assert_eq!(HeardRating::parse(10).unwrap().get(), 10);
        assert!(HeardRating::parse(11).is_err());
        assert!(HeardRating::parse(-1).is_err());
    }

    #[test]
    fn concerns_are_i_statements_with_a_proposal() {
        assert!(Concern::parse("I felt left out on Saturday", "Tell me when plans change").is_ok());
        assert!(Concern::parse("When plans changed, I'm the last to know", "A quick text").is_ok());
        assert_eq!(Concern::parse("You never tell me anything", "Tell me").unwrap_err().field, "feeling");
        assert_eq!(Concern::parse("I felt alone", "  ").unwrap_err().field, "proposal");
        assert_eq!(Concern::parse("", "x").unwrap_err().field, "feeling");
    }

    #[test]
    fn finishing_needs_an_appreciation_and_a_rating_from_each() {
        let (a, b) = (Id::from_db(1), Id::from_db(2));
        let members = [a, b];
        let mut appreciations = StepState::new(AgendaStep::Appreciations);
        appreciations.authors = vec![a, a];
        let mut heard = StepState::new(AgendaStep::Heard);
        heard.heard = vec![(a, HeardRating::parse(7).unwrap())];
        let e = can_finish(&members, &[appreciations.clone(), heard.clone()]).unwrap_err();
        assert_eq!(e.code(), "needs_appreciation_from_each");
        appreciations.authors.push(b);
        let e = can_finish(&members, &[appreciations.clone(), heard.clone()]).unwrap_err();
        assert_eq!(e.code(), "needs_heard_from_each");
        heard.heard.push((b, HeardRating::parse(9).unwrap()));
        assert!(can_finish(&members, &[appreciations.clone(), heard]).is_ok());
        assert_eq!(can_finish(&members, &[]).unwrap_err().code(), "needs_appreciation_from_each");
    }

    #[test]
    fn one_concern_and_one_rating_each() {
        let (a, b, c) = (Id::from_db(1), Id::from_db(2), Id::from_db(3));
        let members = [a, b];
        let mut concerns = StepState::new(AgendaStep::Concerns);
        assert!(can_add(&members, &concerns, a).is_ok());
        concerns.authors.push(a);
        assert_eq!(can_add(&members, &concerns, a).unwrap_err().code(), "one_concern_each");
        assert!(can_add(&members, &concerns, b).is_ok());
        assert_eq!(can_add(&members, &concerns, c).unwrap_err().code(), "not_a_member");
        let mut heard = StepState::new(AgendaStep::Heard);
        heard.heard.push((b, HeardRating::parse(5).unwrap()));
        assert_eq!(can_add(&members, &heard, b).unwrap_err().code(), "already_rated");
        let mut appreciations = StepState::new(AgendaStep::Appreciations);
        appreciations.authors = vec![a, a, a];
        assert!(can_add(&members, &appreciations, a).is_ok());
        assert_eq!(can_add(&members, &StepState::new(AgendaStep::Done), a).unwrap_err().code(), "finished");
    }
}
