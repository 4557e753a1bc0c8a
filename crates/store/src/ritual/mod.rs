//! The weekly ritual of connection: a slot either partner can move, one
//! ritual per pair per week (both starting at once still get one), and the
//! agenda's answers saved as they go. Rituals are shared records; what a
//! member typed but has not saved yet (a draft) and the steps they skipped
//! are theirs alone, and in the steps both answer the partner's answer
//! shows only once you have answered or skipped (see
//! [`partner_answer_visible`]).

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use troth_domain::ritual::{
    can_add, can_finish, partner_answer_visible, weekday_str, AgendaStep, HeardRating, RitualError, StepState,
    WeeklySlot,
};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{ms, ts, SqlStore};
use crate::insights::weeks::Moment;
use crate::secret::new_id;
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
    /// Typed on the partner's device, the two answering on one screen.
    pub typed_on_partners_device: bool,
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
    /// The answers the caller may read: their own, and the partner's
    /// except in a step both answer that the caller has neither answered
    /// nor skipped (until the ritual is finished).
    pub answers: Vec<RitualAnswer>,
    /// Steps where the partner has answered but the caller has not yet:
    /// their answer shows once the caller answers or skips the step.
    pub partner_answer_waits: Vec<AgendaStep>,
    /// The caller's own unsaved text, one per step (never the partner's).
    pub drafts: Vec<RitualDraft>,
    /// The steps the caller chose to skip (never the partner's).
    pub skipped: Vec<AgendaStep>,
    /// Why it cannot be finished yet (None: it can, or it is finished).
    pub finish_blocker: Option<String>,
}

/// What the caller typed in a step and has not saved as an answer yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RitualDraft {
    pub step: AgendaStep,
    pub body: String,
    pub proposal: Option<String>,
    /// As typed: a draft is not checked, so it may be out of 0 to 10.
    pub rating: Option<i64>,
}

/// What a member typed in a step, to keep as their draft.
pub struct DraftInput<'a> {
    pub step: AgendaStep,
    pub body: &'a str,
    pub proposal: Option<&'a str>,
    pub rating: Option<i64>,
    /// Typed in the partner's turn on the caller's device (together on
    /// one screen): kept as the partner's draft, shown only here.
    pub for_partner: bool,
}

