//! Notes: the first entry kind, and the one the authorization matrix tests.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_domain::Visibility;
use troth_store::{EntryFilter, EntryKind, EntryView};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{service, NoteId};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiQuery, SpaceCtx};
use crate::http::forms::ApiJson;
use crate::http::openapi::{maybe_text, text};
use crate::state::AppState;
use troth_domain::{EntryBody, EntryTitle};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_note, list_notes))
        .routes(routes!(get_note, update_note, delete_note))
        .routes(routes!(write_note_part))
}

#[derive(Deserialize, ToSchema)]
pub struct NoteBody {
    #[schema(schema_with = text::<1, { EntryTitle::MAX }>)]
    pub title: String,
    #[schema(schema_with = text::<1, { EntryBody::MAX }>)]
    pub body: String,
    /// private (default), shared or sealed.
    pub visibility: Option<Visibility>,
}

#[derive(Deserialize, ToSchema)]
pub struct NotePatch {
    #[schema(schema_with = maybe_text::<1, { EntryTitle::MAX }>)]
    pub title: Option<String>,
    #[schema(schema_with = maybe_text::<1, { EntryBody::MAX }>)]
    pub body: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PartBody {
    #[schema(schema_with = text::<1, { EntryBody::MAX }>)]
    pub body: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoteQuery {
    pub visibility: Option<Visibility>,
    /// How many at most; the server caps it (no error for more).
    pub limit: Option<i64>,
}

/// Writes a note. Sealed notes hold the author's part; the other member adds
/// theirs with `PUT .../part`.
#[utoipa::path(post, path = "/pairs/{pair_id}/notes", tag = "notes", params(("pair_id" = String, Path)), request_body = NoteBody,
    responses((status = 201, body = EntryView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_note(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Response> {
    let visibility = body.visibility.unwrap_or(Visibility::Private);
    let view = service::create(&state, me.user.id, space.id, &body.title, &body.body, visibility).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// The notes the caller may see, newest first.
#[utoipa::path(get, path = "/pairs/{pair_id}/notes", tag = "notes", params(("pair_id" = String, Path), NoteQuery),
    responses((status = 200, body = Vec<EntryView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_notes(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    ApiQuery(q): ApiQuery<NoteQuery>,
) -> ApiResult<Json<Vec<EntryView>>> {
    let filter = EntryFilter {
        kind: Some(EntryKind::Note),
        visibility: q.visibility,
        limit: Some(q.limit.unwrap_or(100).clamp(1, 500)),
    };
    Ok(Json(state.store.entries(me.user.id, space.id, filter).await?))
}

/// One note, cut to what the caller may see.
#[utoipa::path(get, path = "/pairs/{pair_id}/notes/{note_id}", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)),
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub async fn get_note(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    NoteId(note): NoteId,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(state.store.entry(me.user.id, space.id, note).await?))
}

/// Edits a note (the author only; for sealed notes, one's own part until revealed).
#[utoipa::path(patch, path = "/pairs/{pair_id}/notes/{note_id}", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)), request_body = NotePatch,
    responses((status = 200, body = EntryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_note(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    NoteId(note): NoteId,
    ApiJson(body): ApiJson<NotePatch>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(service::update(&state, me.user.id, space.id, note, body.title.as_deref(), body.body.as_deref()).await?))
}

/// Deletes a note (the author only).
#[utoipa::path(delete, path = "/pairs/{pair_id}/notes/{note_id}", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_note(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    NoteId(note): NoteId,
) -> ApiResult<StatusCode> {
    state.store.delete_entry(me.user.id, space.id, note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes (or rewrites) the caller's part of a sealed note.
#[utoipa::path(put, path = "/pairs/{pair_id}/notes/{note_id}/part", tag = "notes", params(("pair_id" = String, Path), ("note_id" = String, Path)), request_body = PartBody,
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn write_note_part(
    State(state): State<AppState>,
    SpaceCtx { who: me, space }: SpaceCtx,
    NoteId(note): NoteId,
    ApiJson(body): ApiJson<PartBody>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(service::write_part(&state, me.user.id, space.id, note, &body.body).await?))
}
