//! The trust timeline over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_store::TimelineMoment;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, MomentInput};
use super::MomentId;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::http::forms::ApiJson;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_moment, list_moments)).routes(routes!(
        get_moment,
        edit_moment,
        delete_moment
    ))
}

/// Marks a moment on the timeline (a date from 1900 to today).
#[utoipa::path(post, path = "/pairs/{pair_id}/timeline", tag = "timeline", params(("pair_id" = String, Path)), request_body = MomentInput,
    responses((status = 201, body = TimelineMoment), (status = 409, description = "`too_many_moments`: the timeline is full", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_moment(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiJson(b): ApiJson<MomentInput>,
) -> ApiResult<Response> {
    let m = service::add_moment(&state, &who.user, &space, &b).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// The timeline, oldest moment first.
#[utoipa::path(get, path = "/pairs/{pair_id}/timeline", tag = "timeline", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<TimelineMoment>)))]
pub async fn list_moments(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
) -> ApiResult<Json<Vec<TimelineMoment>>> {
    Ok(Json(state.store.moments(who.user.id, space.id).await?))
}

/// One moment.
#[utoipa::path(get, path = "/pairs/{pair_id}/timeline/{moment_id}", tag = "timeline", params(("pair_id" = String, Path), ("moment_id" = String, Path)),
    responses((status = 200, body = TimelineMoment), (status = 404, body = ErrorBody)))]
pub async fn get_moment(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    MomentId(id): MomentId,
) -> ApiResult<Json<TimelineMoment>> {
    Ok(Json(state.store.moment(who.user.id, space.id, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MomentEdit {
    #[serde(flatten)]
    pub moment: MomentInput,
    /// The revision the edit was made from; when the moment has moved on
    /// since, the edit is refused (409 `edited_meanwhile`) instead of
    /// overwriting the other member's change.
    pub revision: Option<i64>,
}

/// Rewords or redates a moment (either member); the version it replaces is kept.
#[utoipa::path(put, path = "/pairs/{pair_id}/timeline/{moment_id}", tag = "timeline", params(("pair_id" = String, Path), ("moment_id" = String, Path)), request_body = MomentEdit,
    responses((status = 200, body = TimelineMoment), (status = 404, body = ErrorBody), (status = 409, description = "`edited_meanwhile`: the other member saved an edit since `revision`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_moment(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    MomentId(id): MomentId,
    ApiJson(b): ApiJson<MomentEdit>,
) -> ApiResult<Json<TimelineMoment>> {
    Ok(Json(service::edit_moment(&state, &who.user, &space, id, &b.moment, b.revision).await?))
}

/// Takes a moment off the timeline (the one who marked it).
#[utoipa::path(delete, path = "/pairs/{pair_id}/timeline/{moment_id}", tag = "timeline", params(("pair_id" = String, Path), ("moment_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_moment(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    MomentId(id): MomentId,
) -> ApiResult<StatusCode> {
    service::delete_moment(&state, &who.user, &space, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
