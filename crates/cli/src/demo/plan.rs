//! Six months of a couple's life, planned without touching the database:
//! which promises were made and what became of them, who thanked whom for
//! what, what each said in the weekly ritual and how each rated their trust.
//! A fixed seed makes it the same story every time; only the dates move
//! with "now", so the last entries are always recent.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use troth_domain::ritual::AgendaStep;

use super::words::{self, Act, ConcernText, PromiseIdea};

/// Story weeks run from 0 (six months ago) to `LAST_WEEK` (the week that
/// ended last Sunday); the days since then are "this week".
pub const LAST_WEEK: usize = 25;
/// The week Bo took a gig on Marta's birthday and told Ana an hour before.
pub const HARD_WEEK: usize = 17;
/// Weeks without a ritual: busy, away (Ghent), and the raw week after the hard one.
const SKIPPED_RITUALS: [usize; 4] = [2, 8, 18, 20];
/// How many weeks after an event thanks for it still sound natural.
const EVENT_WEEKS: usize = 2;
/// A week without a quick thank-you (they happen).
const QUIET_WEEK: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Ana,
    Bo,
}

impl Who {
    pub fn other(self) -> Who {
        match self {
            Who::Ana => Who::Bo,
            Who::Bo => Who::Ana,
        }
    }
}

/// A small deterministic generator (SplitMix64): the demo needs repeatable
/// variety, not cryptographic randomness, and no extra dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A whole number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// A real number in -1.0..1.0.
    fn wobble(&mut self) -> f64 {
        (self.next() % 2001) as f64 / 1000.0 - 1.0
    }
}

/// Cycles through a small list in shuffled order, reshuffling when it runs
/// out, so a phrase comes back only after all the others have had a turn.
pub struct Deck<T: Copy> {
    items: Vec<T>,
    next: usize,
}

impl<T: Copy> Deck<T> {
    pub fn new(items: &[T]) -> Self {
        Deck { items: items.to_vec(), next: items.len() }
    }
    pub fn draw(&mut self, rng: &mut Rng) -> T {
        if self.next >= self.items.len() {
            for i in (1..self.items.len()).rev() {
                self.items.swap(i, rng.range(0, i as i64) as usize);
            }
            self.next = 0;
        }
        self.next += 1;
        self.items[self.next - 1]
    }
}

/// Local times for the demo: "three days ago at 19:00 in Amsterdam".
pub struct Clock {
    pub now: Timestamp,
    pub tz: TimeZone,
    today: Date,
    /// Days from last Sunday to today (1..=7).
    since_sunday: i64,
}

impl Clock {
    pub fn new(now: Timestamp, tz: TimeZone) -> Self {
        let today = now.to_zoned(tz.clone()).date();
        let since_sunday = match today.weekday().to_monday_zero_offset() as i64 {
            6 => 7,
            monday_zero => monday_zero + 1,
        };
        Clock { now, tz, today, since_sunday }
    }

    /// `days_ago` days before today (negative: after), at `hour:minute` local.
    pub fn at(&self, days_ago: i64, hour: i8, minute: i8) -> Timestamp {
        let date = self.today.checked_sub(days_ago.days()).expect("demo dates are near today");
        date.at(hour, minute, 0, 0).to_zoned(self.tz.clone()).map(|z| z.timestamp()).unwrap_or(self.now)
    }

    /// Days ago of a weekday (0 = Monday … 6 = Sunday) in a story week.
    pub fn day(&self, week: usize, weekday: i64) -> i64 {
        self.since_sunday + 7 * (LAST_WEEK - week) as i64 + (6 - weekday)
    }

    /// Days of "this week" already past (yesterday back to Monday).
    pub fn days_this_week(&self) -> i64 {
        self.since_sunday - 1
    }
}

pub enum Fate {
    /// Claimed by the promiser, confirmed by the partner.
    Kept {
        claimed: Timestamp,
        confirmed: Timestamp,
    },
    /// New terms asked for before the due time, then (if `kept`) kept.
    Renegotiated {
        at: Timestamp,
        new_due: Timestamp,
        note: &'static str,
        kept: Option<(Timestamp, Timestamp)>,
    },
    /// Marked missed (by the partner once past due, or owned up to), then apologised for.
    Missed {
        marked_by_partner: bool,
        marked: Timestamp,
        apology: &'static str,
        apologised: Timestamp,
    },
    Released {
        at: Timestamp,
        note: &'static str,
    },
    /// The promiser says it is done; the partner has not confirmed yet.
    Claimed {
        at: Timestamp,
    },
    Open,
}

