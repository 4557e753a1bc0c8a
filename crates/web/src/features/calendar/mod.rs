//! The calendar: a secret ICS feed of the ritual and promise due times.

pub mod api;
pub mod pages;
pub mod service;
