//! Counts for the insights page, summed from the per-week counts kept in
//! `space_weeks` (see `weeks`): one row back, a dozen small rows read,
//! whatever the length of a couple's history.

use std::sync::LazyLock;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;
use troth_domain::Id;

use crate::sql::{ms, SqlStore};
use crate::weeks::{week_of, week_start};
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

#[async_trait]
pub trait InsightStore: Send + Sync {
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

/// In `MomentCounts` field order; the reader takes the columns by position.
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

#[async_trait]
impl InsightStore for SqlStore {
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
        let row = sqlx::query(&MOMENTS_SQL)
            .bind(space.get())
            .bind(first)
            .bind(ms(week_start(first)))
            .bind(ms(now))
            .bind(user.get())
            .bind(first_recent)
            .fetch_one(&self.pool)
            .await?;
        if row.get::<i64, _>("member") == 0 {
            return Err(crate::StoreError::NotFound);
        }
        // Columns by position: member, live, then COUNTS for all weeks, then for the recent ones.
        let n = |i: usize| row.get::<Option<i64>, _>(i).unwrap_or(0).clamp(0, u32::MAX as i64) as u32;
        let counts = |first: usize| MomentCounts {
            appreciations: n(first),
            kept_promises: n(first + 1),
            finished_rituals: n(first + 2),
            missed_promises: n(first + 3),
            disappointments: n(first + 4),
            rituals_started: n(first + 5),
        };
        let mut all = counts(2);
        all.missed_promises = all.missed_promises.saturating_add(n(1));
        Ok((all, counts(2 + COUNTS.len())))
    }
}