pub struct PlannedPromise {
    pub by: Who,
    pub text: &'static str,
    pub category: &'static str,
    pub made: Timestamp,
    pub due: Timestamp,
    pub week: usize,
    pub fate: Fate,
}

pub struct PlannedThanks {
    pub by: Who,
    pub text: String,
    pub at: Timestamp,
    pub hearted: bool,
    pub favourite_of_recipient: bool,
}

pub struct PlannedAnswer {
    pub by: Who,
    pub step: AgendaStep,
    pub body: String,
    pub proposal: Option<&'static str>,
    pub heard: Option<i64>,
}

pub struct PlannedRitual {
    pub started_by: Who,
    pub at: Timestamp,
    pub answers: Vec<PlannedAnswer>,
    pub finished: Timestamp,
}

pub struct PlannedPulse {
    pub by: Who,
    pub ratings: [u8; 6],
    pub note: &'static str,
    pub shared: bool,
    pub at: Timestamp,
}

pub struct Plan {
    pub promises: Vec<PlannedPromise>,
    pub thanks: Vec<PlannedThanks>,
    pub rituals: Vec<PlannedRitual>,
    pub pulses: Vec<PlannedPulse>,
}

const SEED: u64 = 0x0A4A_B0B0_2026_0611;

pub fn plan(clock: &Clock) -> Plan {
    let mut rng = Rng::new(SEED);
    let promises = promises(clock, &mut rng);
    let mut acts = Acts::new(&mut rng);
    let thanks = thanks(clock, &mut rng, &mut acts);
    let rituals = rituals(clock, &mut rng, &mut acts, &promises);
    let pulses = pulses(clock, &mut rng);
    Plan { promises, thanks, rituals, pulses }
}

// ------------------------------------------------------------- promises

