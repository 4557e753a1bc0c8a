//! Notifications and reminder choices over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use troth_domain::FieldError;
use troth_store::{MemberSettings, Notification};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authed;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::forms::{ApiJson, ApiJsonList};
use crate::state::AppState;

use super::service::{self, KindChoice};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(read_notifications))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(get_notification_choices, put_notification_choices))
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/me/notifications", tag = "account", responses((status = 200, body = Vec<Notification>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<Json<Vec<Notification>>> {
    Ok(Json(state.store.notifications(me.user.id, 100).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadBody {
    /// One notification; all when absent.
    pub id: Option<String>,
}

/// Marks one or all notifications read.
#[utoipa::path(post, path = "/me/notifications/read", tag = "account", request_body = ReadBody, responses((status = 204), (status = 404, description = "`not_found`: no such notification of yours", body = ErrorBody)))]
pub async fn read_notifications(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(b): ApiJson<ReadBody>,
) -> ApiResult<StatusCode> {
    state
        .store
        .mark_read(me.user.id, b.id.as_deref().map(|id| id.parse().map_err(|_| ApiError::not_found())).transpose()?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reminder choices and the "think before you commit" threshold.
#[utoipa::path(get, path = "/me/settings", tag = "account", responses((status = 200, body = MemberSettings)))]
pub async fn get_settings(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<MemberSettings>> {
    Ok(Json(state.store.settings(me.user.id).await?))
}

/// Saves reminder choices.
#[utoipa::path(put, path = "/me/settings", tag = "account", request_body = MemberSettings, responses((status = 200, body = MemberSettings), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJson(b): ApiJson<MemberSettings>,
) -> ApiResult<Json<MemberSettings>> {
    if !(1..=50).contains(&b.commitment_threshold) {
        return Err(FieldError::new("commitment_threshold", "pick a number from 1 to 50").into());
    }
    state.store.save_settings(me.user.id, &b).await?;
    Ok(Json(state.store.settings(me.user.id).await?))
}

/// What the caller hears about, per kind of notification, in the app and by
/// email.
#[utoipa::path(get, path = "/me/notification-choices", tag = "account", responses((status = 200, body = Vec<KindChoice>)))]
pub async fn get_notification_choices(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<Json<Vec<KindChoice>>> {
    Ok(Json(service::choices(&state, me.user.id).await?))
}

/// Saves the choices given; kinds left out keep what they were. Answers
/// with every kind.
#[utoipa::path(put, path = "/me/notification-choices", tag = "account", request_body = Vec<KindChoice>, responses((status = 200, body = Vec<KindChoice>), (status = 400, body = ErrorBody)))]
pub async fn put_notification_choices(
    State(state): State<AppState>,
    Authed(me): Authed,
    ApiJsonList(given): ApiJsonList<KindChoice>,
) -> ApiResult<Json<Vec<KindChoice>>> {
    Ok(Json(service::save_choices(&state, me.user.id, &given).await?))
}
