//! Sealed exchanges: both members write a part; nobody reads any part but
//! their own until both are in; then both open at once, to both.
//!
//! Everything here is pure: the validated fields, the states, and the
//! decisions (may this member write, edit, withdraw, respond?) that the store
//! takes inside its transaction, after it has locked the exchange and read
//! the facts. Keeping the decisions here lets every case be tested without a
//! database, and keeps the store's SQL about storage only.

use serde::{Deserialize, Serialize};

use crate::fields::{multi_line, one_line, present, text_newtype, FieldError};
use std::fmt;

/// The question both answer, as written or as taken from the prompt bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangePrompt(String);
text_newtype!(ExchangePrompt);

impl ExchangePrompt {
    pub const MAX: usize = 500;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multi_line("prompt", raw, 1, Self::MAX).map(ExchangePrompt)
    }
}

/// One member's part: what they wrote for the other to read once both are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartText(String);
text_newtype!(PartText);

impl PartText {
    pub const MAX: usize = 10_000;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multi_line("part", raw, 1, Self::MAX).map(PartText)
    }
}

/// One of the two listening answers after the reveal ("what I heard",
/// "what I understood you felt"). Each is optional, so an empty one is
/// `None` rather than an error; the field name travels with the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListeningText(String);
text_newtype!(ListeningText);

impl ListeningText {
    pub const MAX: usize = 2_000;
    pub fn parse_optional(field: &'static str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match present(field, raw, Self::MAX)? {
            None => Ok(None),
            Some(text) => multi_line(field, text, 1, Self::MAX).map(|t| Some(ListeningText(t))),
        }
    }
}

/// Both listening answers; at least one must say something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listening {
    pub heard: Option<ListeningText>,
    pub understood: Option<ListeningText>,
}

impl Listening {
    pub fn parse(heard: Option<&str>, understood: Option<&str>) -> Result<Self, FieldError> {
        let heard = ListeningText::parse_optional("heard", heard)?;
        let understood = ListeningText::parse_optional("understood", understood)?;
        if heard.is_none() && understood.is_none() {
            return Err(FieldError::new(
                "heard",
                "write what you heard, what you understood about the feeling, or both",
            ));
        }
        Ok(Listening { heard, understood })
    }
}

/// A reference into the content library (a prompt or an exercise id).
/// Stored as given; the library that resolves it is written elsewhere, so
/// only its shape is checked here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRef(String);
text_newtype!(ContentRef);

impl ContentRef {
    pub const MAX: usize = 100;
    pub fn parse_optional(field: &'static str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        let Some(raw) = present(field, raw, Self::MAX)? else { return Ok(None) };
        let value = one_line(field, raw, 1, Self::MAX)?;
        if !value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c)) {
            return Err(FieldError::new(field, "use letters, digits and - _ . : / only"));
        }
        Ok(Some(ContentRef(value)))
    }
}

/// Where an exchange stands, the same for both members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeStatus {
    /// Waiting for one or both parts; no part can be read by the other.
    Open,
    /// Both parts are in and readable by both, for good.
    Revealed,
    /// A member withdrew before the other wrote; their text is deleted.
    Withdrawn,
}

impl ExchangeStatus {
    pub const ALL: [ExchangeStatus; 3] = [ExchangeStatus::Open, ExchangeStatus::Revealed, ExchangeStatus::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeStatus::Open => "open",
            ExchangeStatus::Revealed => "revealed",
            ExchangeStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Where an exchange stands for one viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Neither has written.
    WaitingForBoth,
    /// The partner has written; the viewer has not.
    YourTurn,
    /// The viewer has written; the partner has not.
    WaitingForPartner,
    Revealed,
    Withdrawn,
}

impl Stage {
    /// A short, calm label for lists.
    pub fn label(self) -> &'static str {
        match self {
            Stage::WaitingForBoth => "nobody has written yet",
            Stage::YourTurn => "a part is waiting for yours",
            Stage::WaitingForPartner => "waiting for the other part",
            Stage::Revealed => "open to both",
            Stage::Withdrawn => "closed",
        }
    }
}

/// What the store knows when it decides, seen from the member acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub status: ExchangeStatus,
    /// The acting member has a part.
    pub mine: bool,
    /// Someone else has a part.
    pub partner: bool,
}

