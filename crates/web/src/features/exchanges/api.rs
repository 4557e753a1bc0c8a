//! `/api/v1/pairs/{pair_id}/exchanges`: the JSON face of sealed exchanges.
//!
//! Writing a part: `POST .../part` writes it the first time (409
//! `part_already_written` if it exists); `PUT .../part` edits it while it is
//! still sealed (409 `no_part_yet` if there is none, `exchange_revealed`
//! once both are open). Two verbs rather than one upsert, so a client that
//! thinks it is writing for the first time never silently overwrites.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use troth_domain::exchanges::WriteOutcome;
use troth_store::Exchange;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, CreateInput};
use super::ExchangeId;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::SpaceCtx;
use crate::http::forms::ApiJson;
use crate::http::openapi::{maybe_text, text};
use crate::state::AppState;
use troth_domain::exchanges::{ContentRef, ExchangePrompt, ListeningText, PartText};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_exchange, list_exchanges))
        .routes(routes!(get_exchange))
        .routes(routes!(write_exchange_part, edit_exchange_part))
        .routes(routes!(withdraw_exchange))
        .routes(routes!(respond_to_exchange))
        .routes(routes!(remember_exchange))
}

#[derive(Deserialize, ToSchema)]
pub struct NewExchangeBody {
    /// The question both answer (1–500 characters).
    #[schema(schema_with = text::<1, { ExchangePrompt::MAX }>)]
    pub prompt: String,
    /// The prompt bank's id for it, if it came from there.
    #[schema(schema_with = maybe_text::<0, { ContentRef::MAX }>)]
    pub prompt_id: Option<String>,
    /// The exercise it belongs to, if any.
    #[schema(schema_with = maybe_text::<0, { ContentRef::MAX }>)]
    pub exercise_id: Option<String>,
    /// The creator's part, if written at once (1–10,000 characters).
    #[schema(schema_with = maybe_text::<1, { PartText::MAX }>)]
    pub part: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ExchangePartBody)]
