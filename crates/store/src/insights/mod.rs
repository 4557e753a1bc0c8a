//! Counts for the insights page, summed from the per-week counts kept in
//! `space_weeks` (see `weeks`): one row back, a dozen small rows read,
//! whatever the length of a couple's history.

pub(crate) mod weeks;

use std::sync::LazyLock;

use async_trait::async_trait;
use jiff::Timestamp;
use troth_domain::Id;

use crate::db::{ms, SqlStore};
use crate::insights::weeks::{week_of, week_start};
use crate::Result;

/// Positive and negative moments in a space over a span of weeks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MomentCounts {
    pub appreciations: u32,
    pub kept_promises: u32,
    pub finished_rituals: u32,
    pub missed_promises: u32,
    /// Concerns raised in rituals.
    pub disappointments: u32,
    pub rituals_started: u32,
}

/// Each member's answer to "show each other's scores" in a space.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScoreSharing {
    /// The asking member's own answer.
    pub mine: bool,
    /// The other member's answer (false while there is none).
    pub partner: bool,
}

impl ScoreSharing {
    /// Scores are shown both ways only when both said yes.
    pub fn both(self) -> bool {
        self.mine && self.partner
    }
}

#[async_trait]
pub trait InsightStore: Send + Sync {
    /// Both members' answers to "show each other's scores"; `NotFound`
    /// unless `user` is a member of `space`.
    async fn score_sharing(&self, user: Id, space: Id) -> Result<ScoreSharing>;
    /// Sets `user`'s own answer; it counts from the next read.
    async fn set_score_sharing(&self, user: Id, space: Id, on: bool) -> Result<ScoreSharing>;

    /// Moments of the last `weeks` weeks (UTC weeks from Monday, this one
    /// included), summed, and of the last `recent` of those weeks, in one
    /// read. Promises that went past due in the span and are not counted in
    /// a week yet (the reminders tick does that within a minute) count as
    /// missed in the first sum.
    async fn moment_counts(
        &self,
        user: Id,
        space: Id,
        weeks: u32,
        recent: u32,
        now: Timestamp,
    ) -> Result<(MomentCounts, MomentCounts)>;
}

/// The `space_weeks` columns summed, named `all_<col>` and `recent_<col>`
/// in the query (see [`MomentsRow`]).
const COUNTS: [&str; 6] = ["appreciations", "kept", "rituals_finished", "missed", "concerns", "rituals_started"];

/// Both spans' sums in one aggregate (without GROUP BY: always one row),
/// with the membership check and the overdue promises not counted yet.
static MOMENTS_SQL: LazyLock<String> = LazyLock::new(|| {
    let sums: Vec<String> = COUNTS
        .iter()
        .map(|c| format!("CAST(SUM(w.{c}) AS BIGINT) AS all_{c}"))
        .chain(
            COUNTS
                .iter()
                .map(|c| format!("CAST(SUM(CASE WHEN w.week >= $6 THEN w.{c} ELSE 0 END) AS BIGINT) AS recent_{c}")),
        )
        .collect();
    format!(
        "SELECT (SELECT COUNT(*) FROM memberships m WHERE m.space_id = $1 AND m.user_id = $5) AS member, \
         (SELECT COUNT(*) FROM promises p WHERE p.space_id = $1 AND p.status = 'open' \
            AND p.counted_kind IS NULL AND p.due_at >= $3 AND p.due_at < $4) AS live, {} \
         FROM space_weeks w WHERE w.space_id = $1 AND w.week >= $2",
        sums.join(", ")
    )
});

/// The one row of [`MOMENTS_SQL`]; sums are NULL when no week has a row.
#[derive(sqlx::FromRow)]
struct MomentsRow {
    member: i64,
    live: i64,
    all_appreciations: Option<i64>,
    all_kept: Option<i64>,
    all_rituals_finished: Option<i64>,
    all_missed: Option<i64>,
    all_concerns: Option<i64>,
    all_rituals_started: Option<i64>,
    recent_appreciations: Option<i64>,
    recent_kept: Option<i64>,
    recent_rituals_finished: Option<i64>,
    recent_missed: Option<i64>,
    recent_concerns: Option<i64>,
    recent_rituals_started: Option<i64>,
}

fn count(n: Option<i64>) -> u32 {
    n.unwrap_or(0).clamp(0, u32::MAX as i64) as u32
}

impl MomentsRow {
    /// Both spans; overdue promises not yet counted in a week are misses of
    /// the whole span.
    fn counts(&self) -> (MomentCounts, MomentCounts) {
        let all = MomentCounts {
            appreciations: count(self.all_appreciations),
            kept_promises: count(self.all_kept),
            finished_rituals: count(self.all_rituals_finished),
            missed_promises: count(self.all_missed).saturating_add(count(Some(self.live))),
            disappointments: count(self.all_concerns),
            rituals_started: count(self.all_rituals_started),
        };
        let recent = MomentCounts {
            appreciations: count(self.recent_appreciations),
            kept_promises: count(self.recent_kept),
            finished_rituals: count(self.recent_rituals_finished),
            missed_promises: count(self.recent_missed),
            disappointments: count(self.recent_concerns),
            rituals_started: count(self.recent_rituals_started),
        };
        (all, recent)
    }
}

#[async_trait]
impl InsightStore for SqlStore {
    async fn score_sharing(&self, user: Id, space: Id) -> Result<ScoreSharing> {
        let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT user_id, shows_scores FROM memberships WHERE space_id = $1")
            .bind(space.get())
            .fetch_all(&self.pool)
            .await?;
        let mine = rows.iter().find(|(u, _)| *u == user.get()).ok_or(crate::StoreError::NotFound)?.1 != 0;
        let partner = rows.iter().any(|(u, on)| *u != user.get() && *on != 0);
        Ok(ScoreSharing { mine, partner })
    }

    async fn set_score_sharing(&self, user: Id, space: Id, on: bool) -> Result<ScoreSharing> {
        let done = sqlx::query("UPDATE memberships SET shows_scores = $3 WHERE space_id = $1 AND user_id = $2")
            .bind(space.get())
            .bind(user.get())
            .bind(i64::from(on))
            .execute(&self.pool)
            .await
            .map_err(crate::StoreError::from);
        self.note_write(&done);
        if done?.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.score_sharing(user, space).await
    }

    async fn moment_counts(
        &self,
        user: Id,
        space: Id,
        weeks: u32,
        recent: u32,
        now: Timestamp,
    ) -> Result<(MomentCounts, MomentCounts)> {
        let this_week = week_of(now);
        let first = this_week - weeks.max(1) as i64 + 1;
        let first_recent = this_week - recent.clamp(1, weeks.max(1)) as i64 + 1;
        let row = sqlx::query_as::<_, MomentsRow>(&MOMENTS_SQL)
            .bind(space.get())
            .bind(first)
            .bind(ms(week_start(first)))
            .bind(ms(now))
            .bind(user.get())
            .bind(first_recent)
            .fetch_one(&self.pool)
            .await?;
        if row.member == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(row.counts())
    }
}
