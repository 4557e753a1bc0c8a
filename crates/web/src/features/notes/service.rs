//! Notes: the use cases both the API and the pages run. The store applies
//! the one visibility rule on every read and write.

use troth_domain::{EntryBody, EntryTitle, Id, Visibility};
use troth_store::{EntryKind, EntryPatch, EntryView, NewEntry};

use crate::http::error::ApiResult;
use crate::state::AppState;

pub async fn create(
    state: &AppState,
    me: Id,
    space: Id,
    title: &str,
    body: &str,
    visibility: Visibility,
) -> ApiResult<EntryView> {
    let entry = NewEntry {
        kind: EntryKind::Note,
        visibility,
        title: EntryTitle::parse(title)?,
        body: EntryBody::parse(body)?,
        at: None,
    };
    Ok(state.store.create_entry(me, space, entry).await?)
}

/// Changes the title, the text or both (the author only).
pub async fn update(
    state: &AppState,
    me: Id,
    space: Id,
    note: Id,
    title: Option<&str>,
    body: Option<&str>,
) -> ApiResult<EntryView> {
    let patch =
        EntryPatch { title: title.map(EntryTitle::parse).transpose()?, body: body.map(EntryBody::parse).transpose()? };
    Ok(state.store.update_entry(me, space, note, patch).await?)
}

/// Writes (or rewrites) one's part of a sealed note.
pub async fn write_part(state: &AppState, me: Id, space: Id, note: Id, body: &str) -> ApiResult<EntryView> {
    let text = EntryBody::parse(body)?;
    Ok(state.store.write_part(me, space, note, &text).await?)
}
