//! `/api/v1/me/reflections`: the member's own reflections, and nobody
//! else's: another person's reflection id is 404, as is one that never was.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_domain::reflection::Quality;
use troth_store::Reflection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use super::ReflectionId;
use crate::auth::Authed;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::forms::ApiJson;
use crate::http::openapi::{maybe_text, maybe_whole};
use crate::state::AppState;
use troth_domain::reflection::{ReflectionNote, SelfRating};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_reflection, list_reflections))
        .routes(routes!(get_reflection, delete_reflection))
}

/// One quality's answer.
#[derive(Deserialize, ToSchema, Default)]
#[schema(as = ReflectionAnswerBody)]
pub struct AnswerBody {
    /// A whole number from 0 to 10.
    #[schema(schema_with = maybe_whole::<0, { SelfRating::MAX as i64 }>)]
    pub rating: Option<i64>,
    /// Up to 2,000 characters.
    #[schema(schema_with = maybe_text::<0, { ReflectionNote::MAX }>)]
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewReflectionBody {
    #[serde(default)]
    pub competence: AnswerBody,
    #[serde(default)]
    pub consistency: AnswerBody,
    #[serde(default)]
    pub integrity: AnswerBody,
    #[serde(default)]
    pub compassion: AnswerBody,
}

impl NewReflectionBody {
    fn answer(&self, q: Quality) -> (Option<i64>, Option<String>) {
        let a = match q {
            Quality::Competence => &self.competence,
            Quality::Consistency => &self.consistency,
            Quality::Integrity => &self.integrity,
            Quality::Compassion => &self.compassion,
        };
        (a.rating, a.note.clone())
    }
}

/// Adds a reflection: all four ratings are needed; notes are optional.
#[utoipa::path(post, path = "/me/reflections", tag = "reflection", request_body = NewReflectionBody,
    responses((status = 201, body = Reflection), (status = 401, body = ErrorBody),
        (status = 409, description = "`too_many_reflections`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_reflection(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<NewReflectionBody>,
) -> ApiResult<Response> {
    let r = service::add(&state, me.user.id, |q| body.answer(q)).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// The caller's own reflections, newest first.
#[utoipa::path(get, path = "/me/reflections", tag = "reflection",
    responses((status = 200, body = Vec<Reflection>), (status = 401, body = ErrorBody)))]
pub async fn list_reflections(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Vec<Reflection>>> {
    Ok(Json(service::list(&state, me.user.id).await?))
}

#[utoipa::path(get, path = "/me/reflections/{reflection_id}", tag = "reflection", params(("reflection_id" = String, Path)),
    responses((status = 200, body = Reflection), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_reflection(
    State(state): State<AppState>,
    Authed(me): Authed,
    ReflectionId(id): ReflectionId,
) -> ApiResult<Json<Reflection>> {
    Ok(Json(service::get(&state, me.user.id, id).await?))
}

#[utoipa::path(delete, path = "/me/reflections/{reflection_id}", tag = "reflection", params(("reflection_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_reflection(
    State(state): State<AppState>,
    Authed(me): Authed,
    ReflectionId(id): ReflectionId,
) -> ApiResult<StatusCode> {
    service::delete(&state, me.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
