//! Appreciations over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_store::{Appreciation, AppreciationFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::add_appreciation;
use super::AppreciationId;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiQuery, SpaceCtx};
use crate::http::forms::ApiJson;
use crate::http::openapi::text;
use crate::state::AppState;
use troth_domain::AppreciationText;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_appreciation, list_appreciations))
        .routes(routes!(delete_appreciation))
        .routes(routes!(heart_appreciation))
        .routes(routes!(favourite_appreciation))
}

#[derive(Deserialize, ToSchema)]
pub struct AppreciationBody {
    #[schema(schema_with = text::<1, { AppreciationText::MAX }>)]
    pub text: String,
}

/// Adds one line of thanks (both see it).
#[utoipa::path(post, path = "/pairs/{pair_id}/appreciations", tag = "appreciations", params(("pair_id" = String, Path)), request_body = AppreciationBody,
    responses((status = 201, body = Appreciation), (status = 422, body = ErrorBody)))]
pub async fn create_appreciation(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(b): ApiJson<AppreciationBody>,
) -> ApiResult<Response> {
    let a = add_appreciation(&state, &me.user, space.id, &b.text).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppreciationQuery {
    /// Only the caller's favourites.
    #[serde(default)]
    pub favourites: bool,
    /// Only those written to the caller.
    #[serde(default)]
    pub received: bool,
    /// How many at most; the server caps it (no error for more).
    pub limit: Option<i64>,
}

/// The appreciation log, newest first.
#[utoipa::path(get, path = "/pairs/{pair_id}/appreciations", tag = "appreciations", params(("pair_id" = String, Path), AppreciationQuery), responses((status = 200, body = Vec<Appreciation>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_appreciations(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiQuery(q): ApiQuery<AppreciationQuery>,
) -> ApiResult<Json<Vec<Appreciation>>> {
    let f = AppreciationFilter { favourites_only: q.favourites, received_only: q.received, limit: q.limit };
    Ok(Json(state.store.appreciations(me.user.id, space.id, f).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ToggleBody {
    pub on: bool,
}

/// Answers an appreciation written to you with a heart.
#[utoipa::path(post, path = "/pairs/{pair_id}/appreciations/{appreciation_id}/heart", tag = "appreciations", params(("pair_id" = String, Path), ("appreciation_id" = String, Path)), request_body = ToggleBody,
    responses((status = 200, body = Appreciation), (status = 409, body = ErrorBody)))]
pub async fn heart_appreciation(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    AppreciationId(aid): AppreciationId,
    ApiJson(b): ApiJson<ToggleBody>,
) -> ApiResult<Json<Appreciation>> {
    Ok(Json(state.store.heart_appreciation(me.user.id, space.id, aid, b.on).await?))
}

/// Keeps an appreciation among your favourites (for hard days).
#[utoipa::path(post, path = "/pairs/{pair_id}/appreciations/{appreciation_id}/favourite", tag = "appreciations", params(("pair_id" = String, Path), ("appreciation_id" = String, Path)), request_body = ToggleBody,
    responses((status = 200, body = Appreciation)))]
pub async fn favourite_appreciation(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    AppreciationId(aid): AppreciationId,
    ApiJson(b): ApiJson<ToggleBody>,
) -> ApiResult<Json<Appreciation>> {
    Ok(Json(state.store.favourite_appreciation(me.user.id, space.id, aid, b.on).await?))
}

/// Takes back an appreciation you wrote.
#[utoipa::path(delete, path = "/pairs/{pair_id}/appreciations/{appreciation_id}", tag = "appreciations", params(("pair_id" = String, Path), ("appreciation_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_appreciation(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    AppreciationId(aid): AppreciationId,
) -> ApiResult<StatusCode> {
    state.store.delete_appreciation(me.user.id, space.id, aid).await?;
    Ok(StatusCode::NO_CONTENT)
}
