//! The calendar address over JSON, and the feed itself.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use crate::auth::Authed;
use crate::http::error::ApiResult;
use crate::http::extract::ApiPath;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_calendar_link)).routes(routes!(rotate_calendar_link))
}

/// Outside `/api/v1`: the feed calendar apps poll (not described in the document).
pub fn feed_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().route("/calendar/{file}", get(calendar_feed))
}

#[derive(Serialize, ToSchema)]
pub struct CalendarLink {
    /// A secret address: anyone with it can read your calendar. Rotate it if it leaks.
    pub url: String,
}

/// The caller's secret calendar address (ICS).
#[utoipa::path(get, path = "/me/calendar", tag = "account", responses((status = 200, body = CalendarLink)))]
pub async fn get_calendar_link(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<CalendarLink>> {
    Ok(Json(CalendarLink { url: service::feed_url(&state, me.user.id).await? }))
}

/// Makes a new secret address; the old one stops working at once.
#[utoipa::path(post, path = "/me/calendar/rotate", tag = "account", responses((status = 200, body = CalendarLink)))]
pub async fn rotate_calendar_link(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<CalendarLink>> {
    Ok(Json(CalendarLink { url: service::rotate(&state, me.user.id).await? }))
}

/// `GET /calendar/{secret}.ics`: the member's calendar.
pub async fn calendar_feed(State(state): State<AppState>, ApiPath(file): ApiPath<String>) -> ApiResult<Response> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let body = service::feed(&state, secret).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
        body,
    )
        .into_response())
}
