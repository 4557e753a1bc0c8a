//! The leaf every feature stands on: the connection pool, the [`Backend`],
//! row codecs, placeholder numbering, migrations and the membership guard.
//! It imports no feature.
//!
//! Queries use the SQL both engines share (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`), through sqlx's `Any` driver, so each rule is written once.
//! Integers are BIGINT and times Unix milliseconds so values map the same on
//! both. Where the engines differ (pragmas, migrations, backup) the code
//! branches on [`Backend`].

mod codec;
pub(crate) mod health;
pub(crate) mod migrate;
pub mod schema;

use std::path::Path;
use std::sync::Once;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use troth_domain::Id;

pub(crate) use codec::{is_unique_violation, ms, opt_ts, ts, Placeholders};

use crate::{Result, StoreError};

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
    pub(crate) backend: Backend,
    pub(crate) health: health::Health,
}

/// The write probe while writes are known to be failing: big enough to need
/// fresh room (a few pages), so a success means writes work again.
const LARGE_PROBE: usize = 64 * 1024;

/// The start of the write probe's keys in `login_throttle`; login keys
/// are `acct:...` and `ip:...`, never this.
const PROBE_KEY: &str = "health-write-probe:";

static DRIVERS: Once = Once::new();

impl SqlStore {
    /// Connects without migrating; [`crate::SqlStore::connect`] adds the
    /// migrations (they need the features' backfills).
    pub(crate) async fn open(opts: &StoreOptions) -> Result<SqlStore> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = Backend::from_url(&opts.url)
            .ok_or_else(|| StoreError::Other("the database URL must start with sqlite: or postgres:".to_string()))?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(std::time::Duration::from_secs(10))
            // A connection that failed mid-transaction is closed, never
            // reused (see `health`).
            .after_release(|conn, meta| Box::pin(health::release_guard(conn, meta)));
        if backend == Backend::Sqlite {
            // No reaping of idle or old connections: a SQLite connection is a
            // file handle, cheap to keep. And the reaper is where sqlx 0.8
            // can spin forever (sqlx issues 3645 and 4289: its idle count
            // underflows in a race, and the sweep loops about 2^64 times
            // without yielding), which hung `troth restore` at exit in the
            // restore property test. Without the two timeouts (and with no
            // minimum of connections) sqlx starts no maintenance task.
            pool = pool.idle_timeout(None).max_lifetime(None);
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
        Ok(SqlStore { pool, backend, health: health::Health::default() })
    }

    /// The newest schema version this build knows, and the one in the database.
    pub async fn schema_versions(&self) -> Result<(i64, i64)> {
        let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok((migrate::latest(), current))
    }

