//! The writing coach over HTTP. Nothing here is stored or logged: the text is
//! analysed in memory and dropped.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authed;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::forms::ApiJson;
use crate::http::openapi::text;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(coach_check)).routes(routes!(coach_apology))
}

#[derive(Deserialize, ToSchema)]
pub struct CoachBody {
    #[schema(schema_with = text::<1, { troth_coach::MAX_CHARS }>)]
    pub text: String,
}

pub fn coach_error(e: troth_coach::CoachError) -> ApiError {
    let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string());
    err.field = Some("text");
    err
}

/// Reads a message before it is sent: harsh or gentle start-up, criticism,
/// contempt, defensiveness, with a gentler version.
#[utoipa::path(post, path = "/coach/check", tag = "coach", security(()), request_body = CoachBody,
    responses((status = 200, body = Object, description = "verdict, findings, horsemen, suggestion"), (status = 422, body = ErrorBody)))]
pub async fn coach_check(
    State(state): State<AppState>,
    _me: Authed,
    ApiJson(body): ApiJson<CoachBody>,
) -> ApiResult<Json<troth_coach::CheckAnalysis>> {
    state.coach.check(&body.text).map(Json).map_err(coach_error)
}

/// Reads an apology: genuine, incomplete (what is missing) or a non-apology.
#[utoipa::path(post, path = "/coach/apology", tag = "coach", security(()), request_body = CoachBody,
    responses((status = 200, body = Object, description = "verdict, findings, missing, suggestion"), (status = 422, body = ErrorBody)))]
pub async fn coach_apology(
    State(state): State<AppState>,
    _me: Authed,
    ApiJson(body): ApiJson<CoachBody>,
) -> ApiResult<Json<troth_coach::ApologyAnalysis>> {
    state.coach.apology(&body.text).map(Json).map_err(coach_error)
}
