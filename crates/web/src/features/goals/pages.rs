//! `/spaces/{space_id}/goals`: one page, phone first, with the shared
//! goals (a progress bar each, milestones to tick, "we are done") and the
//! list of new experiences to plan and mark done. Every form posts back
//! here; a refused one re-renders the page with what was typed and the
//! sentence next to its field.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::post;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::goals::{ExperienceTitle, GoalTitle, MilestoneTitle, Notes};
use troth_domain::Id;
use troth_store::{Experience, Goal, Space};

use super::service::{self, ExperienceInput, GoalChange, GoalInput};
use super::{ExperienceId, GoalId, MilestoneId};
use crate::auth::Identity;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::SpaceCtx;
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/goals", axum::routing::get(show).post(create_goal))
        .route("/spaces/{space_id}/goals/{goal_id}", post(edit_goal))
        .route("/spaces/{space_id}/goals/{goal_id}/delete", post(delete_goal))
        .route("/spaces/{space_id}/goals/{goal_id}/milestones", post(add_milestone))
        .route("/spaces/{space_id}/goals/{goal_id}/milestones/{milestone_id}", post(tick_milestone))
        .route("/spaces/{space_id}/goals/{goal_id}/milestones/{milestone_id}/delete", post(delete_milestone))
        .route("/spaces/{space_id}/goals/{goal_id}/agreement", post(agree))
        .route("/spaces/{space_id}/experiences", post(create_experience))
        .route("/spaces/{space_id}/experiences/{experience_id}/done", post(mark_experience))
        .route("/spaces/{space_id}/experiences/{experience_id}/delete", post(delete_experience))
}

#[derive(Deserialize, Default)]
pub struct GoalForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub why: String,
    #[serde(default)]
    pub target_date: String,
    /// One milestone per line.
    #[serde(default)]
    pub milestones: String,
}

#[derive(Deserialize, Default)]
pub struct MilestoneForm {
    #[serde(default)]
    pub milestone: String,
}

#[derive(Deserialize, Default)]
pub struct OnForm {
    #[serde(default)]
    pub on: String,
}

#[derive(Deserialize, Default)]
pub struct ExperienceForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub planned_on: String,
}

#[derive(Deserialize, Default)]
pub struct DoneForm {
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub how_it_went: String,
}

/// Which form on the page was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    NewGoal,
    EditGoal(Id),
    Milestone(Id),
    NewExperience,
    Done(Id),
    /// A button (tick, agree, delete): its message goes at the top.
    Button,
}

/// A refused form: where it was, why, and what was typed.
struct Retry<'a> {
    slot: Slot,
    error: &'a ApiError,
    typed: Vec<(&'static str, &'a str)>,
}

impl Retry<'_> {
    fn value(retry: Option<&Self>, slot: Slot, field: &str) -> Option<String> {
        retry
            .filter(|r| r.slot == slot)
            .and_then(|r| r.typed.iter().find(|(f, _)| *f == field))
            .map(|(_, v)| v.to_string())
    }
}

/// The sentence next to a field, when the refusal is about that field of
/// that form. `id` must be unique on the page.
fn field_error(retry: Option<&Retry<'_>>, slot: Slot, field: &str, id: &str) -> Markup {
    html! {
        @if let Some(r) = retry.filter(|r| r.slot == slot && r.error.field == Some(field)) {
            p class="field-error" id=(id) role="alert" { (r.error.sentence()) }
        }
    }
}

fn described_by(retry: Option<&Retry<'_>>, slot: Slot, field: &str, id: &str) -> Option<String> {
    retry.filter(|r| r.slot == slot && r.error.field == Some(field)).map(|_| id.to_string())
}

/// A refusal of a form that belongs to no one field, at the top of that form.
fn form_error(retry: Option<&Retry<'_>>, slot: Slot) -> Markup {
    alert(retry.filter(|r| r.slot == slot && r.error.field.is_none()).map(|r| r.error.sentence()).as_deref())
}

fn prose(text: &str) -> Markup {
    html! { @for line in text.lines() { p { (line) } } }
}

