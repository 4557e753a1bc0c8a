//! In-app notifications, each member's reminder choices, the calendar feed
//! secret, and the ledger of reminders already sent.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use troth_domain::notifications::{Channel, NotificationKind as Kind, Preferences};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{ms, ts, SqlStore};
use crate::secret::new_id;
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
    pub kind: Kind,
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
    /// One on/off choice per kind of notification and channel.
    async fn preferences(&self, user: Id) -> Result<Preferences>;
    /// Saves every choice in `prefs` at once.
    async fn set_preferences(&self, user: Id, prefs: &Preferences) -> Result<()>;
    async fn notify(&self, user: Id, space: Option<Id>, kind: Kind, text: &str, link: &str) -> Result<()>;
    async fn notifications(&self, user: Id, limit: i64) -> Result<Vec<Notification>>;
    async fn unread_count(&self, user: Id) -> Result<i64>;
    async fn mark_read(&self, user: Id, notification: Option<Id>) -> Result<()>;
    /// Records that a reminder goes out; false when it already went (by this
    /// or another instance), so it is never sent twice.
    async fn claim_reminder(&self, kind: &str, ref_id: Id, user: Id, occurrence: &str) -> Result<bool>;
}

/// How many notifications of the person aliased `u` are unread, as an SQL
/// expression: the session lookup every request makes reads it alongside,
/// so the pages' unread count costs no query of its own.
/// The unread count of user `u`, read with every signed-in page: through
/// the partial index of unread rows (migration 12), and counted only up to
/// 100, so a page never pays for a long unread backlog (the navigation
/// shows 100 as "99+").
pub(crate) const UNREAD_OF_U: &str = "(SELECT COUNT(*) FROM (SELECT 1 FROM notifications n \
     WHERE n.user_id = u.id AND n.read_at IS NULL LIMIT 100) unread_rows)";

#[derive(sqlx::FromRow)]
struct PreferenceRow {
    kind: String,
    channel: String,
    enabled: i64,
}

async fn save_preference(
    conn: &mut sqlx::AnyConnection,
    user: Id,
    kind: Kind,
    channel: Channel,
    on: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, kind, channel, enabled) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, kind, channel) DO UPDATE SET enabled = $4",
    )
    .bind(user.get())
    .bind(kind.as_str())
    .bind(channel.as_str())
    .bind(on as i64)
    .execute(conn)
    .await?;
    Ok(())
}

impl SqlStore {
    async fn save_settings_tx(&self, user: Id, s: &MemberSettings) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO member_settings (user_id, commitment_threshold) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET commitment_threshold = $2",
        )
        .bind(user.get())
        .bind(s.commitment_threshold.clamp(1, 100) as i64)
        .execute(&mut *tx)
        .await?;
        for (kind, channel, on) in [
            (Kind::PromiseDueSoon, Channel::App, s.notify_due_app),
            (Kind::PromiseDueSoon, Channel::Email, s.notify_due_email),
            (Kind::PromiseConfirmed, Channel::App, s.notify_confirmed_app),
            (Kind::PromiseConfirmed, Channel::Email, s.notify_confirmed_email),
            (Kind::Ritual, Channel::App, s.notify_ritual_app),
            (Kind::Ritual, Channel::Email, s.notify_ritual_email),
        ] {
            save_preference(&mut tx, user, kind, channel, on).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    space_id: Option<i64>,
    kind: String,
    text: String,
    link: String,
    created_at: i64,
    read_at: Option<i64>,
}

#[async_trait]
impl NotifyStore for SqlStore {
    async fn settings(&self, user: Id) -> Result<MemberSettings> {
        let threshold: Option<i64> =
            sqlx::query_scalar("SELECT commitment_threshold FROM member_settings WHERE user_id = $1")
                .bind(user.get())
                .fetch_optional(&self.pool)
                .await?;
        let threshold = threshold.map(|t| t.clamp(1, 100) as u32);
        let prefs = self.preferences(user).await?;
        let on = |kind, channel| prefs.wants(kind, channel);
        Ok(MemberSettings {
            notify_due_app: on(Kind::PromiseDueSoon, Channel::App),
            notify_due_email: on(Kind::PromiseDueSoon, Channel::Email),
            notify_confirmed_app: on(Kind::PromiseConfirmed, Channel::App),
            notify_confirmed_email: on(Kind::PromiseConfirmed, Channel::Email),
            notify_ritual_app: on(Kind::Ritual, Channel::App),
            notify_ritual_email: on(Kind::Ritual, Channel::Email),
            commitment_threshold: threshold.unwrap_or(MemberSettings::default().commitment_threshold),
        })
    }