enum Script {
    Missed { by_partner: bool, apology: &'static str },
    Renegotiated { days_later: i64, note: &'static str },
    Released { note: &'static str },
}

/// The promises with a story: (who, text, category, week, weekday due, what happened).
const SCRIPTED: &[(Who, &str, &str, usize, i64, Script)] = &[
    (Who::Bo, "Text when I leave the studio, not when I get home", "time together", 3, 4, Script::Missed {
        by_partner: true,
        apology: "I got caught up packing the gear and forgot. I'm sorry you sat there without news. I've set a reminder for ten o'clock on gig nights.",
    }),
    (Who::Ana, "Paint the hallway before your mum visits", "home", 5, 5, Script::Renegotiated {
        days_later: 7,
        note: "The shop is out of the colour until next week. Could we say the Saturday after? Your mum will have to admire the old paint.",
    }),
    (Who::Bo, "Pay back the concert tickets", "money", 6, 5, Script::Released {
        note: "Call it my treat; you drove both ways.",
    }),
    (Who::Ana, "Sort out the car insurance before it renews", "money", 8, 2, Script::Missed {
        by_partner: false,
        apology: "I left it to the last day and the office had closed, so we paid more than we needed to. I'm sorry. Renewals go in the calendar a month ahead from now on.",
    }),
    (Who::Bo, "Fix the light on your bike", "home", 8, 4, Script::Renegotiated {
        days_later: 6,
        note: "The part only comes next week. Can we say next Thursday? Take my lights until then.",
    }),
    (Who::Bo, "Be at Marta's birthday dinner by seven", "family", HARD_WEEK, 4, Script::Missed {
        by_partner: false,
        apology: "I said yes to a gig without checking and told you far too late. I'm sorry, to you and to Marta. Family dates go in the calendar first now, and I check it before I answer anyone.",
    }),
    (Who::Ana, "Go running with you on Sunday mornings", "health", 13, 6, Script::Released {
        note: "Your knee needs rest more than I need a running partner. Let's let this one go.",
    }),
    (Who::Bo, "Send you three ideas for Ghent", "time together", 18, 6, Script::Renegotiated {
        days_later: 2,
        note: "The mix deadline moved to Sunday. Can I send them on Tuesday evening instead?",
    }),
    (Who::Ana, "Call the landlord about the damp", "home", 21, 2, Script::Renegotiated {
        days_later: 2,
        note: "They only answer on weekdays and I'm on nights until Thursday. Friday morning?",
    }),
    (Who::Ana, "Come to Jonas's gig on Friday", "friends", 22, 4, Script::Missed {
        by_partner: true,
        apology: "I fell asleep after the night shift and woke at eleven. I'm sorry, I know you'd told Jonas I'd be there. I'll come to the next one and nap before, not after.",
    }),
];

fn promises(clock: &Clock, rng: &mut Rng) -> Vec<PlannedPromise> {
    let mut out = Vec::new();
    let mut used_ana = vec![false; words::ANA_PROMISES.len()];
    let mut used_bo = vec![false; words::BO_PROMISES.len()];
    for week in 0..=LAST_WEEK {
        let scripted: Vec<_> = SCRIPTED.iter().filter(|s| s.3 == week).collect();
        for s in &scripted {
            let (by, text, category, weekday, script) = (s.0, s.1, s.2, s.4, &s.5);
            let due_day = clock.day(week, weekday);
            let due = clock.at(due_day, 19, 0);
            let made = clock.at(due_day + rng.range(3, 8), rng.range(8, 21) as i8, 30);
            let fate = match *script {
                Script::Missed { by_partner, apology } => {
                    let marked = if by_partner {
                        due + SignedDuration::from_hours(rng.range(12, 16))
                    } else {
                        due - SignedDuration::from_hours(1)
                    };
                    Fate::Missed {
                        marked_by_partner: by_partner,
                        marked,
                        apology,
                        apologised: marked + SignedDuration::from_mins(rng.range(30, 600)),
                    }
                }
                Script::Renegotiated { days_later, note } => {
                    let at = due - SignedDuration::from_hours(rng.range(26, 60));
                    let new_due = due + SignedDuration::from_hours(24 * days_later);
                    let claimed = new_due - SignedDuration::from_hours(rng.range(2, 20));
                    let confirmed = (claimed + SignedDuration::from_hours(rng.range(1, 14))).min(recent(clock));
                    Fate::Renegotiated { at, new_due, note, kept: Some((claimed, confirmed)) }
                }
                Script::Released { note } => {
                    Fate::Released { at: due - SignedDuration::from_hours(rng.range(20, 70)), note }
                }
            };
            out.push(PlannedPromise { by, text, category, made, due, week, fate });
        }
        // Two promises a week on average, fewer when a scripted one is due.
        let wanted = [1, 2, 2, 2, 3][rng.range(0, 4) as usize] - scripted.len().min(1);
        let wanted = if week == HARD_WEEK { 0 } else { wanted };
        for _ in 0..wanted {
            let mut by = if rng.chance(50) { Who::Ana } else { Who::Bo };
            let mut idea = take_idea(by, week, &mut used_ana, &mut used_bo);
            if idea.is_none() {
                by = by.other();
                idea = take_idea(by, week, &mut used_ana, &mut used_bo);
            }
            let Some((text, category, _)) = idea else { break };
            let due_day = clock.day(week, rng.range(0, 6));
            let due = clock.at(due_day, rng.range(17, 21) as i8, [0, 30][rng.range(0, 1) as usize]);
            let made = clock.at(due_day + rng.range(2, 6), rng.range(8, 22) as i8, rng.range(0, 59) as i8);
            let claimed = due - SignedDuration::from_hours(rng.range(1, 30));
            let claimed = claimed.max(made + SignedDuration::from_hours(1));
            let confirmed = (claimed + SignedDuration::from_mins(rng.range(20, 1200))).min(recent(clock));
            out.push(PlannedPromise { by, text, category, made, due, week, fate: Fate::Kept { claimed, confirmed } });
        }
    }
    out.extend(this_week(clock));
    out
}

fn take_idea(by: Who, week: usize, used_ana: &mut [bool], used_bo: &mut [bool]) -> Option<PromiseIdea> {
    let (pool, used): (&[PromiseIdea], &mut [bool]) = match by {
        Who::Ana => (words::ANA_PROMISES, used_ana),
        Who::Bo => (words::BO_PROMISES, used_bo),
    };
    let i = timed_position(pool.iter().enumerate().filter(|(i, _)| !used[*i]).map(|(i, idea)| (i, idea.2)), week)?;
    used[i] = true;
    Some(pool[i])
}

/// Of (index, story week) pairs, the one to use in `week`: something tied
/// to an event (week other than 0) within a few weeks of it comes first,
/// else the first timeless one. Nobody says thanks for a trip two months
/// later, or promises to pay for it afterwards.
fn timed_position(candidates: impl Iterator<Item = (usize, usize)> + Clone, week: usize) -> Option<usize> {
    let in_window = |from: usize| from > 0 && (from..=from + EVENT_WEEKS).contains(&week);
    candidates
        .clone()
        .find(|(_, from)| in_window(*from))
        .or_else(|| candidates.into_iter().find(|(_, from)| *from == 0))
        .map(|(i, _)| i)
}

/// A few minutes ago: the latest an action in the past may be dated.
fn recent(clock: &Clock) -> Timestamp {
    clock.now - SignedDuration::from_mins(20)
}

/// What is still open now: due soon, one renegotiated, one waiting for a nod.
fn this_week(clock: &Clock) -> Vec<PlannedPromise> {
    let week = LAST_WEEK + 1;
    let open = |by: Who, text: &'static str, category: &'static str, made_days_ago: i64, due_in_days: i64, hour: i8| {
        PlannedPromise {
            by,
            text,
            category,
            made: clock.at(made_days_ago, 20, 15),
            due: clock.at(-due_in_days, hour, 0),
            week,
            fate: Fate::Open,
        }
    };
    let mut spare_room = open(Who::Bo, "Clear out the spare room", "home", 12, 2, 12);
    spare_room.fate = Fate::Renegotiated {
        at: clock.at(6, 21, 10),
        new_due: spare_room.due,
        note: "Two boxes done; the rest needs the van, and I only have it again this week. A few more days?",
        kept: None,
    };
    spare_room.due = clock.at(5, 12, 0);
    let mut tyres = open(Who::Bo, "Put the winter tyres on the car", "home", 8, 4, 18);
    tyres.fate = Fate::Claimed { at: clock.at(1, 17, 40) };
    vec![
        spare_room,
        tyres,
        open(Who::Ana, "Make the curry on Wednesday (not the chilli)", "home", 2, 1, 19),
        open(Who::Bo, "Carry the Christmas tree up the stairs", "home", 3, 4, 18),
        open(Who::Ana, "Ask for Friday off for our weekend away", "time together", 5, 6, 17),
    ]
}

// ------------------------------------------------------------- thanks and acts

/// Each partner's acts in a shuffled order, each used once, whether in a
/// quick thank-you or in the ritual's appreciations.
struct Acts {
    ana: Vec<Act>,
    bo: Vec<Act>,
}

impl Acts {
    fn new(rng: &mut Rng) -> Self {
        Acts { ana: shuffled(rng, words::ANA_THANKS_BO), bo: shuffled(rng, words::BO_THANKS_ANA) }
    }

    /// The next unused act `by` can thank the other for in `week`.
    fn take(&mut self, by: Who, week: usize) -> Option<&'static str> {
        match by {
            Who::Ana => take_timed(&mut self.ana, week),
            Who::Bo => take_timed(&mut self.bo, week),
        }
    }
}

/// Takes the first fitting phrase from a shuffled pool (see [`timed_position`]).
fn take_timed(pool: &mut Vec<Act>, week: usize) -> Option<&'static str> {
    let i = timed_position(pool.iter().enumerate().map(|(i, (_, from))| (i, *from)), week)?;
    Some(pool.remove(i).0)
}

fn shuffled(rng: &mut Rng, pool: &[Act]) -> Vec<Act> {
    let mut v = pool.to_vec();
    for i in (1..v.len()).rev() {
        v.swap(i, rng.range(0, i as i64) as usize);
    }
    v
}

fn thanks(clock: &Clock, rng: &mut Rng, acts: &mut Acts) -> Vec<PlannedThanks> {
    let mut out = Vec::new();
    let mut forms = Deck::new(words::THANKS_FORMS);
    let mut tails = Deck::new(words::THANKS_TAILS);
    for week in 0..=LAST_WEEK + 1 {
        let count = match week {
            // The hard week, and one ordinary busy week, go without.
            HARD_WEEK | QUIET_WEEK => 0,
            w if w == LAST_WEEK + 1 => clock.days_this_week().min(1),
            _ => rng.range(1, 3),
        };
        for _ in 0..count {
            let by = if rng.chance(50) { Who::Ana } else { Who::Bo };
            let Some(act) = acts.take(by, week) else { continue };
            let (form, tail) = (forms.draw(rng), tails.draw(rng));
            let days_ago = if week > LAST_WEEK { 1 } else { clock.day(week, rng.range(0, 6)) };
            out.push(PlannedThanks {
                by,
                text: format!("{}{tail}", form.replace("{}", act)),
                at: clock.at(days_ago, rng.range(7, 23) as i8, rng.range(0, 59) as i8),
                hearted: rng.chance(65),
                favourite_of_recipient: rng.chance(18),
            });
        }
    }
    out
}

// ------------------------------------------------------------- rituals

/// Weeks in which each raises their concern (index into their list).
const ANA_CONCERN_WEEKS: [usize; 6] = [1, 5, 10, 13, 22, 24];
const BO_CONCERN_WEEKS: [usize; 6] = [3, 7, 11, 19, 21, 23];
const ANA_BOUNDARY_WEEKS: [usize; 4] = [4, 9, 19, 12];
const BO_BOUNDARY_WEEKS: [usize; 4] = [6, 3, 14, 11];

fn concern(by: Who, week: usize) -> Option<ConcernText> {
    if week == HARD_WEEK {
        return Some(words::HARD_WEEK_CONCERNS[if by == Who::Ana { 0 } else { 1 }]);
    }
    let (weeks, list) = match by {
        Who::Ana => (&ANA_CONCERN_WEEKS, words::ANA_CONCERNS),
        Who::Bo => (&BO_CONCERN_WEEKS, words::BO_CONCERNS),
    };
    weeks.iter().position(|w| *w == week).map(|i| list[i])
}

fn boundary(by: Who, week: usize) -> Option<&'static str> {
    let (weeks, list) = match by {
        Who::Ana => (&ANA_BOUNDARY_WEEKS, words::ANA_BOUNDARIES),
        Who::Bo => (&BO_BOUNDARY_WEEKS, words::BO_BOUNDARIES),
    };
    weeks.iter().position(|w| *w == week).map(|i| list[i])
}

