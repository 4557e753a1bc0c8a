//! The promise ledger's rules: who may do what to a promise, and when.
//!
//! A promise has a *promiser* (who made it) and a *partner* (to whom it was
//! made). The partner is the one who says it was kept or lets it go; the
//! promiser can say "done", or — before the due time — say early that they
//! can't make it and set new terms. Telling early is honest and cheap; a
//! silent miss is what costs trust (see `reliability`).
//!
//! `Missed` is *derived* from the clock (open and past due), never an
//! accusation someone has to make; it can still be confirmed as kept or
//! released afterwards. Only `Kept` and `Released` are final.
//!
//! Renegotiating is a request, not a status: before the due time the
//! promiser proposes new terms ([`Action::ProposeTerms`]) and the promise
//! keeps its terms until the partner accepts them; then it stays `Open` with
//! the new terms, `renegotiations` goes up by one and the event log records
//! [`PromiseEvent::Renegotiated`]. One request at a time; any step that moves
//! the promise out of `Open` (done, kept, let go, not kept) closes it.

pub mod reliability;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use self::reliability::{Outcome, OutcomeKind};
use crate::fields::{multi_line, one_line, text_newtype};
use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromiseStatus {
    /// Made and not yet settled (also after a renegotiation).
    Open,
    /// The promiser says it is done; the partner has not confirmed yet.
    Claimed,
    /// The partner confirmed it was kept. Final.
    Kept,
    /// The partner let the promiser off. Final.
    Released,
    /// Past due with no outcome (derived), or owned up to as missed.
    Missed,
}

impl PromiseStatus {
    pub const ALL: [PromiseStatus; 5] = [
        PromiseStatus::Open,
        PromiseStatus::Claimed,
        PromiseStatus::Kept,
        PromiseStatus::Released,
        PromiseStatus::Missed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PromiseStatus::Open => "open",
            PromiseStatus::Claimed => "claimed",
            PromiseStatus::Kept => "kept",
            PromiseStatus::Released => "released",
            PromiseStatus::Missed => "missed",
        }
    }

    /// Words for a badge in the interface.
    pub fn label(self) -> &'static str {
        match self {
            PromiseStatus::Open => "Open",
            PromiseStatus::Claimed => "Done, waiting for a nod",
            PromiseStatus::Kept => "Kept",
            PromiseStatus::Released => "Let go",
            PromiseStatus::Missed => "Not kept (yet)",
        }
    }

    /// Kept and Released are final: nothing changes them any more.
    pub fn is_settled(self) -> bool {
        matches!(self, PromiseStatus::Kept | PromiseStatus::Released)
    }
}

impl fmt::Display for PromiseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PromiseStatus {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PromiseStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| FieldError::new("status", "must be open, claimed, kept, released or missed"))
    }
}

/// Who is acting, relative to the promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Promiser,
    Partner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Promiser: "I did it."
    ClaimKept,
    /// Partner: "Yes, you did."
    ConfirmKept,
    /// Partner: "Not yet": the claim goes back to open, with a note saying why.
    NotYet,
    /// Promiser, before the due time: asks for new terms. `new_due: None`
    /// asks to remove the due time; `rewords` says a new wording is asked
    /// for too (the wording itself is the store's business).
    ProposeTerms { new_due: Option<Timestamp>, rewords: bool },
    /// Partner: the proposed terms become the promise's terms.
    AcceptTerms,
    /// Partner: the promise keeps its terms.
    DeclineTerms,
    /// Promiser: takes the request back.
    WithdrawTerms,
    /// Partner: "Don't worry about it."
    Release,
    /// Record the miss explicitly (the promiser owning up, or the partner once it is past due).
    MarkMissed,
    /// Promiser, after a miss: an apology goes into the log; the status stays.
    Apologise,
}

/// What goes into the promise's event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromiseEvent {
    Claimed,
    Confirmed,
    NotYet,
    /// New terms were accepted (the one event counted as a renegotiation).
    Renegotiated,
    Released,
    MarkedMissed,
    Apologised,
    TermsProposed,
    TermsDeclined,
    TermsWithdrawn,
}

impl PromiseEvent {
    pub const ALL: [PromiseEvent; 10] = [
        PromiseEvent::Claimed,
        PromiseEvent::Confirmed,
        PromiseEvent::NotYet,
        PromiseEvent::Renegotiated,
        PromiseEvent::Released,
        PromiseEvent::MarkedMissed,
        PromiseEvent::Apologised,
        PromiseEvent::TermsProposed,
        PromiseEvent::TermsDeclined,
        PromiseEvent::TermsWithdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PromiseEvent::Claimed => "claimed",
            PromiseEvent::Confirmed => "confirmed",
            PromiseEvent::NotYet => "not_yet",
            PromiseEvent::Renegotiated => "renegotiated",
            PromiseEvent::Released => "released",
            PromiseEvent::MarkedMissed => "marked_missed",
            PromiseEvent::Apologised => "apologised",
            PromiseEvent::TermsProposed => "terms_proposed",
            PromiseEvent::TermsDeclined => "terms_declined",
            PromiseEvent::TermsWithdrawn => "terms_withdrawn",
        }
    }
}

