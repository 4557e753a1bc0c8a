//! Links sent by email (see migration 14): made with a hash of their
//! secret, claimed once, and gone after their time.

use jiff::Timestamp;

use crate::accounts::{EmailLink, EmailLinkPurpose};
use crate::db::{ms, ts, SqlStore};
use crate::{Result, StoreError};

/// Keeps a new link. Links whose time has passed are swept on the way, so
/// the table holds only the living ones (and those of the last moment).
pub(crate) async fn create_email_link(db: &SqlStore, link: &EmailLink, token_hash: &str) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM email_links WHERE expires_at <= $1").bind(ms(link.created_at)).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO email_links (token_hash, purpose, email, payload, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(link.purpose.as_str())
    .bind(&link.email)
    .bind(&link.payload)
    .bind(ms(link.created_at))
    .bind(ms(link.expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    purpose: String,
    email: String,
    payload: String,
    created_at: i64,
    expires_at: i64,
}

/// Reads a living link without using it up (to check what the follower
/// knows before it is spent): `NotFound` or `Gone` as [`claim_email_link`].
pub(crate) async fn email_link(
    db: &SqlStore,
    purpose: EmailLinkPurpose,
    token_hash: &str,
    now: Timestamp,
) -> Result<EmailLink> {
    let row = sqlx::query_as::<_, LinkRow>(
        "SELECT purpose, email, payload, created_at, expires_at FROM email_links \
         WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    living(row, now)
}

fn living(row: LinkRow, now: Timestamp) -> Result<EmailLink> {
    if row.expires_at <= ms(now) {
        return Err(StoreError::gone("link_expired", "this link has expired; start again to get a new one"));
    }
    Ok(EmailLink {
        purpose: EmailLinkPurpose::parse(&row.purpose).ok_or(StoreError::NotFound)?,
        email: row.email,
        payload: row.payload,
        created_at: ts(row.created_at),
        expires_at: ts(row.expires_at),
    })
}

/// Takes the link for `purpose` out of the table: the one delete that
/// succeeds wins, so two clicks at once finish one registration. An
/// unknown or used link is `NotFound`; an expired one is `Gone` (and is
/// deleted all the same).
pub(crate) async fn claim_email_link(
    db: &SqlStore,
    purpose: EmailLinkPurpose,
    token_hash: &str,
    now: Timestamp,
) -> Result<EmailLink> {
    let row = sqlx::query_as::<_, LinkRow>(
        "DELETE FROM email_links WHERE token_hash = $1 AND purpose = $2 \
         RETURNING purpose, email, payload, created_at, expires_at",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    living(row, now)
}

/// Ends every link sent to `email` (an account deleted, a password changed);
/// how many there were.
pub(crate) async fn end_email_links(conn: &mut sqlx::AnyConnection, email: &str) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM email_links WHERE email = $1").bind(email).execute(conn).await?.rows_affected())
}
