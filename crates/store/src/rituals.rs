//! The weekly ritual of connection: a slot either partner can move, one
//! ritual per pair per week (both starting at once still get one), and the
//! agenda's answers saved as they go. Rituals are shared records.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use troth_domain::ritual::{can_add, can_finish, weekday_str, AgendaStep, HeardRating, StepState, WeeklySlot};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::secret::new_id;
use crate::sql::{id, ms, ts, SqlStore};
use crate::weeks::Moment;
use crate::{Result, StoreError};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RitualSlot {
    /// monday … sunday
    pub weekday: String,
    /// HH:MM
    pub time: String,
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    pub next_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RitualAnswer {
    pub user_id: Id,
    pub user_name: Option<String>,
    pub step: AgendaStep,
    pub body: String,
    pub proposal: Option<String>,
    pub rating: Option<u8>,
    pub mine: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ritual {
    pub id: Id,
    pub space_id: Id,
    /// ISO week, e.g. 2026-W47.
    pub week_key: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    pub answers: Vec<RitualAnswer>,
    /// Why it cannot be finished yet (None: it can, or it is finished).
    pub finish_blocker: Option<String>,
}

/// One answer to save: the step, the text, and for some steps more.
pub struct RitualInput<'a> {
    pub step: AgendaStep,
    pub body: &'a str,
    pub proposal: Option<&'a str>,
    pub rating: Option<HeardRating>,
}

#[async_trait]
pub trait RitualStore: Send + Sync {
    async fn ritual_slot(&self, user: Id, space: Id, now: Timestamp) -> Result<Option<RitualSlot>>;
    async fn set_ritual_slot(&self, user: Id, space: Id, slot: &WeeklySlot, now: Timestamp) -> Result<RitualSlot>;
    /// Starts this week's ritual, or returns it if either partner already
    /// did; `true` when this call started it (exactly one of two racing calls).
    async fn start_ritual(&self, user: Id, space: Id, week_key: &str, now: Timestamp) -> Result<(Ritual, bool)>;
    async fn ritual(&self, user: Id, space: Id, ritual: Id) -> Result<Ritual>;
    async fn ritual_for_week(&self, user: Id, space: Id, week_key: &str) -> Result<Option<Ritual>>;
    /// Newest first, without answers.
    async fn rituals(&self, user: Id, space: Id, limit: i64) -> Result<Vec<Ritual>>;
    async fn save_ritual_answer(&self, user: Id, space: Id, ritual: Id, input: RitualInput<'_>) -> Result<Ritual>;
    async fn finish_ritual(&self, user: Id, space: Id, ritual: Id, now: Timestamp) -> Result<Ritual>;
    /// Every slot with its space's members (for reminders).
    async fn all_ritual_slots(&self) -> Result<Vec<(Id, WeeklySlot, Vec<Id>)>>;
}

fn slot_view(slot: &WeeklySlot, now: Timestamp) -> RitualSlot {
    RitualSlot {
        weekday: weekday_str(slot.weekday).to_string(),
        time: slot.time_str(),
        time_zone: slot.tz.clone(),
        next_at: slot.next_after(now),
    }
}

fn ritual_error(e: troth_domain::ritual::RitualError) -> StoreError {
    StoreError::Conflict { code: e.code(), message: e.to_string() }
}

impl SqlStore {
    async fn members_of(&self, space: Id) -> Result<Vec<Id>> {
        let rows = sqlx::query("SELECT user_id FROM memberships WHERE space_id = $1 ORDER BY joined_at")
            .bind(space.get())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| id(r, "user_id")).collect())
    }

    async fn ritual_head(&self, user: Id, space: Id, ritual: Id) -> Result<Ritual> {
        let row = sqlx::query(
            "SELECT r.id, r.space_id, r.week_key, r.started_at, r.finished_at FROM rituals r WHERE r.id = $1 AND r.space_id = $2 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)",
        )
        .bind(ritual.get())
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Ritual {
            id: id(&row, "id"),
            space_id: id(&row, "space_id"),
            week_key: row.get("week_key"),
            started_at: ts(row.get("started_at")),
            finished_at: row.get::<Option<i64>, _>("finished_at").map(ts),
            answers: Vec::new(),
            finish_blocker: None,
        })
    }

    fn step_states(answers: &[RitualAnswer]) -> Vec<StepState> {
        AgendaStep::ALL
            .iter()
            .map(|step| {
                let mut st = StepState::new(*step);
                for a in answers.iter().filter(|a| a.step == *step) {
                    st.authors.push(a.user_id);
                    if let Some(r) = a.rating.and_then(|r| HeardRating::parse(r as i64).ok()) {
                        st.heard.push((a.user_id, r));
                    }
                }
                st
            })
            .collect()
    }
}

