//! The trust-building program: the library of exercises (browse, search,
//! read), the pair's track, pace and open level, "next for you" and "for
//! tonight", and guided sessions with their history.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(SessionId, "session_id");
