//! Accounts: people, their password hashes and profiles; their sessions,
//! access tokens and the login throttle live in the submodules.

mod model;
pub use model::*;

pub(crate) mod email_links;
pub(crate) mod sessions;
pub(crate) mod throttle;
pub(crate) mod tokens;

use jiff::Timestamp;
use troth_domain::{DisplayName, Email, Id, TimeZoneName};

use crate::db::{is_unique_violation, ms, ts, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// A `users` row as read everywhere a person is shown.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    time_zone: String,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: Id::from_db(r.id),
            email: r.email,
            display_name: r.display_name,
            time_zone: r.time_zone,
            created_at: ts(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    id: i64,
    password_hash: String,
}

pub(crate) const USER_COLS: &str = "id, email, display_name, time_zone, created_at";

pub(crate) async fn create_user(db: &SqlStore, user: NewUser) -> Result<User> {
    let now = ms(Timestamp::now());
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "INSERT INTO users (id, email, password_hash, display_name, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLS}"
    ))
    .bind(new_id().get())
    .bind(user.email.as_str())
    .bind(&user.password_hash)
    .bind(user.display_name.as_str())
    .bind(user.time_zone.as_str())
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::conflict("email_taken", "an account with this email already exists")
        } else {
            e.into()
        }
    })?;
    Ok(row.into())
}

pub(crate) async fn user(db: &SqlStore, user: Id) -> Result<User> {
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
        .bind(user.get())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

pub(crate) async fn credentials_by_email(db: &SqlStore, email: &Email) -> Result<Option<Credentials>> {
    let row = sqlx::query_as::<_, CredentialsRow>("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| Credentials { user_id: Id::from_db(r.id), password_hash: r.password_hash }))
}

pub(crate) async fn set_password_hash(db: &SqlStore, user: Id, hash: &str) -> Result<()> {
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user.get())
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn update_profile(db: &SqlStore, user: Id, name: &DisplayName, tz: &TimeZoneName) -> Result<User> {
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "UPDATE users SET display_name = $1, time_zone = $2 WHERE id = $3 RETURNING {USER_COLS}"
    ))
    .bind(name.as_str())
    .bind(tz.as_str())
    .bind(user.get())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

/// Deletes the `users` row; the database cascades to what hangs off it
/// (sessions, tokens, settings...) and unlinks what stays (authorship of
/// shared rows becomes NULL). Part of the lifecycle hooks (`lifecycle.rs`).
pub(crate) async fn delete_row(conn: &mut sqlx::AnyConnection, user: Id) -> Result<()> {
    // Links sent to the address go with it (they are keyed by address).
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(user.get()).fetch_optional(&mut *conn).await?;
    if let Some(email) = email {
        email_links::end_email_links(&mut *conn, &email).await?;
    }
    let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(user.get()).execute(conn).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
