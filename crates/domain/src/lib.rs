//! Pure domain logic for troth: no I/O, no clocks, no randomness.
//!
//! Everything that decides *what is allowed* lives here so it can be tested
//! exhaustively and used by every storage backend and every route alike.

pub mod fields;
pub mod ics;
pub mod ids;
pub mod promise;
pub mod pulse;
pub mod ratio;
pub mod reliability;
pub mod ritual;
pub mod space;
pub mod throttle;
pub mod visibility;

pub use fields::{
    AppreciationText, DisplayName, Email, EntryBody, EntryTitle, FieldError, Password, SpaceName, TimeZoneName,
    TokenName,
};
pub use ids::Id;
pub use space::{SpaceKind, MAX_MEMBERS};
pub use visibility::{authorize, Action, Denied, EntryFacts, Grant, Visibility};
