//! The one visibility rule. Every route that reads or changes an entry asks
//! [`authorize`]; nothing else decides who may see what.
//!
//! - **private**: the author alone. To anyone else the entry does not exist
//!   (`Denied::NotFound`), so not even its existence or count leaks.
//! - **shared**: both members read; only the author changes or deletes.
//! - **sealed**: each member writes a part. Until both parts are in, a member
//!   sees their own part and at most the fact that the other has written;
//!   then both parts are revealed together and become read-only.
//!
//! Someone who is not a member of the entry's space (an outsider, a former
//! member, a logged-out visitor) always gets `NotFound`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Private,
    Shared,
    Sealed,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Private, Visibility::Shared, Visibility::Sealed];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Shared => "shared",
            Visibility::Sealed => "sealed",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Visibility::Private => "Only you. Your partner never sees it, nor that it exists.",
            Visibility::Shared => "Both of you can read it.",
            Visibility::Sealed => "You each write a part; both open together once both are written.",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = crate::FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "private" => Ok(Visibility::Private),
            "shared" => Ok(Visibility::Shared),
            "sealed" => Ok(Visibility::Sealed),
            _ => Err(crate::FieldError::new("visibility", "must be private, shared or sealed")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the entry (also used to decide whether it appears in a list).
    Read,
    /// Change the title or body (for sealed: one's own part).
    Update,
    Delete,
    /// Write one's own part of a sealed entry.
    WritePart,
}

/// What the rule needs to know about an entry. Loaded by the store.
#[derive(Debug, Clone)]
pub struct EntryFacts {
    pub space_id: Id,
    /// `None` once the author deleted their account.
    pub author: Option<Id>,
    pub visibility: Visibility,
    /// For sealed entries: who has written a part so far.
    pub parts_by: Vec<Id>,
}

impl EntryFacts {
    /// A sealed entry opens when two different people have written.
    pub fn is_revealed(&self) -> bool {
        self.visibility == Visibility::Sealed
            && self.parts_by.len() >= 2
            && self.parts_by.iter().any(|p| Some(*p) != self.parts_by.first().copied())
    }
}

