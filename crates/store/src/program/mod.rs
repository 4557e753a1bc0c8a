//! The trust-building program: the pair's track and open level, each
//! member's pace, guided sessions (answers saved per step, a closing
//! reflection each), and the log of "for tonight" prompts.
//!
//! Privacy: an alone-mode session belongs to the member who started it;
//! until they share it, the partner cannot read it, list it, or count it.
//! Every read passes [`troth_domain::authorize`] like an entry, and the
//! list and count queries filter in SQL with the same rule.
//!
//! Rows are read through `FromRow` structs: sessions, their answers and
//! reflections in `sessions`, the pair's track, level, paces and the
//! overview in `state`.

mod sessions;
mod state;

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use troth_domain::program::{Level, Pace, PairTrack, Practice, ProgramState, Reflection, SessionMode};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{ms, SqlStore};
use crate::pulse::Ratings;
use crate::secret::new_id;
use crate::{Result, StoreError};
use sessions::{SessionRow, SESSION_COLS, VISIBLE};
use state::{advance_levels, practice_log};

/// What the program pages and the home cards need, in one statement. The
/// partner's pace and the member's pulse are inputs for the server's
/// choices only: nothing here is serialized.
#[derive(Debug, Clone)]
pub struct ProgramOverview {
    pub track: PairTrack,
    pub state: ProgramState,
    pub my_pace: Pace,
    /// The slower of the two paces (the partner's own is never exposed).
    pub pair_pace: Pace,
    /// The member's own newest pulse, if any.
    pub my_ratings: Option<Ratings>,
    /// Finished sessions the member can see, by exercise id.
    pub done: HashMap<String, u32>,
    /// The pair's "for tonight" log: (day number, prompt id).
    pub tonight_log: Vec<(i64, String)>,
}