impl Facts {
    pub fn stage(self) -> Stage {
        match (self.status, self.mine, self.partner) {
            (ExchangeStatus::Revealed, _, _) => Stage::Revealed,
            (ExchangeStatus::Withdrawn, _, _) => Stage::Withdrawn,
            (ExchangeStatus::Open, false, false) => Stage::WaitingForBoth,
            (ExchangeStatus::Open, false, true) => Stage::YourTurn,
            (ExchangeStatus::Open, true, _) => Stage::WaitingForPartner,
        }
    }

    /// The partner's text may be shown to the viewer only once revealed.
    pub fn partner_text_visible(self) -> bool {
        self.status == ExchangeStatus::Revealed
    }
}

/// Why a step is refused, with a stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this exchange was closed before both parts were in; start a new one if you like")]
    Withdrawn,
    #[error("both parts are open now; they stay as they were when they opened")]
    Revealed,
    #[error("you have already written your part; to change it, edit it (PUT on the part) instead")]
    PartAlreadyWritten,
    #[error("you have not written your part yet; write it first (POST on the part)")]
    NoPartYet,
    #[error("the other part is already written, so yours can no longer be withdrawn; writing yours opens both")]
    PartnerHasWritten,
    #[error("this opens once both parts are in")]
    NotRevealedYet,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Withdrawn => "exchange_withdrawn",
            Refusal::Revealed => "exchange_revealed",
            Refusal::PartAlreadyWritten => "part_already_written",
            Refusal::NoPartYet => "no_part_yet",
            Refusal::PartnerHasWritten => "partner_has_written",
            Refusal::NotRevealedYet => "exchange_not_revealed",
        }
    }
}

/// What writing one's first part does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The first part: the exchange waits for the other.
    Waits,
    /// The second part: both open now.
    Reveals,
}

fn must_be_open(f: Facts) -> Result<(), Refusal> {
    match f.status {
        ExchangeStatus::Open => Ok(()),
        ExchangeStatus::Revealed => Err(Refusal::Revealed),
        ExchangeStatus::Withdrawn => Err(Refusal::Withdrawn),
    }
}

/// Writing one's part for the first time.
pub fn write_first(f: Facts) -> Result<WriteOutcome, Refusal> {
    must_be_open(f)?;
    if f.mine {
        return Err(Refusal::PartAlreadyWritten);
    }
    Ok(if f.partner { WriteOutcome::Reveals } else { WriteOutcome::Waits })
}

/// Rewriting one's part: only while it is still sealed. (While open, the
/// partner has not written: had they, one's own part would have revealed.)
pub fn edit(f: Facts) -> Result<(), Refusal> {
    must_be_open(f)?;
    if !f.mine {
        return Err(Refusal::NoPartYet);
    }
    Ok(())
}

/// Withdrawing closes the exchange for both; allowed until the partner has
/// written (a member may also close one that nobody has written in).
pub fn withdraw(f: Facts) -> Result<(), Refusal> {
    must_be_open(f)?;
    if f.partner {
        return Err(Refusal::PartnerHasWritten);
    }
    Ok(())
}

