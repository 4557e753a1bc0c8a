use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use troth_domain::{Id, SpaceKind, SpaceName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{Invite, InvitePreview, Space};
use utoipa::ToSchema;

use super::path_id;
use crate::auth::{Authed, MaybeUser};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::forms::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Default)]
pub struct PairBody {
    pub name: Option<String>,
    pub kind: Option<String>,
}

/// Creates a space with the caller as its first member.
#[utoipa::path(post, path = "/api/v1/pairs", tag = "pairs", request_body = PairBody,
    responses((status = 201, body = Space), (status = 422, body = ErrorBody)))]
pub async fn create_pair(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<PairBody>,
) -> ApiResult<Response> {
    let space = create_space(&state, me.user.id, body.name.as_deref(), body.kind.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(space)).into_response())
}

/// Shared by the API and the page: a blank name becomes "Our space".
pub async fn create_space(state: &AppState, user: Id, name: Option<&str>, kind: Option<&str>) -> ApiResult<Space> {
    let name = match name.map(str::trim) {
        None | Some("") => SpaceName::parse("Our space")?,
        Some(n) => SpaceName::parse(n)?,
    };
    let kind: SpaceKind = kind.unwrap_or("partners").parse()?;
    Ok(state.store.create_space(user, &name, kind).await?)
}

/// The caller's spaces.
#[utoipa::path(get, path = "/api/v1/pairs", tag = "pairs", responses((status = 200, body = Vec<Space>)))]
pub async fn list_pairs(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Vec<Space>>> {
    Ok(Json(state.store.spaces_of(me.user.id).await?))
}

/// One space; 404 for anyone who is not a member.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 200, body = Space), (status = 404, body = ErrorBody)))]
pub async fn get_pair(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Space>> {
    Ok(Json(state.store.space_for(me.user.id, path_id(&pair_id)?).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameBody {
    pub name: String,
}

/// Renames a space (either member may).
#[utoipa::path(patch, path = "/api/v1/pairs/{pair_id}", tag = "pairs", params(("pair_id" = String, Path)), request_body = RenameBody,
    responses((status = 200, body = Space), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename_pair(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    ApiJson(body): ApiJson<RenameBody>,
) -> ApiResult<Json<Space>> {
    let name = SpaceName::parse(&body.name)?;
    Ok(Json(state.store.rename_space(me.user.id, path_id(&pair_id)?, &name).await?))
}

#[derive(Serialize, ToSchema)]
pub struct NewInvite {
    pub id: Id,
    /// The one-time code; only its hash is stored, so it is shown once.
    pub code: String,
    pub url: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// The address people use to reach this server.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if !state.config.public_url.is_empty() {
        return state.config.public_url.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

pub async fn make_invite(state: &AppState, headers: &HeaderMap, user: Id, space: Id) -> ApiResult<NewInvite> {
    let code = new_secret();
    let now = Timestamp::now();
    let expires = now + state.config.invite_ttl;
    let invite = state.store.create_invite(user, space, &hash_secret(&code), now, expires).await?;
    let url = format!("{}/join/{code}", base_url(state, headers));
    Ok(NewInvite { id: invite.id, code, url, expires_at: invite.expires_at })
}

/// Creates a one-time invite (72 hours by default).
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/invites", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 201, body = NewInvite), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Response> {
    let invite = make_invite(&state, &headers, me.user.id, path_id(&pair_id)?).await?;
    Ok((StatusCode::CREATED, Json(invite)).into_response())
}

/// The space's invites and their state (codes are never shown again).
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/invites", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 200, body = Vec<Invite>), (status = 404, body = ErrorBody)))]
pub async fn list_invites(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(state.store.invites_of(me.user.id, path_id(&pair_id)?).await?))
}

/// Withdraws an unused invite.
#[utoipa::path(delete, path = "/api/v1/pairs/{pair_id}/invites/{invite_id}", tag = "pairs", params(("pair_id" = String, Path), ("invite_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, invite_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.store.revoke_invite(me.user.id, path_id(&pair_id)?, path_id(&invite_id)?, Timestamp::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an invite leads to (space name, who invited, whether it is usable).
#[utoipa::path(get, path = "/api/v1/invites/{code}", tag = "pairs", params(("code" = String, Path)),
    responses((status = 200, body = InvitePreview), (status = 404, body = ErrorBody)))]
pub async fn preview_invite(
    State(state): State<AppState>,
    _who: MaybeUser,
    Path(code): Path<String>,
) -> ApiResult<Json<InvitePreview>> {
    if code.len() > 64 {
        return Err(ApiError::not_found());
    }
    Ok(Json(state.store.invite_preview(&hash_secret(&code), Timestamp::now()).await?))
}

/// Joins the space with a one-time code.
#[utoipa::path(post, path = "/api/v1/invites/{code}/accept", tag = "pairs", params(("code" = String, Path)),
    responses((status = 200, body = Space), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn accept_invite(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<Space>> {
    if code.len() > 64 {
        return Err(ApiError::not_found());
    }
    Ok(Json(state.store.accept_invite(me.user.id, &hash_secret(&code), Timestamp::now()).await?))
}

/// Leaves the space: the caller's private entries there are deleted; shared
/// ones stay with the other member, who is not notified.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/leave", tag = "pairs", params(("pair_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn leave_pair(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.leave_space(me.user.id, path_id(&pair_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
