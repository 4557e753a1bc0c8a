//! Shared goals (with milestones) and new experiences: storage.
//!
//! Both members read and write everything here; anyone else (another
//! space's member, a former member) gets `NotFound`, exactly as for a goal
//! that does not exist.
//!
//! Every change to a goal runs in one transaction that first writes the
//! goal's row (a no-op update), which is the lock, as for exchanges: on
//! PostgreSQL the row lock, on SQLite the write lock taken before any
//! read. Then the facts are read, the change made, and `done_at` set again
//! by the rule of [`troth_domain::goals`], so two members ticking the last
//! two milestones at once finish the goal exactly once. Adding a goal or
//! an experience locks the space's row the same way, so the limits hold
//! under concurrent adds.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::AnyConnection;
use troth_domain::goals::{
    self as rules, ExperienceTitle, GoalFacts, GoalTitle, MilestoneTitle, Notes, PlanDate, Refusal, Transition,
};
use troth_domain::Id;
use utoipa::ToSchema;

use crate::db::{lock_row, ms, opt_ts, ts, LockFor, SqlStore};
use crate::secret::new_id;
use crate::{Result, StoreError};

/// One small step of a goal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Milestone {
    pub id: Id,
    pub title: String,
    pub done: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ticked_at: Option<Timestamp>,
    /// Who ticked it (`None` when not ticked, or once they deleted their account).
    pub ticked_by_name: Option<String>,
    pub ticked_by_me: bool,
}

/// A goal the two take on together, with its milestones and progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Goal {
    pub id: Id,
    pub space_id: Id,
    pub title: String,
    /// Why it matters to them.
    pub why: Option<String>,
    /// The day they aim for, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Option<String>,
    pub created_by_me: bool,
    pub created_by_name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// Every milestone ticked, or every current member said it is done.
    pub done: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
    /// 0–100, for the progress bar (100 once done).
    pub percent: u8,
    pub milestones_ticked: i64,
    pub milestones: Vec<Milestone>,
    /// The viewer said "we are done".
    pub agreed_by_me: bool,
    /// The other member said "we are done".
    pub agreed_by_partner: bool,
}

/// A new thing to try together.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Experience {
    pub id: Id,
    pub space_id: Id,
    pub title: String,
    /// The day planned, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub planned_on: Option<String>,
    pub created_by_me: bool,
    pub created_by_name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub done: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
    pub done_by_name: Option<String>,
    /// A few words on how it went, written when marking it done.
    pub how_it_went: Option<String>,
}

pub struct NewGoal {
    pub title: GoalTitle,
    pub why: Option<Notes>,
    pub target_date: Option<PlanDate>,
    /// Milestones to start with, in order.
    pub milestones: Vec<MilestoneTitle>,
}

/// A change to a goal's own fields; `None` leaves a field as it is.
#[derive(Default)]
pub struct GoalPatch {
    pub title: Option<GoalTitle>,
    pub why: Option<Option<Notes>>,
    pub target_date: Option<Option<PlanDate>>,
}

pub struct NewExperience {
    pub title: ExperienceTitle,
    pub planned_on: Option<PlanDate>,
}

#[derive(Default)]
pub struct ExperiencePatch {
    pub title: Option<ExperienceTitle>,
    pub planned_on: Option<Option<PlanDate>>,
}

/// A goal after a change, and what the change did to its done state.
#[derive(Debug, Clone)]
pub struct GoalChanged {
    pub goal: Goal,
    pub transition: Transition,
}

/// An experience after marking it, and whether it has just become done.
#[derive(Debug, Clone)]
pub struct ExperienceChanged {
    pub experience: Experience,
    pub became_done: bool,
}

#[async_trait]
pub trait GoalStore: Send + Sync {
    async fn create_goal(&self, user: Id, space: Id, new: NewGoal) -> Result<Goal>;
    /// Open goals first (newest first), then done ones (most recently done first).
    async fn goals(&self, user: Id, space: Id) -> Result<Vec<Goal>>;
    async fn goal(&self, user: Id, space: Id, goal: Id) -> Result<Goal>;
    async fn update_goal(&self, user: Id, space: Id, goal: Id, patch: GoalPatch) -> Result<Goal>;
    async fn delete_goal(&self, user: Id, space: Id, goal: Id) -> Result<()>;
    async fn add_milestone(&self, user: Id, space: Id, goal: Id, title: &MilestoneTitle) -> Result<GoalChanged>;
    async fn tick_milestone(&self, user: Id, space: Id, goal: Id, milestone: Id, done: bool) -> Result<GoalChanged>;
    async fn delete_milestone(&self, user: Id, space: Id, goal: Id, milestone: Id) -> Result<GoalChanged>;
    /// The caller says the goal is done (or takes it back).
    async fn agree_goal_done(&self, user: Id, space: Id, goal: Id, on: bool) -> Result<GoalChanged>;

