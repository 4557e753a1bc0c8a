//! Accounts: register, log in, profile, password, sessions, tokens,
//! delete and export.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(SessionId, "session_id");
crate::path_id!(TokenId, "token_id");
