//! Extractors that replace every handler's prologue: the member and their
//! space ([`SpaceCtx`]) and typed ids in paths ([`path_id!`]). Both reject
//! with the same answer whoever asks: 404 when the id is malformed or the
//! space is not theirs (a JSON error for the API, a page for pages, see
//! [`crate::http::page`]), and "log in first" when nobody is signed in.
//! [`ApiQuery`] and [`ApiPath`] read the rest of the URL for the API and
//! answer a URL that does not fit with the documented JSON error instead of
//! axum's plain-text rejections.

use axum::extract::{FromRequestParts, Path, Query, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use troth_domain::Id;
use troth_store::Space;

use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::page::{LoginRequired, PageError};
use crate::state::AppState;

/// The signed-in member and the space named in the path (`{space_id}` on
/// pages, `{pair_id}` in the API). Anyone who is not a member of that space
/// gets 404, exactly as for a space that does not exist.
pub struct SpaceCtx {
    pub who: Identity,
    pub space: Space,
}

impl FromRequestParts<AppState> for SpaceCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(who) = parts.extensions.get::<Identity>().cloned() else {
            return Err(LoginRequired.into_response());
        };
        let id = match path_param(parts, state, &["space_id", "pair_id"]).await {
            Ok(id) => id,
            Err(e) => return Err(e.into_response()),
        };
        match state.store.space_for(who.user.id, id).await {
            Ok(space) => Ok(SpaceCtx { who, space }),
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

/// An API query string read into `T`. One that does not fit (`limit=abc`,
/// an unknown field value) is 400 `invalid_query`, with what did not fit,
/// as the documented JSON error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::bad_request(
                "invalid_query",
                format!("the query string could not be read: {}", rejection.body_text()),
            )),
        }
    }
}

/// API path parameters read into `T` (codes, names). A path whose
/// parameters cannot be read (bytes that are not UTF-8 once decoded) names
/// nothing: 404 as JSON, as a malformed id is.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// The id in the path parameter called one of `names`; a missing or
/// malformed one is simply not found.
pub async fn path_param<S: Send + Sync>(parts: &mut Parts, state: &S, names: &[&str]) -> Result<Id, PageError> {
    let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
    let raw = params.iter().find(|(k, _)| names.contains(k)).map(|(_, v)| v);
    raw.and_then(|v| v.parse().ok()).ok_or_else(|| ApiError::not_found().into())
}

/// Declares a typed id read from the path parameter of that name:
/// `path_id!(NoteId, "note_id");` then `NoteId(id): NoteId` in a handler.
#[macro_export]
macro_rules! path_id {
    ($name:ident, $param:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub troth_domain::Id);

        impl<S: Send + Sync> axum::extract::FromRequestParts<S> for $name {
            type Rejection = $crate::http::page::PageError;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                $crate::http::extract::path_param(parts, state, &[$param]).await.map($name)
            }
        }
    };
}
