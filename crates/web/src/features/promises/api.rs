//! Promises over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::Deserialize;
use troth_store::{Promise, PromiseFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::ActionName;
use super::service::{commitment, make_promise, promise_action, ActionRequest, CommitmentView, Made};
use super::PromiseId;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiQuery, SpaceCtx};
use crate::http::forms::ApiJson;
use crate::http::openapi::{choice, maybe_text, text};
use crate::state::AppState;
use troth_domain::promises::{Note, PromiseCategory, PromiseStatus, PromiseText};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_promise, list_promises))
        .routes(routes!(check_commitment))
        .routes(routes!(get_promise))
        .routes(routes!(act_on_promise))
}

#[derive(Deserialize, ToSchema)]
pub struct PromiseBody {
    #[schema(schema_with = text::<1, { PromiseText::MAX }>)]
    pub text: String,
    #[schema(schema_with = maybe_text::<0, { PromiseCategory::MAX }>)]
    pub category: Option<String>,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` in your time zone.
    pub due: Option<String>,
    /// Set when "think before you commit" asked for a confirmation.
    #[serde(default)]
    pub confirm_overcommit: bool,
}

/// Makes a promise to the partner. With many open this week, it first asks
/// for a confirmation (409 `needs_confirmation`).
#[utoipa::path(post, path = "/pairs/{pair_id}/promises", tag = "promises", params(("pair_id" = String, Path)), request_body = PromiseBody,
    responses((status = 201, body = Promise), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_promise(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(b): ApiJson<PromiseBody>,
) -> ApiResult<Response> {
    let made = make_promise(
        &state,
        &me.user,
        space.id,
        &b.text,
        b.category.as_deref(),
        b.due.as_deref(),
        b.confirm_overcommit,
    )
    .await?;
    match made {
        Made::Promised(p) => Ok((StatusCode::CREATED, Json(*p)).into_response()),
        Made::NeedsConfirmation { message } => Err(ApiError::new(StatusCode::CONFLICT, "needs_confirmation", message)),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PromiseQuery {
    /// Only promises made by this member.
    pub member: Option<String>,
    #[param(schema_with = choice::<PromiseStatus>)]
    pub status: Option<String>,
    /// How many at most; the server caps it (no error for more).
    pub limit: Option<i64>,
}

/// The space's promises: unsettled first, soonest due first.
#[utoipa::path(get, path = "/pairs/{pair_id}/promises", tag = "promises", params(("pair_id" = String, Path), PromiseQuery),
    responses((status = 200, body = Vec<Promise>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_promises(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiQuery(q): ApiQuery<PromiseQuery>,
) -> ApiResult<Json<Vec<Promise>>> {
    let filter = PromiseFilter {
        promiser: q.member.as_deref().map(|m| m.parse().map_err(|_| ApiError::not_found())).transpose()?,
        status: q.status.as_deref().map(str::parse).transpose()?,
        unsettled_only: false,
        limit: q.limit,
    };
    Ok(Json(state.store.promises(me.user.id, space.id, filter, Timestamp::now()).await?))
}

/// How many promises the caller has open this week, their recent keep rate,
/// and whether a new one would need a confirmation.
#[utoipa::path(get, path = "/pairs/{pair_id}/promises/check", tag = "promises", params(("pair_id" = String, Path)),
    responses((status = 200, body = CommitmentView)))]
pub async fn check_commitment(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<CommitmentView>> {
    Ok(Json(commitment(&state, me.user.id, space.id, Timestamp::now()).await?))
}

/// One promise with its history.
#[utoipa::path(get, path = "/pairs/{pair_id}/promises/{promise_id}", tag = "promises", params(("pair_id" = String, Path), ("promise_id" = String, Path)),
    responses((status = 200, body = Promise), (status = 404, body = ErrorBody)))]
pub async fn get_promise(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    PromiseId(promise): PromiseId,
) -> ApiResult<Json<Promise>> {
    Ok(Json(state.store.promise(me.user.id, space.id, promise, Timestamp::now()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PromiseActionBody {
    /// claim (promiser: it is done), confirm (partner: it was kept), not_yet
    /// (partner, answering a claim: back to open, with a note), propose_terms
    /// (promiser, before due: asks for new terms, with a note), accept_terms
    /// and decline_terms (partner), withdraw_terms (promiser), release
    /// (partner), missed, apologise (promiser, after a miss).
    #[schema(schema_with = choice::<ActionName>)]
    pub action: String,
    #[schema(schema_with = maybe_text::<0, { Note::MAX }>)]
    pub note: Option<String>,
    /// For propose_terms: the new due time (empty asks to remove it).
    pub new_due: Option<String>,
    /// For propose_terms: a new wording (empty keeps the wording).
    #[schema(schema_with = maybe_text::<0, { PromiseText::MAX }>)]
    pub new_text: Option<String>,
}

/// Moves a promise along: claim, confirm, not yet, new terms (propose, accept, decline, withdraw), release, missed, apologise.
#[utoipa::path(post, path = "/pairs/{pair_id}/promises/{promise_id}/actions", tag = "promises", params(("pair_id" = String, Path), ("promise_id" = String, Path)), request_body = PromiseActionBody,
    responses((status = 200, body = Promise), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act_on_promise(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    PromiseId(promise): PromiseId,
    ApiJson(b): ApiJson<PromiseActionBody>,
) -> ApiResult<Json<Promise>> {
    Ok(Json(
        promise_action(
            &state,
            &me.user,
            space.id,
            promise,
            ActionRequest {
                action: &b.action,
                note: b.note.as_deref(),
                new_due: b.new_due.as_deref(),
                new_text: b.new_text.as_deref(),
            },
        )
        .await?,
    ))
}
