//! Keeping each member's reliability [`Tally`] next to their promises.
//!
//! Every promise stores the outcome it currently adds to its promiser's
//! tally (`counted_kind`, `counted_at`; see
//! [`troth_domain::promises::counted_outcome`]). When a promise changes, the
//! same transaction takes the old outcome out of the tally and puts the new
//! one in, so the tally is always the sum over the promises. Open promises
//! that pass their due time become misses without anyone writing; the score
//! reads those few live, and the reminders tick folds them into the tally
//! ([`fold_overdue`]) so that live set stays small.
//!
//! [`rebuild`] recomputes everything from the promises; the migration that
//! introduced tallies uses it, and tests check that incremental upkeep and a
//! rebuild agree.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::AnyConnection;
use troth_domain::promises::reliability::{epoch_weight, Outcome, OutcomeKind, Tally};
use troth_domain::Id;

use crate::db::{ms, ts};
use crate::insights::weeks::Moment;

/// What a promise counts for now, as stored on it.
#[derive(sqlx::FromRow)]
struct CountedRow {
    counted_kind: Option<String>,
    counted_at: Option<i64>,
}

/// An open promise past due, not yet in its promiser's tally.
#[derive(sqlx::FromRow)]
struct OverdueRow {
    id: i64,
    space_id: i64,
    promiser_id: Option<i64>,
    due_at: i64,
}

/// One outcome to count in a rebuild.
#[derive(sqlx::FromRow)]
struct RebuildRow {
    space_id: i64,
    promiser_id: i64,
    kind: String,
    at: i64,
}

/// One row of [`read`]: a stored tally line (`kind` an outcome), a live
/// miss (`'live'`, with `due_at`) or the membership proof (`'member'`).
#[derive(sqlx::FromRow)]
struct TallyRow {
    user_id: Option<i64>,
    kind: String,
    n: Option<i64>,
    weight: Option<f64>,
    due_at: Option<i64>,
}

pub(crate) fn kind_from_str(s: &str) -> Option<OutcomeKind> {
    OutcomeKind::ALL.into_iter().find(|k| k.as_str() == s)
}

/// Adds `sign` (+1 or −1) times one outcome to a member's tally and, for
/// kept and missed promises, to the space's count for that week.
pub(crate) async fn count(
    conn: &mut AnyConnection,
    space: Id,
    user: Id,
    outcome: Outcome,
    sign: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reliability_tallies (space_id, user_id, kind, n, weight) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (space_id, user_id, kind) DO UPDATE \
         SET n = reliability_tallies.n + excluded.n, weight = reliability_tallies.weight + excluded.weight",
    )
    .bind(space.get())
    .bind(user.get())
    .bind(outcome.kind.as_str())
    .bind(sign)
    .bind(sign as f64 * epoch_weight(outcome.kind, outcome.at))
    .execute(&mut *conn)
    .await?;
    let moment = match outcome.kind {
        OutcomeKind::Kept => Moment::Kept,
        OutcomeKind::Missed => Moment::Missed,
        OutcomeKind::RenegotiatedInTime | OutcomeKind::Released => return Ok(()),
    };
    crate::insights::weeks::bump(conn, space, outcome.at, moment, sign).await
}

/// What a promise adds to the tally now, as stored on it.
pub(crate) async fn counted(conn: &mut AnyConnection, promise: Id) -> Result<Option<Outcome>, sqlx::Error> {
    let row = sqlx::query_as::<_, CountedRow>("SELECT counted_kind, counted_at FROM promises WHERE id = $1")
        .bind(promise.get())
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(|r| {
        let kind = r.counted_kind.as_deref().and_then(kind_from_str)?;
        let at = r.counted_at.map(ts)?;
        Some(Outcome { kind, at })
    }))
}

/// Swaps what a promise counts for: the old outcome out, the new one in.
/// Must run in the transaction that changed the promise, after that change
/// locked its row, so the reminders tick cannot fold a miss in between.
pub(crate) async fn replace(
    conn: &mut AnyConnection,
    space: Id,
    promiser: Id,
    promise: Id,
    new: Option<Outcome>,
) -> Result<(), sqlx::Error> {
    let old = counted(conn, promise).await?;
    // Stored times are whole milliseconds; compare at that precision.
    let key = |o: &Option<Outcome>| o.map(|o| (o.kind, ms(o.at)));
    if key(&old) == key(&new) {
        return Ok(());
    }
    if let Some(o) = old {
        count(conn, space, promiser, o, -1).await?;
    }
    if let Some(o) = new {
        let o = Outcome { at: ts(ms(o.at)), kind: o.kind };
        count(conn, space, promiser, o, 1).await?;
    }
    sqlx::query("UPDATE promises SET counted_kind = $1, counted_at = $2 WHERE id = $3")
        .bind(new.map(|o| o.kind.as_str()))
        .bind(new.map(|o| ms(o.at)))
        .bind(promise.get())
        .execute(conn)
        .await?;
    Ok(())
}

