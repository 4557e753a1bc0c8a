//! Notes: the first entry kind, and the one the authorization matrix tests.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_domain::{EntryBody, EntryTitle, Id, Visibility};
use troth_store::{EntryFilter, EntryKind, EntryPatch, EntryView, NewEntry};
use utoipa::{IntoParams, ToSchema};

use super::path_id;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::forms::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct NoteBody {
    pub title: String,
    pub body: String,
    /// private (default), shared or sealed.
    pub visibility: Option<Visibility>,
}

#[derive(Deserialize, ToSchema)]
pub struct NotePatch {
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PartBody {
    pub body: String,
}

#[derive(Deserialize, IntoParams)]
pub struct NoteQuery {
    pub visibility: Option<Visibility>,
    pub limit: Option<i64>,
}

fn ids(pair_id: &str, note_id: &str) -> Result<(Id, Id), ApiError> {
    Ok((path_id(pair_id)?, path_id(note_id)?))
}

pub fn new_note(title: &str, body: &str, visibility: Visibility) -> Result<NewEntry, ApiError> {
    Ok(NewEntry {
        kind: EntryKind::Note,
        visibility,
        title: EntryTitle::parse(title)?,
        body: EntryBody::parse(body)?,
        at: None,
    })
}

/// Writes a note. Sealed notes hold the author's part; the other member adds
/// theirs with `PUT .../part`.
#[utoipa::path(post, path = "/api/v1/pairs/{pair_id}/notes", tag = "notes", params(("pair_id" = String, Path)), request_body = NoteBody,
    responses((status = 201, body = EntryView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Response> {
    let entry = new_note(&body.title, &body.body, body.visibility.unwrap_or(Visibility::Private))?;
    let view = state.store.create_entry(me.user.id, path_id(&pair_id)?, entry).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// The notes the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/notes", tag = "notes", params(("pair_id" = String, Path), NoteQuery),
    responses((status = 200, body = Vec<EntryView>), (status = 404, body = ErrorBody)))]
pub async fn list_notes(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(pair_id): Path<String>,
    Query(q): Query<NoteQuery>,
) -> ApiResult<Json<Vec<EntryView>>> {
    let filter = EntryFilter {
        kind: Some(EntryKind::Note),
        visibility: q.visibility,
        limit: Some(q.limit.unwrap_or(100).clamp(1, 500)),
    };
    Ok(Json(state.store.entries(me.user.id, path_id(&pair_id)?, filter).await?))
}

/// One note, cut to what the caller may see.
#[utoipa::path(get, path = "/api/v1/pairs/{pair_id}/notes/{note_id}", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)),
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub async fn get_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, note_id)): Path<(String, String)>,
) -> ApiResult<Json<EntryView>> {
    let (space, note) = ids(&pair_id, &note_id)?;
    Ok(Json(state.store.entry(me.user.id, space, note).await?))
}

/// Edits a note (the author only; for sealed notes, one's own part until revealed).
#[utoipa::path(patch, path = "/api/v1/pairs/{pair_id}/notes/{note_id}", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)), request_body = NotePatch,
    responses((status = 200, body = EntryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, note_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<NotePatch>,
) -> ApiResult<Json<EntryView>> {
    let (space, note) = ids(&pair_id, &note_id)?;
    let patch = EntryPatch {
        title: body.title.as_deref().map(EntryTitle::parse).transpose()?,
        body: body.body.as_deref().map(EntryBody::parse).transpose()?,
    };
    Ok(Json(state.store.update_entry(me.user.id, space, note, patch).await?))
}

/// Deletes a note (the author only).
#[utoipa::path(delete, path = "/api/v1/pairs/{pair_id}/notes/{note_id}", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, note_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (space, note) = ids(&pair_id, &note_id)?;
    state.store.delete_entry(me.user.id, space, note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes (or rewrites) the caller's part of a sealed note.
#[utoipa::path(put, path = "/api/v1/pairs/{pair_id}/notes/{note_id}/part", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)), request_body = PartBody,
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn write_note_part(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path((pair_id, note_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PartBody>,
) -> ApiResult<Json<EntryView>> {
    let (space, note) = ids(&pair_id, &note_id)?;
    let text = EntryBody::parse(&body.body)?;
    Ok(Json(state.store.write_part(me.user.id, space, note, &text).await?))
}