/// How heard each felt: growing with the months, low in the hard week.
fn heard(rng: &mut Rng, by: Who, week: usize) -> i64 {
    let base = 6.0 + 2.5 * week as f64 / LAST_WEEK as f64;
    let dip = match (week as i64 - HARD_WEEK as i64, by) {
        (0, Who::Ana) => 3.5,
        (0, Who::Bo) => 2.5,
        (1..=2, _) => 1.5,
        _ => 0.0,
    };
    (base - dip + rng.wobble()).round().clamp(0.0, 10.0) as i64
}

/// "Our promises": what `by` had due this week and how it went.
fn promise_summary(
    rng: &mut Rng,
    (all_kept, none): &mut (Deck<&'static str>, Deck<&'static str>),
    by: Who,
    week: usize,
    promises: &[PlannedPromise],
) -> String {
    let quote = |p: &PlannedPromise| format!("“{}”", p.text);
    let mine: Vec<&PlannedPromise> = promises.iter().filter(|p| p.by == by && p.week == week).collect();
    let kept: Vec<String> = mine.iter().filter(|p| matches!(p.fate, Fate::Kept { .. })).map(|p| quote(p)).collect();
    let mut parts = Vec::new();
    if !kept.is_empty() {
        let list = match kept.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        // "All done" only when nothing else went differently that week.
        let all_kept_this_week = kept.len() == mine.len();
        let template = if all_kept_this_week { all_kept.draw(rng) } else { "Kept: {}." };
        parts.push(template.replace("{}", &list));
    }
    for p in &mine {
        match p.fate {
            Fate::Missed { .. } => parts.push(format!(
                "I didn't keep {}. I've said sorry, and I'd like to earn it back with small things on time.",
                quote(p)
            )),
            Fate::Renegotiated { .. } => {
                parts.push(format!("I asked for a new date on {} before it was due, and I kept the new one.", quote(p)))
            }
            Fate::Released { .. } => parts.push(format!("Thank you for letting me off {}.", quote(p))),
            _ => {}
        }
    }
    if parts.is_empty() {
        parts.push(none.draw(rng).to_string());
    }
    parts.join(" ")
}

