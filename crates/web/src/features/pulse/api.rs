//! The trust pulse over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use troth_domain::pulse::PulseNote;
use troth_store::Pulse;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{parse_ratings, safety_note, TREND_WEEKS};
use super::PulseId;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::http::forms::ApiJson;
use crate::http::openapi::{text, whole};
use crate::state::AppState;
use troth_domain::pulse::Rating;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_pulse, list_pulses))
        .routes(routes!(partner_pulse))
        .routes(routes!(get_pulse))
        .routes(routes!(share_pulse))
}

#[derive(Deserialize, ToSchema)]
pub struct PulseBody {
    #[schema(schema_with = whole::<{ Rating::MIN }, { Rating::MAX }>)]
    pub emotional: i64,
    #[schema(schema_with = whole::<{ Rating::MIN }, { Rating::MAX }>)]
    pub instrumental: i64,
    #[schema(schema_with = whole::<{ Rating::MIN }, { Rating::MAX }>)]
    pub informational: i64,
    #[serde(rename = "self")]
    #[schema(schema_with = whole::<{ Rating::MIN }, { Rating::MAX }>)]
    pub self_trust: i64,
    #[schema(schema_with = whole::<{ Rating::MIN }, { Rating::MAX }>)]
    pub situational: i64,
    #[schema(schema_with = whole::<{ Rating::MIN }, { Rating::MAX }>)]
    pub physical: i64,
    #[serde(default)]
    #[schema(schema_with = text::<0, { PulseNote::MAX }>)]
    pub note: String,
    /// Private unless true.
    #[serde(default)]
    pub shared: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PulseSaved {
    pub pulse: Pulse,
    /// Shown to the member alone when physical safety is rated low.
    pub safety_resources: Option<String>,
}

/// Records the caller's trust pulse (private unless `shared`).
#[utoipa::path(post, path = "/pairs/{pair_id}/pulses", tag = "pulse", params(("pair_id" = String, Path)), request_body = PulseBody,
    responses((status = 201, body = PulseSaved), (status = 422, body = ErrorBody)))]
pub async fn create_pulse(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(b): ApiJson<PulseBody>,
) -> ApiResult<Response> {
    let ratings =
        parse_ratings([b.emotional, b.instrumental, b.informational, b.self_trust, b.situational, b.physical])?;
    let note = PulseNote::parse(&b.note)?;
    let pulse = state.store.add_pulse(me.user.id, space.id, ratings, note.as_str(), b.shared, None).await?;
    let safety_resources = safety_note(&ratings);
    Ok((StatusCode::CREATED, Json(PulseSaved { pulse, safety_resources })).into_response())
}

/// The caller's own pulses of the last twelve weeks (never the partner's private ones).
#[utoipa::path(get, path = "/pairs/{pair_id}/pulses", tag = "pulse", params(("pair_id" = String, Path)), responses((status = 200, body = Vec<Pulse>)))]
pub async fn list_pulses(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Vec<Pulse>>> {
    let since = Timestamp::now() - jiff::SignedDuration::from_hours(24 * 7 * TREND_WEEKS as i64);
    Ok(Json(state.store.my_pulses(me.user.id, space.id, since).await?))
}

/// The partner's latest pulse, if they chose to share it.
#[utoipa::path(get, path = "/pairs/{pair_id}/pulses/partner", tag = "pulse", params(("pair_id" = String, Path)), responses((status = 200, body = Option<Pulse>)))]
pub async fn partner_pulse(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Option<Pulse>>> {
    Ok(Json(state.store.partner_shared_pulse(me.user.id, space.id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ShareBody {
    pub shared: bool,
}

/// Shares (or unshares) one of the caller's pulses with the partner.
#[utoipa::path(post, path = "/pairs/{pair_id}/pulses/{pulse_id}/share", tag = "pulse", params(("pair_id" = String, Path), ("pulse_id" = String, Path)), request_body = ShareBody,
    responses((status = 200, body = Pulse), (status = 404, body = ErrorBody)))]
pub async fn share_pulse(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    PulseId(pulse): PulseId,
    ApiJson(b): ApiJson<ShareBody>,
) -> ApiResult<Json<Pulse>> {
    Ok(Json(state.store.share_pulse(me.user.id, space.id, pulse, b.shared).await?))
}

/// Reads a single pulse (the owner's, or a shared one).
#[utoipa::path(get, path = "/pairs/{pair_id}/pulses/{pulse_id}", tag = "pulse", params(("pair_id" = String, Path), ("pulse_id" = String, Path)),
    responses((status = 200, body = Pulse), (status = 404, body = ErrorBody)))]
pub async fn get_pulse(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    PulseId(pulse): PulseId,
) -> ApiResult<Json<Pulse>> {
    Ok(Json(state.store.pulse(me.user.id, space.id, pulse).await?))
}
