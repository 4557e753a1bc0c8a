//! The SQL implementation of [`Store`], for SQLite and PostgreSQL.
//!
//! Queries use the SQL both engines share (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`), through sqlx's `Any` driver, so each rule is written once.
//! Integers are BIGINT and times Unix milliseconds so values map the same on
//! both. Where the engines differ (pragmas, migrations, backup) the code
//! branches on [`Backend`].

use std::path::Path;
use std::sync::Once;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use troth_domain::{
    authorize, Action, DisplayName, Email, EntryBody, EntryFacts, Grant, Id, SpaceKind, SpaceName, TimeZoneName,
    Visibility, MAX_MEMBERS,
};

use crate::secret::new_id;
use crate::*;
use crate::{AppreciationStore, PromiseStore, PulseStore, RitualStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    pub max_connections: u32,
    /// Apply pending migrations when connecting.
    pub migrate: bool,
    /// SQLite only: `false` skips the fsync at each commit. Only for bulk
    /// loads (benchmark seeding), never for people's data.
    pub durable: bool,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        StoreOptions { url: url.into(), max_connections: 16, migrate: true, durable: true }
    }
}

pub struct SqlStore {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn id(row: &AnyRow, col: &str) -> Id {
    Id::from_db(row.get::<i64, _>(col))
}

pub(crate) fn opt_id(row: &AnyRow, col: &str) -> Option<Id> {
    row.get::<Option<i64>, _>(col).map(Id::from_db)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

static DRIVERS: Once = Once::new();

impl SqlStore {
    pub async fn connect(opts: &StoreOptions) -> Result<SqlStore> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = Backend::from_url(&opts.url)
            .ok_or_else(|| StoreError::Other("the database URL must start with sqlite: or postgres:".to_string()))?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(std::time::Duration::from_secs(10));
        if backend == Backend::Sqlite {
            let synchronous = if opts.durable { "PRAGMA synchronous = FULL" } else { "PRAGMA synchronous = OFF" };
            // A read-only file (restore's probe) cannot switch journal modes.
            let journal =
                if opts.url.contains("mode=ro") { "PRAGMA query_only = ON" } else { "PRAGMA journal_mode = WAL" };
            pool = pool.after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers work while one writer writes; FULL
                    // makes a commit survive power loss; foreign keys are off
                    // by default in SQLite and our cascades depend on them.
                    use sqlx::Executor;
                    for pragma in [journal, synchronous, "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000"] {
                        conn.execute(pragma).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = pool.connect(&opts.url).await?;
        let store = SqlStore { pool, backend };
        if opts.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<Vec<i64>> {
        Ok(crate::migrate::run(&self.pool, self.backend, ms(Timestamp::now())).await?)
    }

    /// Recomputes every reliability tally and weekly count from the rows, in
    /// one transaction. Normal upkeep is incremental; this is for bulk loads
    /// (the benchmark seeder) and for checking that upkeep.
    pub async fn rebuild_insight_summaries(&self, now: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::tallies::rebuild(&mut tx, now).await?;
        crate::weeks::rebuild(&mut tx, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest schema version this build knows, and the one in the database.
    pub async fn schema_versions(&self) -> Result<(i64, i64)> {
        let row =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").fetch_one(&self.pool).await?;
        Ok((crate::migrate::latest(self.backend), row.get::<i64, _>("v")))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) async fn is_member(&self, user: Id, space: Id) -> Result<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM memberships WHERE space_id = $1 AND user_id = $2")
            .bind(space.get())
            .bind(user.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// A space someone has left takes no new member: what the two wrote
    /// there was shared with each other, not with a newcomer.
    async fn refuse_if_parted(&self, space: Id) -> Result<()> {
        let row = sqlx::query("SELECT parted_at FROM spaces WHERE id = $1")
            .bind(space.get())
            .fetch_optional(&self.pool)
            .await?;
        if row.and_then(|r| r.get::<Option<i64>, _>("parted_at")).is_some() {
            return Err(StoreError::conflict(
                "space_closed",
                "someone has left this space, so it keeps the history written there and takes no new member; \
                 start a new space to invite someone new",
            ));
        }
        Ok(())
    }

    pub(crate) async fn require_member(&self, user: Id, space: Id) -> Result<()> {
        if self.is_member(user, space).await? {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Loads the entry rows of a space the viewer might see, with their
    /// sealed parts, in one query. Rows come back only when the viewer is a
    /// member (the EXISTS clause), so an empty result means "nothing you may
    /// see". The SQL filter is only a first cut for speed; the decision is
    /// [`authorize`], applied to every row by the caller.
    async fn load_entries(
        &self,
        space: Id,
        viewer: Id,
        only: Option<Id>,
        filter: &EntryFilter,
    ) -> Result<Vec<(EntryRow, Vec<Part>)>> {
        let mut inner = String::from(
            "SELECT e.id, e.space_id, e.author_id, e.kind, e.visibility, e.title, e.body, e.created_at, e.updated_at \
             FROM entries e WHERE e.space_id = $1 AND (e.visibility <> 'private' OR e.author_id = $2) \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)",
        );
        let mut n = 2;
        if only.is_some() {
            n += 1;
            inner.push_str(&format!(" AND e.id = ${n}"));
        }
        if filter.kind.is_some() {
            n += 1;
            inner.push_str(&format!(" AND e.kind = ${n}"));
        }
        if filter.visibility.is_some() {
            n += 1;
            inner.push_str(&format!(" AND e.visibility = ${n}"));
        }
        n += 1;
        inner.push_str(&format!(" ORDER BY e.created_at DESC, e.id DESC LIMIT ${n}"));
        let sql = format!(
            "SELECT e.id, e.space_id, e.author_id, e.kind, e.visibility, e.title, e.body, e.created_at, e.updated_at, \
             u.display_name AS author_name, p.author_id AS part_author, p.body AS part_body \
             FROM ({inner}) e LEFT JOIN users u ON u.id = e.author_id \
             LEFT JOIN entry_parts p ON p.entry_id = e.id AND e.visibility = 'sealed' \
             ORDER BY e.created_at DESC, e.id DESC"
        );
        let mut q = sqlx::query(&sql).bind(space.get()).bind(viewer.get());
        if let Some(only) = only {
            q = q.bind(only.get());
        }
        if let Some(kind) = filter.kind {
            q = q.bind(kind.as_str());
        }
        if let Some(vis) = filter.visibility {
            q = q.bind(vis.as_str());
        }
        q = q.bind(filter.limit.unwrap_or(500).clamp(1, 100_000));
        let rows = q.fetch_all(&self.pool).await?;
        // One row per (entry, part): fold the parts into their entry,
        // keeping the query's order.
        let mut out: Vec<(EntryRow, Vec<Part>)> = Vec::new();
        for r in &rows {
            let entry_id = id(r, "id");
            if out.last().is_none_or(|(e, _)| e.id != entry_id) {
                out.push((EntryRow::from_row(r)?, Vec::new()));
            }
            if let Some(author) = opt_id(r, "part_author") {
                let body: Option<String> = r.get("part_body");
                out.last_mut().expect("pushed above").1.push(Part { author, body: body.unwrap_or_default() });
            }
        }
        Ok(out)
    }

    async fn visible_entry(
        &self,
        viewer: Id,
        space: Id,
        entry: Id,
        action: Action,
    ) -> Result<(EntryRow, Vec<Part>, Grant)> {
        // No row: not a member, or no entry the viewer may know of. Both
        // are the same answer on purpose.
        let mut found = self.load_entries(space, viewer, Some(entry), &EntryFilter::default()).await?;
        let (row, parts) = found.pop().ok_or(StoreError::NotFound)?;
        let grant = authorize(Some(viewer), true, &row.facts(&parts), action)?;
        Ok((row, parts, grant))
    }
}

#[derive(Debug, Clone)]
struct Part {
    author: Id,
    body: String,
}

struct EntryRow {
    id: Id,
    space_id: Id,
    author_id: Option<Id>,
    author_name: Option<String>,
    kind: EntryKind,
    visibility: Visibility,
    title: String,
    body: String,
    created_at: i64,
    updated_at: i64,
}

impl EntryRow {
    fn from_row(r: &AnyRow) -> Result<EntryRow> {
        let kind: String = r.get("kind");
        let vis: String = r.get("visibility");
        Ok(EntryRow {
            id: id(r, "id"),
            space_id: id(r, "space_id"),
            author_id: opt_id(r, "author_id"),
            author_name: r.get("author_name"),
            kind: EntryKind::parse(&kind).ok_or_else(|| StoreError::Other(format!("unknown entry kind {kind}")))?,
            visibility: vis.parse().map_err(|_| StoreError::Other(format!("unknown visibility {vis}")))?,
            title: r.get("title"),
            body: r.get("body"),
            created_at: r.get("created_at"),
            updated_at: r.get("updated_at"),
        })
    }

    fn facts(&self, parts: &[Part]) -> EntryFacts {
        EntryFacts {
            space_id: self.space_id,
            author: self.author_id,
            visibility: self.visibility,
            parts_by: parts.iter().map(|p| p.author).collect(),
        }
    }

    /// Cuts the row down to what `grant` allows `viewer` to see.
    fn view(self, viewer: Id, parts: &[Part], grant: Grant) -> EntryView {
        let facts = self.facts(parts);
        let mine = self.author_id == Some(viewer);
        let can = |action| authorize(Some(viewer), true, &facts, action).is_ok();
        let sealed = (self.visibility == Visibility::Sealed).then(|| {
            let my_part = parts.iter().find(|p| p.author == viewer).map(|p| p.body.clone());
            let partner_has_written = parts.iter().any(|p| p.author != viewer);
            let partner_part = match grant {
                Grant::Full => parts.iter().find(|p| p.author != viewer).map(|p| p.body.clone()),
                Grant::SealedOwnPartOnly { .. } => None,
            };
            SealedState {
                revealed: facts.is_revealed(),
                i_have_written: my_part.is_some(),
                my_part,
                partner_part,
                partner_has_written,
            }
        });
        EntryView {
            id: self.id,
            space_id: self.space_id,
            kind: self.kind,
            visibility: self.visibility,
            title: self.title,
            body: (self.visibility != Visibility::Sealed).then_some(self.body),
            author_id: self.author_id,
            author_name: self.author_name,
            mine,
            can_edit: can(Action::Update),
            can_delete: can(Action::Delete),
            sealed,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        }
    }
}

pub(crate) fn user_from_row(r: &AnyRow) -> User {
    User {
        id: id(r, "id"),
        email: r.get("email"),
        display_name: r.get("display_name"),
        time_zone: r.get("time_zone"),
        created_at: ts(r.get("created_at")),
    }
}

pub(crate) const USER_COLS: &str = "id, email, display_name, time_zone, created_at";

fn invite_status(r: &AnyRow, now: Timestamp) -> InviteStatus {
    if r.get::<Option<i64>, _>("revoked_at").is_some() {
        InviteStatus::Revoked
    } else if r.get::<Option<i64>, _>("used_at").is_some() {
        InviteStatus::Used
    } else if r.get::<i64, _>("expires_at") <= ms(now) {
        InviteStatus::Expired
    } else {
        InviteStatus::Open
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        Ok(())
    }

    async fn create_user(&self, user: NewUser) -> Result<User> {
        let now = ms(Timestamp::now());
        let row = sqlx::query(&format!(
            "INSERT INTO users (id, email, password_hash, display_name, time_zone, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLS}"
        ))
        .bind(new_id().get())
        .bind(user.email.as_str())
        .bind(&user.password_hash)
        .bind(user.display_name.as_str())
        .bind(user.time_zone.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::conflict("email_taken", "an account with this email already exists")
            } else {
                e.into()
            }
        })?;
        Ok(user_from_row(&row))
    }

    async fn user(&self, user: Id) -> Result<User> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
            .bind(user.get())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(user_from_row(&row))
    }

    async fn credentials_by_email(&self, email: &Email) -> Result<Option<Credentials>> {
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Credentials { user_id: id(&r, "id"), password_hash: r.get("password_hash") }))
    }

    async fn set_password_hash(&self, user: Id, hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.get())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn update_profile(&self, user: Id, name: &DisplayName, tz: &TimeZoneName) -> Result<User> {
        let row = sqlx::query(&format!(
            "UPDATE users SET display_name = $1, time_zone = $2 WHERE id = $3 RETURNING {USER_COLS}"
        ))
        .bind(name.as_str())
        .bind(tz.as_str())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(user_from_row(&row))
    }

    async fn delete_user(&self, user: Id) -> Result<()> {
        let spaces = self.spaces_of(user).await?;
        for space in &spaces {
            self.leave_space(user, space.id).await?;
        }
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(user.get()).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        // Their ritual answers went with them; recount the weeks of the
        // spaces they shared (a bounded, rare rewrite).
        for space in &spaces {
            crate::weeks::rebuild(&mut tx, Some(space.id)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        user: Id,
        secret_hash: &str,
        csrf: &str,
        user_agent: &str,
        now: Timestamp,
    ) -> Result<Id> {
        let sid = new_id();
        let agent: String = user_agent.chars().take(200).collect();
        sqlx::query(
            "INSERT INTO sessions (id, secret_hash, user_id, csrf_token, user_agent, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(sid.get())
        .bind(secret_hash)
        .bind(user.get())
        .bind(csrf)
        .bind(agent)
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(sid)
    }

    async fn session(
        &self,
        secret_hash: &str,
        now: Timestamp,
        policy: SessionPolicy,
    ) -> Result<Option<(SessionInfo, User)>> {
        let row = sqlx::query(
            "SELECT s.id AS sid, s.csrf_token, s.user_agent, s.created_at AS s_created, s.last_seen_at, \
             u.id, u.email, u.display_name, u.time_zone, u.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = $1",
        )
        .bind(secret_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let sid = id(&r, "sid");
        let created: i64 = r.get("s_created");
        let seen: i64 = r.get("last_seen_at");
        let now_ms = ms(now);
        let idle_ok = now_ms - seen <= policy.idle.as_millis() as i64;
        let absolute_ok = now_ms - created <= policy.absolute.as_millis() as i64;
        if !idle_ok || !absolute_ok {
            sqlx::query("DELETE FROM sessions WHERE id = $1").bind(sid.get()).execute(&self.pool).await?;
            return Ok(None);
        }
        if now_ms - seen > 60_000 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(sid.get())
                .execute(&self.pool)
                .await?;
        }
        let info = SessionInfo {
            id: sid,
            csrf_token: r.get("csrf_token"),
            user_agent: r.get("user_agent"),
            created_at: ts(created),
            last_seen_at: ts(seen.max(now_ms - 60_000)),
        };
        Ok(Some((info, user_from_row(&r))))
    }

    async fn sessions_of(&self, user: Id) -> Result<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT id, csrf_token, user_agent, created_at, last_seen_at FROM sessions \
             WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 200",
        )
        .bind(user.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| SessionInfo {
                id: id(r, "id"),
                csrf_token: r.get("csrf_token"),
                user_agent: r.get("user_agent"),
                created_at: ts(r.get("created_at")),
                last_seen_at: ts(r.get("last_seen_at")),
            })
            .collect())
    }

    async fn end_session(&self, user: Id, session: Id) -> Result<()> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session.get())
            .bind(user.get())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn end_sessions_except(&self, user: Id, keep: Option<Id>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user.get())
            .bind(keep.map_or(0, Id::get))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn create_token(&self, user: Id, name: &str, secret_hash: &str, now: Timestamp) -> Result<TokenInfo> {
        let tid = new_id();
        sqlx::query(
            "INSERT INTO access_tokens (id, secret_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tid.get())
        .bind(secret_hash)
        .bind(user.get())
        .bind(name)
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(TokenInfo { id: tid, name: name.to_string(), created_at: now, last_used_at: None })
    }

    async fn token_user(&self, secret_hash: &str, now: Timestamp) -> Result<Option<(TokenInfo, User)>> {
        let row = sqlx::query(
            "SELECT t.id AS tid, t.name, t.created_at AS t_created, t.last_used_at, \
             u.id, u.email, u.display_name, u.time_zone, u.created_at \
             FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1",
        )
        .bind(secret_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let tid = id(&r, "tid");
        let used: Option<i64> = r.get("last_used_at");
        if used.is_none_or(|u| ms(now) - u > 60_000) {
            sqlx::query("UPDATE access_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(ms(now))
                .bind(tid.get())
                .execute(&self.pool)
                .await?;
        }
        let info =
            TokenInfo { id: tid, name: r.get("name"), created_at: ts(r.get("t_created")), last_used_at: Some(now) };
        Ok(Some((info, user_from_row(&r))))
    }

    async fn tokens_of(&self, user: Id) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM access_tokens WHERE user_id = $1 ORDER BY created_at DESC LIMIT 200",
        )
        .bind(user.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| TokenInfo {
                id: id(r, "id"),
                name: r.get("name"),
                created_at: ts(r.get("created_at")),
                last_used_at: r.get::<Option<i64>, _>("last_used_at").map(ts),
            })
            .collect())
    }

    async fn delete_token(&self, user: Id, token: Id) -> Result<()> {
        let done = sqlx::query("DELETE FROM access_tokens WHERE id = $1 AND user_id = $2")
            .bind(token.get())
            .bind(user.get())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn throttle_locked_until(&self, key: &str) -> Result<Option<Timestamp>> {
        let row = sqlx::query("SELECT locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let now = ms(Timestamp::now());
        Ok(row.map(|r| r.get::<i64, _>("locked_until")).filter(|until| *until > now).map(ts))
    }

    async fn throttle_failure(&self, key: &str, free_failures: i64, now: Timestamp) -> Result<()> {
        let row = sqlx::query("SELECT failures, updated_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        // A quiet hour forgives earlier failures, so old typos never add up.
        let previous = row
            .filter(|r| ms(now) - r.get::<i64, _>("updated_at") < 3_600_000)
            .map_or(0, |r| r.get::<i64, _>("failures"));
        let failures = previous + 1;
        let wait = troth_domain::throttle::wait_after(failures, free_failures);
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET failures = $2, locked_until = $3, updated_at = $4",
        )
        .bind(key)
        .bind(failures)
        .bind(ms(now) + wait * 1000)
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn throttle_clear(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    async fn create_space(&self, owner: Id, name: &SpaceName, kind: SpaceKind) -> Result<Space> {
        let sid = new_id();
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO spaces (id, name, kind, member_count, created_at) VALUES ($1, $2, $3, 1, $4)")
            .bind(sid.get())
            .bind(name.as_str())
            .bind(kind.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO memberships (space_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(sid.get())
            .bind(owner.get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.space_for(owner, sid).await
    }

    async fn spaces_of(&self, user: Id) -> Result<Vec<Space>> {
        let rows = sqlx::query(
            "SELECT s.id FROM spaces s JOIN memberships m ON m.space_id = s.id \
             WHERE m.user_id = $1 ORDER BY m.joined_at",
        )
        .bind(user.get())
        .fetch_all(&self.pool)
        .await?;
        let mut spaces = Vec::with_capacity(rows.len());
        for r in rows {
            spaces.push(self.space_for(user, id(&r, "id")).await?);
        }
        Ok(spaces)
    }

    async fn space_for(&self, user: Id, space: Id) -> Result<Space> {
        let rows = sqlx::query(
            "SELECT s.id, s.name, s.kind, s.created_at, m.user_id, u.display_name, m.joined_at, \
             rs.weekday, rs.time_of_day, rs.time_zone \
             FROM spaces s JOIN memberships m ON m.space_id = s.id JOIN users u ON u.id = m.user_id \
             LEFT JOIN ritual_slots rs ON rs.space_id = s.id \
             WHERE s.id = $1 AND EXISTS (SELECT 1 FROM memberships me WHERE me.space_id = $1 AND me.user_id = $2) \
             ORDER BY m.joined_at",
        )
        .bind(space.get())
        .bind(user.get())
        .fetch_all(&self.pool)
        .await?;
        let first = rows.first().ok_or(StoreError::NotFound)?;
        let kind: String = first.get("kind");
        let slot = match (
            first.get::<Option<i64>, _>("weekday"),
            first.get::<Option<String>, _>("time_of_day"),
            first.get::<Option<String>, _>("time_zone"),
        ) {
            (Some(day), Some(time), Some(tz)) => crate::rituals::slot_from_parts(day, &time, &tz, Timestamp::now()),
            _ => None,
        };
        Ok(Space {
            id: id(first, "id"),
            name: first.get("name"),
            kind: kind.parse().unwrap_or_default(),
            created_at: ts(first.get("created_at")),
            members: rows
                .iter()
                .map(|r| Member {
                    user_id: id(r, "user_id"),
                    display_name: r.get("display_name"),
                    joined_at: ts(r.get("joined_at")),
                })
                .collect(),
            ritual_slot: slot,
        })
    }

    async fn rename_space(&self, user: Id, space: Id, name: &SpaceName) -> Result<Space> {
        self.require_member(user, space).await?;
        sqlx::query("UPDATE spaces SET name = $1 WHERE id = $2")
            .bind(name.as_str())
            .bind(space.get())
            .execute(&self.pool)
            .await?;
        self.space_for(user, space).await
    }

    async fn leave_space(&self, user: Id, space: Id) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes SQLite's write lock before anything is read.
        let left = sqlx::query("DELETE FROM memberships WHERE space_id = $1 AND user_id = $2")
            .bind(space.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        if left.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM entries WHERE space_id = $1 AND author_id = $2 AND visibility = 'private'")
            .bind(space.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        // Unrevealed sealed parts were never seen by anyone else: they go too.
        let unrevealed = "SELECT e.id FROM entries e WHERE e.space_id = $1 AND e.visibility = 'sealed' \
             AND (SELECT COUNT(*) FROM entry_parts p WHERE p.entry_id = e.id) < 2";
        sqlx::query(&format!("DELETE FROM entry_parts WHERE author_id = $2 AND entry_id IN ({unrevealed})"))
            .bind(space.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM entries WHERE space_id = $1 AND visibility = 'sealed' \
             AND NOT EXISTS (SELECT 1 FROM entry_parts p WHERE p.entry_id = entries.id)",
        )
        .bind(space.get())
        .execute(&mut *tx)
        .await?;
        // Pulses are private unless shared; notifications are the leaver's own.
        sqlx::query("DELETE FROM pulses WHERE space_id = $1 AND user_id = $2 AND shared = 0")
            .bind(space.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM notifications WHERE space_id = $1 AND user_id = $2")
            .bind(space.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
        // From now on the space takes no new member (see migration 4).
        sqlx::query(
            "UPDATE spaces SET member_count = member_count - 1, parted_at = COALESCE(parted_at, $2) WHERE id = $1",
        )
        .bind(space.get())
        .bind(ms(Timestamp::now()))
        .execute(&mut *tx)
        .await?;
        // Open invites made by the leaver could let a stranger in behind the
        // other member's back.
        sqlx::query("UPDATE invites SET revoked_at = $3 WHERE space_id = $1 AND created_by = $2 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(space.get())
            .bind(user.get())
            .bind(ms(Timestamp::now()))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM spaces WHERE id = $1 AND member_count <= 0")
            .bind(space.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_invite(
        &self,
        user: Id,
        space: Id,
        code_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Invite> {
        let s = self.space_for(user, space).await?;
        if s.members.len() as i64 >= MAX_MEMBERS {
            return Err(StoreError::conflict("space_full", "this space already has two members"));
        }
        self.refuse_if_parted(space).await?;
        let iid = new_id();
        sqlx::query(
            "INSERT INTO invites (id, space_id, code_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(iid.get())
        .bind(space.get())
        .bind(code_hash)
        .bind(user.get())
        .bind(ms(now))
        .bind(ms(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(Invite { id: iid, space_id: space, status: InviteStatus::Open, created_at: now, expires_at })
    }

    async fn invites_of(&self, user: Id, space: Id) -> Result<Vec<Invite>> {
        self.require_member(user, space).await?;
        let rows = sqlx::query(
            "SELECT id, space_id, created_at, expires_at, used_at, revoked_at FROM invites \
             WHERE space_id = $1 ORDER BY created_at DESC LIMIT 50",
        )
        .bind(space.get())
        .fetch_all(&self.pool)
        .await?;
        let now = Timestamp::now();
        Ok(rows
            .iter()
            .map(|r| Invite {
                id: id(r, "id"),
                space_id: id(r, "space_id"),
                status: invite_status(r, now),
                created_at: ts(r.get("created_at")),
                expires_at: ts(r.get("expires_at")),
            })
            .collect())
    }

    async fn revoke_invite(&self, user: Id, space: Id, invite: Id, now: Timestamp) -> Result<()> {
        self.require_member(user, space).await?;
        let done = sqlx::query(
            "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND space_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(ms(now))
        .bind(invite.get())
        .bind(space.get())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists = sqlx::query("SELECT used_at FROM invites WHERE id = $1 AND space_id = $2")
            .bind(invite.get())
            .bind(space.get())
            .fetch_optional(&self.pool)
            .await?;
        match exists {
            None => Err(StoreError::NotFound),
            Some(r) if r.get::<Option<i64>, _>("used_at").is_some() => {
                Err(StoreError::conflict("invite_used", "this invite was already used"))
            }
            Some(_) => Ok(()), // already revoked: revoking again changes nothing
        }
    }

    async fn invite_preview(&self, code_hash: &str, now: Timestamp) -> Result<InvitePreview> {
        let r = sqlx::query(
            "SELECT i.expires_at, i.used_at, i.revoked_at, s.name, s.kind, s.member_count, u.display_name AS inviter \
             FROM invites i JOIN spaces s ON s.id = i.space_id LEFT JOIN users u ON u.id = i.created_by \
             WHERE i.code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let kind: String = r.get("kind");
        Ok(InvitePreview {
            space_name: r.get("name"),
            kind: kind.parse().unwrap_or_default(),
            invited_by: r.get("inviter"),
            status: invite_status(&r, now),
            space_full: r.get::<i64, _>("member_count") >= MAX_MEMBERS,
            expires_at: ts(r.get("expires_at")),
        })
    }

    async fn accept_invite(&self, user: Id, code_hash: &str, now: Timestamp) -> Result<Space> {
        let mut tx = self.pool.begin().await?;
        // Claim the invite first: a write, so concurrent accepts serialise here.
        let claimed = sqlx::query(
            "UPDATE invites SET used_at = $1, used_by = $2 \
             WHERE code_hash = $3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(ms(now))
        .bind(user.get())
        .bind(code_hash)
        .execute(&mut *tx)
        .await?;
        let row =
            sqlx::query("SELECT space_id, expires_at, used_at, used_by, revoked_at FROM invites WHERE code_hash = $1")
                .bind(code_hash)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let space = id(&row, "space_id");
        if claimed.rows_affected() == 0 {
            drop(tx);
            if row.get::<Option<i64>, _>("revoked_at").is_some() {
                return Err(StoreError::gone("invite_revoked", "this invite was withdrawn; ask for a new one"));
            }
            if row.get::<Option<i64>, _>("used_at").is_some() {
                if opt_id(&row, "used_by") == Some(user) && self.is_member(user, space).await? {
                    return self.space_for(user, space).await;
                }
                return Err(StoreError::conflict("invite_used", "this invite was already used; ask for a new one"));
            }
            return Err(StoreError::gone("invite_expired", "this invite has expired; ask for a new one"));
        }
        let already = sqlx::query("SELECT 1 AS one FROM memberships WHERE space_id = $1 AND user_id = $2")
            .bind(space.get())
            .bind(user.get())
            .fetch_optional(&mut *tx)
            .await?;
        if already.is_some() {
            return Err(StoreError::conflict("already_member", "you are already in this space"));
        }
        let room = sqlx::query(
            "UPDATE spaces SET member_count = member_count + 1 WHERE id = $1 AND member_count < $2 AND parted_at IS NULL",
        )
        .bind(space.get())
        .bind(MAX_MEMBERS)
        .execute(&mut *tx)
        .await?;
        if room.rows_affected() == 0 {
            tx.rollback().await?;
            self.refuse_if_parted(space).await?;
            return Err(StoreError::conflict("space_full", "this space already has two members"));
        }
        sqlx::query("INSERT INTO memberships (space_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(space.get())
            .bind(user.get())
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.space_for(user, space).await
    }

    async fn create_entry(&self, user: Id, space: Id, entry: NewEntry) -> Result<EntryView> {
        self.require_member(user, space).await?;
        let eid = new_id();
        let now = ms(entry.at.unwrap_or_else(Timestamp::now));
        let sealed = entry.visibility == Visibility::Sealed;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO entries (id, space_id, author_id, kind, visibility, title, body, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(eid.get())
        .bind(space.get())
        .bind(user.get())
        .bind(entry.kind.as_str())
        .bind(entry.visibility.as_str())
        .bind(entry.title.as_str())
        // A sealed entry's text lives in its parts, never in the shared row.
        .bind(if sealed { "" } else { entry.body.as_str() })
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if sealed {
            sqlx::query("INSERT INTO entry_parts (entry_id, author_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(eid.get())
                .bind(user.get())
                .bind(entry.body.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.entry(user, space, eid).await
    }

    async fn entries(&self, user: Id, space: Id, filter: EntryFilter) -> Result<Vec<EntryView>> {
        let rows = self.load_entries(space, user, None, &filter).await?;
        // An empty list must still tell "not your space" from "nothing yet".
        if rows.is_empty() && !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        Ok(rows
            .into_iter()
            .filter_map(|(row, parts)| {
                let grant = authorize(Some(user), true, &row.facts(&parts), Action::Read).ok()?;
                Some(row.view(user, &parts, grant))
            })
            .collect())
    }

    async fn entry(&self, user: Id, space: Id, entry: Id) -> Result<EntryView> {
        let (row, parts, grant) = self.visible_entry(user, space, entry, Action::Read).await?;
        Ok(row.view(user, &parts, grant))
    }

    async fn update_entry(&self, user: Id, space: Id, entry: Id, patch: EntryPatch) -> Result<EntryView> {
        let (row, _parts, _grant) = self.visible_entry(user, space, entry, Action::Update).await?;
        // Writing one's part of a sealed exchange lets the partner update
        // that part, never the author's title.
        if patch.title.is_some() && row.author_id != Some(user) {
            return Err(StoreError::Forbidden);
        }
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        if let Some(title) = &patch.title {
            sqlx::query("UPDATE entries SET title = $1, updated_at = $2 WHERE id = $3")
                .bind(title.as_str())
                .bind(now)
                .bind(entry.get())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(body) = &patch.body {
            if row.visibility == Visibility::Sealed {
                // Rewrite one's own part, and only while still sealed (the
                // state is checked again inside the write).
                let done = sqlx::query(
                    "UPDATE entry_parts SET body = $1, updated_at = $2 WHERE entry_id = $3 AND author_id = $4 \
                     AND (SELECT COUNT(*) FROM entry_parts q WHERE q.entry_id = $3) < 2",
                )
                .bind(body.as_str())
                .bind(now)
                .bind(entry.get())
                .bind(user.get())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::conflict(
                        "entry_state",
                        "both parts are revealed; they can no longer change",
                    ));
                }
            } else {
                sqlx::query("UPDATE entries SET body = $1, updated_at = $2 WHERE id = $3")
                    .bind(body.as_str())
                    .bind(now)
                    .bind(entry.get())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.entry(user, space, entry).await
    }

    async fn delete_entry(&self, user: Id, space: Id, entry: Id) -> Result<()> {
        self.visible_entry(user, space, entry, Action::Delete).await?;
        sqlx::query("DELETE FROM entries WHERE id = $1 AND space_id = $2")
            .bind(entry.get())
            .bind(space.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn write_part(&self, user: Id, space: Id, entry: Id, body: &EntryBody) -> Result<EntryView> {
        self.visible_entry(user, space, entry, Action::WritePart).await?;
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        // Insert or rewrite one's part; a rewrite is refused once both parts
        // exist (checked again here, inside the write, against a race).
        let done = sqlx::query(
            "INSERT INTO entry_parts (entry_id, author_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (entry_id, author_id) DO UPDATE SET body = $3, updated_at = $4 \
             WHERE (SELECT COUNT(*) FROM entry_parts q WHERE q.entry_id = $1) < 2",
        )
        .bind(entry.get())
        .bind(user.get())
        .bind(body.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::conflict("entry_state", "both parts are revealed; they can no longer change"));
        }
        sqlx::query("UPDATE entries SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(entry.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.entry(user, space, entry).await
    }

    async fn export_user(&self, user: Id) -> Result<Export> {
        let me = self.user(user).await?;
        let mut spaces = Vec::new();
        for space in self.spaces_of(user).await? {
            // The same visibility path as every page: an export shows no more
            // than the person could read on screen.
            let entries =
                self.entries(user, space.id, EntryFilter { limit: Some(100_000), ..Default::default() }).await?;
            let now = Timestamp::now();
            let mut promises = Vec::new();
            for p in self
                .promises(user, space.id, crate::PromiseFilter { limit: Some(1000), ..Default::default() }, now)
                .await?
            {
                // With its history, as on the promise's own page.
                promises.push(self.promise(user, space.id, p.id, now).await?);
            }
            let appreciations = self
                .appreciations(user, space.id, crate::AppreciationFilter { limit: Some(1000), ..Default::default() })
                .await?;
            let pulses = self.my_pulses(user, space.id, Timestamp::UNIX_EPOCH).await?;
            let mut rituals = Vec::new();
            for r in self.rituals(user, space.id, 520).await? {
                rituals.push(self.ritual(user, space.id, r.id).await?);
            }
            spaces.push(ExportedSpace { space, entries, promises, appreciations, pulses, rituals });
        }
        Ok(Export { format: "troth-export-1".to_string(), exported_at: Timestamp::now(), user: me, spaces })
    }

    async fn backup_to(&self, path: &Path) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                if path.exists() {
                    return Err(StoreError::Other(format!("{} already exists; choose a new file", path.display())));
                }
                // VACUUM INTO writes a consistent snapshot while others keep
                // reading and writing (WAL).
                sqlx::query("VACUUM INTO $1").bind(path.to_string_lossy().to_string()).execute(&self.pool).await?;
                Ok(())
            }
            Backend::Postgres => Err(StoreError::Other(
                "for PostgreSQL, use pg_dump (it takes a consistent snapshot while troth runs)".to_string(),
            )),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