fn rituals(clock: &Clock, rng: &mut Rng, acts: &mut Acts, promises: &[PlannedPromise]) -> Vec<PlannedRitual> {
    let mut out = Vec::new();
    let mut went_well = shuffled(rng, words::WENT_WELL);
    let mut ana_asks = words::ANA_ASKS.iter();
    let mut bo_asks = words::BO_ASKS.iter();
    let mut appreciation_forms = Deck::new(words::RITUAL_APPRECIATIONS);
    let mut went_well_tails = Deck::new(words::WENT_WELL_TAILS);
    let mut summaries = (Deck::new(words::PROMISES_ALL_KEPT), Deck::new(words::PROMISES_NONE));
    for week in (0..=LAST_WEEK).filter(|w| !SKIPPED_RITUALS.contains(w)) {
        let first = if week % 2 == 0 { Who::Ana } else { Who::Bo };
        let at = clock.at(clock.day(week, 6), 19, rng.range(0, 25) as i8);
        let mut answers = Vec::new();
        for by in [first, first.other()] {
            if week == HARD_WEEK {
                let said = words::HARD_WEEK_APPRECIATIONS[if by == Who::Ana { 0 } else { 1 }];
                answers.push(answer(by, AgendaStep::Appreciations, said.to_string()));
            } else if let Some(act) = acts.take(by, week) {
                let form = appreciation_forms.draw(rng);
                answers.push(answer(by, AgendaStep::Appreciations, form.replace("{}", act)));
            }
        }
        if week == HARD_WEEK {
            answers.push(answer(Who::Bo, AgendaStep::WentWell, words::HARD_WEEK_WENT_WELL.to_string()));
        }
        for by in [first, first.other()] {
            if week != HARD_WEEK && (by == first || rng.chance(35)) {
                if let Some(what) = take_timed(&mut went_well, week) {
                    let tail = went_well_tails.draw(rng);
                    answers.push(answer(by, AgendaStep::WentWell, format!("{what}{tail}")));
                }
            }
        }
        let summariser = if promises.iter().any(|p| p.week == week && p.by == first.other()) && rng.chance(50) {
            first.other()
        } else {
            first
        };
        answers.push(answer(
            summariser,
            AgendaStep::Promises,
            promise_summary(rng, &mut summaries, summariser, week, promises),
        ));
        for by in [Who::Ana, Who::Bo] {
            if let Some((feeling, proposal)) = concern(by, week) {
                let mut a = answer(by, AgendaStep::Concerns, feeling.to_string());
                a.proposal = Some(proposal);
                answers.push(a);
            }
            if let Some(limit) = boundary(by, week) {
                answers.push(answer(by, AgendaStep::Boundaries, limit.to_string()));
            }
        }
        for by in [first, first.other()] {
            if week == HARD_WEEK {
                let ask = words::HARD_WEEK_ASKS[if by == Who::Ana { 0 } else { 1 }];
                answers.push(answer(by, AgendaStep::CanIDo, ask.to_string()));
            } else if rng.chance(80) {
                let ask = match by {
                    Who::Ana => ana_asks.next(),
                    Who::Bo => bo_asks.next(),
                };
                if let Some(ask) = ask {
                    answers.push(answer(by, AgendaStep::CanIDo, ask.to_string()));
                }
            }
        }
        for by in [Who::Ana, Who::Bo] {
            let mut a = answer(by, AgendaStep::Heard, String::new());
            a.heard = Some(heard(rng, by, week));
            answers.push(a);
        }
        let finished = at + SignedDuration::from_mins(rng.range(35, 80));
        out.push(PlannedRitual { started_by: first, at, answers, finished });
    }
    out
}

