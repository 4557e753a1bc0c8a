//! The goal and experience use cases, shared by the API and the pages: raw
//! input in, validated by the domain types, stored (the done rule applied
//! inside the goal's locked transaction), and the partner told.
//!
//! The partner hears when a goal or an experience is added and when one is
//! finished, never what it says (an email crosses relays): the link takes
//! them to the page.

use troth_domain::fields::present;
use troth_domain::goals::{ExperienceTitle, GoalTitle, MilestoneTitle, Notes, PlanDate, Transition};
use troth_domain::notifications::NotificationKind;
use troth_domain::Id;
use troth_store::{Experience, ExperiencePatch, Goal, GoalChanged, GoalPatch, NewExperience, NewGoal, Space};

use crate::features::notifications::service::tell_partner;
use crate::http::error::ApiResult;
use crate::state::AppState;

pub const KIND: NotificationKind = NotificationKind::Goals;

pub fn page(space: Id) -> String {
    format!("/spaces/{space}/goals")
}

pub fn goal_link(space: Id, goal: Id) -> String {
    format!("/spaces/{space}/goals#goal-{goal}")
}

pub fn experience_link(space: Id, experience: Id) -> String {
    format!("/spaces/{space}/goals#experience-{experience}")
}

pub struct GoalInput<'a> {
    pub title: &'a str,
    pub why: Option<&'a str>,
    pub target_date: Option<&'a str>,
    /// Milestones to start with, in order; blank ones are skipped.
    pub milestones: Vec<&'a str>,
}

/// A change to a goal; `None` keeps a field, an empty text clears `why`
/// and `target_date`.
#[derive(Default)]
pub struct GoalChange<'a> {
    pub title: Option<&'a str>,
    pub why: Option<&'a str>,
    pub target_date: Option<&'a str>,
}

pub struct ExperienceInput<'a> {
    pub title: &'a str,
    pub planned_on: Option<&'a str>,
}

#[derive(Default)]
pub struct ExperienceChange<'a> {
    pub title: Option<&'a str>,
    pub planned_on: Option<&'a str>,
}

/// Everything the page shows: goals and experiences.
pub async fn overview(state: &AppState, me: Id, space: Id) -> ApiResult<(Vec<Goal>, Vec<Experience>)> {
    Ok((state.store.goals(me, space).await?, state.store.experiences(me, space).await?))
}

pub async fn goals(state: &AppState, me: Id, space: Id) -> ApiResult<Vec<Goal>> {
    Ok(state.store.goals(me, space).await?)
}

pub async fn goal(state: &AppState, me: Id, space: Id, goal: Id) -> ApiResult<Goal> {
    Ok(state.store.goal(me, space, goal).await?)
}

/// Every field is checked before anything is stored, so a bad milestone
/// leaves no goal behind.
pub async fn create_goal(state: &AppState, me: Id, space: &Space, input: GoalInput<'_>) -> ApiResult<Goal> {
    let mut milestones = Vec::new();
    for m in input.milestones {
        if let Some(text) = present("milestone", Some(m), MilestoneTitle::MAX)? {
            milestones.push(MilestoneTitle::parse(text)?);
        }
    }
    let new = NewGoal {
        title: GoalTitle::parse(input.title)?,
        why: Notes::parse_optional("why", input.why)?,
        target_date: PlanDate::parse_optional("target_date", input.target_date)?,
        milestones,
    };
    let goal = state.store.create_goal(me, space.id, new).await?;
    tell(state, space, me, "Your {other} added a shared goal.", &goal_link(space.id, goal.id)).await;
    Ok(goal)
}

pub async fn update_goal(state: &AppState, me: Id, space: Id, goal: Id, change: GoalChange<'_>) -> ApiResult<Goal> {
    let patch = GoalPatch {
        title: change.title.map(GoalTitle::parse).transpose()?,
        why: change.why.map(|w| Notes::parse_optional("why", Some(w))).transpose()?,
        target_date: change.target_date.map(|d| PlanDate::parse_optional("target_date", Some(d))).transpose()?,
    };
    Ok(state.store.update_goal(me, space, goal, patch).await?)
}

