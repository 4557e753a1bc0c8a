//! Accounts over JSON: register, log in and out, password, sessions,
//! tokens, profile, delete and export.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use troth_domain::{DisplayName, TimeZoneName};
use troth_store::{Export, SessionInfo, TokenInfo, User};
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self as accounts, Registered, Registration};
use super::{SessionId, TokenId};
use crate::auth::{clear_session_cookie, client_ip, start_session, Authed, MaybeUser, Via};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::forms::ApiJson;
use crate::http::openapi::{maybe_text, text};
use crate::state::AppState;
use troth_domain::TokenName;
use troth_domain::{Email, Password};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(confirm_registration))
        .routes(routes!(request_password_reset))
        .routes(routes!(reset_password))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(change_password))
        .routes(routes!(list_sessions))
        .routes(routes!(end_session))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(delete_token))
        .routes(routes!(me, update_me, delete_me))
        .routes(routes!(export_me))
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    #[schema(schema_with = text::<1, { Email::MAX }>)]
    pub email: String,
    #[schema(schema_with = text::<{ Password::MIN }, { Password::MAX }>)]
    pub password: String,
    #[schema(schema_with = text::<1, { DisplayName::MAX }>)]
    pub display_name: String,
    #[schema(schema_with = maybe_text::<0, { TimeZoneName::MAX }>)]
    pub time_zone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    #[schema(schema_with = text::<1, { Email::MAX }>)]
    pub email: String,
    #[schema(schema_with = text::<1, { Password::MAX }>)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckEmail {
    /// Always `check_email`.
    pub status: &'static str,
    pub message: &'static str,
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmBody {
    /// The secret from the emailed link (`/register/confirm/{token}`).
    #[schema(schema_with = text::<1, LINK_TOKEN_MAX>)]
    pub token: String,
    /// The password chosen when registering.
    #[schema(schema_with = text::<1, { Password::MAX }>)]
    pub password: String,
}

/// An emailed link's secret is 32 hex characters; anything longer is never
/// one (and is refused as unknown).
const LINK_TOKEN_MAX: usize = 64;

/// Creates an account. Without mail set up on the server: made and logged
/// in at once (201, session cookie); an address that has an account is
/// refused (409), and refusals are throttled per client address. With mail:
/// always 202 "check your email", whether or not the address has an
/// account; a new address gets a link that finishes the registration
/// (`POST /auth/register/confirm`), one with an account gets a notice.
#[utoipa::path(post, path = "/auth/register", tag = "auth", security(()), request_body = RegisterBody,
    responses((status = 201, body = User), (status = 202, body = CheckEmail), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, description = "`busy`: too many passwords are being checked at once; try again after `Retry-After`", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<Response> {
    let registered = accounts::register(
        &state,
        Registration {
            email: body.email,
            password: body.password,
            display_name: body.display_name,
            time_zone: body.time_zone,
            first_space: None,
            next: None,
        },
        &client_ip(&state, &headers, Some(peer)),
    )
    .await?;
    match registered {
        Registered::Now(user) => {
            let cookie = start_session(&state, &user, &headers).await?;
            Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(user)).into_response())
        }
        Registered::CheckEmail => {
            Ok((StatusCode::ACCEPTED, Json(CheckEmail { status: "check_email", message: accounts::CHECK_EMAIL }))
                .into_response())
        }
    }
}

