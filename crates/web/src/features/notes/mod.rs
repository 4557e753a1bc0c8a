//! Notes: private, shared and sealed entries.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(NoteId, "note_id");
