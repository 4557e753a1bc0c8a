//! A private reflection on one's own trustworthiness, repeated over time:
//! four qualities, a 0–10 self-rating and an optional note each. Strictly
//! the member's own: it lives under `/api/v1/me` and `/reflection`, outside
//! every space, and nothing about it (not even how many there are) is
//! told to anyone else.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(ReflectionId, "reflection_id");
