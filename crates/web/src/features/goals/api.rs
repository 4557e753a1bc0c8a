//! `/api/v1/pairs/{pair_id}/goals` and `/api/v1/pairs/{pair_id}/experiences`:
//! the JSON face of shared goals and new experiences. Both members may do
//! everything here; anyone else gets 404.
//!
//! In a PATCH a missing field keeps its value and an empty string clears
//! `why`, `target_date` or `planned_on`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_store::{Experience, Goal};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, ExperienceChange, ExperienceInput, GoalChange, GoalInput};
use super::{ExperienceId, GoalId, MilestoneId};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::http::forms::ApiJson;
use crate::http::openapi::{maybe_day, maybe_text, text, texts};
use crate::state::AppState;
use troth_domain::goals::{ExperienceTitle, GoalTitle, MilestoneTitle, Notes, MAX_MILESTONES_PER_GOAL};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_goal, list_goals))
        .routes(routes!(get_goal, update_goal, delete_goal))
        .routes(routes!(add_milestone))
        .routes(routes!(tick_milestone, delete_milestone))
        .routes(routes!(agree_goal_done))
        .routes(routes!(create_experience, list_experiences))
        .routes(routes!(get_experience, update_experience, delete_experience))
        .routes(routes!(mark_experience))
}

#[derive(Deserialize, ToSchema)]
pub struct NewGoalBody {
    /// 1–200 characters.
    #[schema(schema_with = text::<1, { GoalTitle::MAX }>)]
    pub title: String,
    /// Why it matters to you both (up to 2,000 characters).
    #[schema(schema_with = maybe_text::<0, { Notes::MAX }>)]
    pub why: Option<String>,
    /// The day you aim for, `YYYY-MM-DD`.
    #[schema(schema_with = maybe_day)]
    pub target_date: Option<String>,
    /// Milestones to start with, in order (at most 50, each 1–200 characters).
    #[serde(default)]
    #[schema(schema_with = texts::<0, { MilestoneTitle::MAX }, { MAX_MILESTONES_PER_GOAL as usize }>)]
    pub milestones: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct GoalPatchBody {
    #[schema(schema_with = maybe_text::<1, { GoalTitle::MAX }>)]
    pub title: Option<String>,
    /// An empty string clears it.
    #[schema(schema_with = maybe_text::<0, { Notes::MAX }>)]
    pub why: Option<String>,
    /// `YYYY-MM-DD`; an empty string clears it.
    #[schema(schema_with = maybe_day)]
    pub target_date: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct MilestoneBody {
    /// 1–200 characters.
    #[schema(schema_with = text::<1, { MilestoneTitle::MAX }>)]
    pub title: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TickBody {
    pub done: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct AgreementBody {
    /// True: "I think we are done"; false takes it back.
    pub done: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct NewExperienceBody {
    /// 1–200 characters.
    #[schema(schema_with = text::<1, { ExperienceTitle::MAX }>)]
    pub title: String,
    /// The day planned, `YYYY-MM-DD`.
    #[schema(schema_with = maybe_day)]
    pub planned_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ExperiencePatchBody {
    #[schema(schema_with = maybe_text::<1, { ExperienceTitle::MAX }>)]
    pub title: Option<String>,
    /// `YYYY-MM-DD`; an empty string clears it.
    #[schema(schema_with = maybe_day)]
    pub planned_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct MarkBody {
    pub done: bool,
    /// How it went (up to 2,000 characters); cleared when marked not done.
    #[schema(schema_with = maybe_text::<0, { Notes::MAX }>)]
    pub how_it_went: Option<String>,
}

/// Adds a goal, with its first milestones if given; the partner is told.
#[utoipa::path(post, path = "/pairs/{pair_id}/goals", tag = "goals", params(("pair_id" = String, Path)), request_body = NewGoalBody,
    responses((status = 201, body = Goal), (status = 404, body = ErrorBody),
        (status = 409, description = "`too_many_goals`, `too_many_milestones`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_goal(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(body): ApiJson<NewGoalBody>,
) -> ApiResult<Response> {
    let input = GoalInput {
        title: &body.title,
        why: body.why.as_deref(),
        target_date: body.target_date.as_deref(),
        milestones: body.milestones.iter().map(String::as_str).collect(),
    };
    let goal = service::create_goal(&state, me.user.id, &space, input).await?;
    Ok((StatusCode::CREATED, Json(goal)).into_response())
}

/// The space's goals: open ones first, then those done.
#[utoipa::path(get, path = "/pairs/{pair_id}/goals", tag = "goals", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<Goal>), (status = 404, body = ErrorBody)))]
pub async fn list_goals(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Vec<Goal>>> {
    Ok(Json(service::goals(&state, me.user.id, space.id).await?))
}

#[utoipa::path(get, path = "/pairs/{pair_id}/goals/{goal_id}", tag = "goals", params(("pair_id" = String, Path), ("goal_id" = String, Path)),
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody)))]
pub async fn get_goal(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
) -> ApiResult<Json<Goal>> {
    Ok(Json(service::goal(&state, me.user.id, space.id, goal).await?))
}

/// Changes a goal's title, why or target date.
#[utoipa::path(patch, path = "/pairs/{pair_id}/goals/{goal_id}", tag = "goals", params(("pair_id" = String, Path), ("goal_id" = String, Path)), request_body = GoalPatchBody,
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_goal(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
    ApiJson(body): ApiJson<GoalPatchBody>,
) -> ApiResult<Json<Goal>> {
    let change =
        GoalChange { title: body.title.as_deref(), why: body.why.as_deref(), target_date: body.target_date.as_deref() };
    Ok(Json(service::update_goal(&state, me.user.id, space.id, goal, change).await?))
}

/// Deletes a goal with its milestones (either member may).
#[utoipa::path(delete, path = "/pairs/{pair_id}/goals/{goal_id}", tag = "goals", params(("pair_id" = String, Path), ("goal_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_goal(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
) -> ApiResult<StatusCode> {
    service::delete_goal(&state, me.user.id, space.id, goal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a milestone at the end (a goal done by its milestones opens again).
#[utoipa::path(post, path = "/pairs/{pair_id}/goals/{goal_id}/milestones", tag = "goals", params(("pair_id" = String, Path), ("goal_id" = String, Path)), request_body = MilestoneBody,
    responses((status = 201, body = Goal), (status = 404, body = ErrorBody),
        (status = 409, description = "`too_many_milestones`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_milestone(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
    ApiJson(body): ApiJson<MilestoneBody>,
) -> ApiResult<Response> {
    let goal = service::add_milestone(&state, me.user.id, &space, goal, &body.title).await?;
    Ok((StatusCode::CREATED, Json(goal)).into_response())
}

/// Ticks a milestone (or un-ticks it); ticking the last one finishes the goal.
#[utoipa::path(put, path = "/pairs/{pair_id}/goals/{goal_id}/milestones/{milestone_id}", tag = "goals",
    params(("pair_id" = String, Path), ("goal_id" = String, Path), ("milestone_id" = String, Path)), request_body = TickBody,
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody)))]
pub async fn tick_milestone(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
    MilestoneId(milestone): MilestoneId,
    ApiJson(body): ApiJson<TickBody>,
) -> ApiResult<Json<Goal>> {
    Ok(Json(service::tick_milestone(&state, me.user.id, &space, goal, milestone, body.done).await?))
}

#[utoipa::path(delete, path = "/pairs/{pair_id}/goals/{goal_id}/milestones/{milestone_id}", tag = "goals",
    params(("pair_id" = String, Path), ("goal_id" = String, Path), ("milestone_id" = String, Path)),
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody)))]
pub async fn delete_milestone(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
    MilestoneId(milestone): MilestoneId,
) -> ApiResult<Json<Goal>> {
    Ok(Json(service::delete_milestone(&state, me.user.id, &space, goal, milestone).await?))
}