/// A stored calendar day ("2027-09-30") as people write it ("30 Sep 2027");
/// anything that does not parse is shown as it is.
fn human_day(day: &str) -> String {
    day.parse::<jiff::civil::Date>().map(|d| d.strftime("%-d %b %Y").to_string()).unwrap_or_else(|_| day.to_string())
}

fn goal_card(who: &Identity, space: &Space, g: &Goal, retry: Option<&Retry<'_>>) -> Markup {
    let base = format!("/spaces/{}/goals/{}", space.id, g.id);
    let other = space.kind.other_member_word();
    let tz = &who.user.time_zone;
    let total = g.milestones.len();
    let ms_slot = Slot::Milestone(g.id);
    let edit_slot = Slot::EditGoal(g.id);
    let ms_err = format!("milestone-{}-error", g.id);
    html! {
        article class="card goal" id={"goal-" (g.id)} {
            h3 { (g.title) @if g.done { " " span class="badge" { "done" } } }
            @if let Some(why) = &g.why { div class="prose muted" { (prose(why)) } }
            p class="progress-line" id={"progress-" (g.id)} {
                @if g.done {
                    "Done" @if let Some(at) = g.done_at { " on " (when(at, tz)) }
                } @else if total > 0 {
                    (g.milestones_ticked) " of " (total) " steps done"
                } @else {
                    "No steps yet"
                }
                @if let Some(d) = &g.target_date { span class="muted" { " · aiming for " (human_day(d)) } }
            }
            progress max="100" value=(g.percent) aria-labelledby={"progress-" (g.id)} { (g.percent) "%" }
            @if !g.milestones.is_empty() {
                ul class="plain checklist" {
                    @for m in &g.milestones {
                        li {
                            form method="post" action={(base) "/milestones/" (m.id)} class="inline" {
                                (csrf_field(who))
                                input type="hidden" name="on" value=(if m.done { "false" } else { "true" });
                                button type="submit" class="link" aria-pressed=(m.done) {
                                    @if m.done { "☑ " } @else { "☐ " } (m.title)
                                }
                            }
                            @if m.done {
                                span class="muted" {
                                    " · " @if m.ticked_by_me { "you" } @else { (m.ticked_by_name.as_deref().unwrap_or("a former member")) }
                                    @if let Some(at) = m.ticked_at { ", " (when(at, tz)) }
                                }
                            }
                            form method="post" action={(base) "/milestones/" (m.id) "/delete"} class="inline" {
                                (csrf_field(who))
                                button type="submit" class="link danger" aria-label={"Remove the step " (m.title)} { " ✕" }
                            }
                        }
                    }
                }
            }
            // A finished goal takes no new steps (taking "done" back opens it again).
            @if !g.done {
                form method="post" action={(base) "/milestones"} class="stack" {
                    (csrf_field(who))
                    (form_error(retry, ms_slot))
                    label for={"milestone-" (g.id)} { "Add a small step" }
                    input id={"milestone-" (g.id)} name="milestone" type="text" maxlength=(MilestoneTitle::MAX)
                        value=(Retry::value(retry, ms_slot, "milestone").unwrap_or_default())
                        aria-describedby=[described_by(retry, ms_slot, "milestone", &ms_err)];
                    (field_error(retry, ms_slot, "milestone", &ms_err))
                    button type="submit" { "Add step" }
                }
            }
            @if !g.done || g.agreed_by_me {
                form method="post" action={(base) "/agreement"} class="inline" {
                    (csrf_field(who))
                    input type="hidden" name="on" value=(if g.agreed_by_me { "false" } else { "true" });
                    button type="submit" class="link" aria-pressed=(g.agreed_by_me) {
                        @if g.agreed_by_me { "You said this is done (take it back)" } @else { "We are done with this" }
                    }
                }
            }
            @if g.agreed_by_partner && !g.done { p class="muted" { "Your " (other) " thinks this one is done." } }
            details open[retry.is_some_and(|r| r.slot == edit_slot)] {
                summary { "Change or delete" }
                (form_error(retry, edit_slot))
                (goal_fields(who, &base, retry, edit_slot, Some(g), "Save"))
                (crate::ui::forms::delete_with_confirmation(
                    csrf_field(who),
                    &format!("{base}/delete"),
                    "Delete this goal and its steps",
                    "Delete this goal and every step of it, for both of you? It cannot be brought back.",
                ))
            }
        }
    }
}

