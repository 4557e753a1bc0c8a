//! The trust pulse: each member rates the six kinds of trust now and then.
//! Private by default; a member may share a pulse, and the partner then
//! sees that one. Reads pass `authorize` like every entry.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};
use utoipa::ToSchema;

use crate::secret::new_id;
use crate::sql::{id, ms, ts, SqlStore};
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

/// The six ratings, in `TrustType::ALL` order.
fn ratings_of(r: &AnyRow) -> Ratings {
    ["emotional", "instrumental", "informational", "self_trust", "situational", "physical"].map(|c| clamp(r.get(c)))
}

fn from_row(r: &AnyRow, viewer: Id) -> Pulse {
    let owner = id(r, "user_id");
    Pulse {
        id: id(r, "id"),
        space_id: id(r, "space_id"),
        user_id: owner,
        ratings: ratings_of(r),
        note: r.get("note"),
        shared: r.get::<i64, _>("shared") != 0,
        mine: owner == viewer,
        created_at: ts(r.get("created_at")),
    }
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

    async fn my_pulses(&self, user: Id, space: Id, since: Timestamp) -> Result<Vec<Pulse>> {
        let rows = sqlx::query(&format!(
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
        Ok(rows.iter().map(|r| from_row(r, user)).filter(|p| visible(p, user)).collect())
    }

    async fn my_pulse_ratings(&self, user: Id, space: Id, since: Timestamp) -> Result<Vec<(Timestamp, Ratings)>> {
        let rows = sqlx::query(
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
        let readable = |r: &AnyRow| {
            let facts = EntryFacts {
                space_id: space,
                author: Some(id(r, "user_id")),
                visibility: if r.get::<i64, _>("shared") != 0 { Visibility::Shared } else { Visibility::Private },
                parts_by: Vec::new(),
            };
            authorize(Some(user), true, &facts, Action::Read).is_ok()
        };
        Ok(rows.iter().filter(|r| readable(r)).map(|r| (ts(r.get("created_at")), ratings_of(r))).collect())
    }

    async fn partner_shared_pulse(&self, user: Id, space: Id) -> Result<Option<Pulse>> {
        self.require_member(user, space).await?;
        let row = sqlx::query(&format!(
            "SELECT {COLS} FROM pulses p WHERE p.space_id = $1 AND p.user_id <> $2 AND p.shared = 1 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = p.user_id) \
             ORDER BY p.created_at DESC LIMIT 1"
        ))
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| from_row(&r, user)).filter(|p| visible(p, user)))
    }

    async fn share_pulse(&self, user: Id, space: Id, pulse: Id, shared: bool) -> Result<Pulse> {
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

    async fn pulse(&self, user: Id, space: Id, pulse: Id) -> Result<Pulse> {
        let row = sqlx::query(&format!(
            "SELECT {COLS} FROM pulses p WHERE p.id = $1 AND p.space_id = $2 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)"
        ))
        .bind(pulse.get())
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let p = from_row(&row, user);
        authorize(Some(user), true, &facts(&p), Action::Read)?;
        Ok(p)
    }
}