    async fn create_experience(&self, user: Id, space: Id, new: NewExperience) -> Result<Experience>;
    /// Planned ones first (soonest first, undated after), then done ones.
    async fn experiences(&self, user: Id, space: Id) -> Result<Vec<Experience>>;
    async fn experience(&self, user: Id, space: Id, experience: Id) -> Result<Experience>;
    async fn update_experience(
        &self,
        user: Id,
        space: Id,
        experience: Id,
        patch: ExperiencePatch,
    ) -> Result<Experience>;
    async fn delete_experience(&self, user: Id, space: Id, experience: Id) -> Result<()>;
    /// Marks it done with how it went (marking again rewrites the note), or
    /// not done (the note goes with it).
    async fn mark_experience(
        &self,
        user: Id,
        space: Id,
        experience: Id,
        done: bool,
        how_it_went: Option<Notes>,
    ) -> Result<ExperienceChanged>;
}

#[derive(sqlx::FromRow)]
struct GoalRow {
    id: i64,
    space_id: i64,
    created_by: Option<i64>,
    creator_name: Option<String>,
    title: String,
    why: Option<String>,
    target_date: Option<String>,
    created_at: i64,
    updated_at: i64,
    done_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct MilestoneRow {
    id: i64,
    goal_id: i64,
    title: String,
    ticked_at: Option<i64>,
    ticked_by: Option<i64>,
    ticker_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AgreementRow {
    goal_id: i64,
    user_id: i64,
}

#[derive(sqlx::FromRow)]
struct ExperienceRow {
    id: i64,
    space_id: i64,
    created_by: Option<i64>,
    creator_name: Option<String>,
    title: String,
    planned_on: Option<String>,
    created_at: i64,
    done_at: Option<i64>,
    doer_name: Option<String>,
    how_it_went: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

fn refused(r: Refusal) -> StoreError {
    StoreError::conflict(r.code(), r.to_string())
}

const GOAL_COLUMNS: &str = "g.id, g.space_id, g.created_by, u.display_name AS creator_name, g.title, g.why, \
     g.target_date, g.created_at, g.updated_at, g.done_at";

const EXPERIENCE_COLUMNS: &str = "x.id, x.space_id, x.created_by, u.display_name AS creator_name, x.title, \
     x.planned_on, x.created_at, x.done_at, d.display_name AS doer_name, x.how_it_went";

async fn count(conn: &mut AnyConnection, sql: &str, id: Id) -> Result<i64> {
    Ok(sqlx::query_as::<_, Count>(sql).bind(id.get()).fetch_one(&mut *conn).await?.n)
}

/// Takes the space's lock for an add, and checks membership with it.
async fn lock_space(conn: &mut AnyConnection, user: Id, space: Id) -> Result<()> {
    let locked = sqlx::query(
        "UPDATE spaces SET member_count = member_count WHERE id = $1 \
         AND EXISTS (SELECT 1 FROM memberships m WHERE m.space_id = $1 AND m.user_id = $2)",
    )
    .bind(space.get())
    .bind(user.get())
    .execute(&mut *conn)
    .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Takes the goal's lock (see the module comment); `NotFound` for anyone
/// not a member of its space. Returns whether it was done before.
async fn lock_goal(conn: &mut AnyConnection, user: Id, space: Id, goal: Id) -> Result<bool> {
    lock_row(conn, "goals", "updated_at", goal, space, LockFor::Member(user)).await?;
    let was_done =
        count(&mut *conn, "SELECT COUNT(*) AS n FROM goals WHERE id = $1 AND done_at IS NOT NULL", goal).await?;
    Ok(was_done > 0)
}

/// What the done rule decides on, read inside the goal's transaction.
async fn goal_facts(conn: &mut AnyConnection, space: Id, goal: Id) -> Result<GoalFacts> {
    let milestones = count(&mut *conn, "SELECT COUNT(*) AS n FROM goal_milestones WHERE goal_id = $1", goal).await?;
    let ticked = count(
        &mut *conn,
        "SELECT COUNT(*) AS n FROM goal_milestones WHERE goal_id = $1 AND ticked_at IS NOT NULL",
        goal,
    )
    .await?;
    let agreed = sqlx::query_as::<_, Count>(
        "SELECT COUNT(*) AS n FROM goal_agreements a JOIN memberships m ON m.user_id = a.user_id AND m.space_id = $2 \
         WHERE a.goal_id = $1",
    )
    .bind(goal.get())
    .bind(space.get())
    .fetch_one(&mut *conn)
    .await?
    .n;
    let members = count(&mut *conn, "SELECT COUNT(*) AS n FROM memberships WHERE space_id = $1", space).await?;
    Ok(GoalFacts { milestones, ticked, agreed, members })
}

/// Applies the done rule after a change and records the result; returns
/// what changed. `done_at` keeps its first time while the goal stays done.
async fn settle_goal(conn: &mut AnyConnection, space: Id, goal: Id, was_done: bool, now: i64) -> Result<Transition> {
    let now_done = rules::is_done(goal_facts(&mut *conn, space, goal).await?);
    sqlx::query(
        "UPDATE goals SET updated_at = $2, \
         done_at = CASE WHEN $3 = 1 THEN COALESCE(done_at, $2) ELSE NULL END WHERE id = $1",
    )
    .bind(goal.get())
    .bind(now)
    .bind(i64::from(now_done))
    .execute(&mut *conn)
    .await?;
    Ok(rules::settle(was_done, now_done))
}

async fn insert_milestone(conn: &mut AnyConnection, goal: Id, title: &MilestoneTitle, now: i64) -> Result<()> {
    let existing = count(&mut *conn, "SELECT COUNT(*) AS n FROM goal_milestones WHERE goal_id = $1", goal).await?;
    rules::room_for(existing, rules::MAX_MILESTONES_PER_GOAL, Refusal::TooManyMilestones).map_err(refused)?;
    let next =
        count(&mut *conn, "SELECT COALESCE(MAX(position), 0) + 1 AS n FROM goal_milestones WHERE goal_id = $1", goal)
            .await?;
    sqlx::query("INSERT INTO goal_milestones (id, goal_id, title, position, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id().get())
        .bind(goal.get())
        .bind(title.as_str())
        .bind(next)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Lifecycle hook, export: every goal (with milestones) and experience of
/// the space, as both members see them.
pub(crate) async fn export(db: &SqlStore, user: Id, space: Id) -> Result<(Vec<Goal>, Vec<Experience>)> {
    Ok((db.goals(user, space).await?, db.experiences(user, space).await?))
}

impl SqlStore {
    async fn load_goals(&self, user: Id, space: Id, only: Option<Id>) -> Result<Vec<Goal>> {
        if !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        let only = only.map_or(0, Id::get);
        let rows = sqlx::query_as::<_, GoalRow>(&format!(
            "SELECT {GOAL_COLUMNS} FROM goals g LEFT JOIN users u ON u.id = g.created_by \
             WHERE g.space_id = $1 AND ($2 = 0 OR g.id = $2) \
             ORDER BY CASE WHEN g.done_at IS NULL THEN 0 ELSE 1 END, COALESCE(g.done_at, g.created_at) DESC, g.id DESC"
        ))
        .bind(space.get())
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return if only != 0 { Err(StoreError::NotFound) } else { Ok(Vec::new()) };
        }
        let milestones = sqlx::query_as::<_, MilestoneRow>(
            "SELECT ms.id, ms.goal_id, ms.title, ms.ticked_at, ms.ticked_by, u.display_name AS ticker_name \
             FROM goal_milestones ms JOIN goals g ON g.id = ms.goal_id LEFT JOIN users u ON u.id = ms.ticked_by \
             WHERE g.space_id = $1 AND ($2 = 0 OR g.id = $2) ORDER BY ms.goal_id, ms.position",
        )
        .bind(space.get())
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        // Only current members' agreements count (and are shown).
        let agreements = sqlx::query_as::<_, AgreementRow>(
            "SELECT a.goal_id, a.user_id FROM goal_agreements a JOIN goals g ON g.id = a.goal_id \
             JOIN memberships m ON m.user_id = a.user_id AND m.space_id = g.space_id \
             WHERE g.space_id = $1 AND ($2 = 0 OR g.id = $2)",
        )
        .bind(space.get())
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        let mut milestones_of: HashMap<i64, Vec<Milestone>> = HashMap::new();
        for m in milestones {
            let by = m.ticked_by.map(Id::from_db);
            milestones_of.entry(m.goal_id).or_default().push(Milestone {
                id: Id::from_db(m.id),
                title: m.title,
                done: m.ticked_at.is_some(),
                ticked_at: opt_ts(m.ticked_at),
                ticked_by_name: m.ticker_name.filter(|_| m.ticked_at.is_some()),
                ticked_by_me: m.ticked_at.is_some() && by == Some(user),
            });
        }
        let mut agreed_of: HashMap<i64, Vec<Id>> = HashMap::new();
        for a in agreements {
            agreed_of.entry(a.goal_id).or_default().push(Id::from_db(a.user_id));
        }
        let members =
            count(&mut *self.pool.acquire().await?, "SELECT COUNT(*) AS n FROM memberships WHERE space_id = $1", space)
                .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let milestones = milestones_of.remove(&row.id).unwrap_or_default();
                let agreed = agreed_of.remove(&row.id).unwrap_or_default();
                let ticked = milestones.iter().filter(|m| m.done).count() as i64;
                let facts =
                    GoalFacts { milestones: milestones.len() as i64, ticked, agreed: agreed.len() as i64, members };
                let done = row.done_at.is_some();
                Goal {
                    id: Id::from_db(row.id),
                    space_id: Id::from_db(row.space_id),
                    title: row.title,
                    why: row.why,
                    target_date: row.target_date,
                    created_by_me: row.created_by.map(Id::from_db) == Some(user),
                    created_by_name: row.creator_name,
                    created_at: ts(row.created_at),
                    updated_at: ts(row.updated_at),
                    done,
                    done_at: opt_ts(row.done_at),
                    percent: if done { 100 } else { rules::percent(facts) },
                    milestones_ticked: ticked,
                    milestones,
                    agreed_by_me: agreed.contains(&user),
                    agreed_by_partner: agreed.iter().any(|a| *a != user),
                }
            })
            .collect())
    }

    async fn load_experiences(&self, user: Id, space: Id, only: Option<Id>) -> Result<Vec<Experience>> {
        if !self.is_member(user, space).await? {
            return Err(StoreError::NotFound);
        }
        let only = only.map_or(0, Id::get);
        let rows = sqlx::query_as::<_, ExperienceRow>(&format!(
            "SELECT {EXPERIENCE_COLUMNS} FROM experiences x LEFT JOIN users u ON u.id = x.created_by \
             LEFT JOIN users d ON d.id = x.done_by WHERE x.space_id = $1 AND ($2 = 0 OR x.id = $2) \
             ORDER BY CASE WHEN x.done_at IS NULL THEN 0 ELSE 1 END, \
             CASE WHEN x.done_at IS NULL AND x.planned_on IS NULL THEN 1 ELSE 0 END, \
             x.planned_on, x.done_at DESC, x.created_at DESC, x.id DESC"
        ))
        .bind(space.get())
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() && only != 0 {
            return Err(StoreError::NotFound);
        }
        Ok(rows
            .into_iter()
            .map(|r| Experience {
                id: Id::from_db(r.id),
                space_id: Id::from_db(r.space_id),
                title: r.title,
                planned_on: r.planned_on,
                created_by_me: r.created_by.map(Id::from_db) == Some(user),
                created_by_name: r.creator_name,
                created_at: ts(r.created_at),
                done: r.done_at.is_some(),
                done_at: opt_ts(r.done_at),
                done_by_name: r.doer_name.filter(|_| r.done_at.is_some()),
                how_it_went: r.how_it_went,
            })
            .collect())
    }

    /// Runs `change` on a locked goal, then the done rule; all or nothing.
    async fn change_goal<F>(&self, user: Id, space: Id, goal: Id, change: F) -> Result<GoalChanged>
    where
        F: for<'c> FnOnce(
                &'c mut AnyConnection,
                i64,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'c>>
            + Send,
    {
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        let was_done = lock_goal(&mut tx, user, space, goal).await?;
        change(&mut tx, now).await?;
        let transition = settle_goal(&mut tx, space, goal, was_done, now).await?;
        tx.commit().await?;
        Ok(GoalChanged { goal: self.goal(user, space, goal).await?, transition })
    }
}

#[async_trait]
impl GoalStore for SqlStore {
    async fn create_goal(&self, user: Id, space: Id, new: NewGoal) -> Result<Goal> {
        let existing_milestones = new.milestones.len() as i64;
        if existing_milestones > rules::MAX_MILESTONES_PER_GOAL {
            return Err(refused(Refusal::TooManyMilestones));
        }
        let gid = new_id();
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        lock_space(&mut tx, user, space).await?;
        let goals = count(&mut tx, "SELECT COUNT(*) AS n FROM goals WHERE space_id = $1", space).await?;
        rules::room_for(goals, rules::MAX_GOALS_PER_SPACE, Refusal::TooManyGoals).map_err(refused)?;
        sqlx::query(
            "INSERT INTO goals (id, space_id, created_by, title, why, target_date, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(gid.get())
        .bind(space.get())
        .bind(user.get())
        .bind(new.title.as_str())
        .bind(new.why.as_ref().map(|w| w.as_str().to_string()))
        .bind(new.target_date.map(PlanDate::as_string))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for m in &new.milestones {
            insert_milestone(&mut tx, gid, m, now).await?;
        }
        tx.commit().await?;
        self.goal(user, space, gid).await
    }

    async fn goals(&self, user: Id, space: Id) -> Result<Vec<Goal>> {
        self.load_goals(user, space, None).await
    }

    async fn goal(&self, user: Id, space: Id, goal: Id) -> Result<Goal> {
        self.load_goals(user, space, Some(goal)).await?.pop().ok_or(StoreError::NotFound)
    }

    async fn update_goal(&self, user: Id, space: Id, goal: Id, patch: GoalPatch) -> Result<Goal> {
        let changed = self
            .change_goal(user, space, goal, move |conn, now| {
                Box::pin(async move {
                    if let Some(title) = &patch.title {
                        sqlx::query("UPDATE goals SET title = $2, updated_at = $3 WHERE id = $1")
                            .bind(goal.get())
                            .bind(title.as_str())
                            .bind(now)
                            .execute(&mut *conn)
                            .await?;
                    }
                    if let Some(why) = &patch.why {
                        sqlx::query("UPDATE goals SET why = $2 WHERE id = $1")
                            .bind(goal.get())
                            .bind(why.as_ref().map(|w| w.as_str().to_string()))
                            .execute(&mut *conn)
                            .await?;
                    }
                    if let Some(date) = patch.target_date {
                        sqlx::query("UPDATE goals SET target_date = $2 WHERE id = $1")
                            .bind(goal.get())
                            .bind(date.map(PlanDate::as_string))
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(changed.goal)
    }

    async fn delete_goal(&self, user: Id, space: Id, goal: Id) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        lock_goal(&mut tx, user, space, goal).await?;
        sqlx::query("DELETE FROM goals WHERE id = $1").bind(goal.get()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_milestone(&self, user: Id, space: Id, goal: Id, title: &MilestoneTitle) -> Result<GoalChanged> {
        let title = title.clone();
        self.change_goal(user, space, goal, move |conn, now| {
            Box::pin(async move { insert_milestone(conn, goal, &title, now).await })
        })
        .await
    }

    async fn tick_milestone(&self, user: Id, space: Id, goal: Id, milestone: Id, done: bool) -> Result<GoalChanged> {
        self.change_goal(user, space, goal, move |conn, now| {
            Box::pin(async move {
                // Ticking a ticked one keeps who ticked it first and when.
                let query = if done {
                    sqlx::query(
                        "UPDATE goal_milestones SET ticked_at = COALESCE(ticked_at, $3), \
                         ticked_by = CASE WHEN ticked_at IS NULL THEN $4 ELSE ticked_by END \
                         WHERE id = $1 AND goal_id = $2",
                    )
                    .bind(milestone.get())
                    .bind(goal.get())
                    .bind(now)
                    .bind(user.get())
                } else {
                    sqlx::query(
                        "UPDATE goal_milestones SET ticked_at = NULL, ticked_by = NULL WHERE id = $1 AND goal_id = $2",
                    )
                    .bind(milestone.get())
                    .bind(goal.get())
                };
                let res = query.execute(&mut *conn).await?;
                if res.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            })
        })
        .await
    }

    async fn delete_milestone(&self, user: Id, space: Id, goal: Id, milestone: Id) -> Result<GoalChanged> {
        self.change_goal(user, space, goal, move |conn, _now| {
            Box::pin(async move {
                let res = sqlx::query("DELETE FROM goal_milestones WHERE id = $1 AND goal_id = $2")
                    .bind(milestone.get())
                    .bind(goal.get())
                    .execute(&mut *conn)
                    .await?;
                if res.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            })
        })
        .await
    }

    async fn agree_goal_done(&self, user: Id, space: Id, goal: Id, on: bool) -> Result<GoalChanged> {
        self.change_goal(user, space, goal, move |conn, now| {
            Box::pin(async move {
                if on {
                    sqlx::query(
                        "INSERT INTO goal_agreements (goal_id, user_id, agreed_at) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(goal.get())
                    .bind(user.get())
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                } else {
                    sqlx::query("DELETE FROM goal_agreements WHERE goal_id = $1 AND user_id = $2")
                        .bind(goal.get())
                        .bind(user.get())
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn create_experience(&self, user: Id, space: Id, new: NewExperience) -> Result<Experience> {
        let xid = new_id();
        let mut tx = self.pool.begin().await?;
        lock_space(&mut tx, user, space).await?;
        let existing = count(&mut tx, "SELECT COUNT(*) AS n FROM experiences WHERE space_id = $1", space).await?;
        rules::room_for(existing, rules::MAX_EXPERIENCES_PER_SPACE, Refusal::TooManyExperiences).map_err(refused)?;
        sqlx::query(
            "INSERT INTO experiences (id, space_id, created_by, title, planned_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(xid.get())
        .bind(space.get())
        .bind(user.get())
        .bind(new.title.as_str())
        .bind(new.planned_on.map(PlanDate::as_string))
        .bind(ms(Timestamp::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.experience(user, space, xid).await
    }

    async fn experiences(&self, user: Id, space: Id) -> Result<Vec<Experience>> {
        self.load_experiences(user, space, None).await
    }

    async fn experience(&self, user: Id, space: Id, experience: Id) -> Result<Experience> {
        self.load_experiences(user, space, Some(experience)).await?.pop().ok_or(StoreError::NotFound)
    }

    async fn update_experience(
        &self,
        user: Id,
        space: Id,
        experience: Id,
        patch: ExperiencePatch,
    ) -> Result<Experience> {
        self.require_member(user, space).await?;
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("UPDATE experiences SET title = COALESCE($3, title) WHERE id = $1 AND space_id = $2")
            .bind(experience.get())
            .bind(space.get())
            .bind(patch.title.as_ref().map(|t| t.as_str().to_string()))
            .execute(&mut *tx)
            .await?;
        if exists.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if let Some(date) = patch.planned_on {
            sqlx::query("UPDATE experiences SET planned_on = $2 WHERE id = $1")
                .bind(experience.get())
                .bind(date.map(PlanDate::as_string))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.experience(user, space, experience).await
    }

    async fn delete_experience(&self, user: Id, space: Id, experience: Id) -> Result<()> {
        self.require_member(user, space).await?;
        let gone = sqlx::query("DELETE FROM experiences WHERE id = $1 AND space_id = $2")
            .bind(experience.get())
            .bind(space.get())
            .execute(&self.pool)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn mark_experience(
        &self,
        user: Id,
        space: Id,
        experience: Id,
        done: bool,
        how_it_went: Option<Notes>,
    ) -> Result<ExperienceChanged> {
        self.require_member(user, space).await?;
        let now = ms(Timestamp::now());
        let mut tx = self.pool.begin().await?;
        // The first write is the lock; `done_at` before it says whether
        // this mark is the one that finished it.
        lock_row(&mut tx, "experiences", "title", experience, space, LockFor::Checked).await?;
        let was_done =
            count(&mut tx, "SELECT COUNT(*) AS n FROM experiences WHERE id = $1 AND done_at IS NOT NULL", experience)
                .await?
                > 0;
        if done {
            sqlx::query(
                "UPDATE experiences SET done_at = COALESCE(done_at, $2), \
                 done_by = CASE WHEN done_at IS NULL THEN $3 ELSE done_by END, how_it_went = $4 WHERE id = $1",
            )
            .bind(experience.get())
            .bind(now)
            .bind(user.get())
            .bind(how_it_went.as_ref().map(|n| n.as_str().to_string()))
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("UPDATE experiences SET done_at = NULL, done_by = NULL, how_it_went = NULL WHERE id = $1")
                .bind(experience.get())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ExperienceChanged {
            experience: self.experience(user, space, experience).await?,
            became_done: done && !was_done,
        })
    }
}
