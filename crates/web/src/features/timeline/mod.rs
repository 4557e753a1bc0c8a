//! The trust timeline: moments that built or challenged trust, drawn as an
//! SVG line with an accessible list, printable, in the export.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(MomentId, "moment_id");