/// What the viewer is allowed, and how much of a sealed entry they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Full,
    /// Sealed and not yet revealed: only the viewer's own part (if any), and
    /// whether the other member has written.
    SealedOwnPartOnly {
        partner_has_written: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The viewer may not know the entry exists.
    #[error("not found")]
    NotFound,
    /// The viewer can see the entry but may not do this to it.
    #[error("only the author can do that")]
    Forbidden,
    /// Allowed in principle, but not in the entry's current state.
    #[error("{0}")]
    Conflict(&'static str),
}

/// The rule. `viewer` is `None` for a logged-out visitor; `viewer_spaces_member`
/// is whether the viewer is a current member of the entry's space.
pub fn authorize(
    viewer: Option<Id>,
    viewer_is_member: bool,
    entry: &EntryFacts,
    action: Action,
) -> Result<Grant, Denied> {
    let Some(viewer) = viewer else {
        return Err(Denied::NotFound);
    };
    if !viewer_is_member {
        return Err(Denied::NotFound);
    }
    let is_author = entry.author == Some(viewer);
    match entry.visibility {
        Visibility::Private => {
            if !is_author {
                return Err(Denied::NotFound);
            }
            match action {
                Action::WritePart => Err(Denied::Conflict("only sealed entries have parts")),
                _ => Ok(Grant::Full),
            }
        }
        Visibility::Shared => match action {
            Action::Read => Ok(Grant::Full),
            Action::Update | Action::Delete if is_author => Ok(Grant::Full),
            Action::Update | Action::Delete => Err(Denied::Forbidden),
            Action::WritePart => Err(Denied::Conflict("only sealed entries have parts")),
        },
        Visibility::Sealed => {
            let revealed = entry.is_revealed();
            let wrote = entry.parts_by.contains(&viewer);
            match action {
                Action::Read if revealed => Ok(Grant::Full),
                Action::Read => {
                    Ok(Grant::SealedOwnPartOnly { partner_has_written: entry.parts_by.iter().any(|p| *p != viewer) })
                }
                Action::WritePart | Action::Update if revealed => {
                    Err(Denied::Conflict("both parts are revealed; they can no longer change"))
                }
                Action::WritePart => {
                    Ok(Grant::SealedOwnPartOnly { partner_has_written: entry.parts_by.iter().any(|p| *p != viewer) })
                }
                // Updating a sealed entry means rewriting one's own part.
                Action::Update if wrote => Ok(Grant::SealedOwnPartOnly { partner_has_written: false }),
                Action::Update => Err(Denied::Conflict("write your part first")),
                Action::Delete if !is_author => Err(Denied::Forbidden),
                Action::Delete if revealed => {
                    Err(Denied::Conflict("a revealed exchange belongs to both of you and cannot be deleted"))
                }
                Action::Delete => Ok(Grant::Full),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: i64) -> Id {
        Id::from_db(n)
    }

    fn facts(vis: Visibility, parts: &[i64]) -> EntryFacts {
        EntryFacts {
            space_id: id(100),
            author: Some(id(1)),
            visibility: vis,
            parts_by: parts.iter().map(|p| id(*p)).collect(),
        }
    }

    const ALL_ACTIONS: [Action; 4] = [Action::Read, Action::Update, Action::Delete, Action::WritePart];

    #[test]
    fn outsiders_and_logged_out_see_nothing_of_any_entry() {
        for vis in Visibility::ALL {
            for action in ALL_ACTIONS {
                let e = facts(vis, &[1, 2]);
                assert_eq!(authorize(None, false, &e, action), Err(Denied::NotFound));
                assert_eq!(authorize(Some(id(9)), false, &e, action), Err(Denied::NotFound));
                // Even the author, once no longer a member, is locked out.
                assert_eq!(authorize(Some(id(1)), false, &e, action), Err(Denied::NotFound));
            }
        }
    }

    #[test]
    fn private_entries_do_not_exist_for_the_partner() {
        let e = facts(Visibility::Private, &[]);
        for action in ALL_ACTIONS {
            assert_eq!(authorize(Some(id(2)), true, &e, action), Err(Denied::NotFound));
        }
        assert_eq!(authorize(Some(id(1)), true, &e, Action::Read), Ok(Grant::Full));
        assert_eq!(authorize(Some(id(1)), true, &e, Action::Delete), Ok(Grant::Full));
    }

    #[test]
    fn shared_entries_are_read_by_both_changed_by_the_author() {
        let e = facts(Visibility::Shared, &[]);
        assert_eq!(authorize(Some(id(2)), true, &e, Action::Read), Ok(Grant::Full));
        assert_eq!(authorize(Some(id(2)), true, &e, Action::Update), Err(Denied::Forbidden));
        assert_eq!(authorize(Some(id(2)), true, &e, Action::Delete), Err(Denied::Forbidden));
        assert_eq!(authorize(Some(id(1)), true, &e, Action::Update), Ok(Grant::Full));
    }

    #[test]
    fn sealed_entries_open_only_when_both_have_written() {
        let one = facts(Visibility::Sealed, &[1]);
        assert!(!one.is_revealed());
        assert_eq!(
            authorize(Some(id(2)), true, &one, Action::Read),
            Ok(Grant::SealedOwnPartOnly { partner_has_written: true })
        );
        assert_eq!(
            authorize(Some(id(1)), true, &one, Action::Read),
            Ok(Grant::SealedOwnPartOnly { partner_has_written: false })
        );
        assert!(authorize(Some(id(2)), true, &one, Action::WritePart).is_ok());

        let both = facts(Visibility::Sealed, &[1, 2]);
        assert!(both.is_revealed());
        assert_eq!(authorize(Some(id(2)), true, &both, Action::Read), Ok(Grant::Full));
        assert!(matches!(authorize(Some(id(2)), true, &both, Action::WritePart), Err(Denied::Conflict(_))));
        assert!(matches!(authorize(Some(id(1)), true, &both, Action::Delete), Err(Denied::Conflict(_))));
    }

    #[test]
    fn the_same_person_twice_does_not_reveal() {
        let twice = facts(Visibility::Sealed, &[1, 1]);
        assert!(!twice.is_revealed());
    }
}
