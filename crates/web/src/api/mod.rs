//! The JSON API under `/api/v1`. Everything the pages can do, the API can do;
//! both go through the same store calls and therefore the same rules.

mod accounts;
mod coach;
mod everyday;
mod notes;
mod pairs;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

pub use accounts::*;
pub use coach::*;
pub use everyday::*;
pub use notes::*;
pub use pairs::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/password", post(change_password))
        .route("/auth/sessions", get(list_sessions))
        .route("/auth/sessions/{session_id}", axum::routing::delete(end_session))
        .route("/auth/tokens", post(create_token).get(list_tokens))
        .route("/auth/tokens/{token_id}", axum::routing::delete(delete_token))
        .route("/me", get(me).patch(update_me).delete(delete_me))
        .route("/me/export", get(export_me))
        .route("/pairs", post(create_pair).get(list_pairs))
        .route("/pairs/{pair_id}", get(get_pair).patch(rename_pair))
        .route("/pairs/{pair_id}/invites", post(create_invite).get(list_invites))
        .route("/pairs/{pair_id}/invites/{invite_id}", axum::routing::delete(revoke_invite))
        .route("/pairs/{pair_id}/leave", post(leave_pair))
        .route("/invites/{code}", get(preview_invite))
        .route("/invites/{code}/accept", post(accept_invite))
        .route("/pairs/{pair_id}/notes", post(create_note).get(list_notes))
        .route("/pairs/{pair_id}/notes/{note_id}", get(get_note).patch(update_note).delete(delete_note))
        .route("/pairs/{pair_id}/notes/{note_id}/part", put(write_note_part))
        .route("/pairs/{pair_id}/promises", post(create_promise).get(list_promises))
        .route("/pairs/{pair_id}/promises/check", get(check_commitment))
        .route("/pairs/{pair_id}/promises/{promise_id}", get(get_promise))
        .route("/pairs/{pair_id}/promises/{promise_id}/actions", post(act_on_promise))
        .route("/pairs/{pair_id}/ritual/slot", get(get_slot).put(put_slot))
        .route("/pairs/{pair_id}/rituals", post(start_ritual).get(list_rituals))
        .route("/pairs/{pair_id}/rituals/{ritual_id}", get(get_ritual))
        .route("/pairs/{pair_id}/rituals/{ritual_id}/answers", put(put_answer))
        .route("/pairs/{pair_id}/rituals/{ritual_id}/finish", post(finish_ritual))
        .route("/pairs/{pair_id}/appreciations", post(create_appreciation).get(list_appreciations))
        .route("/pairs/{pair_id}/appreciations/{appreciation_id}", axum::routing::delete(delete_appreciation))
        .route("/pairs/{pair_id}/appreciations/{appreciation_id}/heart", post(heart_appreciation))
        .route("/pairs/{pair_id}/appreciations/{appreciation_id}/favourite", post(favourite_appreciation))
        .route("/pairs/{pair_id}/pulses", post(create_pulse).get(list_pulses))
        .route("/pairs/{pair_id}/pulses/partner", get(partner_pulse))
        .route("/pairs/{pair_id}/pulses/{pulse_id}", get(get_pulse))
        .route("/pairs/{pair_id}/pulses/{pulse_id}/share", post(share_pulse))
        .route("/pairs/{pair_id}/insights", get(get_insights))
        .route("/me/notifications", get(list_notifications))
        .route("/me/notifications/read", post(read_notifications))
        .route("/me/settings", get(get_settings).put(put_settings))
        .route("/me/calendar", get(get_calendar_link))
        .route("/me/calendar/rotate", post(rotate_calendar_link))
        .route("/coach/check", post(coach_check))
        .route("/coach/apology", post(coach_apology))
        .fallback(api_not_found)
}

async fn api_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "there is no such API route")
}

async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], crate::openapi::openapi_json()).into_response()
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "the store is reachable"), (status = 503, description = "the store is not reachable")))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// Parses an id from the path; anything malformed is simply not found.
pub fn path_id(raw: &str) -> Result<troth_domain::Id, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}