#[async_trait]
impl RitualStore for SqlStore {
    async fn ritual_slot(&self, user: Id, space: Id, now: Timestamp) -> Result<Option<RitualSlot>> {
        // Membership is proven by the EXISTS clause; only an empty answer
        // needs a second look to tell "no slot yet" from "not your space".
        let row = sqlx::query(
            "SELECT weekday, time_of_day, time_zone FROM ritual_slots WHERE space_id = $1 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)",
        )
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?;
        if row.is_none() {
            self.require_member(user, space).await?;
        }
        Ok(row
            .and_then(|r| {
                let day = weekday_str_from_index(r.get("weekday"));
                WeeklySlot::parse(day, &r.get::<String, _>("time_of_day"), &r.get::<String, _>("time_zone")).ok()
            })
            .map(|slot| slot_view(&slot, now)))
    }

    async fn set_ritual_slot(&self, user: Id, space: Id, slot: &WeeklySlot, now: Timestamp) -> Result<RitualSlot> {
        self.require_member(user, space).await?;
        sqlx::query(
            "INSERT INTO ritual_slots (space_id, weekday, time_of_day, time_zone, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (space_id) DO UPDATE SET weekday = $2, time_of_day = $3, \
             time_zone = $4, updated_by = $5, updated_at = $6",
        )
        .bind(space.get())
        .bind(slot.weekday.to_monday_zero_offset() as i64)
        .bind(slot.time_str())
        .bind(&slot.tz)
        .bind(user.get())
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(slot_view(slot, now))
    }

    async fn start_ritual(&self, user: Id, space: Id, week_key: &str, now: Timestamp) -> Result<(Ritual, bool)> {
        self.require_member(user, space).await?;
        // Both partners may press "start" at the same moment: the unique
        // (space, week) key lets exactly one insert win; both get that one.
        let mut tx = self.pool.begin().await?;
        let started = sqlx::query(
            "INSERT INTO rituals (id, space_id, week_key, started_by, started_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (space_id, week_key) DO NOTHING",
        )
        .bind(new_id().get())
        .bind(space.get())
        .bind(week_key)
        .bind(user.get())
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        let created = started.rows_affected() == 1;
        if created {
            crate::weeks::bump(&mut tx, space, ts(ms(now)), Moment::RitualStarted, 1).await?;
        }
        tx.commit().await?;
        let ritual = self.ritual_for_week(user, space, week_key).await?.ok_or(StoreError::NotFound)?;
        Ok((ritual, created))
    }

    async fn ritual(&self, user: Id, space: Id, ritual: Id) -> Result<Ritual> {
        let mut r = self.ritual_head(user, space, ritual).await?;
        let rows = sqlx::query(
            "SELECT a.user_id, u.display_name, a.step, a.body, a.proposal, a.rating FROM ritual_answers a \
             LEFT JOIN users u ON u.id = a.user_id WHERE a.ritual_id = $1 ORDER BY a.updated_at",
        )
        .bind(ritual.get())
        .fetch_all(&self.pool)
        .await?;
        r.answers = rows
            .iter()
            .filter_map(|row| {
                let step: String = row.get("step");
                let who = id(row, "user_id");
                Some(RitualAnswer {
                    user_id: who,
                    user_name: row.get("display_name"),
                    step: step.parse().ok()?,
                    body: row.get("body"),
                    proposal: row.get("proposal"),
                    rating: row.get::<Option<i64>, _>("rating").map(|v| v.clamp(0, 10) as u8),
                    mine: who == user,
                })
            })
            .collect();
        if r.finished_at.is_none() {
            let members = self.members_of(space).await?;
            r.finish_blocker = can_finish(&members, &Self::step_states(&r.answers)).err().map(|e| e.to_string());
        }
        Ok(r)
    }

