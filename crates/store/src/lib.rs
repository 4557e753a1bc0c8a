//! Storage for troth.
//!
//! [`Store`] is the one interface the web layer and the CLI use. [`SqlStore`]
//! implements it for both backends (SQLite, the embedded default, and
//! PostgreSQL): the queries are written once in the SQL both understand, and
//! what differs (connection pragmas, migrations, backup) is chosen by
//! [`Backend`]. Every read of an entry goes through
//! [`troth_domain::authorize`], inside the store, so no caller can forget it.

mod accounts;
mod appreciations;
mod calendar;
mod db;
mod exchanges;
mod goals;
mod home;
mod insights;
mod journal;
pub mod lifecycle;
mod notes;
mod notifications;
mod program;
mod promises;
mod pulse;
mod reflection;
mod ritual;
pub mod secret;
mod spaces;
mod store;
mod timeline;

use async_trait::async_trait;
use jiff::Timestamp;
use troth_domain::{DisplayName, Email, EntryBody, Id, SpaceKind, SpaceName, TimeZoneName};

pub use accounts::{
    Credentials, EmailLink, EmailLinkPurpose, LiveSession, NewUser, SessionInfo, SessionPolicy, ThrottleAttempt,
    TokenInfo, User,
};
pub use appreciations::{Appreciation, AppreciationFilter, AppreciationStore};
pub use db::schema::{Column, Table, TypeFamily};
pub use db::{Backend, SqlStore, StoreOptions};
pub use exchanges::{Exchange, ExchangeResponse, ExchangeStore, NewExchange, OwnPart, PartWritten, RevealedPart};
pub use goals::{
    Experience, ExperienceChanged, ExperiencePatch, Goal, GoalChanged, GoalPatch, GoalStore, Milestone, NewExperience,
    NewGoal,
};
pub use home::{DigestAsk, DigestEntry, DigestProgram, DigestPromise, DigestStore, FirstStepsDone, SpaceDigest};
pub use insights::{InsightStore, MomentCounts, ScoreSharing};
pub use journal::{
    BadCursor, ExportedPhoto, JournalComment, JournalCursor, JournalEntry, JournalPage, JournalPhoto, JournalRevision,
    JournalStore, NewPhoto,
};
pub use lifecycle::{Export, ExportedSpace};
pub use notes::{EntryFilter, EntryKind, EntryPatch, EntryView, NewEntry, SealedState};
pub use notifications::{MemberSettings, Notification, NotifyStore};
pub use program::{
    utc_day, NewSession, ProgramOverview, ProgramSession, ProgramStore, SessionAnswer, SessionReflection, TonightLog,
};
pub use promises::{
    ActionWords, CommitmentLoad, NewPromise, Promise, PromiseEventView, PromiseFilter, PromiseStore, ProposedTermsView,
};
pub use pulse::{Pulse, PulseStore, Ratings};
pub use reflection::{Reflection, ReflectionAnswer, ReflectionStore};
pub use ritual::{DraftInput, Ritual, RitualAnswer, RitualDraft, RitualInput, RitualSlot, RitualStore};
pub use spaces::{Invite, InvitePreview, InviteStatus, Member, Space};
pub use timeline::{TimelineMoment, TimelineRevision, TimelineStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A state conflict with a stable code (`email_taken`, `space_full`, ...).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A rule says no to this person (a partner trying to claim the
    /// promiser's promise); 403 with a code.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// The input breaks a rule that needs the stored state to check
    /// (a due time in the past); 422 with a code.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// The thing existed once but is no longer usable (an expired invite).
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Conflict { code, message: message.into() }
    }
    pub fn gone(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Gone { code, message: message.into() }
    }
}

