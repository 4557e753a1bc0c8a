//! Appreciations: the log of thanks, hearts and favourites.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(AppreciationId, "appreciation_id");