impl FromStr for PromiseEvent {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PromiseEvent::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| FieldError::new("event", "unknown promise event"))
    }
}

/// The stored facts the rules need. `status` is the *stored* status; ask
/// [`effective_status`] for what to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseState {
    pub status: PromiseStatus,
    pub due: Option<Timestamp>,
    pub created_at: Timestamp,
    pub renegotiations: u32,
    /// The open request for new terms, if any.
    pub proposed: Option<ProposedTerms>,
}

/// New terms asked for and not yet answered (the due time part; a new
/// wording rides along in the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposedTerms {
    /// `None`: asked to have no due time.
    pub due: Option<Timestamp>,
}

/// The result of an allowed action: the state to store and the event to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub state: PromiseState,
    pub event: PromiseEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError {
    #[error("Only the person who made this promise can do that.")]
    NotYourPromise,
    #[error("Your partner is the one who confirms a promise to them was kept. You can mark it as done and they'll be asked.")]
    PartnerMustConfirm,
    #[error("Only your partner can let you off this promise. You can renegotiate it before it's due instead.")]
    PartnerMustRelease,
    #[error("This promise is already settled ({0}); settled promises stay as they are.")]
    AlreadySettled(&'static str),
    #[error("You've already marked this as done; it's waiting for your partner.")]
    AlreadyClaimed,
    #[error("The due time has passed, so it's too late to renegotiate. You can still settle it: mark it done, or own up and talk it over.")]
    TooLateToRenegotiate,
    #[error("That time is already in the past. Pick a moment that's still ahead.")]
    DueInPast,
    #[error("It isn't due yet, so it can't be missed yet.")]
    NotDueYet,
    #[error("There's nothing to apologise for here: this promise hasn't been missed.")]
    NothingToApologise,
    #[error("This promise is already recorded as not kept.")]
    AlreadyMissed,
    #[error("Only your partner can answer whether it was done.")]
    PartnerAnswersClaim,
    #[error("There is nothing to answer yet: this promise has not been marked as done.")]
    NotClaimed,
    #[error("You've already asked for new terms. Wait for your partner's answer, or take the request back first.")]
    TermsAlreadyProposed,
    #[error("There's no request for new terms open on this promise.")]
    NoTermsProposed,
    #[error("Your partner is the one who accepts or declines new terms.")]
    PartnerAnswersTerms,
    #[error("Those are the terms the promise already has. Change the date or the wording.")]
    NoNewTerms,
    #[error("The time these terms were about has passed, so the promise stays as it was. You can still settle it.")]
    TermsCameTooLate,
}

impl PromiseError {
    /// Stable machine-readable code for APIs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            PromiseError::NotYourPromise => "not_your_promise",
            PromiseError::PartnerMustConfirm => "partner_must_confirm",
            PromiseError::PartnerMustRelease => "partner_must_release",
            PromiseError::AlreadySettled(_) => "already_settled",
            PromiseError::AlreadyClaimed => "already_claimed",
            PromiseError::TooLateToRenegotiate => "too_late_to_renegotiate",
            PromiseError::DueInPast => "due_in_past",
            PromiseError::NotDueYet => "not_due_yet",
            PromiseError::NothingToApologise => "nothing_to_apologise",
            PromiseError::AlreadyMissed => "already_missed",
            PromiseError::PartnerAnswersClaim => "partner_answers_claim",
            PromiseError::NotClaimed => "not_claimed",
            PromiseError::TermsAlreadyProposed => "terms_already_proposed",
            PromiseError::NoTermsProposed => "no_terms_proposed",
            PromiseError::PartnerAnswersTerms => "partner_answers_terms",
            PromiseError::NoNewTerms => "no_new_terms",
            PromiseError::TermsCameTooLate => "terms_came_too_late",
        }
    }

    /// The kind sentence to show the person.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Allowance for the seconds between filling in a form and submitting it.
pub const DUE_GRACE: SignedDuration = SignedDuration::from_secs(60);

/// A due time must not be in the past (one minute of grace).
pub fn validate_due(due: Timestamp, now: Timestamp) -> Result<(), PromiseError> {
    if due < now - DUE_GRACE {
        Err(PromiseError::DueInPast)
    } else {
        Ok(())
    }
}

fn is_past_due(state: &PromiseState, now: Timestamp) -> bool {
    state.due.is_some_and(|due| now > due)
}

