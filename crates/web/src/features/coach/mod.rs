//! The writing coach on pages and over JSON. The analysis itself is the
//! `troth-coach` crate (pure), shared by both through the app state.

pub mod api;
pub mod pages;
