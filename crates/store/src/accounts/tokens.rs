//! Personal access tokens for the JSON API.

use jiff::Timestamp;
use troth_domain::Id;

use super::UserRow;
use crate::db::{ensure_room, ms, opt_ts, ts, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError, TokenInfo, User};

/// The most personal access tokens one account holds (all listed).
pub const MAX_TOKENS_PER_USER: i64 = 50;

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct LiveTokenRow {
    tid: i64,
    name: String,
    t_created: i64,
    last_used_at: Option<i64>,
    #[sqlx(flatten)]
    user: UserRow,
}

pub(crate) async fn create_token(
    db: &SqlStore,
    user: Id,
    name: &str,
    secret_hash: &str,
    now: Timestamp,
) -> Result<TokenInfo> {
    let mut conn = db.pool.acquire().await?;
    // Every token stays listed (and revocable) on the account page.
    ensure_room(
        &mut conn,
        "SELECT COUNT(*) FROM access_tokens WHERE user_id = $1",
        user,
        MAX_TOKENS_PER_USER,
        "too_many_tokens",
        "You have as many access tokens as one account may hold (50); revoke one first.",
    )
    .await?;
    drop(conn);
    let tid = new_id();
    sqlx::query("INSERT INTO access_tokens (id, secret_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(tid.get())
        .bind(secret_hash)
        .bind(user.get())
        .bind(name)
        .bind(ms(now))
        .execute(&db.pool)
        .await?;
    Ok(TokenInfo { id: tid, name: name.to_string(), created_at: now, last_used_at: None })
}

pub(crate) async fn token_user(db: &SqlStore, secret_hash: &str, now: Timestamp) -> Result<Option<(TokenInfo, User)>> {
    let row = sqlx::query_as::<_, LiveTokenRow>(
        "SELECT t.id AS tid, t.name, t.created_at AS t_created, t.last_used_at, \
         u.id, u.email, u.display_name, u.time_zone, u.created_at \
         FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1",
    )
    .bind(secret_hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let tid = Id::from_db(r.tid);
    let used = r.last_used_at;
    if used.is_none_or(|u| ms(now) - u > 60_000) {
        sqlx::query("UPDATE access_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(ms(now))
            .bind(tid.get())
            .execute(&db.pool)
            .await?;
    }
    let info = TokenInfo { id: tid, name: r.name, created_at: ts(r.t_created), last_used_at: Some(now) };
    Ok(Some((info, r.user.into())))
}

pub(crate) async fn tokens_of(db: &SqlStore, user: Id) -> Result<Vec<TokenInfo>> {
    let rows = sqlx::query_as::<_, TokenRow>(
        "SELECT id, name, created_at, last_used_at FROM access_tokens WHERE user_id = $1 ORDER BY created_at DESC LIMIT 200",
    )
    .bind(user.get())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TokenInfo {
            id: Id::from_db(r.id),
            name: r.name,
            created_at: ts(r.created_at),
            last_used_at: opt_ts(r.last_used_at),
        })
        .collect())
}

/// Ends every access token of `user` (with "log out everywhere else" and a
/// new password: a token must not outlive the password it was made under).
pub(crate) async fn end_tokens(db: &SqlStore, user: Id) -> Result<u64> {
    let done = sqlx::query("DELETE FROM access_tokens WHERE user_id = $1").bind(user.get()).execute(&db.pool).await?;
    Ok(done.rows_affected())
}

pub(crate) async fn delete_token(db: &SqlStore, user: Id, token: Id) -> Result<()> {
    let done = sqlx::query("DELETE FROM access_tokens WHERE id = $1 AND user_id = $2")
        .bind(token.get())
        .bind(user.get())
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
