//! The trust pulse: six kinds of trust, rated privately, shared by choice.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(PulseId, "pulse_id");
