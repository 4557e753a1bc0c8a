//! Guided sessions as stored: the row structs, the read rule, and loading
//! one session with its answers and reflections for a viewer.

use troth_domain::program::SessionMode;
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};

use super::{level_of, ProgramSession, SessionAnswer, SessionReflection};
use crate::db::{opt_ts, ts, SqlStore};
use crate::{Result, StoreError};

/// The SQL form of the read rule for sessions (see [`SessionRow::facts`]).
pub(super) const VISIBLE: &str = "(s.mode = 'together' OR s.user_id = $2 OR s.shared = 1)";

pub(super) const SESSION_COLS: &str =
    "s.id, s.space_id, s.user_id, s.exercise_id, s.exercise_level, s.mode, s.shared, s.started_at, s.finished_at";

/// A `program_sessions` row as read by [`SESSION_COLS`].
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    id: i64,
    space_id: i64,
    user_id: Option<i64>,
    exercise_id: String,
    exercise_level: i64,
    mode: String,
    shared: i64,
    started_at: i64,
    finished_at: Option<i64>,
}

impl SessionRow {
    pub(super) fn mode(&self) -> SessionMode {
        SessionMode::from_stored(&self.mode)
    }

    pub(super) fn author(&self) -> Option<Id> {
        self.user_id.map(Id::from_db)
    }

    pub(super) fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    /// An alone-mode session is private to its author until shared; a
    /// together session is shared from the start.
    fn facts(&self) -> EntryFacts {
        let shared = self.shared != 0;
        let together = self.mode() == SessionMode::Together;
        EntryFacts {
            space_id: Id::from_db(self.space_id),
            author: self.author(),
            visibility: if together || shared { Visibility::Shared } else { Visibility::Private },
            parts_by: Vec::new(),
        }
    }

    /// The session as `viewer` sees it, without answers or reflections.
    pub(super) fn view(self, viewer: Id) -> ProgramSession {
        let mode = self.mode();
        let mine = self.author() == Some(viewer);
        ProgramSession {
            id: Id::from_db(self.id),
            space_id: Id::from_db(self.space_id),
            exercise_id: self.exercise_id,
            exercise_level: level_of(self.exercise_level),
            mode,
            mine,
            shared: self.shared != 0,
            started_at: ts(self.started_at),
            finished_at: opt_ts(self.finished_at),
            answers: Vec::new(),
            reflections: Vec::new(),
        }
    }
}

/// A session row with whether the viewer is a member of its space.
#[derive(sqlx::FromRow)]
struct GuardedSessionRow {
    #[sqlx(flatten)]
    session: SessionRow,
    member: i64,
}

/// A `program_answers` row.
#[derive(sqlx::FromRow)]
struct AnswerRow {
    user_id: i64,
    step: i64,
    prompt: i64,
    body: String,
}

impl AnswerRow {
    fn view(self, viewer: Id) -> SessionAnswer {
        SessionAnswer {
            mine: Id::from_db(self.user_id) == viewer,
            step: self.step as u32,
            prompt: self.prompt as u32,
            body: self.body,
        }
    }
}

/// A `program_reflections` row.
#[derive(sqlx::FromRow)]
struct ReflectionRow {
    user_id: i64,
    learned: String,
    felt: String,
    rating: i64,
}

impl ReflectionRow {
    fn view(self, viewer: Id) -> SessionReflection {
        SessionReflection {
            mine: Id::from_db(self.user_id) == viewer,
            learned: self.learned,
            felt: self.felt,
            rating: self.rating.clamp(0, 10) as u8,
        }
    }
}

impl SqlStore {
    /// The session row if the viewer may read it; `NotFound` otherwise, the
    /// same answer as for a session that does not exist.
    pub(super) async fn readable_session(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: Id,
        space: Id,
        session: Id,
    ) -> Result<SessionRow> {
        let row = sqlx::query_as::<_, GuardedSessionRow>(&format!(
            "SELECT {SESSION_COLS}, CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = s.space_id \
             AND m.user_id = $2) THEN 1 ELSE 0 END AS member FROM program_sessions s WHERE s.id = $1 AND s.space_id = $3"
        ))
        .bind(session.get())
        .bind(user.get())
        .bind(space.get())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        authorize(Some(user), row.member != 0, &row.session.facts(), Action::Read)?;
        Ok(row.session)
    }

    pub(super) async fn load_session(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: Id,
        space: Id,
        session: Id,
    ) -> Result<ProgramSession> {
        let mut view = self.readable_session(conn, user, space, session).await?.view(user);
        let answers = sqlx::query_as::<_, AnswerRow>(
            "SELECT user_id, step, prompt, body FROM program_answers WHERE session_id = $1 ORDER BY step, prompt, user_id",
        )
        .bind(session.get())
        .fetch_all(&mut *conn)
        .await?;
        view.answers = answers.into_iter().map(|a| a.view(user)).collect();
        let reflections = sqlx::query_as::<_, ReflectionRow>(
            "SELECT user_id, learned, felt, rating FROM program_reflections WHERE session_id = $1 ORDER BY created_at",
        )
        .bind(session.get())
        .fetch_all(&mut *conn)
        .await?;
        view.reflections = reflections.into_iter().map(|r| r.view(user)).collect();
        Ok(view)
    }

    /// The viewer may write in this session: a member, it is theirs or
    /// done together, and it is not finished (unless `after_finish`).
    pub(super) async fn writable_session(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: Id,
        space: Id,
        session: Id,
        after_finish: bool,
    ) -> Result<SessionRow> {
        let row = self.readable_session(conn, user, space, session).await?;
        if row.mode() != SessionMode::Together && row.author() != Some(user) {
            return Err(StoreError::Refused {
                code: "not_yours",
                message: "only the one who did this exercise alone can write in it".into(),
            });
        }
        if !after_finish && row.is_finished() {
            return Err(StoreError::conflict("finished", "this session is finished; its answers are kept as they are"));
        }
        Ok(row)
    }
}