/// Says "we are done" (or takes it back): a goal is done once every
/// current member has said so, or every milestone is ticked.
#[utoipa::path(put, path = "/pairs/{pair_id}/goals/{goal_id}/agreement", tag = "goals", params(("pair_id" = String, Path), ("goal_id" = String, Path)), request_body = AgreementBody,
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody)))]
pub async fn agree_goal_done(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    GoalId(goal): GoalId,
    ApiJson(body): ApiJson<AgreementBody>,
) -> ApiResult<Json<Goal>> {
    Ok(Json(service::agree(&state, me.user.id, &space, goal, body.done).await?))
}

/// Adds a new experience to try together; the partner is told.
#[utoipa::path(post, path = "/pairs/{pair_id}/experiences", tag = "goals", params(("pair_id" = String, Path)), request_body = NewExperienceBody,
    responses((status = 201, body = Experience), (status = 404, body = ErrorBody),
        (status = 409, description = "`too_many_experiences`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_experience(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(body): ApiJson<NewExperienceBody>,
) -> ApiResult<Response> {
    let input = ExperienceInput { title: &body.title, planned_on: body.planned_on.as_deref() };
    let x = service::create_experience(&state, me.user.id, &space, input).await?;
    Ok((StatusCode::CREATED, Json(x)).into_response())
}

/// Planned experiences first (soonest first), then those done.
#[utoipa::path(get, path = "/pairs/{pair_id}/experiences", tag = "goals", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<Experience>), (status = 404, body = ErrorBody)))]
pub async fn list_experiences(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Vec<Experience>>> {
    Ok(Json(service::experiences(&state, me.user.id, space.id).await?))
}

#[utoipa::path(get, path = "/pairs/{pair_id}/experiences/{experience_id}", tag = "goals", params(("pair_id" = String, Path), ("experience_id" = String, Path)),
    responses((status = 200, body = Experience), (status = 404, body = ErrorBody)))]
