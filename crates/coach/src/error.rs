//! Why a message could not be analysed.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Longest message the coach reads, in chars (not bytes).
pub const MAX_CHARS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoachError {
    /// More than [`MAX_CHARS`] chars.
    TooLong { chars: usize, max: usize },
    /// Nothing but whitespace.
    Empty,
}

impl CoachError {
    /// Stable snake_case code for APIs and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            CoachError::TooLong { .. } => "too_long",
            CoachError::Empty => "empty",
        }
    }
}

impl std::fmt::Display for CoachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CoachError::TooLong { chars, max } => {
                write!(f, "this message has {chars} characters; the coach reads up to {max} at a time")
            }
            CoachError::Empty => f.write_str("there is nothing to read yet"),
        }
    }
}

impl std::error::Error for CoachError {}

/// Serialises as `{"code": "too_long", "message": "...", "chars": n, "max": m}`.
impl Serialize for CoachError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = if matches!(self, CoachError::TooLong { .. }) { 4 } else { 2 };
        let mut st = s.serialize_struct("CoachError", n)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        if let CoachError::TooLong { chars, max } = self {
            st.serialize_field("chars", chars)?;
            st.serialize_field("max", max)?;
        }
        st.end()
    }
}

/// Checks the size limit and emptiness. Counting chars is skipped when the
/// byte length already proves the text short enough.
pub fn validate(text: &str) -> Result<(), CoachError> {
    if text.len() > MAX_CHARS {
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(CoachError::TooLong { chars, max: MAX_CHARS });
        }
    }
    if text.trim().is_empty() {
        return Err(CoachError::Empty);
    }
    Ok(())
}
