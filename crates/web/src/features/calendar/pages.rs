//! The calendar address on the notifications page: making a new one.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::post;

use super::service;
use crate::auth::PageUser;
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::PageResult;
use crate::http::urls::see_other;
use crate::state::AppState;

pub fn routes() -> Pages {
    Pages::new().route("/notifications/calendar/rotate", post(rotate_calendar))
}

pub async fn rotate_calendar(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::rotate(&state, who.user.id).await?;
    Ok(see_other("/notifications"))
}
