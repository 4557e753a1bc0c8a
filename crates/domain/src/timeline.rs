//! The trust timeline: moments of the relationship that built trust or
//! challenged it, each with a date, a title and what the two learned.
//! Shared by both members, like the journal; either may add a moment and
//! the one who marked it may take it back.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::fields::{multi_line, one_line, FieldError};

/// What a moment did to trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MomentKind {
    /// Trust grew.
    Built,
    /// Trust was tested or broken.
    Challenged,
}

impl MomentKind {
    pub const ALL: [MomentKind; 2] = [MomentKind::Built, MomentKind::Challenged];

    pub fn as_str(self) -> &'static str {
        match self {
            MomentKind::Built => "built",
            MomentKind::Challenged => "challenged",
        }
    }

    /// How pages name it.
    pub fn label(self) -> &'static str {
        match self {
            MomentKind::Built => "Built trust",
            MomentKind::Challenged => "Challenged trust",
        }
    }
}

impl fmt::Display for MomentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MomentKind {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        MomentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| FieldError::new("kind", "choose whether the moment built trust or challenged it"))
    }
}

/// The earliest date a moment may carry: before it, a date is a typo.
pub const EARLIEST: Date = jiff::civil::date(1900, 1, 1);

/// A moment, every field validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentDraft {
    pub happened_on: Date,
    pub kind: MomentKind,
    pub title: String,
    pub learned: String,
}

impl MomentDraft {
    pub const TITLE_MAX: usize = 120;
    pub const LEARNED_MAX: usize = 4_000;

    /// `today` is the member's own date (in their time zone): a moment has
    /// happened, so a later date is refused, and so is one before 1900.
    pub fn parse(date: &str, kind: &str, title: &str, learned: &str, today: Date) -> Result<Self, FieldError> {
        let happened_on = parse_date(date, today)?;
        Ok(MomentDraft {
            happened_on,
            kind: kind.parse()?,
            title: one_line("title", title, 1, Self::TITLE_MAX)?,
            learned: multi_line("learned", learned, 0, Self::LEARNED_MAX)?,
        })
    }
}

fn parse_date(raw: &str, today: Date) -> Result<Date, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new("date", "give the date it happened (an approximate one is fine)"));
    }
    let date: Date =
        raw.parse().map_err(|_| FieldError::new("date", "write the date as year-month-day, like 2019-06-21"))?;
    if date < EARLIEST {
        return Err(FieldError::new("date", "the date is before 1900; check the year"));
    }
    if date > today {
        return Err(FieldError::new("date", "the date is in the future; mark moments once they have happened"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 12, 1);

    #[test]
    fn a_moment_needs_a_past_date_a_kind_and_a_title() {
        let m = MomentDraft::parse("2019-06-21", "built", "First trip", "", TODAY).unwrap();
        assert_eq!((m.happened_on, m.kind), (date(2019, 6, 21), MomentKind::Built));
        assert!(MomentDraft::parse("2026-12-01", "challenged", "Today", "", TODAY).is_ok(), "today is fine");
        assert_eq!(MomentDraft::parse("2026-12-02", "built", "t", "", TODAY).unwrap_err().field, "date");
        assert_eq!(MomentDraft::parse("1899-12-31", "built", "t", "", TODAY).unwrap_err().field, "date");
        assert_eq!(MomentDraft::parse("21/06/2019", "built", "t", "", TODAY).unwrap_err().field, "date");
        assert_eq!(MomentDraft::parse("", "built", "t", "", TODAY).unwrap_err().field, "date");
        assert_eq!(MomentDraft::parse("2019-06-21", "great", "t", "", TODAY).unwrap_err().field, "kind");
        assert_eq!(MomentDraft::parse("2019-06-21", "built", " ", "", TODAY).unwrap_err().field, "title");
    }

    #[test]
    fn far_dates_say_what_is_wrong() {
        let past = MomentDraft::parse("1066-10-14", "built", "t", "", TODAY).unwrap_err();
        assert!(past.message.contains("1900"));
        let future = MomentDraft::parse("2999-01-01", "built", "t", "", TODAY).unwrap_err();
        assert!(future.message.contains("future"));
    }
}
