//! The shared memory journal: moments the two came through together, what
//! happened, how they held each other up and what it taught them.
//!
//! The journal is shared by design: both members read it, add to it,
//! comment and edit, and every edit keeps the earlier version. Only the
//! person who wrote an entry may delete it (a partner's words are not
//! erased by the other), unless that author has since deleted their
//! account. Photos are checked here by their numbers only (size in bytes,
//! dimensions read from the header); decoding happens in the web crate.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fields::{multi_line, one_line, FieldError};

/// What an entry says, every field validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalDraft {
    pub title: String,
    pub happened: String,
    pub supported: String,
    pub learned: String,
}

impl JournalDraft {
    pub const TITLE_MAX: usize = 120;
    pub const TEXT_MAX: usize = 8_000;

    /// What happened is required; the two reflections may come later
    /// (either partner can fill them in by editing).
    pub fn parse(title: &str, happened: &str, supported: &str, learned: &str) -> Result<Self, FieldError> {
        Ok(JournalDraft {
            title: one_line("title", title, 1, Self::TITLE_MAX)?,
            happened: multi_line("happened", happened, 1, Self::TEXT_MAX)?,
            supported: multi_line("supported", supported, 0, Self::TEXT_MAX)?,
            learned: multi_line("learned", learned, 0, Self::TEXT_MAX)?,
        })
    }
}

/// A comment under an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText(String);
crate::fields::text_newtype!(CommentText);

impl CommentText {
    pub const MAX: usize = 2_000;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multi_line("comment", raw, 1, Self::MAX).map(CommentText)
    }
}

/// Who may do what to a journal entry, for a member of its space (anyone
/// else never reaches the entry: the store answers "not found").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalAction {
    Read,
    Edit,
    Comment,
    AddPhoto,
    Delete,
}

/// `author` is `None` once the author deleted their account.
pub fn may(action: JournalAction, viewer: crate::Id, author: Option<crate::Id>) -> bool {
    match action {
        JournalAction::Read | JournalAction::Edit | JournalAction::Comment | JournalAction::AddPhoto => true,
        JournalAction::Delete => author.is_none_or(|a| a == viewer),
    }
}

/// A photo can be taken off an entry by the one who added it or by the
/// entry's author (a picture of someone should not stay against their
/// wish, and the author decides what illustrates their words); by anyone
/// once the one who added it has deleted their account.
pub fn may_remove_photo(viewer: crate::Id, added_by: Option<crate::Id>, entry_author: Option<crate::Id>) -> bool {
    added_by.is_none_or(|a| a == viewer) || entry_author == Some(viewer)
}

/// The most an upload may weigh, as sent.
pub const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;
/// The longest side a stored photo keeps.
pub const PHOTO_MAX_SIDE: u32 = 1600;
/// The longest side a photo may claim before decoding: larger is refused
/// without decoding (a small file can claim a huge canvas).
pub const PHOTO_MAX_SOURCE_SIDE: u32 = 12_000;
/// The most pixels a photo may claim before decoding (48 megapixels: more
/// than phone cameras take, far less than an image bomb).
pub const PHOTO_MAX_SOURCE_PIXELS: u64 = 48_000_000;
/// Photos per entry.
pub const PHOTOS_PER_ENTRY: usize = 4;

/// Why a photo is refused, each with a stable code and a message for the
/// person who chose the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoRefusal {
    TooLarge,
    NotAnImage,
    TooManyPixels,
    TooManyPhotos,
}

impl PhotoRefusal {
    pub fn code(self) -> &'static str {
        match self {
            PhotoRefusal::TooLarge => "photo_too_large",
            PhotoRefusal::NotAnImage => "not_an_image",
            PhotoRefusal::TooManyPixels => "photo_dimensions_too_large",
            PhotoRefusal::TooManyPhotos => "too_many_photos",
        }
    }

    pub fn message(self) -> String {
        match self {
            PhotoRefusal::TooLarge => {
                format!("The photo is larger than {} MB; choose a smaller one.", PHOTO_MAX_BYTES / (1024 * 1024))
            }
            PhotoRefusal::NotAnImage => "This file is not a photo we can read (use JPEG, PNG or WebP).".to_string(),
            PhotoRefusal::TooManyPixels => format!(
                "The photo claims to be larger than {PHOTO_MAX_SOURCE_SIDE} pixels on a side or \
                 {} megapixels; it was not opened.",
                PHOTO_MAX_SOURCE_PIXELS / 1_000_000
            ),
            PhotoRefusal::TooManyPhotos => format!("An entry keeps at most {PHOTOS_PER_ENTRY} photos."),
        }
    }
}

