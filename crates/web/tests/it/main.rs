//! The web crate's one integration-test binary: the real server over real
//! HTTP, on SQLite and PostgreSQL, and real Chromium for the journeys.

mod api;
mod browser;
mod everyday;
mod matrix;
mod store;
mod support;
