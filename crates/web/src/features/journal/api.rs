//! The shared journal over JSON; photos go up as `multipart/form-data`
//! (field `photo`) and come back as JPEG.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use troth_store::{JournalComment, JournalEntry, JournalPhoto};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, EntryInput};
use super::{JournalEntryId, JournalPhotoId};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiQuery, SpaceCtx};
use crate::http::forms::{ApiJson, ApiMultipart, UPLOAD_BODY_LIMIT};
use crate::http::openapi::text;
use crate::state::AppState;
use troth_domain::journal::CommentText;

pub fn routes() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new().routes(routes!(add_photo)).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    OpenApiRouter::new()
        .routes(routes!(create_entry, list_entries))
        .routes(routes!(get_entry, edit_entry, delete_entry))
        .routes(routes!(comment_entry))
        .routes(routes!(get_photo, delete_photo))
        .merge(uploads)
}

/// Writes a moment into the shared journal (both read and edit it).
#[utoipa::path(post, path = "/pairs/{pair_id}/journal", tag = "journal", params(("pair_id" = String, Path)), request_body = EntryInput,
    responses((status = 201, body = JournalEntry), (status = 409, description = "`too_many_entries`: the journal is full", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_entry(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiJson(b): ApiJson<EntryInput>,
) -> ApiResult<Response> {
    let e = service::add_entry(&state, &who.user, &space, &b, None).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    /// Where to go on from: the `next-cursor` header of the page before.
    /// Absent for the newest page.
    pub cursor: Option<String>,
    /// Entries per page (100 when absent); the server keeps it within 1 to
    /// 500 (no error for more), as the other lists do.
    pub limit: Option<i64>,
}

/// Entries per API page when the caller does not say.
const API_PAGE: i64 = 100;

/// The journal, newest first, with photos, comments and earlier versions,
/// one page at a time. When older entries remain, the `next-cursor` header
/// holds the cursor of the next page (and `link` its URL, `rel="next"`).
/// Pages are cut at entries, not counted from the top: entries written
/// meanwhile never repeat or hide one on the next page.
#[utoipa::path(get, path = "/pairs/{pair_id}/journal", tag = "journal", params(("pair_id" = String, Path), JournalQuery),
    responses((status = 200, body = Vec<JournalEntry>, headers(
        ("next-cursor" = String, description = "The cursor of the next (older) page; absent on the last page"),
        ("link" = String, description = "The next page's URL, rel=\"next\"; absent on the last page"))),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_entries(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ApiQuery(q): ApiQuery<JournalQuery>,
) -> ApiResult<Response> {
    let after = service::cursor(q.cursor.as_deref())?;
    let limit = q.limit.unwrap_or(API_PAGE);
    let page = service::page(&state, who.user.id, space.id, after, limit).await?;
    let mut res = Json(page.entries).into_response();
    if let Some(next) = page.older {
        let next = next.to_string();
        let link =
            format!("</api/v1/pairs/{}/journal?cursor={next}&limit={}>; rel=\"next\"", space.id, limit.clamp(1, 500));
        for (name, value) in [("next-cursor", next), ("link", link)] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
    }
    Ok(res)
}

/// One entry.
#[utoipa::path(get, path = "/pairs/{pair_id}/journal/{entry_id}", tag = "journal", params(("pair_id" = String, Path), ("entry_id" = String, Path)),
    responses((status = 200, body = JournalEntry), (status = 404, body = ErrorBody)))]
pub async fn get_entry(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
) -> ApiResult<Json<JournalEntry>> {
    Ok(Json(state.store.journal_entry(who.user.id, space.id, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct EditBody {
    #[serde(flatten)]
    pub entry: EntryInput,
    /// The revision the edit was made from; when the entry has moved on
    /// since, the edit is refused (409 `edited_meanwhile`) instead of
    /// overwriting the other member's change.
    pub revision: Option<i64>,
}

/// Rewrites an entry (either member); the version it replaces is kept.
#[utoipa::path(put, path = "/pairs/{pair_id}/journal/{entry_id}", tag = "journal", params(("pair_id" = String, Path), ("entry_id" = String, Path)), request_body = EditBody,
    responses((status = 200, body = JournalEntry), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_entry(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    ApiJson(b): ApiJson<EditBody>,
) -> ApiResult<Json<JournalEntry>> {
    Ok(Json(service::edit_entry(&state, &who.user, &space, id, &b.entry, b.revision).await?))
}

/// Deletes an entry with its history, comments and photos (its author only).
#[utoipa::path(delete, path = "/pairs/{pair_id}/journal/{entry_id}", tag = "journal", params(("pair_id" = String, Path), ("entry_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_entry(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
) -> ApiResult<StatusCode> {
    service::delete_entry(&state, &who.user, &space, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CommentBody {
    #[schema(schema_with = text::<1, { CommentText::MAX }>)]
    pub body: String,
}

/// Comments on an entry.
#[utoipa::path(post, path = "/pairs/{pair_id}/journal/{entry_id}/comments", tag = "journal", params(("pair_id" = String, Path), ("entry_id" = String, Path)), request_body = CommentBody,
    responses((status = 201, body = JournalComment), (status = 409, description = "`too_many_comments`: the moment has as many comments as it holds", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment_entry(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    ApiJson(b): ApiJson<CommentBody>,
) -> ApiResult<Response> {
    let c = service::comment(&state, &who.user, &space, id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// A photo upload: one file in the field `photo` (JPEG, PNG or WebP, at
/// most 10 MB).
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart body for the document only
pub struct PhotoUpload {
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

/// Adds a photo to an entry. It is re-encoded as JPEG, at most 1600 px on
/// the long side, with no camera or location metadata.
#[utoipa::path(post, path = "/pairs/{pair_id}/journal/{entry_id}/photos", tag = "journal", params(("pair_id" = String, Path), ("entry_id" = String, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = JournalPhoto), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_photo(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    ApiMultipart(mut form): ApiMultipart,
) -> ApiResult<Response> {
    let p = service::add_photo(&state, &who.user, &space, id, form.files.remove("photo")).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// A photo's bytes (JPEG), for members of the space only.
#[utoipa::path(get, path = "/pairs/{pair_id}/journal/{entry_id}/photos/{photo_id}", tag = "journal",
    params(("pair_id" = String, Path), ("entry_id" = String, Path), ("photo_id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn get_photo(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    JournalPhotoId(photo): JournalPhotoId,
) -> ApiResult<Response> {
    service::photo_response(&state, &who.user, &space, id, photo).await
}

/// Takes a photo off an entry (the one who added it, or the entry's author).
#[utoipa::path(delete, path = "/pairs/{pair_id}/journal/{entry_id}/photos/{photo_id}", tag = "journal",
    params(("pair_id" = String, Path), ("entry_id" = String, Path), ("photo_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_photo(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    JournalPhotoId(photo): JournalPhotoId,
) -> ApiResult<StatusCode> {
    service::remove_photo(&state, &who.user, &space, id, photo).await?;
    Ok(StatusCode::NO_CONTENT)
}
