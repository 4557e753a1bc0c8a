//! The weekly ritual over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jiff::Timestamp;
use serde::Deserialize;
use troth_domain::ritual::WeeklySlot;
use troth_store::{Ritual, RitualSlot};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, start_this_week, Answer};
use super::RitualId;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::http::forms::ApiJson;
use crate::http::openapi::{choice, maybe_text, maybe_whole, text};
use crate::state::AppState;
use troth_domain::ritual::{AgendaStep, HeardRating, RitualText};
use troth_domain::TimeZoneName;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_slot, put_slot))
        .routes(routes!(start_ritual, list_rituals))
        .routes(routes!(get_ritual))
        .routes(routes!(put_answer))
        .routes(routes!(put_draft))
        .routes(routes!(skip_step))
        .routes(routes!(finish_ritual))
}

#[derive(Deserialize, ToSchema)]
pub struct SlotBody {
    /// monday … sunday
    pub weekday: String,
    /// HH:MM
    pub time: String,
    #[schema(schema_with = text::<1, { TimeZoneName::MAX }>)]
    pub time_zone: String,
}

/// The weekly slot (null until one is chosen).
#[utoipa::path(get, path = "/pairs/{pair_id}/ritual/slot", tag = "ritual", params(("pair_id" = String, Path)), responses((status = 200, body = Option<RitualSlot>)))]
pub async fn get_slot(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Option<RitualSlot>>> {
    Ok(Json(state.store.ritual_slot(me.user.id, space.id, Timestamp::now()).await?))
}

/// Sets or moves the weekly slot (either member may).
#[utoipa::path(put, path = "/pairs/{pair_id}/ritual/slot", tag = "ritual", params(("pair_id" = String, Path)), request_body = SlotBody,
    responses((status = 200, body = RitualSlot), (status = 422, body = ErrorBody)))]
pub async fn put_slot(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(b): ApiJson<SlotBody>,
) -> ApiResult<Json<RitualSlot>> {
    let slot = WeeklySlot::parse(&b.weekday, &b.time, &b.time_zone)?;
    Ok(Json(state.store.set_ritual_slot(me.user.id, space.id, &slot, Timestamp::now()).await?))
}

/// Starts (or joins) this week's ritual. Both starting at once get one ritual.
#[utoipa::path(post, path = "/pairs/{pair_id}/rituals", tag = "ritual", params(("pair_id" = String, Path)), responses((status = 200, body = Ritual)))]
pub async fn start_ritual(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(start_this_week(&state, &me.user, space.id).await?))
}

/// Past rituals, newest first.
#[utoipa::path(get, path = "/pairs/{pair_id}/rituals", tag = "ritual", params(("pair_id" = String, Path)), responses((status = 200, body = Vec<Ritual>)))]
pub async fn list_rituals(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Vec<Ritual>>> {
    Ok(Json(state.store.rituals(me.user.id, space.id, 52).await?))
}

/// One ritual with every answer so far.
#[utoipa::path(get, path = "/pairs/{pair_id}/rituals/{ritual_id}", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)), responses((status = 200, body = Ritual), (status = 404, body = ErrorBody)))]
pub async fn get_ritual(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    RitualId(ritual): RitualId,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(state.store.ritual(me.user.id, space.id, ritual).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct AnswerBody {
    /// appreciations, went_well, promises, concerns, boundaries, can_i_do, heard
    #[schema(schema_with = choice::<AgendaStep>)]
    pub step: String,
    #[serde(default)]
    #[schema(schema_with = text::<0, { RitualText::MAX }>)]
    pub body: String,
    /// For concerns: what would help.
    #[schema(schema_with = maybe_text::<0, { RitualText::MAX }>)]
    pub proposal: Option<String>,
    /// For heard: 0 to 10.
    #[schema(schema_with = maybe_whole::<{ HeardRating::MIN }, { HeardRating::MAX }>)]
    pub rating: Option<i64>,
}

/// A draft of one step: the words however unfinished, and a rating as typed
/// (checked against 0 to 10 only when the answer is saved, so that a draft
/// keeps what was typed; beyond ±100 it is refused).
#[derive(Deserialize, ToSchema)]
pub struct DraftBody {
    /// appreciations, went_well, promises, concerns, boundaries, can_i_do, heard
    #[schema(schema_with = choice::<AgendaStep>)]
    pub step: String,
    #[serde(default)]
    #[schema(schema_with = text::<0, { RitualText::MAX }>)]
    pub body: String,
    #[schema(schema_with = maybe_text::<0, { RitualText::MAX }>)]
    pub proposal: Option<String>,
    #[schema(schema_with = maybe_whole::<{ -DRAFT_RATING_REACH }, DRAFT_RATING_REACH>)]
    pub rating: Option<i64>,
}

/// How far from 0 a drafted rating may be.
const DRAFT_RATING_REACH: i64 = 100;

/// Saves the caller's answer to one agenda step (saved as they go).
#[utoipa::path(put, path = "/pairs/{pair_id}/rituals/{ritual_id}/answers", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)), request_body = AnswerBody,
    responses((status = 200, body = Ritual), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_answer(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    RitualId(ritual): RitualId,
    ApiJson(b): ApiJson<AnswerBody>,
) -> ApiResult<Json<Ritual>> {
    let answer = Answer { step: b.step, body: b.body, proposal: b.proposal, rating: b.rating };
    Ok(Json(service::save_answer(&state, me.user.id, space.id, ritual, &answer).await?))
}

/// Keeps what the caller typed in one step as their draft (private to
/// them; not checked, only bounded). Saving the step's answer replaces it.
#[utoipa::path(put, path = "/pairs/{pair_id}/rituals/{ritual_id}/drafts", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)), request_body = DraftBody,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_draft(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    RitualId(ritual): RitualId,
    ApiJson(b): ApiJson<DraftBody>,
) -> ApiResult<StatusCode> {
    if b.rating.is_some_and(|r| r.abs() > DRAFT_RATING_REACH) {
        return Err(troth_domain::FieldError::new("rating", "a rating is a number from 0 to 10").into());
    }
    let draft = Answer { step: b.step, body: b.body, proposal: b.proposal, rating: b.rating };
    service::save_draft(&state, me.user.id, space.id, ritual, &draft, service::Turn::Mine).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct SkipBody {
    /// appreciations, went_well, promises, concerns, boundaries, can_i_do, heard
    #[schema(schema_with = choice::<AgendaStep>)]
    pub step: String,
}

/// Skips one step for the caller. In a step both answer (appreciations,
/// concerns, heard), the partner's answer then shows without writing one.
#[utoipa::path(post, path = "/pairs/{pair_id}/rituals/{ritual_id}/skip", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)), request_body = SkipBody,
    responses((status = 200, body = Ritual), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn skip_step(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    RitualId(ritual): RitualId,
    ApiJson(b): ApiJson<SkipBody>,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(service::skip(&state, me.user.id, space.id, ritual, &b.step, service::Turn::Mine).await?))
}

/// Finishes the ritual once each has appreciated and rated how heard they felt.
#[utoipa::path(post, path = "/pairs/{pair_id}/rituals/{ritual_id}/finish", tag = "ritual", params(("pair_id" = String, Path), ("ritual_id" = String, Path)),
    responses((status = 200, body = Ritual), (status = 409, body = ErrorBody)))]
pub async fn finish_ritual(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    RitualId(ritual): RitualId,
) -> ApiResult<Json<Ritual>> {
    Ok(Json(service::finish(&state, me.user.id, space.id, ritual).await?))
}