/// The fields of a goal, for a new one (`goal` is `None`) or to change one.
fn goal_fields(
    who: &Identity,
    action: &str,
    retry: Option<&Retry<'_>>,
    slot: Slot,
    goal: Option<&Goal>,
    submit: &str,
) -> Markup {
    let prefix = match slot {
        Slot::EditGoal(id) => format!("goal-{id}-"),
        _ => "new-goal-".to_string(),
    };
    let value = |field: &str, current: Option<&str>| {
        Retry::value(retry, slot, field).unwrap_or_else(|| current.unwrap_or("").to_string())
    };
    let err = |field: &str| format!("{prefix}{field}-error");
    html! {
        form method="post" action=(action) class="stack" {
            (csrf_field(who))
            label for={(prefix) "title"} { "What you want to do together" }
            input id={(prefix) "title"} name="title" type="text" required maxlength=(GoalTitle::MAX)
                value=(value("title", goal.map(|g| g.title.as_str())))
                aria-describedby=[described_by(retry, slot, "title", &err("title"))];
            (field_error(retry, slot, "title", &err("title")))
            label for={(prefix) "why"} { "Why it matters to you both (optional)" }
            textarea id={(prefix) "why"} name="why" rows="2" maxlength=(Notes::MAX)
                aria-describedby=[described_by(retry, slot, "why", &err("why"))] {
                (value("why", goal.and_then(|g| g.why.as_deref()))) }
            (field_error(retry, slot, "why", &err("why")))
            label for={(prefix) "target_date"} { "Aiming for (optional)" }
            input id={(prefix) "target_date"} name="target_date" type="date"
                value=(value("target_date", goal.and_then(|g| g.target_date.as_deref())))
                aria-describedby=[described_by(retry, slot, "target_date", &err("target_date"))];
            (field_error(retry, slot, "target_date", &err("target_date")))
            @if goal.is_none() {
                label for={(prefix) "milestones"} { "First small steps, one per line (optional)" }
                textarea id={(prefix) "milestones"} name="milestones" rows="3"
                    aria-describedby=[described_by(retry, slot, "milestone", &err("milestone"))] {
                    (value("milestones", None)) }
                (field_error(retry, slot, "milestone", &err("milestone")))
            }
            button type="submit" class="primary" { (submit) }
        }
    }
}

fn experience_item(who: &Identity, space: &Space, x: &Experience, retry: Option<&Retry<'_>>) -> Markup {
    let base = format!("/spaces/{}/experiences/{}", space.id, x.id);
    let tz = &who.user.time_zone;
    let slot = Slot::Done(x.id);
    let err = format!("experience-{}-error", x.id);
    html! {
        li class="entry" id={"experience-" (x.id)} {
            strong { (x.title) }
            @if let Some(d) = &x.planned_on { span class="muted" { " · planned for " (human_day(d)) } }
            @if x.done {
                span class="muted" { " · done" @if let Some(at) = x.done_at { " " (when(at, tz)) } }
                @if let Some(note) = &x.how_it_went { div class="prose" { (prose(note)) } }
                form method="post" action={(base) "/done"} class="inline" {
                    (csrf_field(who))
                    input type="hidden" name="on" value="false";
                    button type="submit" class="link" { "Not done after all" }
                }
            } @else {
                details open[retry.is_some_and(|r| r.slot == slot)] {
                    summary { "We did it" }
                    form method="post" action={(base) "/done"} class="stack" {
                        (csrf_field(who))
                        (form_error(retry, slot))
                        input type="hidden" name="on" value="true";
                        label for={"how-" (x.id)} { "How did it go? (optional)" }
                        textarea id={"how-" (x.id)} name="how_it_went" rows="2" maxlength=(Notes::MAX)
                            aria-describedby=[described_by(retry, slot, "how_it_went", &err)] {
                            (Retry::value(retry, slot, "how_it_went").unwrap_or_default()) }
                        (field_error(retry, slot, "how_it_went", &err))
                        button type="submit" class="primary" { "Mark as done" }
                    }
                }
            }
            (crate::ui::forms::delete_with_confirmation(
                csrf_field(who),
                &format!("{base}/delete"),
                "Delete",
                &format!("Delete \u{201c}{}\u{201d} for both of you? It cannot be brought back.", x.title),
            ))
        }
    }
}

