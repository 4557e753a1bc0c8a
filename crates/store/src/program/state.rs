//! The pair's place in the program as stored: track, open level, paces,
//! the practice log that opens levels, and the overview the pages read.

use std::collections::HashMap;

use jiff::Timestamp;
use troth_domain::program::{pair_pace, Pace, PairTrack, Practice, ProgramState};
use troth_domain::Id;

use super::sessions::VISIBLE;
use super::{level_of, pace_of, utc_day, ProgramOverview, TonightLog};
use crate::db::{ms, ts, SqlStore};
use crate::pulse::Ratings;
use crate::{Result, StoreError};

/// A `program_pairs` row.
#[derive(sqlx::FromRow)]
struct PairRow {
    track: String,
    open_level: i64,
    opened_on: Option<String>,
}

/// One session's share of the practice log.
#[derive(sqlx::FromRow)]
struct PracticeRow {
    exercise_level: i64,
    started_at: i64,
    finished_at: Option<i64>,
}

/// One row of the overview's single statement, by `kind`:
/// - `pair`: exactly one, present only while the viewer is a member: the
///   track in `name`, the open level in `n` (both absent until the pair
///   first sets them), both paces (the partner's only while a member) and
///   the viewer's newest pulse (all six absent without one);
/// - `done`: a finished exercise the viewer can see (`name`), `n` times;
/// - `tonight`: a day's "for tonight" prompt (`name`) on day `n`.
///
/// One statement instead of three because the home page reads it on every
/// view, and on SQLite each statement is a round trip to a worker thread.
#[derive(sqlx::FromRow)]
struct OverviewPart {
    kind: String,
    name: Option<String>,
    n: Option<i64>,
    opened_on: Option<String>,
    my_pace: Option<String>,
    other_pace: Option<String>,
    emotional: Option<i64>,
    instrumental: Option<i64>,
    informational: Option<i64>,
    self_trust: Option<i64>,
    situational: Option<i64>,
    physical: Option<i64>,
}

impl OverviewPart {
    /// The viewer's newest pulse, in `TrustType::ALL` order, if they have
    /// one (the columns are all set or, without a pulse, all NULL).
    fn my_ratings(&self) -> Option<Ratings> {
        let six = [
            self.emotional?,
            self.instrumental?,
            self.informational?,
            self.self_trust?,
            self.situational?,
            self.physical?,
        ];
        Some(six.map(|c| c.clamp(0, 10) as u8))
    }
}

/// NULLs for the `pair` columns in the `done` and `tonight` rows, typed so
/// that PostgreSQL can unify the union's columns.
const NO_PAIR_COLUMNS: &str = "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
     CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
     CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)";

fn state_of(level: i64, opened_on: Option<String>) -> ProgramState {
    ProgramState { open_level: level_of(level), opened_on: opened_on.and_then(|d| d.parse().ok()) }
}

pub(super) async fn practice_log(conn: &mut sqlx::AnyConnection, space: Id) -> Result<Vec<Practice>> {
    let rows = sqlx::query_as::<_, PracticeRow>(
        "SELECT exercise_level, started_at, finished_at FROM program_sessions WHERE space_id = $1",
    )
    .bind(space.get())
    .fetch_all(&mut *conn)
    .await?;
    let mut log = Vec::with_capacity(rows.len() * 2);
    for r in &rows {
        log.push(Practice { on: utc_day(ts(r.started_at)), level: None, finished_exercise: false });
        if let Some(done) = r.finished_at {
            log.push(Practice {
                on: utc_day(ts(done)),
                level: Some(level_of(r.exercise_level)),
                finished_exercise: true,
            });
        }
    }
    Ok(log)
}