/// What to show. An open promise past its due time reads as `Missed`; a
/// `Claimed` one does not, because the promiser already said it was done and
/// a slow confirmation must not turn into a mark against them.
pub fn effective_status(state: &PromiseState, now: Timestamp) -> PromiseStatus {
    match state.status {
        PromiseStatus::Open if is_past_due(state, now) => PromiseStatus::Missed,
        other => other,
    }
}

/// Where a promise belongs in the lists people read. Every promise has
/// exactly one place, so none ever drops out of sight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Still to be done (open or claimed and waiting for a nod).
    Underway,
    /// Not kept, and nobody has yet owned up or let it go: worth a talk.
    ToSettle,
    /// Kept, let go, or not kept and apologised for.
    Settled,
}

/// The place of a promise showing `shown` (the status as of now), given
/// whether its promiser has apologised for it.
pub fn standing(shown: PromiseStatus, apologised: bool) -> Standing {
    match shown {
        PromiseStatus::Kept | PromiseStatus::Released => Standing::Settled,
        PromiseStatus::Missed if apologised => Standing::Settled,
        PromiseStatus::Missed => Standing::ToSettle,
        PromiseStatus::Open | PromiseStatus::Claimed => Standing::Underway,
    }
}

/// What a promise adds to its promiser's reliability at `now`, if anything.
/// `recorded_at` is when its outcome was recorded (the stored `settled_at`).
///
/// The store keeps this next to each promise and in the promiser's tally, and
/// swaps one for the other whenever the promise changes. A miss dates from the
/// due time, or from when it was owned up to if that came first; an open
/// promise past due counts as missed from its due time until it is settled
/// (confirming it later swaps the miss for a keep). Claimed promises wait
/// for the partner and count nothing.
pub fn counted_outcome(state: &PromiseState, recorded_at: Option<Timestamp>, now: Timestamp) -> Option<Outcome> {
    let recorded = recorded_at.unwrap_or(now);
    let (kind, at) = match state.status {
        PromiseStatus::Kept => (OutcomeKind::Kept, recorded),
        PromiseStatus::Released => (OutcomeKind::Released, recorded),
        PromiseStatus::Missed => (OutcomeKind::Missed, state.due.map_or(recorded, |due| due.min(recorded))),
        PromiseStatus::Open if is_past_due(state, now) => (OutcomeKind::Missed, state.due?),
        PromiseStatus::Open | PromiseStatus::Claimed => return None,
    };
    Some(Outcome { at, kind })
}

/// Does this event record an outcome (and so a `settled_at` time)?
pub fn records_outcome(event: PromiseEvent) -> bool {
    matches!(event, PromiseEvent::Confirmed | PromiseEvent::Released | PromiseEvent::MarkedMissed)
}

