//! The one `impl Store for SqlStore`: each method hands over to the module
//! of its feature (Rust wants a trait's methods in one block), and the
//! lifecycle ones to [`crate::lifecycle`].

use std::path::Path;

use async_trait::async_trait;
use jiff::Timestamp;
use troth_domain::{DisplayName, Email, EntryBody, Id, SpaceKind, SpaceName, TimeZoneName};

use crate::db::migrate;
use crate::{
    accounts, lifecycle, notes, spaces, Backend, Credentials, EmailLink, EmailLinkPurpose, EntryFilter, EntryPatch,
    EntryView, Export, Invite, InvitePreview, LiveSession, NewEntry, NewUser, Result, SessionInfo, SessionPolicy,
    Space, SqlStore, Store, StoreOptions, ThrottleAttempt, TokenInfo, User,
};

impl SqlStore {
    pub async fn connect(opts: &StoreOptions) -> Result<SqlStore> {
        let store = SqlStore::open(opts).await?;
        if opts.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<Vec<i64>> {
        Ok(migrate::run(&self.pool, self.backend, crate::db::ms(Timestamp::now()), backfill_summaries).await?)
    }

    /// Recomputes every reliability tally and weekly count from the rows, in
    /// one transaction. Normal upkeep is incremental; this is for bulk loads
    /// (the benchmark seeder) and for checking that upkeep.
    pub async fn rebuild_insight_summaries(&self, now: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        backfill_summaries(&mut tx, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The summaries migration 3 introduced, counted from the rows. The
/// promise counts in the weeks follow what each promise counts for, so the
/// tallies go first.
fn backfill_summaries(
    conn: &mut sqlx::AnyConnection,
    now: Timestamp,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        crate::promises::tallies::rebuild(conn, now).await?;
        crate::insights::weeks::rebuild(conn, None).await
    })
}

impl SqlStore {
    /// Passes a write's outcome through the health record (see `db::health`).
    fn wrote<T>(&self, outcome: Result<T>) -> Result<T> {
        self.note_write(&outcome);
        outcome
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> Result<()> {
        SqlStore::ping(self).await
    }

    async fn create_user(&self, user: NewUser) -> Result<User> {
        self.wrote(accounts::create_user(self, user).await)
    }

    async fn user(&self, user: Id) -> Result<User> {
        accounts::user(self, user).await
    }

    async fn credentials_by_email(&self, email: &Email) -> Result<Option<Credentials>> {
        accounts::credentials_by_email(self, email).await
    }

    async fn set_password_hash(&self, user: Id, hash: &str) -> Result<()> {
        self.wrote(accounts::set_password_hash(self, user, hash).await)
    }

    async fn update_profile(&self, user: Id, name: &DisplayName, tz: &TimeZoneName) -> Result<User> {
        self.wrote(accounts::update_profile(self, user, name, tz).await)
    }

    async fn delete_user(&self, user: Id) -> Result<()> {
        self.wrote(lifecycle::delete_user(self, user).await)
    }

    async fn create_session(
        &self,
        user: Id,
        secret_hash: &str,
        csrf: &str,
        user_agent: &str,
        now: Timestamp,
    ) -> Result<Id> {
        self.wrote(accounts::sessions::create_session(self, user, secret_hash, csrf, user_agent, now).await)
    }

    async fn session(&self, secret_hash: &str, now: Timestamp, policy: SessionPolicy) -> Result<Option<LiveSession>> {
        accounts::sessions::session(self, secret_hash, now, policy).await
    }

    async fn sessions_of(&self, user: Id) -> Result<Vec<SessionInfo>> {
        accounts::sessions::sessions_of(self, user).await
    }

    async fn end_session(&self, user: Id, session: Id) -> Result<()> {
        self.wrote(accounts::sessions::end_session(self, user, session).await)
    }

    async fn end_sessions_except(&self, user: Id, keep: Option<Id>) -> Result<u64> {
        self.wrote(accounts::sessions::end_sessions_except(self, user, keep).await)
    }

    async fn create_token(&self, user: Id, name: &str, secret_hash: &str, now: Timestamp) -> Result<TokenInfo> {
        self.wrote(accounts::tokens::create_token(self, user, name, secret_hash, now).await)
    }

    async fn token_user(&self, secret_hash: &str, now: Timestamp) -> Result<Option<(TokenInfo, User)>> {
        accounts::tokens::token_user(self, secret_hash, now).await
    }

    async fn tokens_of(&self, user: Id) -> Result<Vec<TokenInfo>> {
        accounts::tokens::tokens_of(self, user).await
    }

    async fn delete_token(&self, user: Id, token: Id) -> Result<()> {
        self.wrote(accounts::tokens::delete_token(self, user, token).await)
    }

    async fn end_tokens(&self, user: Id) -> Result<u64> {
        self.wrote(accounts::tokens::end_tokens(self, user).await)
    }

    async fn throttle_reserve(&self, key: &str, free_failures: i64, now: Timestamp) -> Result<ThrottleAttempt> {
        self.wrote(accounts::throttle::throttle_reserve(self, key, free_failures, now).await)
    }

    async fn throttle_release(&self, key: &str, free_failures: i64) -> Result<()> {
        self.wrote(accounts::throttle::throttle_release(self, key, free_failures).await)
    }

    async fn throttle_clear(&self, key: &str) -> Result<()> {
        self.wrote(accounts::throttle::throttle_clear(self, key).await)
    }

    async fn create_email_link(&self, link: &EmailLink, token_hash: &str) -> Result<()> {
        self.wrote(accounts::email_links::create_email_link(self, link, token_hash).await)
    }

    async fn email_link(&self, purpose: EmailLinkPurpose, token_hash: &str, now: Timestamp) -> Result<EmailLink> {
        accounts::email_links::email_link(self, purpose, token_hash, now).await
    }

    async fn end_email_links(&self, email: &str) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        self.wrote(accounts::email_links::end_email_links(&mut conn, email).await)
    }

    async fn claim_email_link(&self, purpose: EmailLinkPurpose, token_hash: &str, now: Timestamp) -> Result<EmailLink> {
        self.wrote(accounts::email_links::claim_email_link(self, purpose, token_hash, now).await)
    }

    async fn create_space(&self, owner: Id, name: &SpaceName, kind: SpaceKind) -> Result<Space> {
        self.wrote(spaces::create_space(self, owner, name, kind).await)
    }

    async fn spaces_of(&self, user: Id) -> Result<Vec<Space>> {
        spaces::spaces_of(self, user).await
    }

    async fn space_for(&self, user: Id, space: Id) -> Result<Space> {
        spaces::space_for(self, user, space).await
    }

    async fn rename_space(&self, user: Id, space: Id, name: &SpaceName) -> Result<Space> {
        self.wrote(spaces::rename_space(self, user, space, name).await)
    }

    async fn leave_space(&self, user: Id, space: Id) -> Result<()> {
        self.wrote(lifecycle::leave_space(self, user, space).await)
    }

    async fn create_invite(
        &self,
        user: Id,
        space: Id,
        code_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Invite> {
        self.wrote(spaces::invites::create_invite(self, user, space, code_hash, now, expires_at).await)
    }

    async fn invites_of(&self, user: Id, space: Id) -> Result<Vec<Invite>> {
        spaces::invites::invites_of(self, user, space).await
    }

    async fn revoke_invite(&self, user: Id, space: Id, invite: Id, now: Timestamp) -> Result<()> {
        self.wrote(spaces::invites::revoke_invite(self, user, space, invite, now).await)
    }

    async fn invite_preview(&self, code_hash: &str, now: Timestamp) -> Result<InvitePreview> {
        spaces::invites::invite_preview(self, code_hash, now).await
    }

    async fn accept_invite(&self, user: Id, code_hash: &str, now: Timestamp) -> Result<Space> {
        self.wrote(spaces::invites::accept_invite(self, user, code_hash, now).await)
    }

    async fn create_entry(&self, user: Id, space: Id, entry: NewEntry) -> Result<EntryView> {
        self.wrote(notes::create_entry(self, user, space, entry).await)
    }

    async fn entries(&self, user: Id, space: Id, filter: EntryFilter) -> Result<Vec<EntryView>> {
        notes::entries(self, user, space, filter).await
    }

    async fn entry(&self, user: Id, space: Id, entry: Id) -> Result<EntryView> {
        notes::entry(self, user, space, entry).await
    }

    async fn update_entry(&self, user: Id, space: Id, entry: Id, patch: EntryPatch) -> Result<EntryView> {
        self.wrote(notes::update_entry(self, user, space, entry, patch).await)
    }

    async fn delete_entry(&self, user: Id, space: Id, entry: Id) -> Result<()> {
        self.wrote(notes::delete_entry(self, user, space, entry).await)
    }

    async fn write_part(&self, user: Id, space: Id, entry: Id, body: &EntryBody) -> Result<EntryView> {
        self.wrote(notes::write_part(self, user, space, entry, body).await)
    }

    async fn export_user(&self, user: Id) -> Result<Export> {
        lifecycle::export_user(self, user).await
    }

    async fn backup_to(&self, path: &Path) -> Result<()> {
        SqlStore::backup_to(self, path).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
