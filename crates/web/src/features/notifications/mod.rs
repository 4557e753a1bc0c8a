//! Notifications: in-app and email reminders, the reminders tick, and each
//! member's choices.

pub mod api;
pub mod pages;
pub mod reminders;
pub mod service;
