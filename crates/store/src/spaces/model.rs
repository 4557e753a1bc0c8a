//! What spaces hand out: a space with its members, and invites.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::{Id, SpaceKind};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub user_id: Id,
    pub display_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Space {
    pub id: Id,
    pub name: String,
    pub kind: SpaceKind,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub members: Vec<Member>,
    /// The weekly ritual's time, once chosen.
    pub ritual_slot: Option<crate::RitualSlot>,
    /// Someone has left: the space takes no new member (what two people
    /// shared there was shared with each other, not with a newcomer).
    pub parted: bool,
}

impl Space {
    /// The other member, seen from `me`.
    pub fn partner_of(&self, me: Id) -> Option<&Member> {
        self.members.iter().find(|m| m.user_id != me)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    Open,
    Used,
    Revoked,
    Expired,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invite {
    pub id: Id,
    pub space_id: Id,
    pub status: InviteStatus,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// What someone holding an invite code may learn before joining.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitePreview {
    pub space_name: String,
    pub kind: SpaceKind,
    pub invited_by: Option<String>,
    pub status: InviteStatus,
    pub space_full: bool,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}
