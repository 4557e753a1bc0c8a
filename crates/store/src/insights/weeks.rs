//! Per-space, per-week counts of the moments insights compare (appreciations,
//! kept and missed promises, rituals, concerns raised), kept up to date by
//! the writes that make them. Insights read the last few weeks' rows, a
//! dozen small rows however long a couple's history is.
//!
//! Weeks are UTC weeks starting on Monday, numbered from the Monday
//! 1970-01-05. [`rebuild`] recounts from the rows themselves; the migration
//! that added the table and the benchmark seeder use it, and a test checks
//! that incremental upkeep and a rebuild agree.

use jiff::Timestamp;
use sqlx::AnyConnection;
use troth_domain::Id;

use crate::db::ms;

const WEEK_MS: i64 = 7 * 86_400_000;
/// 1970-01-05T00:00Z, the first Monday after the Unix epoch.
const FIRST_MONDAY_MS: i64 = 4 * 86_400_000;

/// The week number of a time.
pub fn week_of(at: Timestamp) -> i64 {
    (ms(at) - FIRST_MONDAY_MS).div_euclid(WEEK_MS)
}

/// When a week starts.
pub fn week_start(week: i64) -> Timestamp {
    crate::db::ts(FIRST_MONDAY_MS + week * WEEK_MS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moment {
    Appreciation,
    Kept,
    Missed,
    RitualStarted,
    RitualFinished,
    Concern,
}

impl Moment {
    /// The upsert that adds `$3` to this moment's count in a week. Written
    /// out per column (fixed names, never user input) so a write formats
    /// no SQL.
    fn upsert(self) -> &'static str {
        macro_rules! upsert {
            ($col:literal) => {
                concat!(
                    "INSERT INTO space_weeks (space_id, week, ",
                    $col,
                    ") VALUES ($1, $2, $3) ON CONFLICT (space_id, week) DO UPDATE SET ",
                    $col,
                    " = space_weeks.",
                    $col,
                    " + excluded.",
                    $col
                )
            };
        }
        match self {
            Moment::Appreciation => upsert!("appreciations"),
            Moment::Kept => upsert!("kept"),
            Moment::Missed => upsert!("missed"),
            Moment::RitualStarted => upsert!("rituals_started"),
            Moment::RitualFinished => upsert!("rituals_finished"),
            Moment::Concern => upsert!("concerns"),
        }
    }
}

/// Adds `delta` to one count of the week holding `at`.
pub(crate) async fn bump(
    conn: &mut AnyConnection,
    space: Id,
    at: Timestamp,
    what: Moment,
    delta: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(what.upsert()).bind(space.get()).bind(week_of(at)).bind(delta).execute(conn).await?;
    Ok(())
}

/// Recounts every week of one space (or of all spaces) from the rows. The
/// promise counts follow what each promise counts for (`counted_kind`), so
/// run this after `tallies::rebuild`.
pub(crate) async fn rebuild(conn: &mut AnyConnection, space: Option<Id>) -> Result<(), sqlx::Error> {
    let only = if space.is_some() { "WHERE x.space_id = $1" } else { "" };
    let del = if space.is_some() { "DELETE FROM space_weeks WHERE space_id = $1" } else { "DELETE FROM space_weeks" };
    let mut q = sqlx::query(del);
    if let Some(s) = space {
        q = q.bind(s.get());
    }
    q.execute(&mut *conn).await?;
    let week = |col: &str| format!("({col} - {FIRST_MONDAY_MS}) / {WEEK_MS}");
    let sql = format!(
        "INSERT INTO space_weeks (space_id, week, appreciations, kept, missed, rituals_started, rituals_finished, concerns) \
         SELECT x.space_id, x.week, CAST(SUM(x.a) AS BIGINT), CAST(SUM(x.k) AS BIGINT), CAST(SUM(x.m) AS BIGINT), \
                CAST(SUM(x.rs) AS BIGINT), CAST(SUM(x.rf) AS BIGINT), CAST(SUM(x.c) AS BIGINT) FROM ( \
           SELECT space_id, {a} AS week, 1 AS a, 0 AS k, 0 AS m, 0 AS rs, 0 AS rf, 0 AS c FROM appreciations \
           UNION ALL SELECT space_id, {p}, 0, 1, 0, 0, 0, 0 FROM promises WHERE counted_kind = 'kept' \
           UNION ALL SELECT space_id, {p}, 0, 0, 1, 0, 0, 0 FROM promises WHERE counted_kind = 'missed' \
           UNION ALL SELECT space_id, {r}, 0, 0, 0, 1, CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END, 0 FROM rituals \
           UNION ALL SELECT r.space_id, {rr}, 0, 0, 0, 0, 0, 1 FROM ritual_answers ra \
             JOIN rituals r ON r.id = ra.ritual_id WHERE ra.step = 'concerns' \
         ) x {only} GROUP BY x.space_id, x.week",
        a = week("created_at"),
        p = week("counted_at"),
        r = week("started_at"),
        rr = week("r.started_at"),
    );
    let mut q = sqlx::query(&sql);
    if let Some(s) = space {
        q = q.bind(s.get());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_utc() {
        let monday: Timestamp = "2026-11-16T00:00:00Z".parse().unwrap();
        let sunday_night: Timestamp = "2026-11-22T23:59:59.999Z".parse().unwrap();
        let next_monday: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        assert_eq!(week_of(monday), week_of(sunday_night));
        assert_eq!(week_of(next_monday), week_of(monday) + 1);
        assert_eq!(week_start(week_of(sunday_night)), monday);
        assert_eq!(week_of("1970-01-05T00:00:00Z".parse().unwrap()), 0);
    }
}