fn goals_page(
    who: &Identity,
    space: &Space,
    goals: &[Goal],
    experiences: &[Experience],
    retry: Option<&Retry<'_>>,
) -> Markup {
    let sid = space.id.to_string();
    let new_goal = format!("/spaces/{}/goals", space.id);
    let new_x = Slot::NewExperience;
    let open = goals.iter().filter(|g| !g.done).count();
    html! {
        (page(
            Frame::new("Goals and new experiences", Some(who)).in_space(&sid, &space.name),
            html! {
                h1 { "Goals and new experiences" }
                p class="lead" {
                    "Something to work towards together, in small steps, and new things to try side by side. "
                    "You both see and change everything here."
                }
                (form_error(retry, Slot::Button))
                section aria-labelledby="goals-title" {
                    h2 id="goals-title" { "Shared goals" }
                    @if goals.is_empty() {
                        p class="muted" { "No goals yet. A course, a trip, a garden: pick something small enough to start this month." }
                    } @else {
                        p class="muted" { (open) " open, " (goals.len() - open) " done. A goal is done when every step is ticked, or when you both say so." }
                        @for g in goals { (goal_card(who, space, g, retry)) }
                    }
                    details class="card" open[retry.is_some_and(|r| r.slot == Slot::NewGoal)] {
                        summary { "Add a goal" }
                        (form_error(retry, Slot::NewGoal))
                        (goal_fields(who, &new_goal, retry, Slot::NewGoal, None, "Add goal"))
                    }
                }
                section aria-labelledby="experiences-title" {
                    h2 id="experiences-title" { "New experiences" }
                    @if experiences.is_empty() {
                        p class="muted" { "Nothing planned yet. Somewhere neither of you has been, a dish neither has cooked, a class to take together." }
                    } @else {
                        ul class="entries" { @for x in experiences { (experience_item(who, space, x, retry)) } }
                    }
                    section class="card" {
                        h3 { "Plan a new experience" }
                        (form_error(retry, new_x))
                        form method="post" action={"/spaces/" (space.id) "/experiences"} class="stack" {
                            (csrf_field(who))
                            label for="experience-title" { "What you would like to try" }
                            input id="experience-title" name="title" type="text" required maxlength=(ExperienceTitle::MAX)
                                value=(Retry::value(retry, new_x, "title").unwrap_or_default())
                                aria-describedby=[described_by(retry, new_x, "title", "experience-title-error")];
                            (field_error(retry, new_x, "title", "experience-title-error"))
                            label for="experience-planned" { "When (optional)" }
                            input id="experience-planned" name="planned_on" type="date"
                                value=(Retry::value(retry, new_x, "planned_on").unwrap_or_default())
                                aria-describedby=[described_by(retry, new_x, "planned_on", "experience-planned-error")];
                            (field_error(retry, new_x, "planned_on", "experience-planned-error"))
                            button type="submit" class="primary" { "Add" }
                        }
                    }
                }
            },
        ))
    }
}

pub async fn show(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let (goals, experiences) = service::overview(&state, who.user.id, space.id).await?;
    Ok(render(goals_page(&who, &space, &goals, &experiences, None)))
}