/// Whose answer a device writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Author {
    /// The signed-in member's own.
    Me,
    /// The partner's, typed on the member's device (together on one screen).
    PartnerHere,
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
    /// Keeps what the member typed in a step, unvalidated but bounded by the
    /// caller; private to them until they save the step's answer.
    async fn save_ritual_draft(&self, user: Id, space: Id, ritual: Id, input: DraftInput<'_>) -> Result<()>;
    /// Saves the partner's answer typed on the caller's device, both
    /// answering together on one screen. Only a step the partner has not
    /// answered yet: their own words are never overwritten from here.
    async fn save_partner_answer_here(&self, user: Id, space: Id, ritual: Id, input: RitualInput<'_>)
        -> Result<Ritual>;
    /// Marks a step skipped by the member, or by the partner at the
    /// caller's screen (`for_partner`); a draft, if any, stays.
    async fn skip_ritual_step(
        &self,
        user: Id,
        space: Id,
        ritual: Id,
        step: AgendaStep,
        for_partner: bool,
    ) -> Result<Ritual>;
    /// The drafts of the partner's turns typed on the caller's device (one
    /// screen, together); never what the partner typed on their own.
    async fn partner_drafts_typed_here(&self, user: Id, space: Id, ritual: Id) -> Result<Vec<RitualDraft>>;
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

/// A `rituals` row, without its answers.
#[derive(sqlx::FromRow)]
struct RitualRow {
    id: i64,
    space_id: i64,
    week_key: String,
    started_at: i64,
    finished_at: Option<i64>,
}

impl From<RitualRow> for Ritual {
    fn from(r: RitualRow) -> Ritual {
        Ritual {
            id: Id::from_db(r.id),
            space_id: Id::from_db(r.space_id),
            week_key: r.week_key,
            started_at: ts(r.started_at),
            finished_at: r.finished_at.map(ts),
            answers: Vec::new(),
            partner_answer_waits: Vec::new(),
            drafts: Vec::new(),
            skipped: Vec::new(),
            finish_blocker: None,
        }
    }
}

/// One member's `ritual_drafts` row: unsaved text and the skip mark.
#[derive(sqlx::FromRow)]
struct DraftRow {
    step: String,
    entered_by: i64,
    body: String,
    proposal: Option<String>,
    rating: Option<i64>,
    skipped: i64,
}

impl DraftRow {
    fn draft(self) -> Option<RitualDraft> {
        let step = self.step.parse::<AgendaStep>().ok()?;
        let has_text = !self.body.is_empty() || self.proposal.as_deref().is_some_and(|p| !p.is_empty());
        (has_text || self.rating.is_some()).then_some(RitualDraft {
            step,
            body: self.body,
            proposal: self.proposal,
            rating: self.rating,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    user_id: i64,
    display_name: Option<String>,
    step: String,
    body: String,
    proposal: Option<String>,
    rating: Option<i64>,
    entered_by: Option<i64>,
}

/// A stored weekly slot.
#[derive(sqlx::FromRow)]
struct SlotRow {
    weekday: i64,
    time_of_day: String,
    time_zone: String,
}

impl SlotRow {
    fn slot(&self) -> Option<WeeklySlot> {
        WeeklySlot::parse(weekday_str_from_index(self.weekday), &self.time_of_day, &self.time_zone).ok()
    }
}

/// A slot with one member of its space (one row per member).
#[derive(sqlx::FromRow)]
struct SlotMemberRow {
    space_id: i64,
    user_id: i64,
    #[sqlx(flatten)]
    slot: SlotRow,
}

impl SqlStore {
    async fn members_of(&self, space: Id) -> Result<Vec<Id>> {
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT user_id FROM memberships WHERE space_id = $1 ORDER BY joined_at")
                .bind(space.get())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Id::from_db).collect())
    }

    async fn ritual_head(&self, user: Id, space: Id, ritual: Id) -> Result<Ritual> {
        let row = sqlx::query_as::<_, RitualRow>(
            "SELECT r.id, r.space_id, r.week_key, r.started_at, r.finished_at FROM rituals r WHERE r.id = $1 AND r.space_id = $2 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)",
        )
        .bind(ritual.get())
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(row.into())
    }

    /// The other member of the space, for answers typed at one screen.
    async fn partner_in(&self, user: Id, space: Id) -> Result<Id> {
        let members = self.members_of(space).await?;
        members.into_iter().find(|m| *m != user).ok_or(StoreError::Conflict {
            code: "no_partner",
            message: "Your partner has not joined yet: you can answer on your own for now.".to_string(),
        })
    }

    /// `author`'s draft rows in a ritual, all or those typed by `typed_by`.
    async fn draft_rows(&self, ritual: Id, author: Id, typed_by: Option<Id>) -> Result<Vec<DraftRow>> {
        let rows = sqlx::query_as::<_, DraftRow>(
            "SELECT step, entered_by, body, proposal, rating, skipped FROM ritual_drafts \
             WHERE ritual_id = $1 AND user_id = $2 AND ($3 = 0 OR entered_by = $3) ORDER BY updated_at",
        )
        .bind(ritual.get())
        .bind(author.get())
        .bind(typed_by.map_or(0, |t| t.get()))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Saves one answer: the member's own, or the partner's typed here.
    async fn write_answer(
        &self,
        user: Id,
        space: Id,
        ritual: Id,
        who: Author,
        input: RitualInput<'_>,
    ) -> Result<Ritual> {
        let current = self.ritual(user, space, ritual).await?;
        if current.finished_at.is_some() {
            return Err(ritual_error(RitualError::Finished));
        }
        let members = self.members_of(space).await?;
        let (author, entered_by) = match who {
            Author::Me => (user, None),
            Author::PartnerHere => {
                let partner = self.partner_in(user, space).await?;
                // Their answer may be hidden from this view: ask the table.
                let theirs: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM ritual_answers WHERE ritual_id = $1 AND user_id = $2 AND step = $3",
                )
                .bind(ritual.get())
                .bind(partner.get())
                .bind(input.step.as_str())
                .fetch_optional(&self.pool)
                .await?;
                if theirs.is_some() {
                    return Err(StoreError::Conflict {
                        code: "partner_answered",
                        message: "Your partner has already answered this step on their own device.".to_string(),
                    });
                }
                (partner, Some(user))
            }
        };
        // Rewriting one's own answer is fine; the rules are about adding.
        // (A partner's hidden concern does not matter here: the rules only
        // look at what the author has written.)
        let others: Vec<RitualAnswer> =
            current.answers.iter().filter(|a| !(a.user_id == author && a.step == input.step)).cloned().collect();
        let state = Self::step_states(&others).into_iter().find(|s| s.step == input.step).expect("every step");
        can_add(&members, &state, author).map_err(ritual_error)?;
        // Insert, or else rewrite: knowing which keeps the week's count of
        // concerns raised exact (a rewritten concern is still one concern).
        let mut tx = self.pool.begin().await?;
        let now = ms(Timestamp::now());
        let inserted = sqlx::query(
            "INSERT INTO ritual_answers (ritual_id, user_id, step, body, proposal, rating, updated_at, entered_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ritual_id, user_id, step) DO NOTHING",
        )
        .bind(ritual.get())
        .bind(author.get())
        .bind(input.step.as_str())
        .bind(input.body)
        .bind(input.proposal)
        .bind(input.rating.map(|r| r.get() as i64))
        .bind(now)
        .bind(entered_by.map(|e| e.get()))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            sqlx::query(
                "UPDATE ritual_answers SET body = $4, proposal = $5, rating = $6, updated_at = $7, entered_by = $8 \
                 WHERE ritual_id = $1 AND user_id = $2 AND step = $3",
            )
            .bind(ritual.get())
            .bind(author.get())
            .bind(input.step.as_str())
            .bind(input.body)
            .bind(input.proposal)
            .bind(input.rating.map(|r| r.get() as i64))
            .bind(now)
            .bind(entered_by.map(|e| e.get()))
            .execute(&mut *tx)
            .await?;
        } else if input.step == AgendaStep::Concerns {
            crate::insights::weeks::bump(&mut tx, space, current.started_at, Moment::Concern, 1).await?;
        }
        // Saved: the step's drafts have become the answer (wherever typed);
        // a skip mark stays, harmless.
        sqlx::query("UPDATE ritual_drafts SET body = '', proposal = NULL, rating = NULL WHERE ritual_id = $1 AND user_id = $2 AND step = $3")
            .bind(ritual.get())
            .bind(author.get())
            .bind(input.step.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.ritual(user, space, ritual).await
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

impl SqlStore {
    /// The space's rituals, newest first, at most `limit` (callers bound
    /// it; the export asks for all).
    pub(crate) async fn list_rituals(&self, user: Id, space: Id, limit: i64) -> Result<Vec<Ritual>> {
        self.require_member(user, space).await?;

        let rows = sqlx::query_as::<_, RitualRow>(
            "SELECT id, space_id, week_key, started_at, finished_at FROM rituals WHERE space_id = $1 \
             ORDER BY started_at DESC LIMIT $2",
        )
        .bind(space.get())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Ritual::from).collect())
    }
}

#[async_trait]
impl RitualStore for SqlStore {
    async fn ritual_slot(&self, user: Id, space: Id, now: Timestamp) -> Result<Option<RitualSlot>> {
        // Membership is proven by the EXISTS clause; only an empty answer
        // needs a second look to tell "no slot yet" from "not your space".
        let row = sqlx::query_as::<_, SlotRow>(
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
        Ok(row.and_then(|r| r.slot()).map(|slot| slot_view(&slot, now)))
    }

    async fn set_ritual_slot(&self, user: Id, space: Id, slot: &WeeklySlot, now: Timestamp) -> Result<RitualSlot> {
        let outcome: Result<RitualSlot> = async {
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
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn start_ritual(&self, user: Id, space: Id, week_key: &str, now: Timestamp) -> Result<(Ritual, bool)> {
        let outcome: Result<(Ritual, bool)> = async {
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
                crate::insights::weeks::bump(&mut tx, space, ts(ms(now)), Moment::RitualStarted, 1).await?;
            }
            tx.commit().await?;
            let ritual = self.ritual_for_week(user, space, week_key).await?.ok_or(StoreError::NotFound)?;
            Ok((ritual, created))
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn ritual(&self, user: Id, space: Id, ritual: Id) -> Result<Ritual> {
        let mut r = self.ritual_head(user, space, ritual).await?;
        let rows = sqlx::query_as::<_, AnswerRow>(
            "SELECT a.user_id, u.display_name, a.step, a.body, a.proposal, a.rating, a.entered_by FROM ritual_answers a \
             LEFT JOIN users u ON u.id = a.user_id WHERE a.ritual_id = $1 ORDER BY a.updated_at",
        )
        .bind(ritual.get())
        .fetch_all(&self.pool)
        .await?;
        let all: Vec<RitualAnswer> = rows
            .into_iter()
            .filter_map(|row| {
                let who = Id::from_db(row.user_id);
                Some(RitualAnswer {
                    user_id: who,
                    user_name: row.display_name,
                    step: row.step.parse().ok()?,
                    body: row.body,
                    proposal: row.proposal,
                    rating: row.rating.map(|v| v.clamp(0, 10) as u8),
                    mine: who == user,
                    typed_on_partners_device: row.entered_by.is_some_and(|by| by != row.user_id),
                })
            })
            .collect();
        if r.finished_at.is_none() {
            // From every answer, hidden ones too: whether it can be finished
            // is the same question for both.
            let members = self.members_of(space).await?;
            r.finish_blocker = can_finish(&members, &Self::step_states(&all)).err().map(|e| e.to_string());
        }
        // A skip counts wherever it was chosen; a draft shows only on the
        // device of whoever typed it.
        for m in self.draft_rows(ritual, user, None).await? {
            let Ok(step) = m.step.parse::<AgendaStep>() else { continue };
            if m.skipped != 0 && !r.skipped.contains(&step) {
                r.skipped.push(step);
            }
            if m.entered_by == user.get() {
                r.drafts.extend(m.draft());
            }
        }
        let finished = r.finished_at.is_some();
        let answered: Vec<AgendaStep> = all.iter().filter(|a| a.mine).map(|a| a.step).collect();
        for a in all {
            let step = a.step;
            if a.mine || partner_answer_visible(step, finished, answered.contains(&step), r.skipped.contains(&step)) {
                r.answers.push(a);
            } else if !r.partner_answer_waits.contains(&step) {
                r.partner_answer_waits.push(step);
            }
        }
        Ok(r)
    }

    async fn ritual_for_week(&self, user: Id, space: Id, week_key: &str) -> Result<Option<Ritual>> {
        self.require_member(user, space).await?;
        let row: Option<i64> = sqlx::query_scalar("SELECT id FROM rituals WHERE space_id = $1 AND week_key = $2")
            .bind(space.get())
            .bind(week_key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.ritual(user, space, Id::from_db(r)).await?)),
            None => Ok(None),
        }
    }

    async fn rituals(&self, user: Id, space: Id, limit: i64) -> Result<Vec<Ritual>> {
        self.list_rituals(user, space, limit.clamp(1, 520)).await
    }
    async fn save_ritual_answer(&self, user: Id, space: Id, ritual: Id, input: RitualInput<'_>) -> Result<Ritual> {
        let outcome = self.write_answer(user, space, ritual, Author::Me, input).await;
        self.note_write(&outcome);
        outcome
    }

    async fn save_partner_answer_here(
        &self,
        user: Id,
        space: Id,
        ritual: Id,
        input: RitualInput<'_>,
    ) -> Result<Ritual> {
        let outcome = self.write_answer(user, space, ritual, Author::PartnerHere, input).await;
        self.note_write(&outcome);
        outcome
    }

    async fn save_ritual_draft(&self, user: Id, space: Id, ritual: Id, input: DraftInput<'_>) -> Result<()> {
        let outcome: Result<()> = async {
            let head = self.ritual_head(user, space, ritual).await?;
            if head.finished_at.is_some() {
                return Err(ritual_error(RitualError::Finished));
            }
            let author = if input.for_partner { self.partner_in(user, space).await? } else { user };
            sqlx::query(
                "INSERT INTO ritual_drafts (ritual_id, user_id, step, entered_by, body, proposal, rating, skipped, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) \
                 ON CONFLICT (ritual_id, user_id, step, entered_by) \
                 DO UPDATE SET body = $5, proposal = $6, rating = $7, updated_at = $8",
            )
            .bind(ritual.get())
            .bind(author.get())
            .bind(input.step.as_str())
            .bind(user.get())
            .bind(input.body)
            .bind(input.proposal)
            .bind(input.rating)
            .bind(ms(Timestamp::now()))
            .execute(&self.pool)
            .await?;
            Ok(())
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn skip_ritual_step(
        &self,
        user: Id,
        space: Id,
        ritual: Id,
        step: AgendaStep,
        for_partner: bool,
    ) -> Result<Ritual> {
        let outcome: Result<Ritual> = async {
            let head = self.ritual_head(user, space, ritual).await?;
            if head.finished_at.is_some() {
                return Err(ritual_error(RitualError::Finished));
            }
            let author = if for_partner { self.partner_in(user, space).await? } else { user };
            sqlx::query(
                "INSERT INTO ritual_drafts (ritual_id, user_id, step, entered_by, body, skipped, updated_at) \
                 VALUES ($1, $2, $3, $4, '', 1, $5) ON CONFLICT (ritual_id, user_id, step, entered_by) \
                 DO UPDATE SET skipped = 1, updated_at = $5",
            )
            .bind(ritual.get())
            .bind(author.get())
            .bind(step.as_str())
            .bind(user.get())
            .bind(ms(Timestamp::now()))
            .execute(&self.pool)
            .await?;
            self.ritual(user, space, ritual).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn partner_drafts_typed_here(&self, user: Id, space: Id, ritual: Id) -> Result<Vec<RitualDraft>> {
        self.ritual_head(user, space, ritual).await?;
        let partner = self.partner_in(user, space).await?;
        let rows = self.draft_rows(ritual, partner, Some(user)).await?;
        Ok(rows.into_iter().filter_map(|m| m.draft()).collect())
    }

    async fn finish_ritual(&self, user: Id, space: Id, ritual: Id, now: Timestamp) -> Result<Ritual> {
        let outcome: Result<Ritual> = async {
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
                crate::insights::weeks::bump(&mut tx, space, current.started_at, Moment::RitualFinished, 1).await?;
            }
            tx.commit().await?;
            self.ritual(user, space, ritual).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn all_ritual_slots(&self) -> Result<Vec<(Id, WeeklySlot, Vec<Id>)>> {
        // One query for every slot and its members (the reminders tick runs
        // this each minute): rows come grouped by space, members in join order.
        let rows = sqlx::query_as::<_, SlotMemberRow>(
            "SELECT s.space_id, s.weekday, s.time_of_day, s.time_zone, m.user_id FROM ritual_slots s \
             JOIN memberships m ON m.space_id = s.space_id ORDER BY s.space_id, m.joined_at LIMIT 200000",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(Id, WeeklySlot, Vec<Id>)> = Vec::new();
        for r in &rows {
            let space = Id::from_db(r.space_id);
            let member = Id::from_db(r.user_id);
            match out.last_mut() {
                Some((last, _, members)) if *last == space => members.push(member),
                _ => {
                    if let Some(slot) = r.slot.slot() {
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

/// Leaving a space: the leaver's unsaved drafts and skip marks in its
/// rituals go (the partner never saw them); their saved answers stay.
pub(crate) async fn on_leave(conn: &mut sqlx::AnyConnection, user: Id, space: Id) -> Result<()> {
    sqlx::query(
        "DELETE FROM ritual_drafts WHERE (user_id = $1 OR entered_by = $1) \
         AND ritual_id IN (SELECT id FROM rituals WHERE space_id = $2)",
    )
    .bind(user.get())
    .bind(space.get())
    .execute(conn)
    .await?;
    Ok(())
}
