//! The shared journal's use cases: validate, prepare photos off the async
//! threads, store, tell the partner; and serve a photo with the headers a
//! private picture needs.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use troth_domain::journal::{CommentText, JournalDraft, PhotoRefusal};
use troth_domain::notifications::NotificationKind;
use troth_domain::Id;
use troth_store::{JournalComment, JournalCursor, JournalEntry, JournalPage, JournalPhoto, NewPhoto, Space, User};

use super::photo;
use crate::features::notifications::service::tell_partner;
use crate::http::error::{ApiError, ApiResult};
use crate::http::openapi::text;
use crate::state::AppState;

/// What an entry says, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    #[schema(schema_with = text::<1, { JournalDraft::TITLE_MAX }>)]
    pub title: String,
    #[schema(schema_with = text::<1, { JournalDraft::TEXT_MAX }>)]
    pub happened: String,
    #[serde(default)]
    #[schema(schema_with = text::<0, { JournalDraft::TEXT_MAX }>)]
    pub supported: String,
    #[serde(default)]
    #[schema(schema_with = text::<0, { JournalDraft::TEXT_MAX }>)]
    pub learned: String,
}

impl EntryInput {
    fn draft(&self) -> ApiResult<JournalDraft> {
        Ok(JournalDraft::parse(&self.title, &self.happened, &self.supported, &self.learned)?)
    }
}

pub fn photo_error(refusal: PhotoRefusal) -> ApiError {
    let status = match refusal {
        PhotoRefusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        PhotoRefusal::TooManyPhotos => StatusCode::CONFLICT,
        PhotoRefusal::NotAnImage | PhotoRefusal::TooManyPixels => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut e = ApiError::new(status, refusal.code(), refusal.message());
    e.field = Some("photo");
    e
}

/// Photos decoded at once. A large photo may take a quarter of a gigabyte
/// while it is decoded; more uploads than this wait their turn instead of
/// running a small server out of memory.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Decodes and re-encodes an uploaded photo on a blocking thread.
async fn prepare_photo(bytes: Vec<u8>) -> ApiResult<NewPhoto> {
    let _turn = DECODING.acquire().await.map_err(|_| ApiError::internal())?;
    tokio::task::spawn_blocking(move || photo::prepare(&bytes))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "photo preparation stopped");
            ApiError::internal()
        })?
        .map_err(photo_error)
}

/// Adds an entry; a photo that comes along is checked before anything is
/// stored, so a refused photo leaves no entry behind.
pub async fn add_entry(
    state: &AppState,
    me: &User,
    space: &Space,
    input: &EntryInput,
    photo: Option<Vec<u8>>,
) -> ApiResult<JournalEntry> {
    let draft = input.draft()?;
    let photo = match photo {
        Some(bytes) => Some(prepare_photo(bytes).await?),
        None => None,
    };
    let entry = state.store.add_journal_entry(me.id, space.id, &draft, photo, None).await?;
    tell_partner(
        state,
        space,
        me.id,
        NotificationKind::Journal,
        // A fixed nudge: the entry's words stay in the journal, never in a
        // notification row or an email.
        &format!("{} added a moment to your journal", me.display_name),
        &format!("/spaces/{}/journal/{}", space.id, entry.id),
    )
    .await;
    Ok(entry)
}

pub async fn edit_entry(
    state: &AppState,
    me: &User,
    space: &Space,
    entry: Id,
    input: &EntryInput,
    expected_revision: Option<i64>,
) -> ApiResult<JournalEntry> {
    let draft = input.draft()?;
    Ok(state.store.edit_journal_entry(me.id, space.id, entry, &draft, expected_revision).await?)
}

pub async fn comment(state: &AppState, me: &User, space: &Space, entry: Id, body: &str) -> ApiResult<JournalComment> {
    let body = CommentText::parse(body)?;
    let c = state.store.comment_journal_entry(me.id, space.id, entry, &body, None).await?;
    tell_partner(
        state,
        space,
        me.id,
        NotificationKind::Journal,
        &format!("{} commented on a moment in your journal", me.display_name),
        &format!("/spaces/{}/journal/{entry}", space.id),
    )
    .await;
    Ok(c)
}

pub async fn add_photo(
    state: &AppState,
    me: &User,
    space: &Space,
    entry: Id,
    bytes: Option<Vec<u8>>,
) -> ApiResult<JournalPhoto> {
    // The entry first: a stranger learns nothing about the file's checks.
    state.store.journal_entry(me.id, space.id, entry).await?;
    let Some(bytes) = bytes else {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "photo_missing", "Choose a photo to add.");
        e.field = Some("photo");
        return Err(e);
    };
    let photo = prepare_photo(bytes).await?;
    Ok(state.store.add_journal_photo(me.id, space.id, entry, photo).await?)
}

pub async fn remove_photo(state: &AppState, me: &User, space: &Space, entry: Id, photo: Id) -> ApiResult<()> {
    Ok(state.store.delete_journal_photo(me.id, space.id, entry, photo).await?)
}

pub async fn delete_entry(state: &AppState, me: &User, space: &Space, entry: Id) -> ApiResult<()> {
    Ok(state.store.delete_journal_entry(me.id, space.id, entry).await?)
}

/// The photo's bytes, for a member only, marked as private to the browser
/// and never to be sniffed as anything but the JPEG it is.
pub async fn photo_response(state: &AppState, me: &User, space: &Space, entry: Id, photo: Id) -> ApiResult<Response> {
    let (info, data) = state.store.journal_photo(me.id, space.id, entry, photo).await?;
    let content_type = HeaderValue::from_str(&info.content_type).unwrap_or(HeaderValue::from_static("image/jpeg"));
    let mut res = data.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"photo.jpg\""));
    Ok(res)
}

/// Moments on one page of the journal.
pub const PAGE_SIZE: i64 = 50;

/// Reads a `cursor` from a URL: absent is the first page; anything this
/// server did not write is 400 `invalid_cursor`, not an empty page.
pub fn cursor(raw: Option<&str>) -> ApiResult<Option<JournalCursor>> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => c.parse().map(Some).map_err(|_| {
            ApiError::bad_request(
                "invalid_cursor",
                "this cursor is not one the journal gave out; start again from the first page",
            )
        }),
    }
}

/// One page of the journal, newest first, from `after` on.
pub async fn page(
    state: &AppState,
    me: Id,
    space: Id,
    after: Option<JournalCursor>,
    limit: i64,
) -> ApiResult<JournalPage> {
    Ok(state.store.journal_page(me, space, after, limit).await?)
}