    async fn save_settings(&self, user: Id, s: &MemberSettings) -> Result<()> {
        let outcome = self.save_settings_tx(user, s).await;
        self.note_write(&outcome);
        outcome
    }

    async fn preferences(&self, user: Id) -> Result<Preferences> {
        let rows: Vec<PreferenceRow> =
            sqlx::query_as("SELECT kind, channel, enabled FROM notification_preferences WHERE user_id = $1")
                .bind(user.get())
                .fetch_all(&self.pool)
                .await?;
        let mut prefs = Preferences::default();
        for row in rows {
            // A kind this version does not know (written by a newer one)
            // is left alone rather than failing the whole settings page.
            if let (Ok(kind), Ok(channel)) = (row.kind.parse::<Kind>(), row.channel.parse::<Channel>()) {
                prefs.set(kind, channel, row.enabled != 0);
            }
        }
        Ok(prefs)
    }

    async fn set_preferences(&self, user: Id, prefs: &Preferences) -> Result<()> {
        let outcome: Result<()> = async {
            let mut tx = self.pool.begin().await?;
            for (kind, channel, on) in prefs.all() {
                save_preference(&mut tx, user, kind, channel, on).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn calendar_secret(&self, user: Id) -> Result<String> {
        crate::calendar::secret(self, user).await
    }

    async fn rotate_calendar_secret(&self, user: Id) -> Result<String> {
        let outcome: Result<String> = async { crate::calendar::rotate_secret(self, user).await }.await;
        self.note_write(&outcome);
        outcome
    }

    async fn user_by_calendar_secret(&self, secret: &str) -> Result<Option<User>> {
        crate::calendar::user_by_secret(self, secret).await
    }

    async fn notify(&self, user: Id, space: Option<Id>, kind: Kind, text: &str, link: &str) -> Result<()> {
        let outcome: Result<()> = async {
            sqlx::query(
                "INSERT INTO notifications (id, user_id, space_id, kind, text, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new_id().get())
            .bind(user.get())
            .bind(space.map(Id::get))
            .bind(kind.as_str())
            .bind(text)
            .bind(link)
            .bind(ms(Timestamp::now()))
            .execute(&self.pool)
            .await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn notifications(&self, user: Id, limit: i64) -> Result<Vec<Notification>> {
        let rows = sqlx::query_as::<_, NotificationRow>(
            "SELECT id, space_id, kind, text, link, created_at, read_at FROM notifications WHERE user_id = $1 \
             ORDER BY created_at DESC LIMIT $2",
        )
        .bind(user.get())
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            // Every kind written since migration 7 is one of the enum's; a
            // row of a kind this version does not know (a newer version
            // wrote it) is left out rather than failing the whole list.
            .filter_map(|r| {
                Some(Notification {
                    id: Id::from_db(r.id),
                    space_id: r.space_id.map(Id::from_db),
                    kind: r.kind.parse().ok()?,
                    text: r.text,
                    link: r.link,
                    read: r.read_at.is_some(),
                    created_at: ts(r.created_at),
                })
            })
            .collect())
    }

    async fn unread_count(&self, user: Id) -> Result<i64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                .bind(user.get())
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    async fn mark_read(&self, user: Id, notification: Option<Id>) -> Result<()> {
        let outcome: Result<()> = async {
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
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn claim_reminder(&self, kind: &str, ref_id: Id, user: Id, occurrence: &str) -> Result<bool> {
        let outcome: Result<bool> = async {
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
        .await;
        self.note_write(&outcome);
        outcome
    }
}

/// Lifecycle hook, leaving a space: the member's notifications about that
/// space are theirs alone and go.
pub(crate) async fn on_leave(conn: &mut sqlx::AnyConnection, user: Id, space: Id) -> Result<()> {
    sqlx::query("DELETE FROM notifications WHERE space_id = $1 AND user_id = $2")
        .bind(space.get())
        .bind(user.get())
        .execute(conn)
        .await?;
    Ok(())
}
