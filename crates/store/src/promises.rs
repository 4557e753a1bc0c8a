//! The promise ledger. Promises are made to the partner and seen by both
//! (shared entries); what each may do next is `troth_domain::promise::apply`.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use troth_domain::promise::{
    self, effective_status, Note, PromiseCategory, PromiseError, PromiseEvent, PromiseState, PromiseStatus,
    PromiseText, Role,
};
use troth_domain::reliability::{Outcome, OutcomeKind, Tally};
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};
use utoipa::ToSchema;

use crate::secret::new_id;
use crate::sql::{id, ms, opt_id, ts, SqlStore};
use crate::{Result, StoreError};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Promise {
    pub id: Id,
    pub space_id: Id,
    pub promiser_id: Option<Id>,
    pub promiser_name: Option<String>,
    pub text: String,
    pub category: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    /// What to show: an open promise past its due time reads `missed`.
    pub status: PromiseStatus,
    pub renegotiations: u32,
    /// Past due with nothing said yet: the two should talk and settle it.
    /// (A miss already owned up to, or marked, no longer needs this.)
    pub needs_settling: bool,
    /// The viewer made it.
    pub mine: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub settled_at: Option<Timestamp>,
    /// The history, oldest first (only when one promise is asked for).
    pub events: Vec<PromiseEventView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromiseEventView {
    pub kind: PromiseEvent,
    pub actor_name: Option<String>,
    pub note: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub new_due: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

pub struct NewPromise {
    pub text: PromiseText,
    pub category: Option<PromiseCategory>,
    pub due: Option<Timestamp>,
    /// When it was made; `None` means now (only demo and seeding set it).
    pub at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PromiseFilter {
    /// Made by this member.
    pub promiser: Option<Id>,
    /// With this effective status.
    pub status: Option<PromiseStatus>,
    /// Not yet kept or released.
    pub unsettled_only: bool,
    pub limit: Option<i64>,
}

/// How the viewer is doing with promises lately (for "think before you commit").
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CommitmentLoad {
    /// Promises of the viewer still open and due within the coming week (or without a due time).
    pub open_this_week: u32,
    /// Kept ÷ (kept + missed) over the last 90 days, if any were settled.
    pub recent_keep_rate: Option<f64>,
}

#[async_trait]
pub trait PromiseStore: Send + Sync {
    async fn make_promise(&self, user: Id, space: Id, new: NewPromise) -> Result<Promise>;
    async fn promises(&self, user: Id, space: Id, filter: PromiseFilter, now: Timestamp) -> Result<Vec<Promise>>;
    async fn promise(&self, user: Id, space: Id, promise: Id, now: Timestamp) -> Result<Promise>;
    /// Applies one action by the viewer (their role follows from who made it).
    async fn act_on_promise(
        &self,
        user: Id,
        space: Id,
        promise: Id,
        action: promise::Action,
        note: Option<&Note>,
        now: Timestamp,
    ) -> Result<Promise>;
    async fn commitment_load(&self, user: Id, space: Id, now: Timestamp) -> Result<CommitmentLoad>;
    /// A member's outcomes since a time (the keep rate shown before promising more).
    async fn promise_outcomes(
        &self,
        viewer: Id,
        space: Id,
        member: Id,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<Outcome>>;
    /// Every member's reliability tally in a space (all history, kept up to
    /// date as promises change), with overdue misses not folded in yet added.
    /// Members without outcomes are absent.
    async fn reliability_tallies(&self, viewer: Id, space: Id, now: Timestamp) -> Result<Vec<(Id, Tally)>>;
    /// Counts up to `limit` open promises that went past due into their
    /// promisers' tallies as misses; returns how many. Run by the reminders tick.
    async fn fold_overdue_misses(&self, now: Timestamp, limit: i64) -> Result<usize>;
    /// Unsettled promises due between the two times, in every space, with
    /// both members (for reminders).
    async fn promises_due_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(Promise, Vec<Id>)>>;
}

impl From<PromiseError> for StoreError {
    fn from(e: PromiseError) -> Self {
        match e {
            PromiseError::NotYourPromise | PromiseError::PartnerMustConfirm | PromiseError::PartnerMustRelease => {
                StoreError::Refused { code: e.code(), message: e.message() }
            }
            PromiseError::DueInPast => StoreError::Invalid { code: e.code(), message: e.message() },
            _ => StoreError::Conflict { code: e.code(), message: e.message() },
        }
    }
}

const COLS: &str = "p.id, p.space_id, p.promiser_id, u.display_name AS promiser_name, p.text, p.category, p.due_at, \
                    p.status, p.renegotiations, p.created_at, p.updated_at, p.settled_at";

struct Row_ {
    promise: Promise,
    stored: PromiseStatus,
    updated_at: i64,
}

fn from_row(r: &AnyRow, viewer: Id, now: Timestamp) -> Result<Row_> {
    let status: String = r.get("status");
    let stored: PromiseStatus =
        status.parse().map_err(|_| StoreError::Other(format!("unknown promise status {status}")))?;
    let due_at = r.get::<Option<i64>, _>("due_at").map(ts);
    let created_at = ts(r.get("created_at"));
    let renegotiations = r.get::<i64, _>("renegotiations").max(0) as u32;
    let state = PromiseState { status: stored, due: due_at, created_at, renegotiations };
    let promiser = opt_id(r, "promiser_id");
    Ok(Row_ {
        promise: Promise {
            id: id(r, "id"),
            space_id: id(r, "space_id"),
            promiser_id: promiser,
            promiser_name: r.get("promiser_name"),
            text: r.get("text"),
            category: r.get("category"),
            due_at,
            status: effective_status(&state, now),
            needs_settling: stored == PromiseStatus::Open && effective_status(&state, now) == PromiseStatus::Missed,
            renegotiations,
            mine: promiser == Some(viewer),
            created_at,
            settled_at: r.get::<Option<i64>, _>("settled_at").map(ts),
            events: Vec::new(),
        },
        stored,
        updated_at: r.get("updated_at"),
    })
}

fn facts(p: &Promise) -> EntryFacts {
    EntryFacts { space_id: p.space_id, author: p.promiser_id, visibility: Visibility::Shared, parts_by: Vec::new() }
}

impl SqlStore {
    async fn promise_row(&self, user: Id, space: Id, promise: Id, now: Timestamp) -> Result<Row_> {
        let row = sqlx::query(&format!(
            "SELECT {COLS} FROM promises p LEFT JOIN users u ON u.id = p.promiser_id WHERE p.id = $1 AND p.space_id = $2 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)"
        ))
        .bind(promise.get())
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let r = from_row(&row, user, now)?;
        authorize(Some(user), true, &facts(&r.promise), Action::Read)?;
        Ok(r)
    }
}

#[async_trait]
impl PromiseStore for SqlStore {
    async fn make_promise(&self, user: Id, space: Id, new: NewPromise) -> Result<Promise> {
        self.require_member(user, space).await?;
        let pid = new_id();
        let at = ms(new.at.unwrap_or_else(Timestamp::now));
        sqlx::query(
            "INSERT INTO promises (id, space_id, promiser_id, text, category, due_at, status, renegotiations, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', 0, $7, $7)",
        )
        .bind(pid.get())
        .bind(space.get())
        .bind(user.get())
        .bind(new.text.as_str())
        .bind(new.category.as_ref().map(|c| c.as_str().to_string()))
        .bind(new.due.map(ms))
        .bind(at)
        .execute(&self.pool)
        .await?;
        self.promise(user, space, pid, Timestamp::now()).await
    }

    async fn promises(&self, user: Id, space: Id, filter: PromiseFilter, now: Timestamp) -> Result<Vec<Promise>> {
        let mut sql = format!(
            "SELECT {COLS} FROM promises p LEFT JOIN users u ON u.id = p.promiser_id WHERE p.space_id = $1 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)"
        );
        let mut n = 2;
        if filter.promiser.is_some() {
            n += 1;
            sql.push_str(&format!(" AND p.promiser_id = ${n}"));
        }
        if filter.unsettled_only {
            sql.push_str(" AND p.status NOT IN ('kept', 'released')");
        }
        // Unsettled first, then by due time (soonest first), then newest.
        n += 1;
        sql.push_str(&format!(
            " ORDER BY CASE WHEN p.status IN ('kept', 'released') THEN 1 ELSE 0 END, \
             CASE WHEN p.due_at IS NULL THEN 1 ELSE 0 END, p.due_at, p.created_at DESC LIMIT ${n}"
        ));
        let mut q = sqlx::query(&sql).bind(space.get()).bind(user.get());
        if let Some(p) = filter.promiser {
            q = q.bind(p.get());
        }
        q = q.bind(filter.limit.unwrap_or(200).clamp(1, 1000));
        let rows = q.fetch_all(&self.pool).await?;
        if rows.is_empty() && !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let p = from_row(r, user, now)?.promise;
            if filter.status.is_some_and(|s| s != p.status) {
                continue;
            }
            if authorize(Some(user), true, &facts(&p), Action::Read).is_ok() {
                out.push(p);
            }
        }
        Ok(out)
    }

    async fn promise(&self, user: Id, space: Id, promise: Id, now: Timestamp) -> Result<Promise> {
        let mut p = self.promise_row(user, space, promise, now).await?.promise;
        let rows = sqlx::query(
            "SELECT e.kind, u.display_name AS actor_name, e.note, e.new_due, e.at FROM promise_events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.promise_id = $1 ORDER BY e.at, e.id LIMIT 500",
        )
        .bind(promise.get())
        .fetch_all(&self.pool)
        .await?;
        p.events = rows
            .iter()
            .filter_map(|r| {
                let kind: String = r.get("kind");
                Some(PromiseEventView {
                    kind: kind.parse().ok()?,
                    actor_name: r.get("actor_name"),
                    note: r.get("note"),
                    new_due: r.get::<Option<i64>, _>("new_due").map(ts),
                    at: ts(r.get("at")),
                })
            })
            .collect();
        Ok(p)
    }

    async fn act_on_promise(
        &self,
        user: Id,
        space: Id,
        promise: Id,
        action: promise::Action,
        note: Option<&Note>,
        now: Timestamp,
    ) -> Result<Promise> {
        let current = self.promise_row(user, space, promise, now).await?;
        let role = if current.promise.mine { Role::Promiser } else { Role::Partner };
        let state = PromiseState {
            status: current.stored,
            due: current.promise.due_at,
            created_at: current.promise.created_at,
            renegotiations: current.promise.renegotiations,
        };
        let t = promise::apply(&state, role, &action, now)?;
        let settled = promise::records_outcome(t.event).then(|| ms(now));
        let mut tx = self.pool.begin().await?;
        // Only if nobody changed it meanwhile (two devices, two partners):
        // the stored status and update time must still be what we decided on.
        let done = sqlx::query(
            "UPDATE promises SET status = $1, due_at = $2, renegotiations = $3, updated_at = $4, \
             settled_at = COALESCE($5, settled_at) WHERE id = $6 AND status = $7 AND updated_at = $8",
        )
        .bind(t.state.status.as_str())
        .bind(t.state.due.map(ms))
        .bind(t.state.renegotiations as i64)
        .bind(ms(now).max(current.updated_at + 1))
        .bind(settled)
        .bind(promise.get())
        .bind(current.stored.as_str())
        .bind(current.updated_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::conflict("changed_meanwhile", "this promise changed a moment ago; look again"));
        }
        sqlx::query(
            "INSERT INTO promise_events (id, promise_id, actor_id, kind, note, old_due, new_due, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id().get())
        .bind(promise.get())
        .bind(user.get())
        .bind(t.event.as_str())
        .bind(note.map(|n| n.as_str().to_string()))
        .bind(state.due.map(ms))
        .bind(t.state.due.map(ms))
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        // The promiser's reliability tally follows in the same transaction.
        if let Some(promiser) = current.promise.promiser_id {
            let recorded = settled.map(ts).or(current.promise.settled_at);
            let outcome = promise::counted_outcome(&t.state, recorded, now);
            crate::tallies::replace(&mut tx, space, promiser, promise, outcome).await?;
            if t.event == PromiseEvent::Renegotiated {
                let told = Outcome { kind: OutcomeKind::RenegotiatedInTime, at: ts(ms(now)) };
                crate::tallies::count(&mut tx, space, promiser, told, 1).await?;
            }
        }
        tx.commit().await?;
        self.promise(user, space, promise, now).await
    }

    async fn commitment_load(&self, user: Id, space: Id, now: Timestamp) -> Result<CommitmentLoad> {
        self.require_member(user, space).await?;
        let week_ahead = now + SignedDuration::from_hours(24 * 7);
        let open = sqlx::query(
            "SELECT COUNT(*) AS n FROM promises WHERE space_id = $1 AND promiser_id = $2 \
             AND status IN ('open', 'claimed') AND (due_at IS NULL OR (due_at >= $3 AND due_at <= $4))",
        )
        .bind(space.get())
        .bind(user.get())
        .bind(ms(now))
        .bind(ms(week_ahead))
        .fetch_one(&self.pool)
        .await?;
        let since = now - SignedDuration::from_hours(24 * 90);
        let outcomes = self.promise_outcomes(user, space, user, since, now).await?;
        let kept = outcomes.iter().filter(|o| o.kind == OutcomeKind::Kept).count();
        let missed = outcomes.iter().filter(|o| o.kind == OutcomeKind::Missed).count();
        Ok(CommitmentLoad {
            open_this_week: open.get::<i64, _>("n").max(0) as u32,
            recent_keep_rate: (kept + missed > 0).then(|| kept as f64 / (kept + missed) as f64),
        })
    }

    async fn promise_outcomes(
        &self,
        viewer: Id,
        space: Id,
        member: Id,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<Outcome>> {
        // One round trip of index range scans bounded by `since`: what each
        // promise counts for (see `tallies`), overdue ones not folded in
        // yet, and renegotiations. The last branch proves membership.
        let rows = sqlx::query(
            "SELECT p.counted_kind AS kind, p.counted_at AS at FROM promises p \
               WHERE p.space_id = $1 AND p.promiser_id = $2 AND p.counted_at >= $3 \
             UNION ALL SELECT 'missed', p.due_at FROM promises p \
               WHERE p.space_id = $1 AND p.status = 'open' AND p.counted_kind IS NULL AND p.due_at >= $3 \
               AND p.due_at < $4 AND p.promiser_id = $2 \
             UNION ALL SELECT 'renegotiated_in_time', e.at FROM promise_events e JOIN promises p ON p.id = e.promise_id \
               WHERE e.kind = 'renegotiated' AND e.at >= $3 AND p.space_id = $1 AND p.promiser_id = $2 \
             UNION ALL SELECT 'member', CAST(NULL AS BIGINT) FROM memberships m WHERE m.space_id = $1 AND m.user_id = $5",
        )
        .bind(space.get())
        .bind(member.get())
        .bind(ms(since))
        .bind(ms(now))
        .bind(viewer.get())
        .fetch_all(&self.pool)
        .await?;
        let mut member_seen = false;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind: String = r.get("kind");
            if kind == "member" {
                member_seen = true;
                continue;
            }
            if let (Some(kind), Some(at)) = (crate::tallies::kind_from_str(&kind), r.get::<Option<i64>, _>("at")) {
                out.push(Outcome { at: ts(at), kind });
            }
        }
        if !member_seen {
            return Err(StoreError::NotFound);
        }
        Ok(out)
    }

    async fn reliability_tallies(&self, viewer: Id, space: Id, now: Timestamp) -> Result<Vec<(Id, Tally)>> {
        let mut conn = self.pool.acquire().await?;
        let (member, tallies) = crate::tallies::read(&mut conn, viewer, space, now).await?;
        if !member {
            return Err(StoreError::NotFound);
        }
        Ok(tallies)
    }

    async fn fold_overdue_misses(&self, now: Timestamp, limit: i64) -> Result<usize> {
        let mut conn = self.pool.acquire().await?;
        Ok(crate::tallies::fold_overdue(&mut conn, now, limit).await?)
    }

    async fn promises_due_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(Promise, Vec<Id>)>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM promises p LEFT JOIN users u ON u.id = p.promiser_id \
             WHERE p.status IN ('open', 'claimed') AND p.due_at > $1 AND p.due_at <= $2 ORDER BY p.due_at LIMIT 1000"
        ))
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let p = from_row(r, Id::from_db(0), to)?.promise;
            let members = sqlx::query("SELECT user_id FROM memberships WHERE space_id = $1")
                .bind(p.space_id.get())
                .fetch_all(&self.pool)
                .await?;
            out.push((p, members.iter().map(|m| id(m, "user_id")).collect()));
        }
        Ok(out)
    }
}