/// Decide whether `role` may do `action` now, and what follows.
pub fn apply(state: &PromiseState, role: Role, action: &Action, now: Timestamp) -> Result<Transition, PromiseError> {
    let status = effective_status(state, now);
    if status.is_settled() {
        return Err(PromiseError::AlreadySettled(if status == PromiseStatus::Kept { "kept" } else { "let go" }));
    }
    // Leaving `Open` (done, kept, let go, not kept) closes a request for new terms.
    let with = |status: PromiseStatus, event: PromiseEvent| Transition {
        state: PromiseState {
            status,
            proposed: if status == PromiseStatus::Open { state.proposed } else { None },
            ..*state
        },
        event,
    };
    let unchanged_terms = |event: PromiseEvent| Transition { state: PromiseState { proposed: None, ..*state }, event };
    match (action, role) {
        (Action::ClaimKept, Role::Partner) => Err(PromiseError::NotYourPromise),
        (Action::ClaimKept, Role::Promiser) => match status {
            PromiseStatus::Claimed => Err(PromiseError::AlreadyClaimed),
            _ => Ok(with(PromiseStatus::Claimed, PromiseEvent::Claimed)),
        },
        (Action::ConfirmKept, Role::Promiser) => Err(PromiseError::PartnerMustConfirm),
        (Action::ConfirmKept, Role::Partner) => Ok(with(PromiseStatus::Kept, PromiseEvent::Confirmed)),
        (Action::NotYet, Role::Promiser) => Err(PromiseError::PartnerAnswersClaim),
        // Back to open: the promise is still theirs to keep (past its due
        // time it then reads as not kept, like any open promise).
        (Action::NotYet, Role::Partner) => match status {
            PromiseStatus::Claimed => Ok(with(PromiseStatus::Open, PromiseEvent::NotYet)),
            _ => Err(PromiseError::NotClaimed),
        },
        (Action::ProposeTerms { .. }, Role::Partner) => Err(PromiseError::NotYourPromise),
        (Action::ProposeTerms { new_due, rewords }, Role::Promiser) => {
            match status {
                PromiseStatus::Claimed => return Err(PromiseError::AlreadyClaimed),
                PromiseStatus::Missed => return Err(PromiseError::TooLateToRenegotiate),
                _ => {}
            }
            // Exactly at the due time counts as too late: "before" means before.
            if state.due.is_some_and(|due| now >= due) {
                return Err(PromiseError::TooLateToRenegotiate);
            }
            if state.proposed.is_some() {
                return Err(PromiseError::TermsAlreadyProposed);
            }
            if new_due.is_some_and(|new_due| new_due <= now) {
                return Err(PromiseError::DueInPast);
            }
            if !rewords && *new_due == state.due {
                return Err(PromiseError::NoNewTerms);
            }
            Ok(Transition {
                state: PromiseState { proposed: Some(ProposedTerms { due: *new_due }), ..*state },
                event: PromiseEvent::TermsProposed,
            })
        }
        (Action::AcceptTerms | Action::DeclineTerms, Role::Promiser) => Err(PromiseError::PartnerAnswersTerms),
        (Action::AcceptTerms, Role::Partner) => {
            let proposed = state.proposed.ok_or(PromiseError::NoTermsProposed)?;
            // Asked in time, but the old due time (or the new one) has
            // passed unanswered: agreeing now would wipe out a miss.
            if status != PromiseStatus::Open
                || state.due.is_some_and(|due| now >= due)
                || proposed.due.is_some_and(|due| now >= due)
            {
                return Err(PromiseError::TermsCameTooLate);
            }
            Ok(Transition {
                state: PromiseState {
                    status: PromiseStatus::Open,
                    due: proposed.due,
                    renegotiations: state.renegotiations.saturating_add(1),
                    proposed: None,
                    ..*state
                },
                event: PromiseEvent::Renegotiated,
            })
        }
        (Action::DeclineTerms, Role::Partner) => {
            state.proposed.ok_or(PromiseError::NoTermsProposed)?;
            Ok(unchanged_terms(PromiseEvent::TermsDeclined))
        }
        (Action::WithdrawTerms, Role::Partner) => Err(PromiseError::NotYourPromise),
        (Action::WithdrawTerms, Role::Promiser) => {
            state.proposed.ok_or(PromiseError::NoTermsProposed)?;
            Ok(unchanged_terms(PromiseEvent::TermsWithdrawn))
        }
        (Action::Release, Role::Promiser) => Err(PromiseError::PartnerMustRelease),
        (Action::Release, Role::Partner) => Ok(with(PromiseStatus::Released, PromiseEvent::Released)),
        (Action::MarkMissed, _) if state.status == PromiseStatus::Missed => Err(PromiseError::AlreadyMissed),
        // Owning up early is always allowed; the partner waits for the due time.
        (Action::MarkMissed, Role::Promiser) => Ok(with(PromiseStatus::Missed, PromiseEvent::MarkedMissed)),
        (Action::MarkMissed, Role::Partner) => {
            if status == PromiseStatus::Missed {
                Ok(with(PromiseStatus::Missed, PromiseEvent::MarkedMissed))
            } else {
                Err(PromiseError::NotDueYet)
            }
        }
        (Action::Apologise, Role::Partner) => Err(PromiseError::NotYourPromise),
        (Action::Apologise, Role::Promiser) => {
            if status == PromiseStatus::Missed {
                Ok(Transition { state: *state, event: PromiseEvent::Apologised })
            } else {
                Err(PromiseError::NothingToApologise)
            }
        }
    }
}

/// The answer to "should we ask them to pause before promising more?"
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommitmentCheck {
    pub needs_confirmation: bool,
    /// Empty when no confirmation is needed.
    pub message: String,
}

/// "Think before you commit": with `threshold` or more promises already open
/// this week, ask for one extra confirmation. The recent keep rate (0.0–1.0)
/// only shapes the wording; it never blocks.
pub fn commitment_check(open_this_week: u32, recent_keep_rate: Option<f64>, threshold: u32) -> CommitmentCheck {
    if open_this_week < threshold {
        return CommitmentCheck { needs_confirmation: false, message: String::new() };
    }
    let plural = if open_this_week == 1 { "promise" } else { "promises" };
    let mut message =
        format!("You already have {open_this_week} open {plural} this week. Is there really room for one more?");
    match recent_keep_rate {
        Some(rate) if rate.is_finite() && rate < 0.8 => {
            let pct = (rate.clamp(0.0, 1.0) * 100.0).round() as u32;
            message.push_str(&format!(
                " Lately about {pct}% of your promises were kept; a few you can really keep do more for trust than many you might not."
            ));
        }
        _ => message.push_str(" A smaller promise you're sure of is worth more than a big one you hope for."),
    }
    CommitmentCheck { needs_confirmation: true, message }
}

