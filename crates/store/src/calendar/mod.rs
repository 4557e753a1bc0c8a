//! The calendar feed's secret: one per member, kept in their settings row,
//! shown in settings (so stored as is) and rotatable. It grants read
//! access to that one person's calendar.

use troth_domain::Id;

use crate::accounts::UserRow;
use crate::db::SqlStore;
use crate::secret::new_secret;
use crate::{Result, User};

pub(crate) async fn secret(db: &SqlStore, user: Id) -> Result<String> {
    let secret: Option<Option<String>> =
        sqlx::query_scalar("SELECT calendar_secret FROM member_settings WHERE user_id = $1")
            .bind(user.get())
            .fetch_optional(&db.pool)
            .await?;
    match secret.flatten() {
        Some(secret) => Ok(secret),
        None => rotate_secret(db, user).await,
    }
}

pub(crate) async fn rotate_secret(db: &SqlStore, user: Id) -> Result<String> {
    let secret = new_secret();
    // A member without a settings row gets one with the table's defaults,
    // which are `MemberSettings::default()` (migration 2).
    sqlx::query(
        "INSERT INTO member_settings (user_id, calendar_secret) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET calendar_secret = $2",
    )
    .bind(user.get())
    .bind(&secret)
    .execute(&db.pool)
    .await?;
    Ok(secret)
}

pub(crate) async fn user_by_secret(db: &SqlStore, secret: &str) -> Result<Option<User>> {
    if secret.len() != 32 {
        return Ok(None);
    }
    let row = sqlx::query_as::<_, UserRow>(
        "SELECT u.id, u.email, u.display_name, u.time_zone, u.created_at FROM users u \
         JOIN member_settings s ON s.user_id = u.id WHERE s.calendar_secret = $1",
    )
    .bind(secret)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(User::from))
}