/// Finishes a registration from its emailed link: with the password chosen
/// when registering, makes the account and logs it in. The link works once
/// (404 after) and for 24 hours (410 after).
#[utoipa::path(post, path = "/auth/register/confirm", tag = "auth", request_body = ConfirmBody,
    responses((status = 201, body = User), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn confirm_registration(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> ApiResult<Response> {
    let confirmed = accounts::confirm_registration(&state, &body.token, &body.password).await?;
    let cookie = start_session(&state, &confirmed.user, &headers).await?;
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(confirmed.user)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequestBody {
    #[schema(schema_with = text::<1, { Email::MAX }>)]
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ResetBody {
    /// The secret from the emailed link (`/password-reset/{token}`).
    #[schema(schema_with = text::<1, LINK_TOKEN_MAX>)]
    pub token: String,
    #[schema(schema_with = text::<{ Password::MIN }, { Password::MAX }>)]
    pub new_password: String,
}

/// Asks for a link to set a new password, sent by email. Always 202, the
/// same whether or not the address has an account; 404 when the server
/// sends no email. A few per client address (then 429) and per account
/// (then nothing more is sent, the answer unchanged).
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = ResetRequestBody,
    responses((status = 202, body = CheckEmail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ResetRequestBody>,
) -> ApiResult<Response> {
    accounts::request_password_reset(&state, &body.email, &client_ip(&state, &headers, Some(peer))).await?;
    Ok((StatusCode::ACCEPTED, Json(CheckEmail { status: "check_email", message: accounts::RESET_SENT }))
        .into_response())
}

/// Sets a new password from an emailed link (once, within an hour): every
/// session and access token of the account ends, and this one logs in.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body = ResetBody,
    responses((status = 200, body = User), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ResetBody>,
) -> ApiResult<Response> {
    let user = accounts::reset_password(&state, &body.token, &body.new_password).await?;
    let cookie = start_session(&state, &user, &headers).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(user)).into_response())
}

/// Logs in with email and password; sets a new session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", security(()), request_body = LoginBody,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, description = "`busy`: too many passwords are being checked at once; try again after `Retry-After`", body = ErrorBody)))]
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
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(()), responses((status = 204)))]
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
    #[schema(schema_with = text::<1, { Password::MAX }>)]
    pub current_password: String,
    #[schema(schema_with = text::<{ Password::MIN }, { Password::MAX }>)]
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordChanged {
    pub other_sessions_ended: u64,
    /// Every access token ends with the old password, including one used
    /// to make this call.
    pub tokens_ended: u64,
}

/// Changes the password; every other session and every access token end
/// (a token used to make this call too). After a few wrong
/// current passwords the account waits (429 with `Retry-After`).
#[utoipa::path(post, path = "/auth/password", tag = "auth", request_body = PasswordBody,
    responses((status = 200, body = PasswordChanged), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, description = "`busy`: too many passwords are being checked at once; try again after `Retry-After`", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<Json<PasswordChanged>> {
    let keep = me.session.as_ref().map(|s| s.id);
    let ended = accounts::change_password(&state, &me.user, keep, &body.current_password, &body.new_password).await?;
    Ok(Json(PasswordChanged { other_sessions_ended: ended.sessions, tokens_ended: ended.tokens }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionsList {
    pub current: Option<troth_domain::Id>,
    pub sessions: Vec<SessionInfo>,
}

/// Lists the caller's sessions (devices where they are logged in).
#[utoipa::path(get, path = "/auth/sessions", tag = "auth", responses((status = 200, body = SessionsList)))]
pub async fn list_sessions(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<SessionsList>> {
    let sessions = state.store.sessions_of(me.user.id).await?;
    Ok(Json(SessionsList { current: me.session.map(|s| s.id), sessions }))
}

/// Ends one of the caller's sessions.
#[utoipa::path(delete, path = "/auth/sessions/{session_id}", tag = "auth", params(("session_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    Authed(me): Authed,
    SessionId(session): SessionId,
) -> ApiResult<StatusCode> {
    state.store.end_session(me.user.id, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    #[schema(schema_with = text::<1, { TokenName::MAX }>)]
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
#[utoipa::path(post, path = "/auth/tokens", tag = "auth", request_body = TokenBody, responses((status = 201, body = NewToken), (status = 409, description = "`too_many_tokens`: the account holds as many as it may", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<Response> {
    let (token, info) = accounts::create_token(&state, me.user.id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, info })).into_response())
}

/// Lists the caller's access tokens (never the secrets).
#[utoipa::path(get, path = "/auth/tokens", tag = "auth", responses((status = 200, body = Vec<TokenInfo>)))]
pub async fn list_tokens(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.tokens_of(me.user.id).await?))
}

/// Revokes an access token.
#[utoipa::path(delete, path = "/auth/tokens/{token_id}", tag = "auth", params(("token_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    Authed(me): Authed,
    TokenId(token): TokenId,
) -> ApiResult<StatusCode> {
    state.store.delete_token(me.user.id, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account.
#[utoipa::path(get, path = "/me", tag = "account", responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(Authed(me): Authed) -> Json<User> {
    Json(me.user)
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileBody {
    #[schema(schema_with = maybe_text::<1, { DisplayName::MAX }>)]
    pub display_name: Option<String>,
    #[schema(schema_with = maybe_text::<1, { TimeZoneName::MAX }>)]
    pub time_zone: Option<String>,
}

/// Changes the display name or time zone.
#[utoipa::path(patch, path = "/me", tag = "account", request_body = ProfileBody, responses((status = 200, body = User), (status = 422, body = ErrorBody)))]
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
    #[schema(schema_with = text::<1, { Password::MAX }>)]
    pub password: String,
}

/// Deletes the account: leaves every space (private entries go), then the
/// account itself. Needs the password; token callers too. After a few wrong
/// passwords the account waits (429 with `Retry-After`).
#[utoipa::path(delete, path = "/me", tag = "account", request_body = DeleteAccountBody, responses((status = 204), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, description = "`busy`: too many passwords are being checked at once; try again after `Retry-After`", body = ErrorBody)))]
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
#[utoipa::path(get, path = "/me/export", tag = "account", responses((status = 200, body = Export)))]
pub async fn export_me(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Response> {
    let export = state.store.export_user(me.user.id).await?;
    let name = format!("attachment; filename=\"troth-export-{}.json\"", Timestamp::now().strftime("%Y-%m-%d"));
    Ok(([(header::CONTENT_DISPOSITION, name)], Json(export)).into_response())
}