fn answer(by: Who, step: AgendaStep, body: String) -> PlannedAnswer {
    PlannedAnswer { by, step, body, proposal: None, heard: None }
}

// ------------------------------------------------------------- pulses

/// Ratings per kind of trust (feelings, follow-through, honesty, self-trust,
/// specific areas, physical safety) six months ago and now.
const ANA_FROM: [f64; 6] = [5.0, 4.5, 5.0, 6.0, 6.0, 9.0];
const ANA_TO: [f64; 6] = [8.0, 8.5, 8.0, 7.5, 7.5, 9.5];
const BO_FROM: [f64; 6] = [6.0, 6.5, 6.0, 5.0, 6.0, 9.0];
const BO_TO: [f64; 6] = [8.5, 8.0, 7.5, 7.0, 7.5, 9.5];
/// How far the hard week pulls each kind down (Ana trusts Bo less; Bo trusts himself less).
const ANA_DIP: [f64; 6] = [3.5, 3.5, 3.0, 1.0, 1.5, 0.0];
const BO_DIP: [f64; 6] = [1.5, 1.0, 1.0, 3.5, 1.0, 0.0];
/// The dip fades over the following weeks.
const RECOVERY: [f64; 7] = [1.0, 0.8, 0.6, 0.4, 0.25, 0.12, 0.05];

const ANA_PULSE_WEEKS: [(usize, usize); 7] = [(11, 0), (13, 1), (17, 2), (19, 3), (21, 4), (23, 5), (25, 6)];
const BO_PULSE_WEEKS: [(usize, usize); 6] = [(4, 0), (9, 1), (17, 2), (21, 3), (22, 4), (24, 5)];

