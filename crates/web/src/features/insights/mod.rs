//! Insights: reliability, the ratio of warm to hard moments, ritual
//! consistency and one's own pulse trends.

pub mod api;
pub mod pages;
pub mod service;
