//! The shared memory journal: moments the two came through together, with
//! comments, a history of edits and photos.

pub mod api;
pub mod pages;
pub mod photo;
pub mod service;

crate::path_id!(JournalEntryId, "entry_id");
crate::path_id!(JournalPhotoId, "photo_id");