impl From<troth_domain::Denied> for StoreError {
    fn from(d: troth_domain::Denied) -> Self {
        match d {
            troth_domain::Denied::NotFound => StoreError::NotFound,
            troth_domain::Denied::Forbidden => StoreError::Forbidden,
            troth_domain::Denied::Conflict(msg) => StoreError::conflict("entry_state", msg),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store:
    AppreciationStore
    + DigestStore
    + ExchangeStore
    + GoalStore
    + InsightStore
    + JournalStore
    + ProgramStore
    + PromiseStore
    + PulseStore
    + ReflectionStore
    + RitualStore
    + TimelineStore
    + NotifyStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// Answers when the database can be reached (for `/healthz`).
    async fn ping(&self) -> Result<()>;

    // Accounts -------------------------------------------------------------
    async fn create_user(&self, user: NewUser) -> Result<User>;
    async fn user(&self, id: Id) -> Result<User>;
    async fn credentials_by_email(&self, email: &Email) -> Result<Option<Credentials>>;
    async fn set_password_hash(&self, user: Id, hash: &str) -> Result<()>;
    async fn update_profile(&self, user: Id, name: &DisplayName, tz: &TimeZoneName) -> Result<User>;
    /// Leaves every space (dropping private entries), then deletes the user.
    async fn delete_user(&self, user: Id) -> Result<()>;

    // Sessions and tokens ----------------------------------------------------
    async fn create_session(
        &self,
        user: Id,
        secret_hash: &str,
        csrf: &str,
        user_agent: &str,
        now: Timestamp,
    ) -> Result<Id>;
    /// The session, its user and their unread count if the session is alive
    /// under `policy`; refreshes `last_seen_at` at most once a minute (to
    /// spare writes).
    async fn session(&self, secret_hash: &str, now: Timestamp, policy: SessionPolicy) -> Result<Option<LiveSession>>;
    async fn sessions_of(&self, user: Id) -> Result<Vec<SessionInfo>>;
    async fn end_session(&self, user: Id, session: Id) -> Result<()>;
    async fn end_sessions_except(&self, user: Id, keep: Option<Id>) -> Result<u64>;
    async fn create_token(&self, user: Id, name: &str, secret_hash: &str, now: Timestamp) -> Result<TokenInfo>;
    async fn token_user(&self, secret_hash: &str, now: Timestamp) -> Result<Option<(TokenInfo, User)>>;
    async fn tokens_of(&self, user: Id) -> Result<Vec<TokenInfo>>;
    async fn delete_token(&self, user: Id, token: Id) -> Result<()>;
    /// Ends every access token of `user`; how many there were.
    async fn end_tokens(&self, user: Id) -> Result<u64>;

    // Login throttling --------------------------------------------------------
    /// Counts one attempt under `key`, before the password is checked, and
    /// locks the key as the new count calls for; or says how long it waits.
    async fn throttle_reserve(&self, key: &str, free_failures: i64, now: Timestamp) -> Result<ThrottleAttempt>;
    /// Takes back one reserved attempt that was not a failure.
    async fn throttle_release(&self, key: &str, free_failures: i64) -> Result<()>;
    async fn throttle_clear(&self, key: &str) -> Result<()>;

    // Links sent by email -------------------------------------------------------
    /// Keeps a link under the hash of its secret (and sweeps expired ones).
    async fn create_email_link(&self, link: &EmailLink, token_hash: &str) -> Result<()>;
    /// Reads a living link without using it up (`NotFound`, `Gone` as below).
    async fn email_link(&self, purpose: EmailLinkPurpose, token_hash: &str, now: Timestamp) -> Result<EmailLink>;
    /// Ends every link sent to `email`; how many there were.
    async fn end_email_links(&self, email: &str) -> Result<u64>;
    /// Uses a link up: `NotFound` when unknown or already used, `Gone`
    /// when its time has passed.
    async fn claim_email_link(&self, purpose: EmailLinkPurpose, token_hash: &str, now: Timestamp) -> Result<EmailLink>;

    // Spaces and invites ------------------------------------------------------
    async fn create_space(&self, owner: Id, name: &SpaceName, kind: SpaceKind) -> Result<Space>;
    async fn spaces_of(&self, user: Id) -> Result<Vec<Space>>;
    /// The space with its members, or `NotFound` for anyone not a member.
    async fn space_for(&self, user: Id, space: Id) -> Result<Space>;
    async fn rename_space(&self, user: Id, space: Id, name: &SpaceName) -> Result<Space>;
    /// Leaves: deletes the leaver's private entries and unrevealed sealed
    /// parts (of notes and exchanges) there; shared entries stay for the other member.
    async fn leave_space(&self, user: Id, space: Id) -> Result<()>;
    async fn create_invite(
        &self,
        user: Id,
        space: Id,
        code_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Invite>;
    async fn invites_of(&self, user: Id, space: Id) -> Result<Vec<Invite>>;
    async fn revoke_invite(&self, user: Id, space: Id, invite: Id, now: Timestamp) -> Result<()>;
    async fn invite_preview(&self, code_hash: &str, now: Timestamp) -> Result<InvitePreview>;
    async fn accept_invite(&self, user: Id, code_hash: &str, now: Timestamp) -> Result<Space>;

    // Entries: all go through the visibility rule ----------------------------
    async fn create_entry(&self, user: Id, space: Id, entry: NewEntry) -> Result<EntryView>;
    async fn entries(&self, user: Id, space: Id, filter: EntryFilter) -> Result<Vec<EntryView>>;
    async fn entry(&self, user: Id, space: Id, entry: Id) -> Result<EntryView>;
    async fn update_entry(&self, user: Id, space: Id, entry: Id, patch: EntryPatch) -> Result<EntryView>;
    async fn delete_entry(&self, user: Id, space: Id, entry: Id) -> Result<()>;
    async fn write_part(&self, user: Id, space: Id, entry: Id, body: &EntryBody) -> Result<EntryView>;

    // Export and maintenance --------------------------------------------------
    async fn export_user(&self, user: Id) -> Result<Export>;
    /// A consistent copy of the whole database while it is in use.
    async fn backup_to(&self, path: &std::path::Path) -> Result<()>;
    async fn close(&self);
}
