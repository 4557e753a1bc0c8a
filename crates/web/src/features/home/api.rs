//! The "start here" steps over JSON, so an app can show the same first run.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use troth_domain::home::FirstStep;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(first_steps)).routes(routes!(dismiss_first_steps))
}

#[derive(Serialize, ToSchema)]
pub struct FirstStepView {
    /// invite, ritual, thanks, promise or pulse.
    pub step: String,
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct FirstStepsView {
    /// In the order to show them.
    pub steps: Vec<FirstStepView>,
    /// Put away by the caller.
    pub dismissed: bool,
    /// Whether the card still shows: not dismissed and not all done.
    pub show: bool,
}

/// The caller's five first steps in this space, each done or not from what
/// they (and the space) really did.
#[utoipa::path(get, path = "/pairs/{pair_id}/first-steps", tag = "spaces", params(("pair_id" = String, Path)),
    responses((status = 200, body = FirstStepsView), (status = 404, body = ErrorBody)))]
pub async fn first_steps(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
) -> ApiResult<Json<FirstStepsView>> {
    let facts = service::first_steps(&state, who.user.id, &space).await?;
    let steps =
        FirstStep::ALL.iter().map(|s| FirstStepView { step: s.as_str().to_string(), done: facts.done(*s) }).collect();
    Ok(Json(FirstStepsView { steps, dismissed: facts.dismissed, show: facts.show_card() }))
}

/// Puts the "start here" card away for the caller in this space.
#[utoipa::path(post, path = "/pairs/{pair_id}/first-steps/dismiss", tag = "spaces", params(("pair_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn dismiss_first_steps(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
) -> ApiResult<StatusCode> {
    service::dismiss_first_steps(&state, who.user.id, space.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