pub async fn delete_goal(state: &AppState, me: Id, space: Id, goal: Id) -> ApiResult<()> {
    Ok(state.store.delete_goal(me, space, goal).await?)
}

pub async fn add_milestone(state: &AppState, me: Id, space: &Space, goal: Id, title: &str) -> ApiResult<Goal> {
    let title = MilestoneTitle::parse(title)?;
    let changed = state.store.add_milestone(me, space.id, goal, &title).await?;
    Ok(after(state, me, space, changed).await)
}

pub async fn tick_milestone(
    state: &AppState,
    me: Id,
    space: &Space,
    goal: Id,
    milestone: Id,
    done: bool,
) -> ApiResult<Goal> {
    let changed = state.store.tick_milestone(me, space.id, goal, milestone, done).await?;
    Ok(after(state, me, space, changed).await)
}

pub async fn delete_milestone(state: &AppState, me: Id, space: &Space, goal: Id, milestone: Id) -> ApiResult<Goal> {
    let changed = state.store.delete_milestone(me, space.id, goal, milestone).await?;
    Ok(after(state, me, space, changed).await)
}

pub async fn agree(state: &AppState, me: Id, space: &Space, goal: Id, done: bool) -> ApiResult<Goal> {
    let changed = state.store.agree_goal_done(me, space.id, goal, done).await?;
    Ok(after(state, me, space, changed).await)
}

/// Tells the partner once, when the change finished the goal.
async fn after(state: &AppState, me: Id, space: &Space, changed: GoalChanged) -> Goal {
    if changed.transition == Transition::BecameDone {
        tell(
            state,
            space,
            me,
            "A shared goal of yours and your {other}'s is done.",
            &goal_link(space.id, changed.goal.id),
        )
        .await;
    }
    changed.goal
}

pub async fn experiences(state: &AppState, me: Id, space: Id) -> ApiResult<Vec<Experience>> {
    Ok(state.store.experiences(me, space).await?)
}

pub async fn experience(state: &AppState, me: Id, space: Id, experience: Id) -> ApiResult<Experience> {
    Ok(state.store.experience(me, space, experience).await?)
}

pub async fn create_experience(
    state: &AppState,
    me: Id,
    space: &Space,
    input: ExperienceInput<'_>,
) -> ApiResult<Experience> {
    let new = NewExperience {
        title: ExperienceTitle::parse(input.title)?,
        planned_on: PlanDate::parse_optional("planned_on", input.planned_on)?,
    };
    let x = state.store.create_experience(me, space.id, new).await?;
    tell(state, space, me, "Your {other} added a new experience to try together.", &experience_link(space.id, x.id))
        .await;
    Ok(x)
}

pub async fn update_experience(
    state: &AppState,
    me: Id,
    space: Id,
    experience: Id,
    change: ExperienceChange<'_>,
) -> ApiResult<Experience> {
    let patch = ExperiencePatch {
        title: change.title.map(ExperienceTitle::parse).transpose()?,
        planned_on: change.planned_on.map(|d| PlanDate::parse_optional("planned_on", Some(d))).transpose()?,
    };
    Ok(state.store.update_experience(me, space, experience, patch).await?)
}

pub async fn delete_experience(state: &AppState, me: Id, space: Id, experience: Id) -> ApiResult<()> {
    Ok(state.store.delete_experience(me, space, experience).await?)
}

/// Marks an experience done with how it went, or not done again.
pub async fn mark_experience(
    state: &AppState,
    me: Id,
    space: &Space,
    experience: Id,
    done: bool,
    how_it_went: Option<&str>,
) -> ApiResult<Experience> {
    let note = Notes::parse_optional("how_it_went", how_it_went)?;
    let changed = state.store.mark_experience(me, space.id, experience, done, note).await?;
    if changed.became_done {
        tell(state, space, me, "Your {other} marked a new experience as done.", &experience_link(space.id, experience))
            .await;
    }
    Ok(changed.experience)
}

/// `{other}` in `template` becomes "partner", "friend"... as the space says.
async fn tell(state: &AppState, space: &Space, me: Id, template: &str, link: &str) {
    let text = template.replace("{other}", space.kind.other_member_word());
    tell_partner(state, space, me, KIND, &text, link).await;
}
