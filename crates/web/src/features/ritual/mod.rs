//! The weekly ritual: a slot, this week's ritual and its agenda.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(RitualId, "ritual_id");