    async fn ritual_for_week(&self, user: Id, space: Id, week_key: &str) -> Result<Option<Ritual>> {
        self.require_member(user, space).await?;
        let row = sqlx::query("SELECT id FROM rituals WHERE space_id = $1 AND week_key = $2")
            .bind(space.get())
            .bind(week_key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.ritual(user, space, id(&r, "id")).await?)),
            None => Ok(None),
        }
    }

    async fn rituals(&self, user: Id, space: Id, limit: i64) -> Result<Vec<Ritual>> {
        self.require_member(user, space).await?;
        let rows = sqlx::query(
            "SELECT id, space_id, week_key, started_at, finished_at FROM rituals WHERE space_id = $1 \
             ORDER BY started_at DESC LIMIT $2",
        )
        .bind(space.get())
        .bind(limit.clamp(1, 520))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Ritual {
                id: id(r, "id"),
                space_id: id(r, "space_id"),
                week_key: r.get("week_key"),
                started_at: ts(r.get("started_at")),
                finished_at: r.get::<Option<i64>, _>("finished_at").map(ts),
                answers: Vec::new(),
                finish_blocker: None,
            })
            .collect())
    }

    async fn save_ritual_answer(&self, user: Id, space: Id, ritual: Id, input: RitualInput<'_>) -> Result<Ritual> {
        let current = self.ritual(user, space, ritual).await?;
        if current.finished_at.is_some() {
            return Err(ritual_error(troth_domain::ritual::RitualError::Finished));
        }
        let members = self.members_of(space).await?;
        // Rewriting one's own answer is fine; the rules are about adding.
        let others: Vec<RitualAnswer> =
            current.answers.iter().filter(|a| !(a.mine && a.step == input.step)).cloned().collect();
        let state = Self::step_states(&others).into_iter().find(|s| s.step == input.step).expect("every step");
        can_add(&members, &state, user).map_err(ritual_error)?;
        // Insert, or else rewrite: knowing which keeps the week's count of
        // concerns raised exact (a rewritten concern is still one concern).
        let mut tx = self.pool.begin().await?;
        let now = ms(Timestamp::now());
        let inserted = sqlx::query(
            "INSERT INTO ritual_answers (ritual_id, user_id, step, body, proposal, rating, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ritual_id, user_id, step) DO NOTHING",
        )
        .bind(ritual.get())
        .bind(user.get())
        .bind(input.step.as_str())
        .bind(input.body)
        .bind(input.proposal)
        .bind(input.rating.map(|r| r.get() as i64))
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            sqlx::query(
                "UPDATE ritual_answers SET body = $4, proposal = $5, rating = $6, updated_at = $7 \
                 WHERE ritual_id = $1 AND user_id = $2 AND step = $3",
            )
            .bind(ritual.get())
            .bind(user.get())
            .bind(input.step.as_str())
            .bind(input.body)
            .bind(input.proposal)
            .bind(input.rating.map(|r| r.get() as i64))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        } else if input.step == AgendaStep::Concerns {
            crate::weeks::bump(&mut tx, space, current.started_at, Moment::Concern, 1).await?;
        }
        tx.commit().await?;
        self.ritual(user, space, ritual).await
    }

    async fn finish_ritual(&self, user: Id, space: Id, ritual: Id, now: Timestamp) -> Result<Ritual> {
        let current = self.ritual(user, space, ritual).await?;
        if current.finished_at.is_some() {
            return Ok(current);
        }
        if let Some(why) = current.finish_blocker {
            return Err(StoreError::Conflict { code: "not_ready", message: why });
        }
        let mut tx = self.pool.begin().await?;
        let finished = sqlx::query("UPDATE rituals SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL")
            .bind(ms(now))
            .bind(ritual.get())
            .execute(&mut *tx)
            .await?;
        if finished.rows_affected() == 1 {
            crate::weeks::bump(&mut tx, space, current.started_at, Moment::RitualFinished, 1).await?;
        }
        tx.commit().await?;
        self.ritual(user, space, ritual).await
    }

    async fn all_ritual_slots(&self) -> Result<Vec<(Id, WeeklySlot, Vec<Id>)>> {
        // One query for every slot and its members (the reminders tick runs
        // this each minute): rows come grouped by space, members in join order.
        let rows = sqlx::query(
            "SELECT s.space_id, s.weekday, s.time_of_day, s.time_zone, m.user_id FROM ritual_slots s \
             JOIN memberships m ON m.space_id = s.space_id ORDER BY s.space_id, m.joined_at LIMIT 200000",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(Id, WeeklySlot, Vec<Id>)> = Vec::new();
        for r in &rows {
            let space = id(r, "space_id");
            let member = id(r, "user_id");
            match out.last_mut() {
                Some((last, _, members)) if *last == space => members.push(member),
                _ => {
                    let day = weekday_str_from_index(r.get("weekday"));
                    let (time, tz) = (r.get::<String, _>("time_of_day"), r.get::<String, _>("time_zone"));
                    if let Ok(slot) = WeeklySlot::parse(day, &time, &tz) {
                        out.push((space, slot, vec![member]));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A stored slot as shown, or `None` if the stored parts no longer parse.
pub(crate) fn slot_from_parts(weekday: i64, time: &str, tz: &str, now: Timestamp) -> Option<RitualSlot> {
    WeeklySlot::parse(weekday_str_from_index(weekday), time, tz).ok().map(|slot| slot_view(&slot, now))
}

fn weekday_str_from_index(i: i64) -> &'static str {
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][i.clamp(0, 6) as usize]
}
