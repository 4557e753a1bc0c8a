//! The trust pulse: each member rates the six kinds of trust now and then.
//! Private by default; a member may share a pulse, and the partner then
//! sees that one. Reads pass `authorize` like every entry.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};
use utoipa::ToSchema;

use crate::db::{ms, ts, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// Ratings in the order emotional, instrumental, informational, self,
/// situational, physical.
pub type Ratings = [u8; 6];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pulse {
    pub id: Id,
    pub space_id: Id,
    pub user_id: Id,
    /// emotional, instrumental, informational, self, situational, physical (0 to 10).
    pub ratings: [u8; 6],
    pub note: String,
    pub shared: bool,
    pub mine: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[async_trait]
pub trait PulseStore: Send + Sync {
    async fn add_pulse(
        &self,
        user: Id,
        space: Id,
        ratings: Ratings,
        note: &str,
        shared: bool,
        at: Option<Timestamp>,
    ) -> Result<Pulse>;
    /// The viewer's own pulses since a time, oldest first.
    async fn my_pulses(&self, user: Id, space: Id, since: Timestamp) -> Result<Vec<Pulse>>;
    /// Just the times and ratings of the viewer's own pulses since a time,
    /// oldest first (for trend charts: no notes, fewer columns to carry).
    async fn my_pulse_ratings(&self, user: Id, space: Id, since: Timestamp) -> Result<Vec<(Timestamp, Ratings)>>;
    /// The newest pulse the other member chose to share, if any.
    async fn partner_shared_pulse(&self, user: Id, space: Id) -> Result<Option<Pulse>>;
    async fn share_pulse(&self, user: Id, space: Id, pulse: Id, shared: bool) -> Result<Pulse>;
    async fn pulse(&self, user: Id, space: Id, pulse: Id) -> Result<Pulse>;
}

const COLS: &str = "p.id, p.space_id, p.user_id, p.emotional, p.instrumental, p.informational, p.self_trust, \
                    p.situational, p.physical, p.note, p.shared, p.created_at";

fn clamp(v: i64) -> u8 {
    v.clamp(0, 10) as u8
}

/// The six ratings as stored, in `TrustType::ALL` order.
#[derive(sqlx::FromRow)]
struct RatingsRow {
    emotional: i64,
    instrumental: i64,
    informational: i64,
    self_trust: i64,
    situational: i64,
    physical: i64,
}

impl RatingsRow {
    fn ratings(&self) -> Ratings {
        [self.emotional, self.instrumental, self.informational, self.self_trust, self.situational, self.physical]
            .map(clamp)
    }
}

/// A `pulses` row as read by [`COLS`].
#[derive(sqlx::FromRow)]
struct PulseRow {
    id: i64,
    space_id: i64,
    user_id: i64,
    note: String,
    shared: i64,
    created_at: i64,
    #[sqlx(flatten)]
    ratings: RatingsRow,
}

impl PulseRow {
    fn view(self, viewer: Id) -> Pulse {
        let owner = Id::from_db(self.user_id);
        Pulse {
            id: Id::from_db(self.id),
            space_id: Id::from_db(self.space_id),
            user_id: owner,
            ratings: self.ratings.ratings(),
            note: self.note,
            shared: self.shared != 0,
            mine: owner == viewer,
            created_at: ts(self.created_at),
        }
    }
}

/// What the trend needs: the ratings, when, and who may read them.
#[derive(sqlx::FromRow)]
struct TrendRow {
    user_id: i64,
    shared: i64,
    created_at: i64,
    #[sqlx(flatten)]
    ratings: RatingsRow,
}

fn facts(p: &Pulse) -> EntryFacts {
    EntryFacts {
        space_id: p.space_id,
        author: Some(p.user_id),
        visibility: if p.shared { Visibility::Shared } else { Visibility::Private },
        parts_by: Vec::new(),
    }
}

fn visible(p: &Pulse, viewer: Id) -> bool {
    authorize(Some(viewer), true, &facts(p), Action::Read).is_ok()
}

#[async_trait]
impl PulseStore for SqlStore {
    async fn add_pulse(
        &self,
        user: Id,
        space: Id,
        ratings: Ratings,
        note: &str,
        shared: bool,
        at: Option<Timestamp>,
    ) -> Result<Pulse> {
        let outcome: Result<Pulse> = async {
            self.require_member(user, space).await?;
            if ratings.iter().any(|r| *r > 10) {
                return Err(StoreError::Other("ratings are 0 to 10".into()));
            }
            let pid = new_id();
            sqlx::query(
                "INSERT INTO pulses (id, space_id, user_id, emotional, instrumental, informational, self_trust, situational, \
                 physical, note, shared, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(pid.get())
            .bind(space.get())
            .bind(user.get())
            .bind(ratings[0] as i64)
            .bind(ratings[1] as i64)
            .bind(ratings[2] as i64)
            .bind(ratings[3] as i64)
            .bind(ratings[4] as i64)
            .bind(ratings[5] as i64)
            .bind(note)
            .bind(shared as i64)
            .bind(ms(at.unwrap_or_else(Timestamp::now)))
            .execute(&self.pool)
            .await?;
            self.pulse(user, space, pid).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn my_pulses(&self, user: Id, space: Id, since: Timestamp) -> Result<Vec<Pulse>> {
        let rows = sqlx::query_as::<_, PulseRow>(&format!(
            "SELECT {COLS} FROM pulses p WHERE p.user_id = $1 AND p.space_id = $2 AND p.created_at >= $3 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $1) \
             ORDER BY p.created_at LIMIT 2000"
        ))
        .bind(user.get())
        .bind(space.get())
        .bind(ms(since))
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            self.require_member(user, space).await?;
        }
        Ok(rows.into_iter().map(|r| r.view(user)).filter(|p| visible(p, user)).collect())
    }

    async fn my_pulse_ratings(&self, user: Id, space: Id, since: Timestamp) -> Result<Vec<(Timestamp, Ratings)>> {
        let rows = sqlx::query_as::<_, TrendRow>(
            "SELECT p.user_id, p.shared, p.emotional, p.instrumental, p.informational, p.self_trust, p.situational, \
             p.physical, p.created_at FROM pulses p WHERE p.user_id = $1 AND p.space_id = $2 AND p.created_at >= $3 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $1) \
             ORDER BY p.created_at LIMIT 2000",
        )
        .bind(user.get())
        .bind(space.get())
        .bind(ms(since))
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            self.require_member(user, space).await?;
        }
        // Through the one visibility rule like every read, though these are
        // the viewer's own by the query.
        let readable = |r: &TrendRow| {
            let facts = EntryFacts {
                space_id: space,
                author: Some(Id::from_db(r.user_id)),
                visibility: if r.shared != 0 { Visibility::Shared } else { Visibility::Private },
                parts_by: Vec::new(),
            };
            authorize(Some(user), true, &facts, Action::Read).is_ok()
        };
        Ok(rows.iter().filter(|r| readable(r)).map(|r| (ts(r.created_at), r.ratings.ratings())).collect())
    }

    async fn partner_shared_pulse(&self, user: Id, space: Id) -> Result<Option<Pulse>> {
        self.require_member(user, space).await?;
        let row = sqlx::query_as::<_, PulseRow>(&format!(
            "SELECT {COLS} FROM pulses p WHERE p.space_id = $1 AND p.user_id <> $2 AND p.shared = 1 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = p.user_id) \
             ORDER BY p.created_at DESC LIMIT 1"
        ))
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.view(user)).filter(|p| visible(p, user)))
    }

    async fn share_pulse(&self, user: Id, space: Id, pulse: Id, shared: bool) -> Result<Pulse> {
        let outcome: Result<Pulse> = async {
            let p = self.pulse(user, space, pulse).await?;
            authorize(Some(user), true, &facts(&p), Action::Update)?;
            sqlx::query("UPDATE pulses SET shared = $1 WHERE id = $2 AND user_id = $3")
                .bind(shared as i64)
                .bind(pulse.get())
                .bind(user.get())
                .execute(&self.pool)
                .await?;
            self.pulse(user, space, pulse).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn pulse(&self, user: Id, space: Id, pulse: Id) -> Result<Pulse> {
        let row = sqlx::query_as::<_, PulseRow>(&format!(
            "SELECT {COLS} FROM pulses p WHERE p.id = $1 AND p.space_id = $2 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)"
        ))
        .bind(pulse.get())
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let p = row.view(user);
        authorize(Some(user), true, &facts(&p), Action::Read)?;
        Ok(p)
    }
}

/// Lifecycle hook, leaving a space: pulses the member kept to themselves
/// go; the ones they shared stay with the partner.
pub(crate) async fn on_leave(conn: &mut sqlx::AnyConnection, user: Id, space: Id) -> Result<()> {
    sqlx::query("DELETE FROM pulses WHERE space_id = $1 AND user_id = $2 AND shared = 0")
        .bind(space.get())
        .bind(user.get())
        .execute(conn)
        .await?;
    Ok(())
}