/// The size in bytes, before anything else is read.
pub fn check_photo_size(bytes: usize) -> Result<(), PhotoRefusal> {
    if bytes > PHOTO_MAX_BYTES {
        Err(PhotoRefusal::TooLarge)
    } else if bytes == 0 {
        Err(PhotoRefusal::NotAnImage)
    } else {
        Ok(())
    }
}

/// The dimensions the file's header claims, before decoding.
pub fn check_photo_dimensions(width: u32, height: u32) -> Result<(), PhotoRefusal> {
    if width == 0 || height == 0 {
        return Err(PhotoRefusal::NotAnImage);
    }
    if width.max(height) > PHOTO_MAX_SOURCE_SIDE || u64::from(width) * u64::from(height) > PHOTO_MAX_SOURCE_PIXELS {
        return Err(PhotoRefusal::TooManyPixels);
    }
    Ok(())
}

/// The size a photo is stored at: unchanged when it already fits, else
/// scaled so its longest side is `max_side`, keeping the proportions (and
/// never below one pixel).
pub fn fit_within(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long)).max(1);
    (scale(width) as u32, scale(height) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Id;

    #[test]
    fn what_happened_is_required_and_reflections_may_wait() {
        assert!(JournalDraft::parse("The move", "We moved.", "", "").is_ok());
        assert_eq!(JournalDraft::parse("The move", "  ", "", "").unwrap_err().field, "happened");
        assert_eq!(JournalDraft::parse(" ", "x", "", "").unwrap_err().field, "title");
        let long = "x".repeat(JournalDraft::TEXT_MAX + 1);
        assert_eq!(JournalDraft::parse("t", "x", &long, "").unwrap_err().field, "supported");
    }

    #[test]
    fn both_edit_and_only_the_author_deletes() {
        let (a, b) = (Id::from_db(1), Id::from_db(2));
        assert!(may(JournalAction::Edit, b, Some(a)));
        assert!(may(JournalAction::Comment, b, Some(a)));
        assert!(!may(JournalAction::Delete, b, Some(a)));
        assert!(may(JournalAction::Delete, a, Some(a)));
        assert!(may(JournalAction::Delete, b, None), "an entry whose author left the app can be tidied away");
    }

    #[test]
    fn a_photo_is_removed_by_who_added_it_or_the_entry_author() {
        let (a, b, c) = (Id::from_db(1), Id::from_db(2), Id::from_db(3));
        assert!(may_remove_photo(b, Some(b), Some(a)));
        assert!(may_remove_photo(a, Some(b), Some(a)));
        assert!(!may_remove_photo(c, Some(b), Some(a)));
        assert!(may_remove_photo(c, None, Some(a)));
    }

    #[test]
    fn photos_are_refused_by_their_numbers() {
        assert_eq!(check_photo_size(PHOTO_MAX_BYTES + 1), Err(PhotoRefusal::TooLarge));
        assert_eq!(check_photo_size(0), Err(PhotoRefusal::NotAnImage));
        assert!(check_photo_size(PHOTO_MAX_BYTES).is_ok());
        assert_eq!(check_photo_dimensions(100_000, 100_000), Err(PhotoRefusal::TooManyPixels));
        assert_eq!(check_photo_dimensions(12_001, 10), Err(PhotoRefusal::TooManyPixels));
        assert_eq!(check_photo_dimensions(8_000, 8_000), Err(PhotoRefusal::TooManyPixels));
        assert!(check_photo_dimensions(8_000, 6_000).is_ok());
        assert_eq!(check_photo_dimensions(0, 10), Err(PhotoRefusal::NotAnImage));
    }

    #[test]
    fn the_long_side_is_brought_to_the_limit_keeping_proportions() {
        assert_eq!(fit_within(800, 600, 1600), (800, 600));
        assert_eq!(fit_within(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_within(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit_within(10_000, 3, 1600), (1600, 1));
    }
}
