//! Pure domain logic for troth: no I/O, no clocks, no randomness.
//!
//! Everything that decides *what is allowed* lives here so it can be tested
//! exhaustively and used by every storage backend and every route alike.

// One module per feature (named as in the store and the web crate), and
// the shared pieces every feature uses: fields, ids, visibility.
pub mod accounts;
pub mod calendar;
pub mod exchanges;
pub mod fields;
pub mod goals;
pub mod home;
pub mod ids;
pub mod insights;
pub mod journal;
pub mod notifications;
pub mod program;
pub mod promises;
pub mod pulse;
pub mod reflection;
pub mod ritual;
pub mod spaces;
pub mod timeline;
pub mod visibility;

pub use fields::{
    AppreciationText, DisplayName, Email, EntryBody, EntryTitle, FieldError, Password, SpaceName, TimeZoneName,
    TokenName,
};
pub use ids::Id;
pub use spaces::{SpaceKind, MAX_MEMBERS};
pub use visibility::{authorize, Action, Denied, EntryFacts, Grant, Visibility};
