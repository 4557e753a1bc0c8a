//! Counts for the insights page, each over a bounded window so the cost
//! follows the window, not the length of a couple's history.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;
use troth_domain::Id;

use crate::sql::{ms, SqlStore};
use crate::Result;

/// Positive and negative moments in a space over a window.
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
    async fn moment_counts(&self, user: Id, space: Id, since: Timestamp, now: Timestamp) -> Result<MomentCounts>;
}

#[async_trait]
impl InsightStore for SqlStore {
    async fn moment_counts(&self, user: Id, space: Id, since: Timestamp, now: Timestamp) -> Result<MomentCounts> {
        // One round trip: every count is an indexed range scan over the window.
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM appreciations WHERE space_id = $1 AND created_at >= $2) AS appreciations, \
             (SELECT COUNT(*) FROM promises WHERE space_id = $1 AND status = 'kept' AND settled_at >= $2) AS kept, \
             (SELECT COUNT(*) FROM promises WHERE space_id = $1 AND due_at >= $2 AND due_at < $3 \
                AND (status = 'missed' OR status = 'open')) AS missed, \
             (SELECT COUNT(*) FROM rituals WHERE space_id = $1 AND started_at >= $2 AND finished_at IS NOT NULL) AS finished, \
             (SELECT COUNT(*) FROM rituals WHERE space_id = $1 AND started_at >= $2) AS started, \
             (SELECT COUNT(*) FROM ritual_answers a JOIN rituals r ON r.id = a.ritual_id \
                WHERE r.space_id = $1 AND r.started_at >= $2 AND a.step = 'concerns') AS concerns, \
             (SELECT COUNT(*) FROM memberships WHERE space_id = $1 AND user_id = $4) AS member",
        )
        .bind(space.get())
        .bind(ms(since))
        .bind(ms(now))
        .bind(user.get())
        .fetch_one(&self.pool)
        .await?;
        if row.get::<i64, _>("member") == 0 {
            return Err(crate::StoreError::NotFound);
        }
        let n = |c: &str| row.get::<i64, _>(c).max(0) as u32;
        Ok(MomentCounts {
            appreciations: n("appreciations"),
            kept_promises: n("kept"),
            finished_rituals: n("finished"),
            missed_promises: n("missed"),
            disappointments: n("concerns"),
            rituals_started: n("started"),
        })
    }
}
