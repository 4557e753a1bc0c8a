use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use troth_domain::{DisplayName, TimeZoneName, TokenName};
use troth_store::secret::{hash_secret, new_secret};
use troth_store::{Export, SessionInfo, TokenInfo, User};
use utoipa::ToSchema;

use super::path_id;
use crate::accounts::{self, Registration};
use crate::auth::{clear_session_cookie, client_ip, start_session, Authed, MaybeUser, Via};
use crate::error::{ApiResult, ErrorBody};
use crate::forms::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub time_zone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

/// Creates an account and logs it in (sets the session cookie).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<Response> {
    let user = accounts::register(
        &state,
        Registration {
            email: body.email,
            password: body.password,
            display_name: body.display_name,
            time_zone: body.time_zone,
        },
    )
    .await?;
    let cookie = start_session(&state, &user, &headers).await?;
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(user)).into_response())
}

/// Logs in with email and password; sets a new session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let ip = client_ip(&state, &headers, Some(peer));
    let user = accounts::authenticate(&state, &body.email, &body.password, &ip).await?;
    let cookie = start_session(&state, &user, &headers).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(user)).into_response())
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, MaybeUser(identity): MaybeUser) -> ApiResult<Response> {
    if let Some(identity) = identity {
        if let Some(session) = identity.session {
            state.store.end_session(identity.user.id, session.id).await?;
        }
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_session_cookie(&state))]).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordChanged {
    pub other_sessions_ended: u64,
}

/// Changes the password; every other session ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordBody,
    responses((status = 200, body = PasswordChanged), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<Json<PasswordChanged>> {
    let keep = me.session.as_ref().map(|s| s.id);
    let ended = accounts::change_password(&state, &me.user, keep, &body.current_password, &body.new_password).await?;
    Ok(Json(PasswordChanged { other_sessions_ended: ended }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionsList {
    pub current: Option<troth_domain::Id>,
    pub sessions: Vec<SessionInfo>,
}

/// Lists the caller's sessions (devices where they are logged in).
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", responses((status = 200, body = SessionsList)))]
pub async fn list_sessions(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<SessionsList>> {
    let sessions = state.store.sessions_of(me.user.id).await?;
    Ok(Json(SessionsList { current: me.session.map(|s| s.id), sessions }))
}

/// Ends one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{session_id}", tag = "auth", params(("session_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(session_id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.end_session(me.user.id, path_id(&session_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    /// Shown once: only its hash is stored.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Creates a personal access token for scripts and apps.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = TokenBody, responses((status = 201, body = NewToken), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<Response> {
    let name = TokenName::parse(&body.name)?;
    let token = format!("troth_{}", new_secret());
    let info = state.store.create_token(me.user.id, name.as_str(), &hash_secret(&token), Timestamp::now()).await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, info })).into_response())
}

/// Lists the caller's access tokens (never the secrets).
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", responses((status = 200, body = Vec<TokenInfo>)))]
pub async fn list_tokens(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.tokens_of(me.user.id).await?))
}

/// Revokes an access token.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{token_id}", tag = "auth", params(("token_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(token_id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_token(me.user.id, path_id(&token_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(Authed(me): Authed) -> Json<User> {
    Json(me.user)
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileBody {
    pub display_name: Option<String>,
    pub time_zone: Option<String>,
}

/// Changes the display name or time zone.
#[utoipa::path(patch, path = "/api/v1/me", tag = "account", request_body = ProfileBody, responses((status = 200, body = User), (status = 422, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<User>> {
    let name = DisplayName::parse(body.display_name.as_deref().unwrap_or(&me.user.display_name))?;
    let tz = TimeZoneName::parse(body.time_zone.as_deref().unwrap_or(&me.user.time_zone))?;
    Ok(Json(state.store.update_profile(me.user.id, &name, &tz).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteAccountBody {
    pub password: String,
}

/// Deletes the account: leaves every space (private entries go), then the
/// account itself. Needs the password; token callers too.
#[utoipa::path(delete, path = "/api/v1/me", tag = "account", request_body = DeleteAccountBody, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn delete_me(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<DeleteAccountBody>,
) -> ApiResult<Response> {
    accounts::confirm_password(&state, &me.user, &body.password).await?;
    state.store.delete_user(me.user.id).await?;
    let clear = me.via == Via::Session;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if clear {
        res.headers_mut().insert(header::SET_COOKIE, clear_session_cookie(&state));
    }
    Ok(res)
}

/// Everything the caller may take with them, as JSON.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "account", responses((status = 200, body = Export)))]
pub async fn export_me(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Response> {
    let export = state.store.export_user(me.user.id).await?;
    let name = format!("attachment; filename=\"troth-export-{}.json\"", Timestamp::now().strftime("%Y-%m-%d"));
    Ok(([(header::CONTENT_DISPOSITION, name)], Json(export)).into_response())
}
