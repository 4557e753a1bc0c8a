//! Promises, with the reliability tallies they feed.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(PromiseId, "promise_id");
