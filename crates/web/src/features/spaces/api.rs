//! Spaces over JSON ("pairs"): make, list, rename, invite, join, leave.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::Deserialize;
use troth_domain::SpaceName;
use troth_store::secret::hash_secret;
use troth_store::{Invite, InvitePreview, Space};
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{create_space, make_invite, NewInvite};
use super::InviteId;
use crate::auth::{Authed, MaybeUser};
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, SpaceCtx};
use crate::http::forms::ApiJson;
use crate::http::openapi::{blank_or_choice, maybe_text, text};
use crate::state::AppState;
use troth_domain::SpaceKind;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_pair, list_pairs))
        .routes(routes!(get_pair, rename_pair))
        .routes(routes!(create_invite, list_invites))
        .routes(routes!(revoke_invite))
        .routes(routes!(leave_pair))
        .routes(routes!(preview_invite))
        .routes(routes!(accept_invite))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct PairBody {
    #[schema(schema_with = maybe_text::<0, { SpaceName::MAX }>)]
    pub name: Option<String>,
    #[schema(schema_with = blank_or_choice::<SpaceKind>)]
    pub kind: Option<String>,
}

/// Creates a space with the caller as its first member.
#[utoipa::path(post, path = "/pairs", tag = "pairs", request_body = PairBody,
    responses((status = 201, body = Space), (status = 422, body = ErrorBody)))]
pub async fn create_pair(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<PairBody>,
) -> ApiResult<Response> {
    let space = create_space(&state, me.user.id, body.name.as_deref(), body.kind.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(space)).into_response())
}

/// The caller's spaces.
#[utoipa::path(get, path = "/pairs", tag = "pairs", responses((status = 200, body = Vec<Space>)))]
pub async fn list_pairs(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Vec<Space>>> {
    Ok(Json(state.store.spaces_of(me.user.id).await?))
}

/// One space; 404 for anyone who is not a member.
#[utoipa::path(get, path = "/pairs/{pair_id}", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 200, body = Space), (status = 404, body = ErrorBody)))]
pub async fn get_pair(State(state): State<AppState>, SpaceCtx { who: me, space }: SpaceCtx) -> ApiResult<Json<Space>> {
    Ok(Json(state.store.space_for(me.user.id, space.id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameBody {
    #[schema(schema_with = text::<1, { SpaceName::MAX }>)]
    pub name: String,
}

/// Renames a space (either member may).
#[utoipa::path(patch, path = "/pairs/{pair_id}", tag = "pairs", params(("pair_id" = String, Path)), request_body = RenameBody,
    responses((status = 200, body = Space), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename_pair(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(body): ApiJson<RenameBody>,
) -> ApiResult<Json<Space>> {
    let name = SpaceName::parse(&body.name)?;
    Ok(Json(state.store.rename_space(me.user.id, space.id, &name).await?))
}

/// Creates a one-time invite (72 hours by default).
#[utoipa::path(post, path = "/pairs/{pair_id}/invites", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 201, body = NewInvite), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_invite(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Response> {
    let invite = make_invite(&state, me.user.id, space.id).await?;
    Ok((StatusCode::CREATED, Json(invite)).into_response())
}

/// The space's invites and their state (codes are never shown again).
#[utoipa::path(get, path = "/pairs/{pair_id}/invites", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<Invite>), (status = 404, body = ErrorBody)))]
pub async fn list_invites(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(state.store.invites_of(me.user.id, space.id).await?))
}

/// Withdraws an unused invite.
#[utoipa::path(delete, path = "/pairs/{pair_id}/invites/{invite_id}", tag = "pairs", params(("pair_id" = String, Path), ("invite_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    InviteId(invite): InviteId,
) -> ApiResult<StatusCode> {
    state.store.revoke_invite(me.user.id, space.id, invite, Timestamp::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an invite leads to (space name, who invited, whether it is usable).
#[utoipa::path(get, path = "/invites/{code}", tag = "pairs", security(()), params(("code" = String, Path)),
    responses((status = 200, body = InvitePreview), (status = 404, body = ErrorBody)))]
pub async fn preview_invite(
    State(state): State<AppState>,
    _who: MaybeUser,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<InvitePreview>> {
    if code.len() > 64 {
        return Err(ApiError::not_found());
    }
    Ok(Json(state.store.invite_preview(&hash_secret(&code), Timestamp::now()).await?))
}

/// Joins the space with a one-time code.
#[utoipa::path(post, path = "/invites/{code}/accept", tag = "pairs", params(("code" = String, Path)),
    responses((status = 200, body = Space), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn accept_invite(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Space>> {
    if code.len() > 64 {
        return Err(ApiError::not_found());
    }
    Ok(Json(state.store.accept_invite(me.user.id, &hash_secret(&code), Timestamp::now()).await?))
}

/// Leaves the space: the caller's private entries there are deleted; shared
/// ones stay with the other member, who is not notified.
#[utoipa::path(post, path = "/pairs/{pair_id}/leave", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn leave_pair(State(state): State<AppState>, SpaceCtx { who: me, space }: SpaceCtx) -> ApiResult<StatusCode> {
    state.store.leave_space(me.user.id, space.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
