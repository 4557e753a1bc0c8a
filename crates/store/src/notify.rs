//! In-app notifications, each member's reminder choices, the calendar feed
//! secret, and the ledger of reminders already sent.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use troth_domain::Id;
use utoipa::ToSchema;

use crate::secret::{new_id, new_secret};
use crate::sql::{id, ms, opt_id, ts, user_from_row, SqlStore};
use crate::{Result, StoreError, User};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct MemberSettings {
    pub notify_due_app: bool,
    pub notify_due_email: bool,
    pub notify_confirmed_app: bool,
    pub notify_confirmed_email: bool,
    pub notify_ritual_app: bool,
    pub notify_ritual_email: bool,
    /// Open promises in one week at which "think before you commit" asks
    /// for a confirmation.
    pub commitment_threshold: u32,
}

impl Default for MemberSettings {
    fn default() -> Self {
        MemberSettings {
            notify_due_app: true,
            notify_due_email: false,
            notify_confirmed_app: true,
            notify_confirmed_email: false,
            notify_ritual_app: true,
            notify_ritual_email: false,
            commitment_threshold: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: Id,
    pub space_id: Option<Id>,
    pub kind: String,
    pub text: String,
    pub link: String,
    pub read: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[async_trait]
pub trait NotifyStore: Send + Sync {
    async fn settings(&self, user: Id) -> Result<MemberSettings>;
    async fn save_settings(&self, user: Id, settings: &MemberSettings) -> Result<()>;
    /// The member's calendar secret, made on first use.
    async fn calendar_secret(&self, user: Id) -> Result<String>;
    async fn rotate_calendar_secret(&self, user: Id) -> Result<String>;
    async fn user_by_calendar_secret(&self, secret: &str) -> Result<Option<User>>;
    async fn notify(&self, user: Id, space: Option<Id>, kind: &str, text: &str, link: &str) -> Result<()>;
    async fn notifications(&self, user: Id, limit: i64) -> Result<Vec<Notification>>;
    async fn unread_count(&self, user: Id) -> Result<i64>;
    async fn mark_read(&self, user: Id, notification: Option<Id>) -> Result<()>;
    /// Records that a reminder goes out; false when it already went (by this
    /// or another instance), so it is never sent twice.
    async fn claim_reminder(&self, kind: &str, ref_id: Id, user: Id, occurrence: &str) -> Result<bool>;
}

fn flag(r: &sqlx::any::AnyRow, col: &str) -> bool {
    r.get::<i64, _>(col) != 0
}

#[async_trait]
impl NotifyStore for SqlStore {
    async fn settings(&self, user: Id) -> Result<MemberSettings> {
        let row = sqlx::query("SELECT * FROM member_settings WHERE user_id = $1")
            .bind(user.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map_or_else(MemberSettings::default, |r| MemberSettings {
            notify_due_app: flag(&r, "notify_due_app"),
            notify_due_email: flag(&r, "notify_due_email"),
            notify_confirmed_app: flag(&r, "notify_confirmed_app"),
            notify_confirmed_email: flag(&r, "notify_confirmed_email"),
            notify_ritual_app: flag(&r, "notify_ritual_app"),
            notify_ritual_email: flag(&r, "notify_ritual_email"),
            commitment_threshold: r.get::<i64, _>("commitment_threshold").clamp(1, 100) as u32,
        }))
    }

    async fn save_settings(&self, user: Id, s: &MemberSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO member_settings (user_id, notify_due_app, notify_due_email, notify_confirmed_app, \
             notify_confirmed_email, notify_ritual_app, notify_ritual_email, commitment_threshold) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET \
             notify_due_app = $2, notify_due_email = $3, notify_confirmed_app = $4, notify_confirmed_email = $5, \
             notify_ritual_app = $6, notify_ritual_email = $7, commitment_threshold = $8",
        )
        .bind(user.get())
        .bind(s.notify_due_app as i64)
        .bind(s.notify_due_email as i64)
        .bind(s.notify_confirmed_app as i64)
        .bind(s.notify_confirmed_email as i64)
        .bind(s.notify_ritual_app as i64)
        .bind(s.notify_ritual_email as i64)
        .bind(s.commitment_threshold.clamp(1, 100) as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn calendar_secret(&self, user: Id) -> Result<String> {
        let row = sqlx::query("SELECT calendar_secret FROM member_settings WHERE user_id = $1")
            .bind(user.get())
            .fetch_optional(&self.pool)
            .await?;
        match row.and_then(|r| r.get::<Option<String>, _>("calendar_secret")) {
            Some(secret) => Ok(secret),
            None => self.rotate_calendar_secret(user).await,
        }
    }

    async fn rotate_calendar_secret(&self, user: Id) -> Result<String> {
        let secret = new_secret();
        let d = MemberSettings::default();
        sqlx::query(
            "INSERT INTO member_settings (user_id, notify_due_app, notify_due_email, notify_confirmed_app, \
             notify_confirmed_email, notify_ritual_app, notify_ritual_email, commitment_threshold, calendar_secret) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET calendar_secret = $9",
        )
        .bind(user.get())
        .bind(d.notify_due_app as i64)
        .bind(d.notify_due_email as i64)
        .bind(d.notify_confirmed_app as i64)
        .bind(d.notify_confirmed_email as i64)
        .bind(d.notify_ritual_app as i64)
        .bind(d.notify_ritual_email as i64)
        .bind(d.commitment_threshold as i64)
        .bind(&secret)
        .execute(&self.pool)
        .await?;
        Ok(secret)
    }

    async fn user_by_calendar_secret(&self, secret: &str) -> Result<Option<User>> {
        if secret.len() != 32 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.time_zone, u.created_at FROM users u \
             JOIN member_settings s ON s.user_id = u.id WHERE s.calendar_secret = $1",
        )
        .bind(secret)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| user_from_row(&r)))
    }

    async fn notify(&self, user: Id, space: Option<Id>, kind: &str, text: &str, link: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, space_id, kind, text, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id().get())
        .bind(user.get())
        .bind(space.map(Id::get))
        .bind(kind)
        .bind(text)
        .bind(link)
        .bind(ms(Timestamp::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn notifications(&self, user: Id, limit: i64) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, space_id, kind, text, link, created_at, read_at FROM notifications WHERE user_id = $1 \
             ORDER BY created_at DESC LIMIT $2",
        )
        .bind(user.get())
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Notification {
                id: id(r, "id"),
                space_id: opt_id(r, "space_id"),
                kind: r.get("kind"),
                text: r.get("text"),
                link: r.get("link"),
                read: r.get::<Option<i64>, _>("read_at").is_some(),
                created_at: ts(r.get("created_at")),
            })
            .collect())
    }

    async fn unread_count(&self, user: Id) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.get())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get("n"))
    }

    async fn mark_read(&self, user: Id, notification: Option<Id>) -> Result<()> {
        let now = ms(Timestamp::now());
        let done = match notification {
            Some(n) => sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3")
                .bind(now)
                .bind(user.get())
                .bind(n.get())
                .execute(&self.pool)
                .await?
                .rows_affected(),
            None => {
                sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                    .bind(now)
                    .bind(user.get())
                    .execute(&self.pool)
                    .await?;
                1
            }
        };
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn claim_reminder(&self, kind: &str, ref_id: Id, user: Id, occurrence: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO reminders_sent (kind, ref_id, user_id, occurrence, sent_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(kind)
        .bind(ref_id.get())
        .bind(user.get())
        .bind(occurrence)
        .bind(ms(Timestamp::now()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
