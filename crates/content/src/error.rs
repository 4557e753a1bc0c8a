//! Errors in data files: every one names the file and, where it has one, the
//! line, so a writer or an operator can go straight to it.

use std::fmt;

/// What is wrong, as a kind (for tests and callers) next to the message (for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The file could not be read (operator directory only).
    Io,
    /// Not valid TOML.
    Syntax,
    MissingField,
    UnknownField,
    /// A value of the wrong TOML type (a number where text belongs, ...).
    WrongType,
    /// A kind of trust that is not one of the six.
    UnknownTrust,
    UnknownMode,
    UnknownTrack,
    /// An id, key or seed number that does not have the agreed shape.
    BadId,
    DuplicateId,
    BadLevel,
    BadMinutes,
    /// Too few or too many items in a list (kinds of trust, prompts, sources...).
    BadCount,
    /// An empty text where words are needed.
    EmptyText,
    TooLong,
    /// An exercise without any step, or without any step that asks something.
    EmptySteps,
    /// A `covers` key that no seed item has.
    UnknownCover,
    /// A `tonight` prompt above level 2.
    TonightTooDeep,
}

/// One problem in one data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    /// The file as the writer knows it: `content/exercises/x.toml` for the
    /// embedded library, the path on disk for an operator's files.
    pub file: String,
    /// 1-based line; `None` only when the file could not be read at all.
    pub line: Option<usize>,
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in a set of data files, in file order. Loading never
/// stops at the first one, so a writer sees them all in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentErrors(pub Vec<ContentError>);

impl ContentErrors {
    pub fn iter(&self) -> impl Iterator<Item = &ContentError> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(f, "{count} problem{} in the content library:", if count == 1 { "" } else { "s" })?;
        for error in &self.0 {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentErrors {}
