//! Who is asking: passwords (Argon2id), sessions (cookie) and access tokens
//! (bearer), resolved once per request by [`identify`].

pub mod passwords;

pub use passwords::{hash_password, PasswordGate, PasswordParams};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use troth_store::secret::{hash_secret, new_secret};

use troth_store::{SessionInfo, User};

use crate::http::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "troth_session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The caller, resolved once per request by the [`identify`] middleware.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub session: Option<SessionInfo>,
    pub via: Via,
    /// Unread notifications, read with the session (0 for an access token:
    /// API calls draw no navigation).
    pub unread_notifications: i64,
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

/// Looks the caller up (bearer token first, then the session cookie) and
/// leaves an [`Identity`] in the request for handlers and the CSRF check.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/static/") || path == "/healthz" || path == "/exit" {
        return next.run(req).await;
    }
    let now = Timestamp::now();
    let headers = req.headers();
    let identity = if let Some(token) = bearer(headers) {
        match state.store.token_user(&hash_secret(token), now).await {
            Ok(Some((_, user))) => Some(Identity { user, session: None, via: Via::Token, unread_notifications: 0 }),
            Ok(None) => {
                return ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "this access token is not valid",
                )
                .into_response()
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else if let Some(secret) = cookie_value(headers, SESSION_COOKIE) {
        match state.store.session(&hash_secret(secret), now, state.session_policy()).await {
            Ok(Some(live)) => Some(Identity {
                user: live.user,
                session: Some(live.info),
                via: Via::Session,
                unread_notifications: live.unread_notifications,
            }),
            Ok(None) => None,
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        None
    };
    if let Some(identity) = identity {
        req.extensions_mut().insert(identity);
    }
    next.run(req).await
}

/// An API caller who must be logged in (401 otherwise).
pub struct Authed(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Identity>().cloned().map(Authed).ok_or_else(ApiError::unauthenticated)
    }
}

/// A page visitor who must be logged in (sent to the login page otherwise).
pub struct PageUser(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        match parts.extensions.get::<Identity>() {
            Some(identity) => Ok(PageUser(identity.clone())),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = format!("/login?next={}", crate::http::urls::url_encode(next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// Anyone, logged in or not.
pub struct MaybeUser(pub Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<Identity>().cloned()))
    }
}

/// Starts a session: a fresh 128-bit id at every login (no fixation), and
/// the cookie that carries it.
pub async fn start_session(state: &AppState, user: &User, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    let secret = new_secret();
    let csrf = new_secret();
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("unknown device");
    state.store.create_session(user.id, &hash_secret(&secret), &csrf, agent, Timestamp::now()).await?;
    Ok(session_cookie(state, &secret, state.config.session_absolute.as_secs()))
}

pub fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie is ASCII")
}

pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    session_cookie(state, "", 0)
}

/// The client's address for throttling: the socket peer, or, behind a
/// trusted proxy, the last `X-Forwarded-For` hop, which that proxy appended.
/// Earlier hops come from the client and could be anything (a fresh one per
/// attempt would dodge the throttle); the hop must parse as an IP address.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    if state.config.trust_proxy {
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|hop| hop.trim().parse::<std::net::IpAddr>().ok());
        if let Some(ip) = last {
            return ip.to_string();
        }
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}