pub struct PartBody {
    /// 1–10,000 characters.
    #[schema(schema_with = text::<1, { PartText::MAX }>)]
    pub text: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ResponseBody {
    /// What you heard your partner say (up to 2,000 characters).
    #[schema(schema_with = maybe_text::<0, { ListeningText::MAX }>)]
    pub heard: Option<String>,
    /// What you understood about your partner's feeling (up to 2,000 characters).
    #[schema(schema_with = maybe_text::<0, { ListeningText::MAX }>)]
    pub understood: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RememberBody {
    pub remember: bool,
}

/// What writing a first part did.
#[derive(Serialize, ToSchema)]
pub struct PartReceipt {
    /// True for exactly one write per exchange: the one that opened both parts.
    pub revealed_now: bool,
    pub exchange: Exchange,
}

/// Starts an exchange, optionally with the creator's part.
#[utoipa::path(post, path = "/pairs/{pair_id}/exchanges", tag = "exchanges", params(("pair_id" = String, Path)), request_body = NewExchangeBody,
    responses((status = 201, body = Exchange), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_exchange(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(body): ApiJson<NewExchangeBody>,
) -> ApiResult<Response> {
    let input = CreateInput {
        prompt: &body.prompt,
        prompt_id: body.prompt_id.as_deref(),
        exercise_id: body.exercise_id.as_deref(),
        part: body.part.as_deref(),
    };
    let exchange = service::create(&state, me.user.id, &space, input).await?;
    Ok((StatusCode::CREATED, Json(exchange)).into_response())
}

/// The space's exchanges, newest first, each cut to what the caller may see.
#[utoipa::path(get, path = "/pairs/{pair_id}/exchanges", tag = "exchanges", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<Exchange>), (status = 404, body = ErrorBody)))]
pub async fn list_exchanges(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Vec<Exchange>>> {
    Ok(Json(service::list(&state, me.user.id, space.id).await?))
}

/// One exchange. Before both parts are in, the other part shows only as
/// `partner_has_written`.
#[utoipa::path(get, path = "/pairs/{pair_id}/exchanges/{exchange_id}", tag = "exchanges", params(("pair_id" = String, Path), ("exchange_id" = String, Path)),
    responses((status = 200, body = Exchange), (status = 404, body = ErrorBody)))]
pub async fn get_exchange(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExchangeId(exchange): ExchangeId,
) -> ApiResult<Json<Exchange>> {
    Ok(Json(service::get(&state, me.user.id, space.id, exchange).await?))
}

/// Writes the caller's part the first time; the second part opens both.
#[utoipa::path(post, path = "/pairs/{pair_id}/exchanges/{exchange_id}/part", tag = "exchanges", params(("pair_id" = String, Path), ("exchange_id" = String, Path)), request_body = PartBody,
    responses((status = 201, body = PartReceipt), (status = 404, body = ErrorBody),
        (status = 409, description = "`part_already_written` (edit with PUT), `exchange_withdrawn`, `exchange_revealed`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn write_exchange_part(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExchangeId(exchange): ExchangeId,
    ApiJson(body): ApiJson<PartBody>,
) -> ApiResult<Response> {
    let written = service::write_part(&state, me.user.id, &space, exchange, &body.text).await?;
    let receipt = PartReceipt { revealed_now: written.outcome == WriteOutcome::Reveals, exchange: written.exchange };
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// Rewrites the caller's part while it is still sealed.
#[utoipa::path(put, path = "/pairs/{pair_id}/exchanges/{exchange_id}/part", tag = "exchanges", params(("pair_id" = String, Path), ("exchange_id" = String, Path)), request_body = PartBody,
    responses((status = 200, body = Exchange), (status = 404, body = ErrorBody),
        (status = 409, description = "`no_part_yet` (write with POST), `exchange_withdrawn`, `exchange_revealed`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn edit_exchange_part(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExchangeId(exchange): ExchangeId,
    ApiJson(body): ApiJson<PartBody>,
) -> ApiResult<Json<Exchange>> {
    Ok(Json(service::edit_part(&state, me.user.id, space.id, exchange, &body.text).await?))
}

/// Closes the exchange for both and deletes the caller's part; allowed
/// until the other part is written.
#[utoipa::path(post, path = "/pairs/{pair_id}/exchanges/{exchange_id}/withdraw", tag = "exchanges", params(("pair_id" = String, Path), ("exchange_id" = String, Path)),
    responses((status = 200, body = Exchange), (status = 404, body = ErrorBody),
        (status = 409, description = "`partner_has_written`, `exchange_withdrawn`, `exchange_revealed`", body = ErrorBody)))]
pub async fn withdraw_exchange(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExchangeId(exchange): ExchangeId,
) -> ApiResult<Json<Exchange>> {
    Ok(Json(service::withdraw(&state, me.user.id, space.id, exchange).await?))
}

/// Writes or rewrites the caller's listening response, after the reveal.
#[utoipa::path(put, path = "/pairs/{pair_id}/exchanges/{exchange_id}/response", tag = "exchanges", params(("pair_id" = String, Path), ("exchange_id" = String, Path)), request_body = ResponseBody,
    responses((status = 200, body = Exchange), (status = 404, body = ErrorBody),
        (status = 409, description = "`exchange_not_revealed`, `exchange_withdrawn`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn respond_to_exchange(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExchangeId(exchange): ExchangeId,
    ApiJson(body): ApiJson<ResponseBody>,
) -> ApiResult<Json<Exchange>> {
    let heard = body.heard.as_deref();
    let understood = body.understood.as_deref();
    Ok(Json(service::respond(&state, me.user.id, space.id, exchange, heard, understood).await?))
}

/// Marks the exchange as one to remember (or not), for the caller only.
#[utoipa::path(put, path = "/pairs/{pair_id}/exchanges/{exchange_id}/remember", tag = "exchanges", params(("pair_id" = String, Path), ("exchange_id" = String, Path)), request_body = RememberBody,
    responses((status = 200, body = Exchange), (status = 404, body = ErrorBody),
        (status = 409, description = "`exchange_not_revealed`, `exchange_withdrawn`", body = ErrorBody)))]
pub async fn remember_exchange(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ExchangeId(exchange): ExchangeId,
    ApiJson(body): ApiJson<RememberBody>,
) -> ApiResult<Json<Exchange>> {
    Ok(Json(service::remember(&state, me.user.id, space.id, exchange, body.remember).await?))
}