// ---------------------------------------------------------------- text fields

/// What is promised, in one line: short enough to be concrete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseText(String);
text_newtype!(PromiseText);

impl PromiseText {
    pub const MAX: usize = 280;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("text", raw, 1, Self::MAX).map(PromiseText)
    }
}

/// An optional tag like "home" or "money".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseCategory(String);
text_newtype!(PromiseCategory);

impl PromiseCategory {
    pub const MAX: usize = 40;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        one_line("category", raw, 1, Self::MAX).map(PromiseCategory)
    }
    /// A blank form field means "no category".
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        match crate::fields::present("category", Some(raw), Self::MAX)? {
            None => Ok(None),
            Some(text) => Self::parse(text).map(Some),
        }
    }
}

/// A note on a renegotiation or apology; may span lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);
text_newtype!(Note);

impl Note {
    pub const MAX: usize = 1000;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multi_line("note", raw, 1, Self::MAX).map(Note)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_status_has_one_place_and_an_apology_settles_a_miss() {
        assert_eq!(standing(PromiseStatus::Missed, false), Standing::ToSettle);
        assert_eq!(standing(PromiseStatus::Missed, true), Standing::Settled);
        assert_eq!(standing(PromiseStatus::Kept, false), Standing::Settled);
        assert_eq!(standing(PromiseStatus::Released, false), Standing::Settled);
        assert_eq!(standing(PromiseStatus::Open, false), Standing::Underway);
        assert_eq!(standing(PromiseStatus::Claimed, true), Standing::Underway);
    }

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn state(status: PromiseStatus, due: Option<&str>) -> PromiseState {
        PromiseState {
            status,
            due: due.map(ts),
            created_at: ts("2026-01-01T00:00:00Z"),
            renegotiations: 0,
            proposed: None,
        }
    }

    const BEFORE: &str = "2026-01-05T12:00:00Z";
    const DUE: &str = "2026-01-06T12:00:00Z";
    const AFTER: &str = "2026-01-07T12:00:00Z";

    const ALL_ACTIONS: [Action; 10] = [
        Action::ClaimKept,
        Action::ConfirmKept,
        Action::NotYet,
        Action::ProposeTerms { new_due: None, rewords: false },
        Action::AcceptTerms,
        Action::DeclineTerms,
        Action::WithdrawTerms,
        Action::Release,
        Action::MarkMissed,
        Action::Apologise,
    ];

    #[test]
    fn not_yet_sends_a_claim_back_to_open_and_only_the_partner_says_it() {
        let claimed = state(PromiseStatus::Claimed, Some(DUE));
        let t = apply(&claimed, Role::Partner, &Action::NotYet, ts(BEFORE)).unwrap();
        assert_eq!((t.state.status, t.event), (PromiseStatus::Open, PromiseEvent::NotYet));
        assert_eq!(t.state.due, claimed.due, "the terms stay as they were");
        assert_eq!(
            apply(&claimed, Role::Promiser, &Action::NotYet, ts(BEFORE)),
            Err(PromiseError::PartnerAnswersClaim)
        );
        let open = state(PromiseStatus::Open, Some(DUE));
        assert_eq!(apply(&open, Role::Partner, &Action::NotYet, ts(BEFORE)), Err(PromiseError::NotClaimed));
        // Answered after the due time, it reads as not kept, like any open promise past due.
        let late = apply(&claimed, Role::Partner, &Action::NotYet, ts(AFTER)).unwrap();
        assert_eq!(effective_status(&late.state, ts(AFTER)), PromiseStatus::Missed);
        assert_eq!("not_yet".parse::<PromiseEvent>(), Ok(PromiseEvent::NotYet));
    }

