//! The space home page and its digest.

pub mod api;
pub mod pages;
pub mod service;
