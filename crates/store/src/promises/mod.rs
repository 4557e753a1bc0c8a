//! The promise ledger. Promises are made to the partner and seen by both
//! (shared entries); what each may do next is `troth_domain::promises::apply`.

pub(crate) mod tallies;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use troth_domain::promises::reliability::{Outcome, OutcomeKind, Tally};
use troth_domain::promises::{
    self, effective_status, Note, PromiseCategory, PromiseError, PromiseEvent, PromiseState, PromiseStatus,
    PromiseText, ProposedTerms, Role,
};
use troth_domain::{authorize, Action, EntryFacts, Id, Visibility};
use utoipa::ToSchema;

use crate::db::{ms, ts, Placeholders, SqlStore};
use crate::secret::new_id;
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
    /// When its promiser last apologised for it, if they did.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub apologised_at: Option<Timestamp>,
    /// New terms the promiser asked for and the partner has not answered yet.
    pub proposed_terms: Option<ProposedTermsView>,
    /// The history, oldest first (only when one promise is asked for).
    pub events: Vec<PromiseEventView>,
}

/// An open request for new terms: the promise keeps its own until the
/// partner accepts these.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposedTermsView {
    /// The due time asked for (`null`: no due time).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    /// The new wording, when one was asked for.
    pub text: Option<String>,
    /// Why, in the promiser's words.
    pub note: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromiseEventView {
    pub kind: PromiseEvent,
    pub actor_name: Option<String>,
    pub note: Option<String>,
    /// The due time before, for events about terms (proposed, accepted, declined, withdrawn).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub old_due: Option<Timestamp>,
    /// The wording before and after, when a change of wording was asked for.
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub new_due: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// What a person writes along with an action on a promise.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionWords<'a> {
    /// Why (new terms, an apology, a "not yet", a release).
    pub note: Option<&'a Note>,
    /// With new terms: the wording asked for (`None` keeps it).
    pub new_text: Option<&'a PromiseText>,
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
        action: promises::Action,
        words: ActionWords<'_>,
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
            PromiseError::NotYourPromise
            | PromiseError::PartnerMustConfirm
            | PromiseError::PartnerMustRelease
            | PromiseError::PartnerAnswersClaim
            | PromiseError::PartnerAnswersTerms => StoreError::Refused { code: e.code(), message: e.message() },
            PromiseError::DueInPast | PromiseError::NoNewTerms => {
                StoreError::Invalid { code: e.code(), message: e.message() }
            }
            _ => StoreError::Conflict { code: e.code(), message: e.message() },
        }
    }
}

const COLS: &str = "p.id, p.space_id, p.promiser_id, u.display_name AS promiser_name, p.text, p.category, p.due_at, \
                    p.status, p.renegotiations, p.created_at, p.updated_at, p.settled_at, \
                    p.proposed_at, p.proposed_due, p.proposed_text, p.proposed_note, \
                    (SELECT MAX(e.at) FROM promise_events e WHERE e.promise_id = p.id AND e.kind = 'apologised') \
                    AS apologised_at";

struct Row_ {
    promise: Promise,
    stored: PromiseStatus,
    updated_at: i64,
}

/// A `promises` row as read by [`COLS`].
#[derive(sqlx::FromRow)]
struct PromiseRow {
    id: i64,
    space_id: i64,
    promiser_id: Option<i64>,
    promiser_name: Option<String>,
    text: String,
    category: Option<String>,
    due_at: Option<i64>,
    status: String,
    renegotiations: i64,
    created_at: i64,
    updated_at: i64,
    settled_at: Option<i64>,
    proposed_at: Option<i64>,
    proposed_due: Option<i64>,
    proposed_text: Option<String>,
    proposed_note: Option<String>,
    apologised_at: Option<i64>,
}

