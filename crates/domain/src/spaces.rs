//! Spaces: the private room two people share.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A space holds at most two people: the product is built for a pair, and the
/// privacy model ("your partner") only makes sense with exactly one other.
pub const MAX_MEMBERS: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    #[default]
    Partners,
    Friends,
    Family,
}

impl SpaceKind {
    pub const ALL: [SpaceKind; 3] = [SpaceKind::Partners, SpaceKind::Friends, SpaceKind::Family];

    pub fn as_str(self) -> &'static str {
        match self {
            SpaceKind::Partners => "partners",
            SpaceKind::Friends => "friends",
            SpaceKind::Family => "family",
        }
    }

    /// How the other member is called in the interface.
    pub fn other_member_word(self) -> &'static str {
        match self {
            SpaceKind::Partners => "partner",
            SpaceKind::Friends => "friend",
            SpaceKind::Family => "family member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SpaceKind::Partners => "Partners",
            SpaceKind::Friends => "Friends",
            SpaceKind::Family => "Family",
        }
    }
}

impl fmt::Display for SpaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpaceKind {
    type Err = crate::FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "partners" | "" => Ok(SpaceKind::Partners),
            "friends" => Ok(SpaceKind::Friends),
            "family" => Ok(SpaceKind::Family),
            _ => Err(crate::FieldError::new("kind", "must be partners, friends or family")),
        }
    }
}
