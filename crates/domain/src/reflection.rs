//! A private reflection on one's own trustworthiness, repeated over time:
//! for each of four qualities (being able to do what one takes on, doing
//! it reliably over time, choosing what is right, and acting with care), a
//! 0–10 self-rating and an optional note.
//!
//! A reflection belongs to the person, not to a space: nobody else ever
//! reads it, nor learns how many there are or when they were written. The
//! store keys it by user alone, so leaving a space does not touch it and no
//! query about a space can reach it.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::fields::{multi_line, present, text_newtype, FieldError};

/// At most this many reflections per person: one a week for twenty years.
pub const MAX_REFLECTIONS: i64 = 1_000;

/// One of the four qualities of trustworthiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    Competence,
    Consistency,
    Integrity,
    Compassion,
}

impl Quality {
    pub const ALL: [Quality; 4] = [Quality::Competence, Quality::Consistency, Quality::Integrity, Quality::Compassion];

    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Competence => "competence",
            Quality::Consistency => "consistency",
            Quality::Integrity => "integrity",
            Quality::Compassion => "compassion",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Quality::Competence => "Competence",
            Quality::Consistency => "Consistency",
            Quality::Integrity => "Integrity",
            Quality::Compassion => "Compassion",
        }
    }

    /// The question the form asks, in our own words.
    pub fn question(self) -> &'static str {
        match self {
            Quality::Competence => "When I take something on, can people count on me to be able to do it well?",
            Quality::Consistency => "Do I keep doing it well week after week, not just when it is noticed?",
            Quality::Integrity => "When it costs me something, do I still choose what I believe is right?",
            Quality::Compassion => "Do I act with care and kindness, seeing others as people who matter?",
        }
    }

    /// The field name of its rating (and, with `_note`, of its note).
    pub fn field(self) -> &'static str {
        self.as_str()
    }

    pub fn note_field(self) -> &'static str {
        match self {
            Quality::Competence => "competence_note",
            Quality::Consistency => "consistency_note",
            Quality::Integrity => "integrity_note",
            Quality::Compassion => "compassion_note",
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A whole number from 0 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SelfRating(u8);

impl SelfRating {
    pub const MAX: u8 = 10;

    pub fn parse(field: &'static str, raw: Option<i64>) -> Result<Self, FieldError> {
        match raw {
            Some(v) if (0..=i64::from(Self::MAX)).contains(&v) => Ok(SelfRating(v as u8)),
            Some(_) => Err(FieldError::new(field, "pick a whole number from 0 to 10")),
            None => Err(FieldError::new(field, "give a rating from 0 to 10")),
        }
    }

    /// From a form's text: empty is missing, anything else must be a number.
    pub fn parse_text(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Self::parse(field, None);
        }
        match raw.parse::<i64>() {
            Ok(v) => Self::parse(field, Some(v)),
            Err(_) => Err(FieldError::new(field, "pick a whole number from 0 to 10")),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// An optional note on one quality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionNote(String);
text_newtype!(ReflectionNote);

impl ReflectionNote {
    pub const MAX: usize = 2_000;
    pub fn parse_optional(field: &'static str, raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match present(field, raw, Self::MAX)? {
            None => Ok(None),
            Some(text) => multi_line(field, text, 1, Self::MAX).map(|t| Some(ReflectionNote(t))),
        }
    }
}

/// One quality's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub quality: Quality,
    pub rating: SelfRating,
    pub note: Option<ReflectionNote>,
}

/// A whole reflection: one answer per quality, in [`Quality::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReflection {
    pub answers: [Answer; 4],
}

impl NewReflection {
    /// Checks all four; the first refusal names its field.
    pub fn parse(raw: impl Fn(Quality) -> (Option<i64>, Option<String>)) -> Result<Self, FieldError> {
        let mut answers = Vec::with_capacity(4);
        for quality in Quality::ALL {
            let (rating, note) = raw(quality);
            answers.push(Answer {
                quality,
                rating: SelfRating::parse(quality.field(), rating)?,
                note: ReflectionNote::parse_optional(quality.note_field(), note.as_deref())?,
            });
        }
        let answers: [Answer; 4] = answers.try_into().map_err(|_| FieldError::new("competence", "four answers"))?;
        Ok(NewReflection { answers })
    }

    pub fn answer(&self, quality: Quality) -> &Answer {
        &self.answers[Quality::ALL.iter().position(|q| *q == quality).unwrap_or(0)]
    }
}

/// Why a reflection is refused, with a stable code for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("you have kept 1,000 reflections, the most troth keeps; delete some old ones to add more")]
    TooMany,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::TooMany => "too_many_reflections",
        }
    }
}

pub fn room_for(existing: i64) -> Result<(), Refusal> {
    if existing >= MAX_REFLECTIONS {
        Err(Refusal::TooMany)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_whole_numbers_from_0_to_10() {
        assert_eq!(SelfRating::parse("integrity", Some(0)).unwrap().get(), 0);
        assert_eq!(SelfRating::parse("integrity", Some(10)).unwrap().get(), 10);
        for bad in [Some(11), Some(-1), Some(255), None] {
            assert_eq!(SelfRating::parse("integrity", bad).unwrap_err().field, "integrity", "{bad:?}");
        }
        assert_eq!(SelfRating::parse_text("compassion", " 7 ").unwrap().get(), 7);
        for bad in ["", "7.5", "seven", "11"] {
            assert!(SelfRating::parse_text("compassion", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_reflection_needs_all_four_ratings_and_names_the_bad_field() {
        let ok =
            NewReflection::parse(|q| (Some(5), (q == Quality::Integrity).then(|| "kept my word".to_string()))).unwrap();
        assert_eq!(ok.answer(Quality::Integrity).note.as_ref().map(|n| n.as_str()), Some("kept my word"));
        assert!(ok.answer(Quality::Compassion).note.is_none());
        assert_eq!(ok.answers.map(|a| a.quality), Quality::ALL);
        let err = NewReflection::parse(|q| (if q == Quality::Consistency { Some(11) } else { Some(3) }, None));
        assert_eq!(err.unwrap_err().field, "consistency");
        let err = NewReflection::parse(|q| (Some(3), (q == Quality::Compassion).then(|| "n".repeat(2_001))));
        assert_eq!(err.unwrap_err().field, "compassion_note");
    }

    #[test]
    fn names_are_distinct_and_the_limit_holds() {
        let names: std::collections::HashSet<_> =
            Quality::ALL.iter().flat_map(|q| [q.field(), q.note_field()]).collect();
        assert_eq!(names.len(), 8);
        assert_eq!(room_for(MAX_REFLECTIONS - 1), Ok(()));
        assert_eq!(room_for(MAX_REFLECTIONS), Err(Refusal::TooMany));
    }
}