/// After a form: back to the page (at the thing changed), or the page
/// again with what was typed and why it was refused (a 404 stays an
/// error page).
async fn settle<T>(
    state: &AppState,
    who: &Identity,
    space: &Space,
    result: ApiResult<T>,
    anchor: impl FnOnce(&T) -> String,
    slot: Slot,
    typed: Vec<(&'static str, &str)>,
) -> PageResult {
    match result {
        Ok(done) => Ok(see_other(&anchor(&done))),
        Err(e) if e.is_fixable() => {
            let (goals, experiences) = service::overview(state, who.user.id, space.id).await?;
            let retry = Retry { slot, error: &e, typed };
            Ok(render_status(e.status, goals_page(who, space, &goals, &experiences, Some(&retry))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create_goal(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> PageResult {
    let input = GoalInput {
        title: &form.title,
        why: Some(&form.why),
        target_date: Some(&form.target_date),
        milestones: form.milestones.lines().collect(),
    };
    let result = service::create_goal(&state, who.user.id, &space, input).await;
    let typed = vec![
        ("title", form.title.as_str()),
        ("why", form.why.as_str()),
        ("target_date", form.target_date.as_str()),
        ("milestones", form.milestones.as_str()),
    ];
    let sid = space.id;
    settle(&state, &who, &space, result, |g| service::goal_link(sid, g.id), Slot::NewGoal, typed).await
}

pub async fn edit_goal(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    GoalId(gid): GoalId,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> PageResult {
    let change = GoalChange { title: Some(&form.title), why: Some(&form.why), target_date: Some(&form.target_date) };
    let result = service::update_goal(&state, who.user.id, space.id, gid, change).await;
    let typed =
        vec![("title", form.title.as_str()), ("why", form.why.as_str()), ("target_date", form.target_date.as_str())];
    let sid = space.id;
    settle(&state, &who, &space, result, |g| service::goal_link(sid, g.id), Slot::EditGoal(gid), typed).await
}

pub async fn delete_goal(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    GoalId(gid): GoalId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    let result = service::delete_goal(&state, who.user.id, space.id, gid).await;
    let sid = space.id;
    settle(&state, &who, &space, result, |_| service::page(sid), Slot::Button, Vec::new()).await
}

pub async fn add_milestone(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    GoalId(gid): GoalId,
    CsrfForm(form): CsrfForm<MilestoneForm>,
) -> PageResult {
    let result = service::add_milestone(&state, who.user.id, &space, gid, &form.milestone).await;
    let sid = space.id;
    let typed = vec![("milestone", form.milestone.as_str())];
    settle(&state, &who, &space, result, |g| service::goal_link(sid, g.id), Slot::Milestone(gid), typed).await
}

pub async fn tick_milestone(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    GoalId(gid): GoalId,
    MilestoneId(mid): MilestoneId,
    CsrfForm(form): CsrfForm<OnForm>,
) -> PageResult {
    let result = service::tick_milestone(&state, who.user.id, &space, gid, mid, form.on == "true").await;
    let sid = space.id;
    settle(&state, &who, &space, result, |g| service::goal_link(sid, g.id), Slot::Button, Vec::new()).await
}

pub async fn delete_milestone(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    GoalId(gid): GoalId,
    MilestoneId(mid): MilestoneId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    let result = service::delete_milestone(&state, who.user.id, &space, gid, mid).await;
    let sid = space.id;
    settle(&state, &who, &space, result, |g| service::goal_link(sid, g.id), Slot::Button, Vec::new()).await
}

pub async fn agree(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    GoalId(gid): GoalId,
    CsrfForm(form): CsrfForm<OnForm>,
) -> PageResult {
    let result = service::agree(&state, who.user.id, &space, gid, form.on == "true").await;
    let sid = space.id;
    settle(&state, &who, &space, result, |g| service::goal_link(sid, g.id), Slot::Button, Vec::new()).await
}

pub async fn create_experience(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<ExperienceForm>,
) -> PageResult {
    let input = ExperienceInput { title: &form.title, planned_on: Some(&form.planned_on) };
    let result = service::create_experience(&state, who.user.id, &space, input).await;
    let sid = space.id;
    let typed = vec![("title", form.title.as_str()), ("planned_on", form.planned_on.as_str())];
    settle(&state, &who, &space, result, |x| service::experience_link(sid, x.id), Slot::NewExperience, typed).await
}

pub async fn mark_experience(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExperienceId(xid): ExperienceId,
    CsrfForm(form): CsrfForm<DoneForm>,
) -> PageResult {
    let on = form.on != "false";
    let result = service::mark_experience(&state, who.user.id, &space, xid, on, Some(&form.how_it_went)).await;
    let sid = space.id;
    let typed = vec![("how_it_went", form.how_it_went.as_str())];
    settle(&state, &who, &space, result, |x| service::experience_link(sid, x.id), Slot::Done(xid), typed).await
}

pub async fn delete_experience(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExperienceId(xid): ExperienceId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    let result = service::delete_experience(&state, who.user.id, space.id, xid).await;
    let sid = space.id;
    settle(&state, &who, &space, result, |_| service::page(sid), Slot::Button, Vec::new()).await
}