pub async fn get_experience(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExperienceId(x): ExperienceId,
) -> ApiResult<Json<Experience>> {
    Ok(Json(service::experience(&state, me.user.id, space.id, x).await?))
}

#[utoipa::path(patch, path = "/pairs/{pair_id}/experiences/{experience_id}", tag = "goals", params(("pair_id" = String, Path), ("experience_id" = String, Path)), request_body = ExperiencePatchBody,
    responses((status = 200, body = Experience), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_experience(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExperienceId(x): ExperienceId,
    ApiJson(body): ApiJson<ExperiencePatchBody>,
) -> ApiResult<Json<Experience>> {
    let change = ExperienceChange { title: body.title.as_deref(), planned_on: body.planned_on.as_deref() };
    Ok(Json(service::update_experience(&state, me.user.id, space.id, x, change).await?))
}

#[utoipa::path(delete, path = "/pairs/{pair_id}/experiences/{experience_id}", tag = "goals", params(("pair_id" = String, Path), ("experience_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_experience(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExperienceId(x): ExperienceId,
) -> ApiResult<StatusCode> {
    service::delete_experience(&state, me.user.id, space.id, x).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks an experience done, with a few words on how it went (or not done again).
#[utoipa::path(put, path = "/pairs/{pair_id}/experiences/{experience_id}/done", tag = "goals", params(("pair_id" = String, Path), ("experience_id" = String, Path)), request_body = MarkBody,
    responses((status = 200, body = Experience), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_experience(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExperienceId(x): ExperienceId,
    ApiJson(body): ApiJson<MarkBody>,
) -> ApiResult<Json<Experience>> {
    Ok(Json(service::mark_experience(&state, me.user.id, &space, x, body.done, body.how_it_went.as_deref()).await?))
}