    #[test]
    fn status_round_trips() {
        for s in PromiseStatus::ALL {
            assert_eq!(s.as_str().parse::<PromiseStatus>().unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        assert!("renegotiated".parse::<PromiseStatus>().is_err());
        assert_eq!("apologised".parse::<PromiseEvent>().unwrap(), PromiseEvent::Apologised);
    }

    #[test]
    fn what_a_promise_counts_for() {
        let counted = |status, due: Option<&str>, recorded: Option<&str>, now: &str| {
            counted_outcome(&state(status, due), recorded.map(ts), ts(now)).map(|o| (o.kind, o.at))
        };
        // Nothing while open and not yet due, or claimed (waiting for a nod), even past due.
        assert_eq!(counted(PromiseStatus::Open, Some(DUE), None, BEFORE), None);
        assert_eq!(counted(PromiseStatus::Open, None, None, AFTER), None);
        assert_eq!(counted(PromiseStatus::Claimed, Some(DUE), None, AFTER), None);
        // Open past due: a miss dated at the due time, not at "now".
        assert_eq!(counted(PromiseStatus::Open, Some(DUE), None, AFTER), Some((OutcomeKind::Missed, ts(DUE))));
        // Exactly at the due time it is not late yet.
        assert_eq!(counted(PromiseStatus::Open, Some(DUE), None, DUE), None);
        // Owned up to early: dated when said; after the due time: dated at the due time.
        assert_eq!(
            counted(PromiseStatus::Missed, Some(DUE), Some(BEFORE), AFTER),
            Some((OutcomeKind::Missed, ts(BEFORE)))
        );
        assert_eq!(counted(PromiseStatus::Missed, Some(DUE), Some(AFTER), AFTER), Some((OutcomeKind::Missed, ts(DUE))));
        assert_eq!(counted(PromiseStatus::Missed, None, Some(BEFORE), AFTER), Some((OutcomeKind::Missed, ts(BEFORE))));
        // Kept and released date from when that was recorded.
        assert_eq!(counted(PromiseStatus::Kept, Some(DUE), Some(AFTER), AFTER), Some((OutcomeKind::Kept, ts(AFTER))));
        assert_eq!(
            counted(PromiseStatus::Released, Some(DUE), Some(BEFORE), AFTER),
            Some((OutcomeKind::Released, ts(BEFORE)))
        );
        // Only outcomes get a recorded time.
        assert!(records_outcome(PromiseEvent::MarkedMissed) && records_outcome(PromiseEvent::Confirmed));
        assert!(!records_outcome(PromiseEvent::Apologised) && !records_outcome(PromiseEvent::Renegotiated));
    }

    #[test]
    fn only_the_partner_confirms() {
        let open = state(PromiseStatus::Open, Some(DUE));
        let err = apply(&open, Role::Promiser, &Action::ConfirmKept, ts(BEFORE)).unwrap_err();
        assert_eq!(err.code(), "partner_must_confirm");
        assert!(err.message().contains("partner"));
        for from in [PromiseStatus::Open, PromiseStatus::Claimed, PromiseStatus::Missed] {
            let t = apply(&state(from, Some(DUE)), Role::Partner, &Action::ConfirmKept, ts(AFTER)).unwrap();
            assert_eq!(t.state.status, PromiseStatus::Kept);
            assert_eq!(t.event, PromiseEvent::Confirmed);
        }
    }

    #[test]
    fn the_promiser_claims_and_the_partner_cannot() {
        let open = state(PromiseStatus::Open, Some(DUE));
        let t = apply(&open, Role::Promiser, &Action::ClaimKept, ts(BEFORE)).unwrap();
        assert_eq!(t.state.status, PromiseStatus::Claimed);
        assert_eq!(
            apply(&t.state, Role::Promiser, &Action::ClaimKept, ts(BEFORE)).unwrap_err().code(),
            "already_claimed"
        );
        assert_eq!(apply(&open, Role::Partner, &Action::ClaimKept, ts(BEFORE)).unwrap_err().code(), "not_your_promise");
        // A late "done" is still welcome.
        assert!(apply(&open, Role::Promiser, &Action::ClaimKept, ts(AFTER)).is_ok());
    }

    fn propose(due: Option<&str>, rewords: bool) -> Action {
        Action::ProposeTerms { new_due: due.map(ts), rewords }
    }

    #[test]
    fn proposing_new_terms_is_for_the_promiser_before_the_due_time_and_changes_nothing_yet() {
        let open = state(PromiseStatus::Open, Some(DUE));
        let later = "2026-01-10T12:00:00Z";
        let t = apply(&open, Role::Promiser, &propose(Some(later), false), ts(BEFORE)).unwrap();
        assert_eq!(t.event, PromiseEvent::TermsProposed);
        assert_eq!((t.state.status, t.state.due, t.state.renegotiations), (PromiseStatus::Open, open.due, 0));
        assert_eq!(t.state.proposed, Some(ProposedTerms { due: Some(ts(later)) }));
        // One request at a time.
        let again = apply(&t.state, Role::Promiser, &propose(None, false), ts(BEFORE)).unwrap_err();
        assert_eq!(again.code(), "terms_already_proposed");
        // A new wording alone is a change; the same due time alone is not.
        assert!(apply(&open, Role::Promiser, &propose(Some(DUE), true), ts(BEFORE)).is_ok());
        let same = apply(&open, Role::Promiser, &propose(Some(DUE), false), ts(BEFORE)).unwrap_err();
        assert_eq!(same.code(), "no_new_terms");
        // Removing the due time is a change.
        assert_eq!(
            apply(&open, Role::Promiser, &propose(None, false), ts(BEFORE)).unwrap().state.proposed.unwrap().due,
            None
        );

        let late = apply(&open, Role::Promiser, &propose(Some(later), false), ts(AFTER)).unwrap_err();
        assert_eq!(late.code(), "too_late_to_renegotiate");
        assert!(late.message().contains("settle"));
        let at_due = apply(&open, Role::Promiser, &propose(Some(later), false), ts(DUE)).unwrap_err();
        assert_eq!(at_due.code(), "too_late_to_renegotiate");
        let e = apply(&open, Role::Promiser, &propose(Some("2026-01-04T00:00:00Z"), false), ts(BEFORE)).unwrap_err();
        assert_eq!(e.code(), "due_in_past");
        let e = apply(&open, Role::Partner, &propose(Some(later), false), ts(BEFORE)).unwrap_err();
        assert_eq!(e.code(), "not_your_promise");
        let claimed = state(PromiseStatus::Claimed, Some(DUE));
        let e = apply(&claimed, Role::Promiser, &propose(Some(later), false), ts(BEFORE)).unwrap_err();
        assert_eq!(e.code(), "already_claimed");
    }

    #[test]
    fn the_partner_accepts_or_declines_and_the_promiser_may_withdraw() {
        let later = ts("2026-01-10T12:00:00Z");
        let asked = PromiseState {
            proposed: Some(ProposedTerms { due: Some(later) }),
            ..state(PromiseStatus::Open, Some(DUE))
        };
        let t = apply(&asked, Role::Partner, &Action::AcceptTerms, ts(BEFORE)).unwrap();
        assert_eq!(t.event, PromiseEvent::Renegotiated);
        assert_eq!((t.state.due, t.state.renegotiations, t.state.proposed), (Some(later), 1, None));
        assert_eq!(
            apply(&t.state, Role::Partner, &Action::AcceptTerms, ts(BEFORE)).unwrap_err().code(),
            "no_terms_proposed"
        );

        for (role, action, event) in [
            (Role::Partner, Action::DeclineTerms, PromiseEvent::TermsDeclined),
            (Role::Promiser, Action::WithdrawTerms, PromiseEvent::TermsWithdrawn),
        ] {
            let t = apply(&asked, role, &action, ts(BEFORE)).unwrap();
            assert_eq!(t.event, event);
            assert_eq!(t.state, PromiseState { proposed: None, ..asked }, "the terms stay as they were");
        }
        // The promiser cannot answer their own request; the partner cannot withdraw it.
        for action in [Action::AcceptTerms, Action::DeclineTerms] {
            assert_eq!(apply(&asked, Role::Promiser, &action, ts(BEFORE)).unwrap_err().code(), "partner_answers_terms");
        }
        assert_eq!(
            apply(&asked, Role::Partner, &Action::WithdrawTerms, ts(BEFORE)).unwrap_err().code(),
            "not_your_promise"
        );
        // Once the due time has passed unanswered, accepting would undo a miss.
        assert_eq!(
            apply(&asked, Role::Partner, &Action::AcceptTerms, ts(AFTER)).unwrap_err().code(),
            "terms_came_too_late"
        );
        assert!(apply(&asked, Role::Partner, &Action::DeclineTerms, ts(AFTER)).is_ok());
        // Leaving `Open` closes the request; owning up to a miss too.
        let claimed = apply(&asked, Role::Promiser, &Action::ClaimKept, ts(BEFORE)).unwrap();
        assert_eq!(claimed.state.proposed, None);
        let kept = apply(&asked, Role::Partner, &Action::ConfirmKept, ts(BEFORE)).unwrap();
        assert_eq!(kept.state.proposed, None);
        let missed = apply(&asked, Role::Promiser, &Action::MarkMissed, ts(BEFORE)).unwrap();
        assert_eq!(missed.state.proposed, None);
        for e in PromiseEvent::ALL {
            assert_eq!(e.as_str().parse::<PromiseEvent>(), Ok(e));
        }
    }

    #[test]
    fn only_the_partner_releases() {
        let open = state(PromiseStatus::Open, None);
        assert_eq!(
            apply(&open, Role::Promiser, &Action::Release, ts(BEFORE)).unwrap_err().code(),
            "partner_must_release"
        );
        let t = apply(&open, Role::Partner, &Action::Release, ts(BEFORE)).unwrap();
        assert_eq!(t.state.status, PromiseStatus::Released);
    }

    #[test]
    fn settled_promises_never_change() {
        for settled in [PromiseStatus::Kept, PromiseStatus::Released] {
            for role in [Role::Promiser, Role::Partner] {
                for action in ALL_ACTIONS {
                    for now in [BEFORE, AFTER] {
                        let e = apply(&state(settled, Some(DUE)), role, &action, ts(now)).unwrap_err();
                        assert_eq!(e.code(), "already_settled", "{settled:?} {role:?} {action:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn missed_is_derived_from_the_clock_and_not_blame() {
        let open = state(PromiseStatus::Open, Some(DUE));
        assert_eq!(effective_status(&open, ts(BEFORE)), PromiseStatus::Open);
        assert_eq!(effective_status(&open, ts(DUE)), PromiseStatus::Open);
        assert_eq!(effective_status(&open, ts(AFTER)), PromiseStatus::Missed);
        assert_eq!(effective_status(&state(PromiseStatus::Open, None), ts(AFTER)), PromiseStatus::Open);
        // Said done before the due time, confirmed late: not a miss.
        assert_eq!(effective_status(&state(PromiseStatus::Claimed, Some(DUE)), ts(AFTER)), PromiseStatus::Claimed);
        // The partner can only mark a miss once it is due; the promiser can own up any time.
        assert_eq!(apply(&open, Role::Partner, &Action::MarkMissed, ts(BEFORE)).unwrap_err().code(), "not_due_yet");
        assert_eq!(
            apply(&open, Role::Partner, &Action::MarkMissed, ts(AFTER)).unwrap().state.status,
            PromiseStatus::Missed
        );
        assert_eq!(
            apply(&open, Role::Promiser, &Action::MarkMissed, ts(BEFORE)).unwrap().state.status,
            PromiseStatus::Missed
        );
        let missed = state(PromiseStatus::Missed, Some(DUE));
        assert_eq!(apply(&missed, Role::Partner, &Action::MarkMissed, ts(AFTER)).unwrap_err().code(), "already_missed");
    }

    #[test]
    fn apologies_follow_a_miss_and_change_nothing_else() {
        let open = state(PromiseStatus::Open, Some(DUE));
        assert_eq!(
            apply(&open, Role::Promiser, &Action::Apologise, ts(BEFORE)).unwrap_err().code(),
            "nothing_to_apologise"
        );
        let t = apply(&open, Role::Promiser, &Action::Apologise, ts(AFTER)).unwrap();
        assert_eq!((t.state, t.event), (open, PromiseEvent::Apologised));
        assert_eq!(apply(&open, Role::Partner, &Action::Apologise, ts(AFTER)).unwrap_err().code(), "not_your_promise");
    }

    #[test]
    fn every_error_has_a_snake_case_code_and_a_sentence() {
        let mut checked = 0;
        for role in [Role::Promiser, Role::Partner] {
            for action in ALL_ACTIONS {
                for status in PromiseStatus::ALL {
                    for now in [BEFORE, AFTER] {
                        if let Err(e) = apply(&state(status, Some(DUE)), role, &action, ts(now)) {
                            assert!(e.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
                            assert!(e.message().ends_with('.'), "{}", e.message());
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 50, "only {checked} refusals were checked");
    }

    #[test]
    fn due_times_get_a_minute_of_grace() {
        let now = ts("2026-01-05T12:00:00Z");
        assert!(validate_due(ts("2026-01-05T12:00:00Z"), now).is_ok());
        assert!(validate_due(ts("2026-01-05T11:59:30Z"), now).is_ok());
        assert_eq!(validate_due(ts("2026-01-05T11:58:00Z"), now).unwrap_err().code(), "due_in_past");
        assert!(validate_due(ts("2027-01-01T00:00:00Z"), now).is_ok());
    }

    #[test]
    fn commitment_check_asks_only_past_the_threshold() {
        assert!(!commitment_check(2, None, 3).needs_confirmation);
        assert!(commitment_check(2, None, 3).message.is_empty());
        let c = commitment_check(3, None, 3);
        assert!(c.needs_confirmation);
        assert!(c.message.contains("3 open promises"));
        let low = commitment_check(5, Some(0.5), 3);
        assert!(low.message.contains("50%"));
        assert!(!commitment_check(5, Some(0.95), 3).message.contains('%'));
        assert!(commitment_check(1, Some(f64::NAN), 1).message.contains("1 open promise "));
    }

    #[test]
    fn text_fields_are_checked() {
        assert_eq!(PromiseText::parse("  Call your mum on Sunday ").unwrap().as_str(), "Call your mum on Sunday");
        assert!(PromiseText::parse("   ").is_err());
        assert!(PromiseText::parse("two\nlines").is_err());
        assert!(PromiseText::parse(&"é".repeat(280)).is_ok());
        assert_eq!(PromiseText::parse(&"é".repeat(281)).unwrap_err().field, "text");
        assert_eq!(PromiseCategory::parse_optional("  ").unwrap(), None);
        assert_eq!(PromiseCategory::parse_optional("home").unwrap().unwrap().as_str(), "home");
        assert!(PromiseCategory::parse(&"x".repeat(41)).is_err());
        assert_eq!(Note::parse("line one\r\nline two").unwrap().as_str(), "line one\nline two");
        assert!(Note::parse("").is_err());
        assert!(Note::parse(&"x".repeat(1001)).is_err());
        assert!(Note::parse("bell\u{7}").is_err());
    }
}