impl PromiseRow {
    /// The promise as `viewer` sees it at `now` (a missed due time shows
    /// before anyone writes it down).
    fn view(self, viewer: Id, now: Timestamp) -> Result<Row_> {
        let stored: PromiseStatus =
            self.status.parse().map_err(|_| StoreError::Other(format!("unknown promise status {}", self.status)))?;
        let due_at = self.due_at.map(ts);
        let created_at = ts(self.created_at);
        let renegotiations = self.renegotiations.max(0) as u32;
        let proposed = self.proposed_at.map(|_| ProposedTerms { due: self.proposed_due.map(ts) });
        let state = PromiseState { status: stored, due: due_at, created_at, renegotiations, proposed };
        let promiser = self.promiser_id.map(Id::from_db);
        Ok(Row_ {
            promise: Promise {
                id: Id::from_db(self.id),
                space_id: Id::from_db(self.space_id),
                promiser_id: promiser,
                promiser_name: self.promiser_name,
                text: self.text,
                category: self.category,
                due_at,
                status: effective_status(&state, now),
                needs_settling: stored == PromiseStatus::Open && effective_status(&state, now) == PromiseStatus::Missed,
                renegotiations,
                mine: promiser == Some(viewer),
                created_at,
                settled_at: self.settled_at.map(ts),
                apologised_at: self.apologised_at.map(ts),
                proposed_terms: self.proposed_at.map(|at| ProposedTermsView {
                    due_at: self.proposed_due.map(ts),
                    text: self.proposed_text,
                    note: self.proposed_note,
                    at: ts(at),
                }),
                events: Vec::new(),
            },
            stored,
            updated_at: self.updated_at,
        })
    }
}

/// One outcome (or the membership proof, `kind = 'member'`).
#[derive(sqlx::FromRow)]
struct OutcomeRow {
    kind: String,
    at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    kind: String,
    actor_name: Option<String>,
    note: Option<String>,
    old_due: Option<i64>,
    new_due: Option<i64>,
    old_text: Option<String>,
    new_text: Option<String>,
    at: i64,
}

fn facts(p: &Promise) -> EntryFacts {
    EntryFacts { space_id: p.space_id, author: p.promiser_id, visibility: Visibility::Shared, parts_by: Vec::new() }
}

/// What an action writes about terms: the promise's wording, the open
/// request (if any stays or starts), and the terms its history event names.
struct TermsWrite {
    text: String,
    proposed: Option<ProposedTermsView>,
    event_new_due: Option<Timestamp>,
    event_old_text: Option<String>,
    event_new_text: Option<String>,
}

impl TermsWrite {
    fn new(
        current: &Promise,
        t: &promises::Transition,
        new_text: Option<&PromiseText>,
        note: Option<&Note>,
        now: Timestamp,
    ) -> TermsWrite {
        let open = current.proposed_terms.clone();
        let asked_text = |p: &Option<ProposedTermsView>| p.as_ref().and_then(|p| p.text.clone());
        let mut w = TermsWrite {
            text: current.text.clone(),
            proposed: if t.state.proposed.is_some() { open.clone() } else { None },
            event_new_due: t.state.due,
            event_old_text: None,
            event_new_text: None,
        };
        match t.event {
            PromiseEvent::TermsProposed => {
                w.proposed = Some(ProposedTermsView {
                    due_at: t.state.proposed.and_then(|p| p.due),
                    text: new_text.map(|t| t.as_str().to_string()),
                    note: note.map(|n| n.as_str().to_string()),
                    at: ts(ms(now)),
                });
                w.event_new_due = t.state.proposed.and_then(|p| p.due);
                w.event_new_text = asked_text(&w.proposed);
            }
            PromiseEvent::TermsDeclined | PromiseEvent::TermsWithdrawn => {
                w.event_new_due = open.as_ref().and_then(|p| p.due_at);
                w.event_new_text = asked_text(&open);
            }
            PromiseEvent::Renegotiated => {
                if let Some(text) = asked_text(&open) {
                    w.text = text;
                }
                w.event_new_text = asked_text(&open);
            }
            _ => {}
        }
        if w.event_new_text.is_some() {
            w.event_old_text = Some(current.text.clone());
        }
        w
    }
}

impl SqlStore {
    async fn promise_row(&self, user: Id, space: Id, promise: Id, now: Timestamp) -> Result<Row_> {
        let row = sqlx::query_as::<_, PromiseRow>(&format!(
            "SELECT {COLS} FROM promises p LEFT JOIN users u ON u.id = p.promiser_id WHERE p.id = $1 AND p.space_id = $2 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $2 AND m.user_id = $3)"
        ))
        .bind(promise.get())
        .bind(space.get())
        .bind(user.get())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let r = row.view(user, now)?;
        authorize(Some(user), true, &facts(&r.promise), Action::Read)?;
        Ok(r)
    }
}

