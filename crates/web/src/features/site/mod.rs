//! The site itself: the landing page, safety page, quick exit, static
//! files, "not found", the health check and the OpenAPI document.

pub mod api;
pub mod pages;
