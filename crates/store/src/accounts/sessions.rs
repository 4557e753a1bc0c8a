//! Browser sessions: created at login, alive while used within the idle
//! and absolute limits.

use std::sync::LazyLock;

use jiff::Timestamp;
use troth_domain::Id;

use super::UserRow;
use crate::db::{ms, ts, SqlStore};
use crate::notifications::UNREAD_OF_U;
use crate::secret::new_id;
use crate::{LiveSession, Result, SessionInfo, SessionPolicy, StoreError};

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    csrf_token: String,
    user_agent: String,
    created_at: i64,
    last_seen_at: i64,
}

/// A session with its person and their unread count, read in one query at
/// every request (every signed-in page shows the count in its navigation).
#[derive(sqlx::FromRow)]
struct LiveSessionRow {
    sid: i64,
    csrf_token: String,
    user_agent: String,
    s_created: i64,
    last_seen_at: i64,
    unread: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

pub(crate) async fn create_session(
    db: &SqlStore,
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
    .execute(&db.pool)
    .await?;
    Ok(sid)
}

pub(crate) async fn session(
    db: &SqlStore,
    secret_hash: &str,
    now: Timestamp,
    policy: SessionPolicy,
) -> Result<Option<LiveSession>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT s.id AS sid, s.csrf_token, s.user_agent, s.created_at AS s_created, s.last_seen_at, \
             {UNREAD_OF_U} AS unread, u.id, u.email, u.display_name, u.time_zone, u.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = $1"
        )
    });
    let row = sqlx::query_as::<_, LiveSessionRow>(SQL.as_str()).bind(secret_hash).fetch_optional(&db.pool).await?;
    let Some(r) = row else { return Ok(None) };
    let sid = Id::from_db(r.sid);
    let created = r.s_created;
    let seen = r.last_seen_at;
    let now_ms = ms(now);
    let idle_ok = now_ms - seen <= policy.idle.as_millis() as i64;
    let absolute_ok = now_ms - created <= policy.absolute.as_millis() as i64;
    if !idle_ok || !absolute_ok {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(sid.get()).execute(&db.pool).await?;
        return Ok(None);
    }
    if now_ms - seen > 60_000 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(sid.get())
            .execute(&db.pool)
            .await?;
    }
    let info = SessionInfo {
        id: sid,
        csrf_token: r.csrf_token,
        user_agent: r.user_agent,
        created_at: ts(created),
        last_seen_at: ts(seen.max(now_ms - 60_000)),
    };
    Ok(Some(LiveSession { info, user: r.user.into(), unread_notifications: r.unread }))
}

pub(crate) async fn sessions_of(db: &SqlStore, user: Id) -> Result<Vec<SessionInfo>> {
    let rows = sqlx::query_as::<_, SessionRow>(
        "SELECT id, csrf_token, user_agent, created_at, last_seen_at FROM sessions \
         WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 200",
    )
    .bind(user.get())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionInfo {
            id: Id::from_db(r.id),
            csrf_token: r.csrf_token,
            user_agent: r.user_agent,
            created_at: ts(r.created_at),
            last_seen_at: ts(r.last_seen_at),
        })
        .collect())
}

pub(crate) async fn end_session(db: &SqlStore, user: Id, session: Id) -> Result<()> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(session.get())
        .bind(user.get())
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn end_sessions_except(db: &SqlStore, user: Id, keep: Option<Id>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user.get())
        .bind(keep.map_or(0, Id::get))
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