/// Opens the levels the pair's practice has earned, at the pair's pace.
pub(super) async fn advance_levels(conn: &mut sqlx::AnyConnection, space: Id, now: Timestamp) -> Result<()> {
    let row =
        sqlx::query_as::<_, PairRow>("SELECT track, open_level, opened_on FROM program_pairs WHERE space_id = $1")
            .bind(space.get())
            .fetch_optional(&mut *conn)
            .await?;
    let stored = row.is_some();
    let (track, state) = match row {
        Some(r) => (r.track, state_of(r.open_level, r.opened_on)),
        None => (PairTrack::default().as_str().to_owned(), ProgramState::default()),
    };
    let paces: Vec<String> = sqlx::query_scalar(
        "SELECT pp.pace FROM program_paces pp JOIN memberships m ON m.space_id = pp.space_id AND m.user_id = pp.user_id \
         WHERE pp.space_id = $1",
    )
    .bind(space.get())
    .fetch_all(&mut *conn)
    .await?;
    let pace = paces.into_iter().map(|p| pace_of(Some(p))).fold(Pace::Steady, pair_pace);
    let log = practice_log(conn, space).await?;
    let next = state.advance(&log, pace);
    if next != state || !stored {
        sqlx::query(
            "INSERT INTO program_pairs (space_id, track, open_level, opened_on, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (space_id) DO UPDATE SET open_level = $3, opened_on = $4, updated_at = $5",
        )
        .bind(space.get())
        .bind(track)
        .bind(i64::from(next.open_level.get()))
        .bind(next.opened_on.map(|d| d.to_string()))
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl SqlStore {
    /// What the program pages and the home cards need, in two queries.
    pub(super) async fn load_overview(&self, user: Id, space: Id, log: TonightLog) -> Result<ProgramOverview> {
        let from_day = match log {
            TonightLog::Whole => i64::MIN,
            TonightLog::Today(day) => day,
        };
        let rows = sqlx::query_as::<_, OverviewPart>(&format!(
            "SELECT 'pair' AS kind, p.track AS name, p.open_level AS n, p.opened_on, \
             (SELECT pace FROM program_paces WHERE space_id = s.id AND user_id = $2) AS my_pace, \
             (SELECT pp.pace FROM program_paces pp JOIN memberships m2 ON m2.space_id = pp.space_id \
               AND m2.user_id = pp.user_id WHERE pp.space_id = s.id AND pp.user_id <> $2) AS other_pace, \
             pu.emotional, pu.instrumental, pu.informational, pu.self_trust, pu.situational, pu.physical \
             FROM spaces s JOIN memberships m ON m.space_id = s.id AND m.user_id = $2 \
             LEFT JOIN program_pairs p ON p.space_id = s.id \
             LEFT JOIN pulses pu ON pu.id = (SELECT id FROM pulses WHERE space_id = s.id AND user_id = $2 \
               ORDER BY created_at DESC LIMIT 1) \
             WHERE s.id = $1 \
             UNION ALL SELECT 'done', s.exercise_id, COUNT(*), {NO_PAIR_COLUMNS} FROM program_sessions s \
             WHERE s.space_id = $1 AND s.finished_at IS NOT NULL AND {VISIBLE} GROUP BY s.exercise_id \
             UNION ALL SELECT 'tonight', l.prompt_id, l.day, {NO_PAIR_COLUMNS} FROM program_prompt_log l \
             WHERE l.space_id = $1 AND l.day >= $3"
        ))
        .bind(space.get())
        .bind(user.get())
        .bind(from_day)
        .fetch_all(&self.pool)
        .await?;
        // Not a member: no pair row, and the other rows are not the viewer's to read.
        let pair = rows.iter().find(|r| r.kind == "pair").ok_or(StoreError::NotFound)?;
        let my_ratings = pair.my_ratings();
        let track = pair.name.as_deref().and_then(|t| t.parse().ok()).unwrap_or_default();
        let state = match pair.n {
            Some(level) => state_of(level, pair.opened_on.clone()),
            None => ProgramState::default(),
        };
        let my_pace = pace_of(pair.my_pace.clone());
        let pair = pair_pace(my_pace, pace_of(pair.other_pace.clone()));
        let mut done = HashMap::new();
        let mut tonight_log = Vec::new();
        for r in rows {
            match (r.kind.as_str(), r.name, r.n) {
                ("done", Some(exercise), Some(n)) => {
                    done.insert(exercise, n as u32);
                }
                ("tonight", Some(prompt), Some(day)) => tonight_log.push((day, prompt)),
                _ => {}
            }
        }
        Ok(ProgramOverview { track, state, my_pace, pair_pace: pair, my_ratings, done, tonight_log })
    }
}