impl SqlStore {
    /// The promises of `space` that `user` may read, at most `limit`
    /// (callers bound it; the export asks for all).
    pub(crate) async fn list_promises(
        &self,
        user: Id,
        space: Id,
        filter: &PromiseFilter,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Promise>> {
        let mut sql = format!(
            "SELECT {COLS} FROM promises p LEFT JOIN users u ON u.id = p.promiser_id WHERE p.space_id = $1 \
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)"
        );
        let mut ph = Placeholders::after(2);
        if filter.promiser.is_some() {
            sql.push_str(&format!(" AND p.promiser_id = {}", ph.next()));
        }
        if filter.unsettled_only {
            sql.push_str(" AND p.status NOT IN ('kept', 'released')");
        }
        // Unsettled first, then by due time (soonest first), then newest.
        sql.push_str(&format!(
            " ORDER BY CASE WHEN p.status IN ('kept', 'released') THEN 1 ELSE 0 END, \
             CASE WHEN p.due_at IS NULL THEN 1 ELSE 0 END, p.due_at, p.created_at DESC LIMIT {}",
            ph.next()
        ));
        let mut q = sqlx::query_as::<_, PromiseRow>(&sql).bind(space.get()).bind(user.get());
        if let Some(p) = filter.promiser {
            q = q.bind(p.get());
        }
        q = q.bind(limit);
        let rows = q.fetch_all(&self.pool).await?;
        if rows.is_empty() && !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let p = r.view(user, now)?.promise;
            if filter.status.is_some_and(|s| s != p.status) {
                continue;
            }
            if authorize(Some(user), true, &facts(&p), Action::Read).is_ok() {
                out.push(p);
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl PromiseStore for SqlStore {
    async fn make_promise(&self, user: Id, space: Id, new: NewPromise) -> Result<Promise> {
        let outcome: Result<Promise> = async {
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
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn promises(&self, user: Id, space: Id, filter: PromiseFilter, now: Timestamp) -> Result<Vec<Promise>> {
        let limit = filter.limit.unwrap_or(200).clamp(1, 1000);
        self.list_promises(user, space, &filter, now, limit).await
    }
    async fn promise(&self, user: Id, space: Id, promise: Id, now: Timestamp) -> Result<Promise> {
        let mut p = self.promise_row(user, space, promise, now).await?.promise;
        let rows = sqlx::query_as::<_, EventRow>(
            "SELECT e.kind, u.display_name AS actor_name, e.note, e.old_due, e.new_due, e.old_text, e.new_text, e.at \
             FROM promise_events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.promise_id = $1 ORDER BY e.at, e.id LIMIT 500",
        )
        .bind(promise.get())
        .fetch_all(&self.pool)
        .await?;
        p.events = rows
            .into_iter()
            .filter_map(|r| {
                Some(PromiseEventView {
                    kind: r.kind.parse().ok()?,
                    actor_name: r.actor_name,
                    note: r.note,
                    old_due: r.old_due.map(ts),
                    old_text: r.old_text,
                    new_text: r.new_text,
                    new_due: r.new_due.map(ts),
                    at: ts(r.at),
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
        action: promises::Action,
        words: ActionWords<'_>,
        now: Timestamp,
    ) -> Result<Promise> {
        let outcome: Result<Promise> = async {
            let current = self.promise_row(user, space, promise, now).await?;
            let role = if current.promise.mine { Role::Promiser } else { Role::Partner };
            let state = PromiseState {
                status: current.stored,
                due: current.promise.due_at,
                created_at: current.promise.created_at,
                renegotiations: current.promise.renegotiations,
                proposed: current.promise.proposed_terms.as_ref().map(|p| ProposedTerms { due: p.due_at }),
            };
            // A new wording counts only if it differs from the one the promise has.
            let ActionWords { note, new_text } = words;
            let new_text = new_text.filter(|t| t.as_str() != current.promise.text);
            let action = match action {
                promises::Action::ProposeTerms { new_due, .. } => {
                    promises::Action::ProposeTerms { new_due, rewords: new_text.is_some() }
                }
                other => other,
            };
            let t = promises::apply(&state, role, &action, now)?;
            let terms = TermsWrite::new(&current.promise, &t, new_text, note, now);
            let settled = promises::records_outcome(t.event).then(|| ms(now));
            let mut tx = self.pool.begin().await?;
            // Only if nobody changed it meanwhile (two devices, two partners):
            // the stored status and update time must still be what we decided on.
            let done = sqlx::query(
                "UPDATE promises SET status = $1, due_at = $2, renegotiations = $3, updated_at = $4, \
                 settled_at = COALESCE($5, settled_at), text = $9, proposed_at = $10, proposed_due = $11, \
                 proposed_text = $12, proposed_note = $13 WHERE id = $6 AND status = $7 AND updated_at = $8",
            )
            .bind(t.state.status.as_str())
            .bind(t.state.due.map(ms))
            .bind(t.state.renegotiations as i64)
            .bind(ms(now).max(current.updated_at + 1))
            .bind(settled)
            .bind(promise.get())
            .bind(current.stored.as_str())
            .bind(current.updated_at)
            .bind(&terms.text)
            .bind(terms.proposed.as_ref().map(|p| ms(p.at)))
            .bind(terms.proposed.as_ref().and_then(|p| p.due_at.map(ms)))
            .bind(terms.proposed.as_ref().and_then(|p| p.text.clone()))
            .bind(terms.proposed.as_ref().and_then(|p| p.note.clone()))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::conflict("changed_meanwhile", "this promise changed a moment ago; look again"));
            }
            sqlx::query(
                "INSERT INTO promise_events (id, promise_id, actor_id, kind, note, old_due, new_due, at, \
                 old_text, new_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(new_id().get())
            .bind(promise.get())
            .bind(user.get())
            .bind(t.event.as_str())
            .bind(note.map(|n| n.as_str().to_string()))
            .bind(state.due.map(ms))
            .bind(terms.event_new_due.map(ms))
            .bind(ms(now))
            .bind(terms.event_old_text)
            .bind(terms.event_new_text)
            .execute(&mut *tx)
            .await?;
            // The promiser's reliability tally follows in the same transaction.
            if let Some(promiser) = current.promise.promiser_id {
                let recorded = settled.map(ts).or(current.promise.settled_at);
                let outcome = promises::counted_outcome(&t.state, recorded, now);
                tallies::replace(&mut tx, space, promiser, promise, outcome).await?;
                if t.event == PromiseEvent::Renegotiated {
                    let told = Outcome { kind: OutcomeKind::RenegotiatedInTime, at: ts(ms(now)) };
                    tallies::count(&mut tx, space, promiser, told, 1).await?;
                }
            }
            tx.commit().await?;
            self.promise(user, space, promise, now).await
        }
        .await;
        self.note_write(&outcome);
        outcome
    }

    async fn commitment_load(&self, user: Id, space: Id, now: Timestamp) -> Result<CommitmentLoad> {
        self.require_member(user, space).await?;
        let week_ahead = now + SignedDuration::from_hours(24 * 7);
        let open: i64 = sqlx::query_scalar(
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
            open_this_week: open.max(0) as u32,
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
        let rows = sqlx::query_as::<_, OutcomeRow>(
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
            if r.kind == "member" {
                member_seen = true;
                continue;
            }
            if let (Some(kind), Some(at)) = (tallies::kind_from_str(&r.kind), r.at) {
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
        let (member, tallies) = tallies::read(&mut conn, viewer, space, now).await?;
        if !member {
            return Err(StoreError::NotFound);
        }
        Ok(tallies)
    }

    async fn fold_overdue_misses(&self, now: Timestamp, limit: i64) -> Result<usize> {
        let mut conn = self.pool.acquire().await?;
        Ok(tallies::fold_overdue(&mut conn, now, limit).await?)
    }

    async fn promises_due_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(Promise, Vec<Id>)>> {
        let rows = sqlx::query_as::<_, PromiseRow>(&format!(
            "SELECT {COLS} FROM promises p LEFT JOIN users u ON u.id = p.promiser_id \
             WHERE p.status IN ('open', 'claimed') AND p.due_at > $1 AND p.due_at <= $2 ORDER BY p.due_at LIMIT 1000"
        ))
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let p = r.view(Id::from_db(0), to)?.promise;
            let members: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM memberships WHERE space_id = $1")
                .bind(p.space_id.get())
                .fetch_all(&self.pool)
                .await?;
            out.push((p, members.into_iter().map(Id::from_db).collect()));
        }
        Ok(out)
    }
}