    /// What SQLite's own structural check finds wrong with the database
    /// file (nothing: an empty list). A backup that fails it must not be
    /// restored: it would open, then fail at the first damaged page.
    /// PostgreSQL checks its pages itself; nothing to ask there.
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        if self.backend != Backend::Sqlite {
            return Ok(Vec::new());
        }
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        Ok(lines.into_iter().filter(|line| line != "ok").collect())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether `user` is a member of `space`: the guard every feature's
    /// reads and writes start with.
    pub(crate) async fn is_member(&self, user: Id, space: Id) -> Result<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM memberships WHERE space_id = $1 AND user_id = $2")
            .bind(space.get())
            .bind(user.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// `NotFound` for anyone not a member (the same answer as for a space
    /// that does not exist, on purpose).
    pub(crate) async fn require_member(&self, user: Id, space: Id) -> Result<()> {
        if self.is_member(user, space).await? {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Answers when the database can be reached and takes writes: a small
    /// write rolled back (a read-only database fails it; at most one a
    /// second while writes are going through), and
    /// while a recent write failed for lack of room, a larger committed one
    /// that must succeed before the store says it is well again.
    pub(crate) async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        let now = ms(jiff::Timestamp::now());
        if !self.health.probe_is_fresh(now) {
            self.write_probe(16, false).await.map_err(|e| self.refused(e))?;
            self.health.probed(now);
        }
        if self.health.writes_failing() {
            self.write_probe(LARGE_PROBE, true).await.map_err(|e| self.refused(e))?;
            self.health.succeeded(ms(jiff::Timestamp::now()));
        }
        Ok(())
    }

    fn refused(&self, e: sqlx::Error) -> StoreError {
        StoreError::Other(format!("the database does not take writes: {e}"))
    }

    /// Writes about `size` bytes, then rolls back or (`commit`) commits and
    /// deletes them again. The rows go to `login_throttle` under keys no
    /// login ever uses (a table of short-lived, anonymous rows; no new
    /// table, so the schema version stays as it is), in pieces small
    /// enough for any index.
    async fn write_probe(&self, size: usize, commit: bool) -> Result<(), sqlx::Error> {
        const PIECE: usize = 1800;
        let filler = "x".repeat(PIECE.min(size));
        let pieces = size.div_ceil(PIECE).max(1);
        let outcome = async {
            let mut tx = self.pool.begin().await?;
            for i in 0..pieces {
                sqlx::query(
                    "INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES ($1, 0, 0, 0) \
                     ON CONFLICT (key) DO UPDATE SET failures = 0",
                )
                .bind(format!("{PROBE_KEY}{i}:{filler}"))
                .execute(&mut *tx)
                .await?;
            }
            if !commit {
                return tx.rollback().await;
            }
            tx.commit().await?;
            sqlx::query("DELETE FROM login_throttle WHERE key LIKE $1")
                .bind(format!("{PROBE_KEY}%"))
                .execute(&self.pool)
                .await?;
            Ok(())
        }
        .await;
        if let Err(e) = &outcome {
            if health::is_storage_failure(e) {
                self.health.failed(ms(jiff::Timestamp::now()));
            }
        }
        outcome
    }

    /// Records how a write went for the health check: a storage failure
    /// marks writes as failing, a success clears that.
    pub(crate) fn note_write<T>(&self, outcome: &Result<T>) {
        match outcome {
            Ok(_) => self.health.succeeded(ms(jiff::Timestamp::now())),
            Err(StoreError::Database(e)) if health::is_storage_failure(e) => {
                self.health.failed(ms(jiff::Timestamp::now()))
            }
            Err(_) => {}
        }
    }

    pub(crate) async fn backup_to(&self, path: &Path) -> Result<()> {
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
}

/// Who must be a member of the row's space for [`lock_row`] to take it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LockFor {
    /// The caller checked membership already.
    Checked,
    /// Only if this user is a member of the space (otherwise `NotFound`).
    Member(Id),
}

/// Takes the write lock on one row of `table` in `space`, inside the
/// caller's transaction, the same way on both engines: SQLite has no
/// `SELECT ... FOR UPDATE`, so a no-op update of `column` does it (it
/// locks the row on PostgreSQL and takes the write lock on SQLite). Later
/// reads in the transaction then see what every earlier writer committed,
/// and concurrent writers queue. `NotFound` when the row is not in `space`
/// (or, with [`LockFor::Member`], the user is not a member there).
///
/// `table` and `column` are the caller's constants, never user input.
pub(crate) async fn lock_row(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    column: &'static str,
    row: Id,
    space: Id,
    who: LockFor,
) -> Result<()> {
    let member = match who {
        LockFor::Checked => "",
        LockFor::Member(_) => " AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)",
    };
    let sql = format!("UPDATE {table} SET {column} = {column} WHERE id = $1 AND space_id = $2{member}");
    let mut query = sqlx::query(&sql).bind(row.get()).bind(space.get());
    if let LockFor::Member(user) = who {
        query = query.bind(user.get());
    }
    let locked = query.execute(&mut *conn).await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Refuses with a conflict `code` when `count_sql` (which counts rows for
/// the one key bound as `$1`) says `max` are there already: the bound that
/// keeps one member from growing a table without end. Without a lock it is
/// a soft bound (two adds at the same instant may both pass), which is
/// enough for that purpose.
pub(crate) async fn ensure_room(
    conn: &mut sqlx::AnyConnection,
    count_sql: &'static str,
    key: Id,
    max: i64,
    code: &'static str,
    message: &'static str,
) -> Result<()> {
    let n: i64 = sqlx::query_scalar(count_sql).bind(key.get()).fetch_one(&mut *conn).await?;
    if n >= max {
        return Err(StoreError::conflict(code, message));
    }
    Ok(())
}