fn pulses(clock: &Clock, rng: &mut Rng) -> Vec<PlannedPulse> {
    let mut out = Vec::new();
    for week in 0..=LAST_WEEK {
        for by in [Who::Ana, Who::Bo] {
            let (from, to, dip, skipped, shared, notes, note_weeks): (
                _,
                _,
                _,
                &[usize],
                &[usize],
                _,
                &[(usize, usize)],
            ) = match by {
                Who::Ana => (
                    ANA_FROM,
                    ANA_TO,
                    ANA_DIP,
                    &[5, 9, 12],
                    &[6, 17, 21, 23, 25],
                    words::ANA_PULSE_NOTES,
                    &ANA_PULSE_WEEKS,
                ),
                Who::Bo => {
                    (BO_FROM, BO_TO, BO_DIP, &[3, 10, 23], &[9, 14, 22, 25], words::BO_PULSE_NOTES, &BO_PULSE_WEEKS)
                }
            };
            if skipped.contains(&week) {
                continue;
            }
            let t = week as f64 / LAST_WEEK as f64;
            // An eased curve: slow at first, steadier later.
            let eased = t * t * (3.0 - 2.0 * t);
            let fade = week.checked_sub(HARD_WEEK).and_then(|d| RECOVERY.get(d)).copied().unwrap_or(0.0);
            let mut ratings = [0u8; 6];
            for k in 0..6 {
                let value = from[k] + (to[k] - from[k]) * eased - dip[k] * fade + 0.6 * rng.wobble();
                let floor = if k == 5 { 8.0 } else { 0.0 };
                ratings[k] = value.round().clamp(floor, 10.0) as u8;
            }
            let (weekday, hour) = match by {
                Who::Ana => (5, rng.range(8, 11)),
                Who::Bo => (6, rng.range(15, 17)),
            };
            let note = note_weeks.iter().find(|(w, _)| *w == week).map_or("", |(_, i)| notes[*i]);
            out.push(PlannedPulse {
                by,
                ratings,
                note,
                shared: shared.contains(&week),
                at: clock.at(clock.day(week, weekday), hour as i8, rng.range(0, 59) as i8),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use troth_domain::promises::{Note, PromiseCategory, PromiseText};
    use troth_domain::ritual::RitualText;
    use troth_domain::{AppreciationText, EntryBody, EntryTitle};

    fn clock(at: &str) -> Clock {
        Clock::new(at.parse().unwrap(), TimeZone::get("Europe/Amsterdam").unwrap())
    }

    #[test]
    fn days_of_story_weeks_land_on_the_right_weekday() {
        // Tuesday 1 December 2026, 00:50 in Amsterdam: last Sunday was 29 November.
        let c = clock("2026-11-30T23:50:00Z");
        assert_eq!(c.day(LAST_WEEK, 6), 2);
        assert_eq!(c.at(c.day(LAST_WEEK, 6), 19, 0).to_string(), "2026-11-29T18:00:00Z");
        assert_eq!(c.day(LAST_WEEK - 1, 0), 15, "the Monday a week earlier");
        // On a Sunday, last Sunday is a week ago.
        assert_eq!(clock("2026-11-29T12:00:00Z").day(LAST_WEEK, 6), 7);
    }

    #[test]
    fn the_story_is_the_same_every_time() {
        let c = clock("2026-11-30T23:50:00Z");
        let (a, b) = (plan(&c), plan(&c));
        let texts = |p: &Plan| p.thanks.iter().map(|t| t.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&a), texts(&b));
        assert_eq!(
            a.pulses.iter().map(|p| p.ratings).collect::<Vec<_>>(),
            b.pulses.iter().map(|p| p.ratings).collect::<Vec<_>>()
        );
    }

    #[test]
    fn everything_past_is_in_the_past_and_in_order() {
        for now in ["2026-11-30T23:50:00Z", "2026-06-07T10:00:00Z", "2027-03-28T01:30:00Z"] {
            let c = clock(now);
            let p = plan(&c);
            let past = |t: Timestamp| assert!(t < c.now, "{t} is not before {now}");
            for pr in &p.promises {
                past(pr.made);
                match pr.fate {
                    Fate::Kept { claimed, confirmed } => {
                        assert!(pr.made < claimed && claimed < pr.due && claimed < confirmed, "{}", pr.text);
                        past(confirmed);
                    }
                    Fate::Renegotiated { at, new_due, kept, .. } => {
                        assert!(pr.made < at && at < pr.due && at < new_due, "{}", pr.text);
                        if let Some((claimed, confirmed)) = kept {
                            assert!(claimed < new_due && claimed < confirmed);
                            past(confirmed);
                        }
                    }
                    Fate::Missed { marked, apologised, .. } => {
                        assert!(pr.made < marked && marked < apologised);
                        past(apologised);
                    }
                    Fate::Released { at, .. } => assert!(pr.made < at && at < pr.due),
                    Fate::Claimed { at } => assert!(pr.made < at && at < c.now && c.now < pr.due),
                    Fate::Open => assert!(pr.due > c.now),
                }
            }
            p.thanks.iter().for_each(|t| past(t.at));
            p.pulses.iter().for_each(|t| past(t.at));
            for r in &p.rituals {
                assert!(r.at < r.finished);
                past(r.finished);
            }
        }
    }

    #[test]
    fn a_lived_in_half_year() {
        let p = plan(&clock("2026-11-30T23:50:00Z"));
        let kept = p.promises.iter().filter(|p| matches!(p.fate, Fate::Kept { .. })).count();
        let missed = p.promises.iter().filter(|p| matches!(p.fate, Fate::Missed { .. })).count();
        let open = p.promises.iter().filter(|p| matches!(p.fate, Fate::Open)).count();
        assert!(
            p.promises.len() >= 40 && kept >= 30 && missed == 4 && open >= 3,
            "{} {kept} {missed}",
            p.promises.len()
        );
        assert!(p.thanks.len() >= 40, "thanks most weeks: {}", p.thanks.len());
        let weeks_with_thanks: HashSet<_> = p.thanks.iter().map(|t| t.at.as_second() / (7 * 86_400)).collect();
        assert!(weeks_with_thanks.len() >= 21, "{}", weeks_with_thanks.len());
        assert_eq!(p.rituals.len(), LAST_WEEK + 1 - SKIPPED_RITUALS.len());
        assert!(p.pulses.len() >= 44);
        for who in [Who::Ana, Who::Bo] {
            assert!(p.thanks.iter().filter(|t| t.by == who).count() >= 15, "both say thanks");
            let shared = p.pulses.iter().filter(|x| x.by == who && x.shared).count();
            let private = p.pulses.iter().filter(|x| x.by == who && !x.shared).count();
            assert!(shared >= 3 && private > 3 * shared, "mostly private");
        }
        // Pulses move: Ana's follow-through dips in the hard week and recovers above where it started.
        let ana: Vec<_> = p.pulses.iter().filter(|x| x.by == Who::Ana).map(|x| x.ratings[1]).collect();
        let (first, last) = (ana[0], *ana.last().unwrap());
        let lowest_late = ana[ana.len() / 2..].iter().min().copied().unwrap();
        assert!(last >= first + 3 && lowest_late + 3 <= last, "{ana:?}");
        // Every ritual can be finished: an appreciation and a heard rating from each.
        for r in &p.rituals {
            for who in [Who::Ana, Who::Bo] {
                for step in [AgendaStep::Appreciations, AgendaStep::Heard] {
                    assert_eq!(r.answers.iter().filter(|a| a.by == who && a.step == step).count(), 1);
                }
            }
        }
    }

    #[test]
    fn every_act_reads_after_thank_you_for() {
        // Thanks and ritual appreciations put acts after "for" or "you":
        // each must start with a gerund ("waiting up…").
        for (act, _) in words::ANA_THANKS_BO.iter().chain(words::BO_THANKS_ANA) {
            let first = act.split(' ').next().unwrap();
            assert!(first.ends_with("ing"), "{act}");
        }
    }

    #[test]
    fn no_sentence_is_said_twice_and_all_fit_their_fields() {
        let p = plan(&clock("2026-11-30T23:50:00Z"));
        let mut seen = HashSet::new();
        for t in &p.thanks {
            AppreciationText::parse(&t.text).unwrap();
            assert!(seen.insert(t.text.clone()), "repeated: {}", t.text);
        }
        for r in &p.rituals {
            for a in r.answers.iter().filter(|a| a.step != AgendaStep::Heard) {
                RitualText::parse(&a.body).unwrap();
                if a.step != AgendaStep::Promises {
                    assert!(seen.insert(a.body.clone()), "repeated: {}", a.body);
                }
            }
        }
        assert!(seen.len() >= 150, "{} distinct sentences", seen.len());
        for pr in &p.promises {
            PromiseText::parse(pr.text).unwrap();
            PromiseCategory::parse(pr.category).unwrap();
            if let Fate::Missed { apology: n, .. }
            | Fate::Released { note: n, .. }
            | Fate::Renegotiated { note: n, .. } = pr.fate
            {
                Note::parse(n).unwrap();
            }
        }
        let texts: HashSet<_> = p.promises.iter().map(|p| p.text).collect();
        assert_eq!(texts.len(), p.promises.len(), "each promise once");
        for n in words::NOTES {
            EntryTitle::parse(n.title).unwrap();
            EntryBody::parse(n.body).unwrap();
        }
    }
}