/// Folds up to `limit` overdue open promises into their promisers' tallies
/// as misses (dated at the due time). Returns how many were folded. Each
/// promise is claimed by a conditional update, so two instances never count
/// one twice, and a promise settled meanwhile is left alone.
pub(crate) async fn fold_overdue(conn: &mut AnyConnection, now: Timestamp, limit: i64) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query_as::<_, OverdueRow>(
        "SELECT id, space_id, promiser_id, due_at FROM promises \
         WHERE status = 'open' AND counted_kind IS NULL AND due_at < $1 ORDER BY due_at LIMIT $2",
    )
    .bind(ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut folded = 0;
    for r in &rows {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let claimed = sqlx::query(
            "UPDATE promises SET counted_kind = 'missed', counted_at = due_at \
             WHERE id = $1 AND status = 'open' AND counted_kind IS NULL AND due_at < $2",
        )
        .bind(r.id)
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        if let (1, Some(promiser)) = (claimed.rows_affected(), r.promiser_id) {
            let miss = Outcome { kind: OutcomeKind::Missed, at: ts(r.due_at) };
            let space = Id::from_db(r.space_id);
            count(&mut tx, space, Id::from_db(promiser), miss, 1).await?;
            folded += 1;
        }
        tx.commit().await?;
    }
    Ok(folded)
}

/// Recomputes every promise's counted outcome and every tally from the
/// promises and their renegotiations. The SQL below is
/// [`troth_domain::promises::counted_outcome`] written as one UPDATE (older
/// rows may lack `settled_at` on an owned-up miss; their last change stands
/// in); the rebuild test holds the two together.
pub(crate) async fn rebuild(conn: &mut AnyConnection, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE promises SET \
         counted_kind = CASE WHEN status IN ('kept', 'released', 'missed') THEN status \
             WHEN status = 'open' AND due_at < $1 THEN 'missed' ELSE NULL END, \
         counted_at = CASE WHEN status IN ('kept', 'released') THEN COALESCE(settled_at, updated_at) \
             WHEN status = 'missed' THEN CASE WHEN due_at IS NOT NULL AND due_at < COALESCE(settled_at, updated_at) \
                 THEN due_at ELSE COALESCE(settled_at, updated_at) END \
             WHEN status = 'open' AND due_at < $1 THEN due_at ELSE NULL END",
    )
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    let rows = sqlx::query_as::<_, RebuildRow>(
        "SELECT space_id, promiser_id, counted_kind AS kind, counted_at AS at FROM promises \
         WHERE promiser_id IS NOT NULL AND counted_kind IS NOT NULL \
         UNION ALL SELECT p.space_id, p.promiser_id, 'renegotiated_in_time', e.at FROM promise_events e \
         JOIN promises p ON p.id = e.promise_id WHERE e.kind = 'renegotiated' AND p.promiser_id IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tallies: HashMap<(i64, i64), Tally> = HashMap::new();
    for r in &rows {
        let Some(kind) = kind_from_str(&r.kind) else { continue };
        let key = (r.space_id, r.promiser_id);
        tallies.entry(key).or_default().add(Outcome { kind, at: ts(r.at) });
    }
    sqlx::query("DELETE FROM reliability_tallies").execute(&mut *conn).await?;
    for ((space, user), tally) in tallies {
        for kind in OutcomeKind::ALL {
            let i = kind.index();
            if tally.counts[i] == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO reliability_tallies (space_id, user_id, kind, n, weight) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(space)
            .bind(user)
            .bind(kind.as_str())
            .bind(tally.counts[i] as i64)
            .bind(tally.weights[i])
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Each member's tally in a space, plus the misses not folded in yet, and
/// whether `viewer` is a member (one round trip).
pub(crate) async fn read(
    conn: &mut AnyConnection,
    viewer: Id,
    space: Id,
    now: Timestamp,
) -> Result<(bool, Vec<(Id, Tally)>), sqlx::Error> {
    let rows = sqlx::query_as::<_, TallyRow>(
        "SELECT t.user_id AS user_id, t.kind AS kind, t.n AS n, t.weight AS weight, CAST(NULL AS BIGINT) AS due_at \
           FROM reliability_tallies t WHERE t.space_id = $1 \
         UNION ALL SELECT p.promiser_id, 'live', CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE PRECISION), p.due_at \
           FROM promises p WHERE p.space_id = $1 AND p.status = 'open' AND p.counted_kind IS NULL AND p.due_at < $2 \
         UNION ALL SELECT m.user_id, 'member', CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS BIGINT) \
           FROM memberships m WHERE m.space_id = $1 AND m.user_id = $3",
    )
    .bind(space.get())
    .bind(ms(now))
    .bind(viewer.get())
    .fetch_all(conn)
    .await?;
    let mut member = false;
    let mut out: Vec<(Id, Tally)> = Vec::new();
    for r in &rows {
        let kind = r.kind.as_str();
        if kind == "member" {
            member = true;
            continue;
        }
        let Some(user) = r.user_id.map(Id::from_db) else { continue };
        let slot = match out.iter().position(|(u, _)| *u == user) {
            Some(i) => i,
            None => {
                out.push((user, Tally::default()));
                out.len() - 1
            }
        };
        let tally = &mut out[slot].1;
        if kind == "live" {
            if let Some(due) = r.due_at {
                tally.add(Outcome { kind: OutcomeKind::Missed, at: ts(due) });
            }
        } else if let Some(k) = kind_from_str(kind) {
            tally.add_stored(k, r.n.unwrap_or(0), r.weight.unwrap_or(0.0));
        }
    }
    Ok((member, out))
}
