//! What the store hands out. These are also the API's response bodies, so
//! they carry their OpenAPI schema.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::{Id, SpaceKind, Visibility};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Only for logging in: the stored hash never leaves the server.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: Id,
    pub password_hash: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionInfo {
    pub id: Id,
    #[serde(skip)]
    pub csrf_token: String,
    pub user_agent: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: Id,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
}

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

/// Entry kinds. Features add their own; the visibility rule is the same for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Note,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "note" => Some(EntryKind::Note),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SealedState {
    pub revealed: bool,
    /// The viewer's own part, if written.
    pub my_part: Option<String>,
    /// The other member's part: only once revealed.
    pub partner_part: Option<String>,
    pub partner_has_written: bool,
    pub i_have_written: bool,
}

/// An entry as one viewer may see it (already cut to what they may see).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryView {
    pub id: Id,
    pub space_id: Id,
    pub kind: EntryKind,
    pub visibility: Visibility,
    pub title: String,
    /// The text; for sealed entries see `sealed` instead.
    pub body: Option<String>,
    pub author_id: Option<Id>,
    pub author_name: Option<String>,
    /// Whether the viewer wrote it.
    pub mine: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    pub sealed: Option<SealedState>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub kind: Option<EntryKind>,
    pub visibility: Option<Visibility>,
    pub limit: Option<i64>,
}

/// Everything one person may take with them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Export {
    pub format: String,
    #[schema(value_type = String, format = DateTime)]
    pub exported_at: Timestamp,
    pub user: User,
    pub spaces: Vec<ExportedSpace>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedSpace {
    pub space: Space,
    pub entries: Vec<EntryView>,
    pub promises: Vec<crate::Promise>,
    pub appreciations: Vec<crate::Appreciation>,
    /// The person's own pulses only (shared or not).
    pub pulses: Vec<crate::Pulse>,
    pub rituals: Vec<crate::Ritual>,
}
