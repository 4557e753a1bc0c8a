//! Spaces: spaces, invites, membership, leaving.

pub mod api;
pub mod pages;
pub mod service;

crate::path_id!(InviteId, "invite_id");