/// How much of the pair's "for tonight" log an overview reads: the whole
/// of it (to pick a new prompt that has not been had), or only from a day
/// on (to learn whether today's is already chosen; the home page's case,
/// which must not grow with the years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TonightLog {
    Whole,
    Today(i64),
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionAnswer {
    pub mine: bool,
    /// Index of the step, from 0.
    pub step: u32,
    /// Index of the question within the step, from 0.
    pub prompt: u32,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionReflection {
    pub mine: bool,
    pub learned: String,
    pub felt: String,
    /// 0 to 10.
    pub rating: u8,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgramSession {
    pub id: Id,
    pub space_id: Id,
    pub exercise_id: String,
    #[schema(value_type = u8)]
    pub exercise_level: Level,
    pub mode: SessionMode,
    /// Started by the viewer.
    pub mine: bool,
    /// An alone-mode session its author chose to show the partner.
    pub shared: bool,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    pub answers: Vec<SessionAnswer>,
    pub reflections: Vec<SessionReflection>,
}

/// A session to start: the exercise's id and level come from the library.
pub struct NewSession<'a> {
    pub exercise_id: &'a str,
    pub level: Level,
    pub mode: SessionMode,
}

#[async_trait]
pub trait ProgramStore: Send + Sync {
    /// Where the pair stands, read in one statement; `log` says how much
    /// of the "for tonight" log to read.
    async fn program_overview(&self, user: Id, space: Id, log: TonightLog) -> Result<ProgramOverview>;
    /// Every day the pair practised (started or finished a session), for
    /// how far the next level is.
    async fn program_practice(&self, user: Id, space: Id) -> Result<Vec<Practice>>;
    async fn set_program_track(&self, user: Id, space: Id, track: PairTrack, now: Timestamp) -> Result<()>;
    async fn set_program_pace(&self, user: Id, space: Id, pace: Pace, now: Timestamp) -> Result<()>;
    /// Records `prompt` as tonight's for `day` unless one is already there
    /// (both asking at once get one); returns the day's prompt id.
    async fn record_tonight(&self, user: Id, space: Id, day: i64, prompt: &str) -> Result<String>;
    async fn start_session(&self, user: Id, space: Id, new: NewSession<'_>, now: Timestamp) -> Result<ProgramSession>;
    async fn program_session(&self, user: Id, space: Id, session: Id) -> Result<ProgramSession>;
    /// The sessions the viewer may read, newest first, without answers.
    async fn program_sessions(&self, user: Id, space: Id, limit: i64) -> Result<Vec<ProgramSession>>;
    /// Replaces the viewer's answers to one step, all at once.
    async fn save_step_answers(
        &self,
        user: Id,
        space: Id,
        session: Id,
        step: u32,
        answers: &[(u32, String)],
        now: Timestamp,
    ) -> Result<ProgramSession>;
    /// Finishes the session (if not yet) with the viewer's reflection, and
    /// opens the next level when the pair's practice is enough.
    async fn finish_session(
        &self,
        user: Id,
        space: Id,
        session: Id,
        reflection: &Reflection,
        now: Timestamp,
    ) -> Result<ProgramSession>;
    /// Shows one's own alone-mode session to the partner.
    async fn share_session(&self, user: Id, space: Id, session: Id) -> Result<ProgramSession>;
    /// Shows several of one's own alone-mode sessions at once (a member
    /// choosing what to show a partner who has joined or come back); all
    /// or none.
    async fn share_sessions(&self, user: Id, space: Id, sessions: &[Id]) -> Result<Vec<ProgramSession>>;
}

fn pace_of(word: Option<String>) -> Pace {
    word.and_then(|w| w.parse().ok()).unwrap_or_default()
}

fn level_of(raw: i64) -> Level {
    Level::new(raw).unwrap_or_default()
}

/// The civil day of a time, in UTC: the same for both members wherever
/// they are, so the pair's practice days do not depend on who asks.
pub fn utc_day(at: Timestamp) -> Date {
    at.to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[async_trait]
impl ProgramStore for SqlStore {
    async fn program_overview(&self, user: Id, space: Id, log: TonightLog) -> Result<ProgramOverview> {
        self.load_overview(user, space, log).await
    }

    async fn program_practice(&self, user: Id, space: Id) -> Result<Vec<Practice>> {
        self.require_member(user, space).await?;
        let mut conn = self.pool.acquire().await?;
        practice_log(&mut conn, space).await
    }

    async fn set_program_track(&self, user: Id, space: Id, track: PairTrack, now: Timestamp) -> Result<()> {
        self.require_member(user, space).await?;
        sqlx::query(
            "INSERT INTO program_pairs (space_id, track, open_level, opened_on, updated_at) VALUES ($1, $2, 1, NULL, $3) \
             ON CONFLICT (space_id) DO UPDATE SET track = $2, updated_at = $3",
        )
        .bind(space.get())
        .bind(track.as_str())
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_program_pace(&self, user: Id, space: Id, pace: Pace, now: Timestamp) -> Result<()> {
        self.require_member(user, space).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO program_paces (space_id, user_id, pace) VALUES ($1, $2, $3) \
             ON CONFLICT (space_id, user_id) DO UPDATE SET pace = $3",
        )
        .bind(space.get())
        .bind(user.get())
        .bind(pace.as_str())
        .execute(&mut *tx)
        .await?;
        // Speeding up may open a level the practice has already earned.
        advance_levels(&mut tx, space, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_tonight(&self, user: Id, space: Id, day: i64, prompt: &str) -> Result<String> {
        self.require_member(user, space).await?;
        sqlx::query(
            "INSERT INTO program_prompt_log (space_id, day, prompt_id) VALUES ($1, $2, $3) \
             ON CONFLICT (space_id, day) DO NOTHING",
        )
        .bind(space.get())
        .bind(day)
        .bind(prompt)
        .execute(&self.pool)
        .await?;
        let kept: String =
            sqlx::query_scalar("SELECT prompt_id FROM program_prompt_log WHERE space_id = $1 AND day = $2")
                .bind(space.get())
                .bind(day)
                .fetch_one(&self.pool)
                .await?;
        Ok(kept)
    }

    async fn start_session(&self, user: Id, space: Id, new: NewSession<'_>, now: Timestamp) -> Result<ProgramSession> {
        self.require_member(user, space).await?;
        let sid = new_id();
        let mut conn = self.pool.acquire().await?;
        sqlx::query(
            "INSERT INTO program_sessions (id, space_id, user_id, exercise_id, exercise_level, mode, shared, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
        )
        .bind(sid.get())
        .bind(space.get())
        .bind(user.get())
        .bind(new.exercise_id)
        .bind(i64::from(new.level.get()))
        .bind(new.mode.as_str())
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
        self.load_session(&mut conn, user, space, sid).await
    }

    async fn program_session(&self, user: Id, space: Id, session: Id) -> Result<ProgramSession> {
        let mut conn = self.pool.acquire().await?;
        self.load_session(&mut conn, user, space, session).await
    }

    async fn program_sessions(&self, user: Id, space: Id, limit: i64) -> Result<Vec<ProgramSession>> {
        self.require_member(user, space).await?;
        let rows = sqlx::query_as::<_, SessionRow>(&format!(
            "SELECT {SESSION_COLS} FROM program_sessions s WHERE s.space_id = $1 AND {VISIBLE} \
             ORDER BY s.started_at DESC, s.id DESC LIMIT $3"
        ))
        .bind(space.get())
        .bind(user.get())
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.view(user)).collect())
    }

    async fn save_step_answers(
        &self,
        user: Id,
        space: Id,
        session: Id,
        step: u32,
        answers: &[(u32, String)],
        now: Timestamp,
    ) -> Result<ProgramSession> {
        let mut tx = self.pool.begin().await?;
        self.writable_session(&mut tx, user, space, session, false).await?;
        sqlx::query("DELETE FROM program_answers WHERE session_id = $1 AND user_id = $2 AND step = $3")
            .bind(session.get())
            .bind(user.get())
            .bind(i64::from(step))
            .execute(&mut *tx)
            .await?;
        for (prompt, body) in answers {
            sqlx::query(
                "INSERT INTO program_answers (session_id, user_id, step, prompt, body, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(session.get())
            .bind(user.get())
            .bind(i64::from(step))
            .bind(i64::from(*prompt))
            .bind(body.as_str())
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        }
        let view = self.load_session(&mut tx, user, space, session).await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn finish_session(
        &self,
        user: Id,
        space: Id,
        session: Id,
        reflection: &Reflection,
        now: Timestamp,
    ) -> Result<ProgramSession> {
        let mut tx = self.pool.begin().await?;
        let row = self.writable_session(&mut tx, user, space, session, true).await?;
        let newly_finished = !row.is_finished();
        if newly_finished {
            sqlx::query("UPDATE program_sessions SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL")
                .bind(session.get())
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO program_reflections (session_id, user_id, learned, felt, rating, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (session_id, user_id) DO UPDATE SET learned = $3, felt = $4, rating = $5",
        )
        .bind(session.get())
        .bind(user.get())
        .bind(reflection.learned.as_str())
        .bind(reflection.felt.as_str())
        .bind(i64::from(reflection.rating))
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        if newly_finished {
            advance_levels(&mut tx, space, now).await?;
        }
        let view = self.load_session(&mut tx, user, space, session).await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn share_session(&self, user: Id, space: Id, session: Id) -> Result<ProgramSession> {
        let mut shared = self.share_sessions(user, space, &[session]).await?;
        shared.pop().ok_or(StoreError::NotFound)
    }

    async fn share_sessions(&self, user: Id, space: Id, sessions: &[Id]) -> Result<Vec<ProgramSession>> {
        // All or none: one that is not the member's own alone session
        // refuses the whole choice, so nothing is half shared.
        let mut tx = self.pool.begin().await?;
        let mut views = Vec::with_capacity(sessions.len());
        for &session in sessions {
            let row = self.readable_session(&mut tx, user, space, session).await?;
            if row.mode() != SessionMode::Alone || row.author() != Some(user) {
                return Err(StoreError::Refused {
                    code: "not_yours",
                    message: "only the one who did an exercise alone can share it".into(),
                });
            }
            sqlx::query("UPDATE program_sessions SET shared = 1 WHERE id = $1")
                .bind(session.get())
                .execute(&mut *tx)
                .await?;
            views.push(self.load_session(&mut tx, user, space, session).await?);
        }
        tx.commit().await?;
        Ok(views)
    }
}

/// Leaving: the member's private alone-mode sessions go (their answers and
/// reflections by cascade), and so does their pace. What was done together
/// or shared stays with the partner.
pub(crate) async fn on_leave(conn: &mut sqlx::AnyConnection, user: Id, space: Id) -> Result<()> {
    sqlx::query("DELETE FROM program_sessions WHERE space_id = $1 AND user_id = $2 AND mode = 'alone' AND shared = 0")
        .bind(space.get())
        .bind(user.get())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM program_paces WHERE space_id = $1 AND user_id = $2")
        .bind(space.get())
        .bind(user.get())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The export: every session the member may read in the space, with its
/// answers and reflections.
pub(crate) async fn export(db: &SqlStore, user: Id, space: Id) -> Result<Vec<ProgramSession>> {
    let mut out = Vec::new();
    for s in db.program_sessions(user, space, 1000).await? {
        out.push(db.program_session(user, space, s.id).await?);
    }
    Ok(out)
}