/// Listening responses and "remember this": only after the reveal.
pub fn after_reveal(f: Facts) -> Result<(), Refusal> {
    match f.status {
        ExchangeStatus::Revealed => Ok(()),
        ExchangeStatus::Open => Err(Refusal::NotRevealedYet),
        ExchangeStatus::Withdrawn => Err(Refusal::Withdrawn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: ExchangeStatus, mine: bool, partner: bool) -> Facts {
        Facts { status, mine, partner }
    }

    #[test]
    fn the_second_part_reveals_and_the_first_waits() {
        assert_eq!(write_first(facts(ExchangeStatus::Open, false, false)), Ok(WriteOutcome::Waits));
        assert_eq!(write_first(facts(ExchangeStatus::Open, false, true)), Ok(WriteOutcome::Reveals));
        assert_eq!(write_first(facts(ExchangeStatus::Open, true, false)), Err(Refusal::PartAlreadyWritten));
        assert_eq!(write_first(facts(ExchangeStatus::Revealed, true, true)), Err(Refusal::Revealed));
        assert_eq!(write_first(facts(ExchangeStatus::Withdrawn, false, false)), Err(Refusal::Withdrawn));
    }

    #[test]
    fn editing_needs_an_own_part_that_is_still_sealed() {
        assert_eq!(edit(facts(ExchangeStatus::Open, true, false)), Ok(()));
        assert_eq!(edit(facts(ExchangeStatus::Open, false, true)), Err(Refusal::NoPartYet));
        assert_eq!(edit(facts(ExchangeStatus::Revealed, true, true)), Err(Refusal::Revealed));
        assert_eq!(edit(facts(ExchangeStatus::Withdrawn, false, false)), Err(Refusal::Withdrawn));
    }

    #[test]
    fn withdrawing_stops_once_the_partner_has_written() {
        assert_eq!(withdraw(facts(ExchangeStatus::Open, true, false)), Ok(()));
        assert_eq!(withdraw(facts(ExchangeStatus::Open, false, false)), Ok(()));
        assert_eq!(withdraw(facts(ExchangeStatus::Open, false, true)), Err(Refusal::PartnerHasWritten));
        assert_eq!(withdraw(facts(ExchangeStatus::Revealed, true, true)), Err(Refusal::Revealed));
        assert_eq!(withdraw(facts(ExchangeStatus::Withdrawn, false, false)), Err(Refusal::Withdrawn));
    }

    #[test]
    fn responses_wait_for_the_reveal() {
        assert_eq!(after_reveal(facts(ExchangeStatus::Revealed, true, true)), Ok(()));
        assert_eq!(after_reveal(facts(ExchangeStatus::Open, true, false)), Err(Refusal::NotRevealedYet));
        assert_eq!(after_reveal(facts(ExchangeStatus::Withdrawn, false, false)), Err(Refusal::Withdrawn));
    }

    #[test]
    fn stages_seen_from_each_side_and_the_partner_text_rule() {
        assert_eq!(facts(ExchangeStatus::Open, false, false).stage(), Stage::WaitingForBoth);
        assert_eq!(facts(ExchangeStatus::Open, false, true).stage(), Stage::YourTurn);
        assert_eq!(facts(ExchangeStatus::Open, true, false).stage(), Stage::WaitingForPartner);
        assert_eq!(facts(ExchangeStatus::Revealed, true, true).stage(), Stage::Revealed);
        assert_eq!(facts(ExchangeStatus::Withdrawn, false, false).stage(), Stage::Withdrawn);
        for status in ExchangeStatus::ALL {
            for mine in [false, true] {
                for partner in [false, true] {
                    let f = facts(status, mine, partner);
                    assert_eq!(f.partner_text_visible(), status == ExchangeStatus::Revealed, "{f:?}");
                }
            }
        }
    }

    #[test]
    fn codes_are_distinct_and_statuses_round_trip() {
        let all = [
            Refusal::Withdrawn,
            Refusal::Revealed,
            Refusal::PartAlreadyWritten,
            Refusal::NoPartYet,
            Refusal::PartnerHasWritten,
            Refusal::NotRevealedYet,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), all.len());
        for s in ExchangeStatus::ALL {
            assert_eq!(ExchangeStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ExchangeStatus::parse("sealed"), None);
    }

    #[test]
    fn fields_have_their_limits_and_names() {
        assert_eq!(PartText::parse("  ").unwrap_err().field, "part");
        assert!(PartText::parse(&"a".repeat(PartText::MAX)).is_ok());
        assert_eq!(PartText::parse(&"a".repeat(PartText::MAX + 1)).unwrap_err().field, "part");
        assert_eq!(ExchangePrompt::parse(&"q".repeat(501)).unwrap_err().field, "prompt");
        assert_eq!(ExchangePrompt::parse("What made you smile this week?").unwrap().as_str().len(), 30);
        let too_long = "b".repeat(ListeningText::MAX + 1);
        assert_eq!(Listening::parse(Some("ok"), Some(&too_long)).unwrap_err().field, "understood");
        assert_eq!(Listening::parse(Some(" "), None).unwrap_err().field, "heard");
        let only_feeling = Listening::parse(None, Some("You felt left out")).unwrap();
        assert!(only_feeling.heard.is_none() && only_feeling.understood.is_some());
        assert_eq!(ContentRef::parse_optional("prompt_id", Some("")).unwrap(), None);
        assert!(ContentRef::parse_optional("prompt_id", Some("bank/level-1.007")).unwrap().is_some());
        assert_eq!(ContentRef::parse_optional("exercise_id", Some("a b")).unwrap_err().field, "exercise_id");
    }
}
