//! What notes hand out: an entry as one viewer may see it.

use jiff::Timestamp;
use serde::Serialize;
use troth_domain::{EntryBody, EntryTitle, Id, Visibility};
use utoipa::ToSchema;

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

pub struct NewEntry {
    pub kind: EntryKind,
    pub visibility: Visibility,
    pub title: EntryTitle,
    pub body: EntryBody,
    /// When it was written; `None` means now. Only `troth demo` and imports
    /// set it: the web layer always passes `None`.
    pub at: Option<Timestamp>,
}

pub struct EntryPatch {
    pub title: Option<EntryTitle>,
    pub body: Option<EntryBody>,
}
