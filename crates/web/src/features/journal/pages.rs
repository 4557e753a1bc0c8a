//! `/spaces/{space_id}/journal`: the shared memory journal. The list with
//! the form to add a moment (and a photo), an entry's page with its photos,
//! comments, the form to edit it and its earlier versions. Every form
//! comes back with what was typed and a sentence next to the field that
//! needs another look.

use crate::http::page::Pages;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::journal::{CommentText, JournalDraft, PHOTOS_PER_ENTRY};
use troth_store::{JournalCursor, JournalEntry, JournalPage, Space};

use super::service::{self, EntryInput};
use super::{JournalEntryId, JournalPhotoId};
use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::extract::SpaceCtx;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm, CsrfMultipart, UPLOAD_BODY_LIMIT};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    let photo_limit = DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    Pages::new()
        .route("/spaces/{space_id}/journal", get(list).post(add).layer(photo_limit))
        .route("/spaces/{space_id}/journal/{entry_id}", get(show).post(edit))
        .route("/spaces/{space_id}/journal/{entry_id}/comments", post(comment))
        .route("/spaces/{space_id}/journal/{entry_id}/photos", post(add_photo).layer(photo_limit))
        .route("/spaces/{space_id}/journal/{entry_id}/photos/{photo_id}", get(photo))
        .route("/spaces/{space_id}/journal/{entry_id}/photos/{photo_id}/delete", post(remove_photo))
        .route("/spaces/{space_id}/journal/{entry_id}/delete", post(delete))
}

/// The sentence next to a field, when the failure is about that field.
fn field_error(fail: Option<&ApiError>, field: &str) -> Markup {
    html! {
        @if let Some(f) = fail.filter(|f| f.field == Some(field)) {
            p class="field-error" id={(field) "-error"} role="alert" { (f.message) }
        }
    }
}

fn described_by(fail: Option<&ApiError>, field: &'static str) -> Option<String> {
    fail.filter(|f| f.field == Some(field)).map(|_| format!("{field}-error"))
}

/// A failure that belongs to no one field goes at the top of the form.
fn form_error(fail: Option<&ApiError>) -> Markup {
    alert(fail.filter(|f| f.field.is_none()).map(|f| f.message.as_str()))
}

/// The four text fields of an entry, filled with `input`.
fn entry_fields(input: &EntryInput, fail: Option<&ApiError>) -> Markup {
    html! {
        label for="title" { "A name for the moment" }
        input id="title" name="title" type="text" required maxlength=(JournalDraft::TITLE_MAX) value=(input.title)
            aria-describedby=[described_by(fail, "title")];
        (field_error(fail, "title"))
        label for="happened" { "What happened" }
        // The coach reads the draft as it is typed (debounced) and answers
        // beside it; nothing is stored until submit, which never waits.
        textarea id="happened" name="happened" rows="4" required maxlength=(JournalDraft::TEXT_MAX)
            aria-describedby=[described_by(fail, "happened")]
            hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-happened" hx-include="this" { (input.happened) }
        (field_error(fail, "happened"))
        div id="coach-happened" class="coach-feedback" aria-live="polite" {}
        label for="supported" { "How we held each other up" }
        textarea id="supported" name="supported" rows="3" maxlength=(JournalDraft::TEXT_MAX)
            aria-describedby=[described_by(fail, "supported")] { (input.supported) }
        (field_error(fail, "supported"))
        label for="learned" { "What it taught us" }
        textarea id="learned" name="learned" rows="3" maxlength=(JournalDraft::TEXT_MAX)
            aria-describedby=[described_by(fail, "learned")] { (input.learned) }
        (field_error(fail, "learned"))
    }
}

fn photo_field(fail: Option<&ApiError>, label: &str) -> Markup {
    html! {
        label for="photo" { (label) }
        input id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp"
            aria-describedby={"photo-help" @if described_by(fail, "photo").is_some() { " photo-error" }};
        p class="muted" id="photo-help" {
            "JPEG, PNG or WebP, up to 10 MB. We keep a smaller copy without the camera's details or the place it was taken."
        }
        (field_error(fail, "photo"))
    }
}

fn photo_url(space: &Space, entry: &JournalEntry, photo: troth_domain::Id) -> String {
    format!("/spaces/{}/journal/{}/photos/{photo}", space.id, entry.id)
}

fn byline(who: &Identity, e: &JournalEntry) -> Markup {
    html! {
        p class="muted" {
            (e.author_name.as_deref().unwrap_or("former member")) " · " (when(e.created_at, &who.user.time_zone))
            @if e.edited {
                " · " span class="edited" { "edited"
                    @if let Some(at) = e.edited_at { " " (when(at, &who.user.time_zone)) }
                    @if let Some(by) = &e.edited_by_name { " by " (by) }
                }
            }
        }
    }
}

/// Which page of the list is shown: the newest, or one further back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paging {
    Newest,
    Older,
}

fn list_page(
    who: &Identity,
    space: &Space,
    journal: &JournalPage,
    paging: Paging,
    input: &EntryInput,
    fail: Option<&ApiError>,
) -> Markup {
    let entries = &journal.entries;
    let sid = space.id.to_string();
    page(
        Frame::new("Journal", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Our journal" }
            p class="lead" {
                "Moments you came through together: what happened, how you held each other up, and what it taught you. "
                "Both of you can read, add, comment and edit; earlier versions are kept."
            }
            section class="card" aria-labelledby="add-heading" {
                h2 id="add-heading" { "Add a moment" }
                (form_error(fail))
                form method="post" action={"/spaces/" (space.id) "/journal"} enctype="multipart/form-data" class="stack" {
                    (csrf_field(who))
                    (entry_fields(input, fail))
                    (photo_field(fail, "A photo (optional)"))
                    button type="submit" class="primary" { "Add to our journal" }
                }
            }
            @if paging == Paging::Older {
                p { a href={"/spaces/" (space.id) "/journal"} { "← Newest moments" } }
            }
            @if entries.is_empty() && paging == Paging::Newest {
                p class="muted" { "No moments yet. The first one can be small." }
            } @else if entries.is_empty() {
                p class="muted" { "No older moments." }
            } @else {
                ul class="cards journal" {
                    @for e in entries {
                        li class="card journal-entry" {
                            h2 { a href={"/spaces/" (space.id) "/journal/" (e.id)} { (e.title) } }
                            (byline(who, e))
                            p { (e.happened) }
                            @for p in &e.photos {
                                img class="journal-photo" src=(photo_url(space, e, p.id)) alt={"Photo for " (e.title)}
                                    width=(p.width) height=(p.height) loading="lazy";
                            }
                            p class="muted" {
                                a href={"/spaces/" (space.id) "/journal/" (e.id)} {
                                    @match e.comments.len() { 0 => { "Open" } 1 => { "1 comment" } n => { (n) " comments" } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(older) = journal.older {
                nav class="pager" aria-label="Journal pages" {
                    a href={"/spaces/" (space.id) "/journal?cursor=" (older.to_string())} rel="next" { "Older moments →" }
                }
            }
        },
    )
}

/// What the entry page's forms hold when one of them comes back.
#[derive(Default)]
struct EntryForms<'a> {
    edit: Option<&'a EntryInput>,
    comment: &'a str,
    fail: Option<&'a ApiError>,
    /// Which form failed: "edit", "comment" or "photo".
    failed_form: &'a str,
}

fn entry_page(who: &Identity, space: &Space, e: &JournalEntry, forms: EntryForms<'_>) -> Markup {
    let sid = space.id.to_string();
    let base = format!("/spaces/{}/journal/{}", space.id, e.id);
    let fail_in = |form: &str| forms.fail.filter(|_| forms.failed_form == form);
    let current = EntryInput {
        title: e.title.clone(),
        happened: e.happened.clone(),
        supported: e.supported.clone(),
        learned: e.learned.clone(),
    };
    let edit_input = forms.edit.unwrap_or(&current);
    page(
        Frame::new(&e.title, Some(who)).in_space(&sid, &space.name),
        html! {
            p { a href={"/spaces/" (space.id) "/journal"} { "← Our journal" } }
            article class="card journal-entry" {
                h1 { (e.title) }
                (byline(who, e))
                h2 { "What happened" }
                p class="prose" { (e.happened) }
                @if !e.supported.is_empty() { h2 { "How we held each other up" } p class="prose" { (e.supported) } }
                @if !e.learned.is_empty() { h2 { "What it taught us" } p class="prose" { (e.learned) } }
                @for p in &e.photos {
                    figure {
                        img class="journal-photo" src=(photo_url(space, e, p.id)) alt={"Photo for " (e.title)}
                            width=(p.width) height=(p.height);
                        figcaption class="muted" {
                            "Added by " (p.added_by_name.as_deref().unwrap_or("former member"))
                            @if p.can_remove {
                                " · "
                                span class="no-print" {
                                    (crate::ui::forms::delete_with_confirmation(
                                        csrf_field(who),
                                        &format!("{}/delete", photo_url(space, e, p.id)),
                                        "Remove this photo",
                                        "Remove this photo for both of you? It cannot be brought back.",
                                    ))
                                }
                            }
                        }
                    }
                }
            }
            @if !e.earlier_versions.is_empty() {
                section class="card" aria-labelledby="history-heading" {
                    h2 id="history-heading" { "Earlier versions" }
                    @for r in &e.earlier_versions {
                        details class="revision" {
                            summary { "Version " (r.revision) " · " (r.written_by_name.as_deref().unwrap_or("former member"))
                                " · " (when(r.written_at, &who.user.time_zone)) }
                            h3 { (r.title) }
                            p class="prose" { (r.happened) }
                            @if !r.supported.is_empty() { p class="prose" { (r.supported) } }
                            @if !r.learned.is_empty() { p class="prose" { (r.learned) } }
                        }
                    }
                }
            }
            section class="card" aria-labelledby="comments-heading" {
                h2 id="comments-heading" { "Comments" }
                @if e.comments.is_empty() { p class="muted" { "No comments yet." } }
                ul class="entries" {
                    @for c in &e.comments {
                        li class="entry comment" {
                            p class="prose" { (c.body) }
                            p class="muted" { (c.author_name.as_deref().unwrap_or("former member")) " · " (when(c.created_at, &who.user.time_zone)) }
                        }
                    }
                }
                form method="post" action={(base) "/comments"} class="stack" {
                    (csrf_field(who))
                    (form_error(fail_in("comment")))
                    label for="comment" { "Add a comment" }
                    textarea id="comment" name="comment" rows="2" required maxlength=(CommentText::MAX)
                        aria-describedby=[described_by(fail_in("comment"), "comment")]
                        hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-comment" hx-include="this" { (forms.comment) }
                    (field_error(fail_in("comment"), "comment"))
                    div id="coach-comment" class="coach-feedback" aria-live="polite" {}
                    button type="submit" { "Comment" }
                }
            }
            @if e.photos.len() < PHOTOS_PER_ENTRY {
                section class="card" aria-labelledby="photo-heading" {
                    h2 id="photo-heading" { "Add a photo" }
                    form method="post" action={(base) "/photos"} enctype="multipart/form-data" class="stack" {
                        (csrf_field(who))
                        (form_error(fail_in("photo")))
                        (photo_field(fail_in("photo"), "Photo"))
                        button type="submit" { "Add photo" }
                    }
                }
            }
            section class="card" aria-labelledby="edit-heading" {
                details open[forms.failed_form == "edit"] {
                    summary id="edit-heading" { "Edit this moment" }
                    form method="post" action=(base) class="stack" {
                        (csrf_field(who))
                        input type="hidden" name="revision" value=(e.revision);
                        (form_error(fail_in("edit")))
                        (entry_fields(edit_input, fail_in("edit")))
                        button type="submit" class="primary" { "Save (the earlier version is kept)" }
                    }
                }
            }
            @if e.can_delete {
                (crate::ui::forms::delete_with_confirmation(
                    csrf_field(who),
                    &format!("{base}/delete"),
                    "Delete this moment",
                    "Delete this moment, its photos and comments, for both of you? It cannot be brought back.",
                ))
            }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Where the page starts (from the "Older moments" link).
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let after: Option<JournalCursor> = service::cursor(q.cursor.as_deref())?;
    let journal = service::page(&state, who.user.id, space.id, after, service::PAGE_SIZE).await?;
    let paging = if after.is_some() { Paging::Older } else { Paging::Newest };
    Ok(render(list_page(&who, &space, &journal, paging, &EntryInput::default(), None)))
}

fn typed_entry(form: &crate::http::forms::MultipartForm) -> EntryInput {
    EntryInput {
        title: form.text("title").to_string(),
        happened: form.text("happened").to_string(),
        supported: form.text("supported").to_string(),
        learned: form.text("learned").to_string(),
    }
}

pub async fn add(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfMultipart(mut form): CsrfMultipart,
) -> PageResult {
    let input = typed_entry(&form);
    match service::add_entry(&state, &who.user, &space, &input, form.files.remove("photo")).await {
        Ok(e) => Ok(see_other(&format!("/spaces/{}/journal/{}", space.id, e.id))),
        Err(e) if e.is_fixable() => {
            let journal = service::page(&state, who.user.id, space.id, None, service::PAGE_SIZE).await?;
            Ok(render_status(e.status, list_page(&who, &space, &journal, Paging::Newest, &input, Some(&e))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
) -> PageResult {
    let e = state.store.journal_entry(who.user.id, space.id, id).await?;
    Ok(render(entry_page(&who, &space, &e, EntryForms::default())))
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub happened: String,
    #[serde(default)]
    pub supported: String,
    #[serde(default)]
    pub learned: String,
    pub revision: Option<i64>,
}

pub async fn edit(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    CsrfForm(form): CsrfForm<EditForm>,
) -> PageResult {
    let input =
        EntryInput { title: form.title, happened: form.happened, supported: form.supported, learned: form.learned };
    match service::edit_entry(&state, &who.user, &space, id, &input, form.revision).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/journal/{id}", space.id))),
        Err(e) if e.is_fixable() => {
            let current = state.store.journal_entry(who.user.id, space.id, id).await?;
            let forms = EntryForms { edit: Some(&input), fail: Some(&e), failed_form: "edit", ..Default::default() };
            Ok(render_status(e.status, entry_page(&who, &space, &current, forms)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub comment: String,
}

pub async fn comment(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> PageResult {
    match service::comment(&state, &who.user, &space, id, &form.comment).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/journal/{id}#comments-heading", space.id))),
        Err(e) if e.is_fixable() => {
            let current = state.store.journal_entry(who.user.id, space.id, id).await?;
            let forms =
                EntryForms { comment: &form.comment, fail: Some(&e), failed_form: "comment", ..Default::default() };
            Ok(render_status(e.status, entry_page(&who, &space, &current, forms)))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_photo(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    CsrfMultipart(mut form): CsrfMultipart,
) -> PageResult {
    match service::add_photo(&state, &who.user, &space, id, form.files.remove("photo")).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/journal/{id}", space.id))),
        Err(e) if e.is_fixable() => {
            let current = state.store.journal_entry(who.user.id, space.id, id).await?;
            let forms = EntryForms { fail: Some(&e), failed_form: "photo", ..Default::default() };
            Ok(render_status(e.status, entry_page(&who, &space, &current, forms)))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn photo(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    JournalPhotoId(photo): JournalPhotoId,
) -> PageResult {
    Ok(service::photo_response(&state, &who.user, &space, id, photo).await?)
}

pub async fn delete(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::delete_entry(&state, &who.user, &space, id).await?;
    Ok(see_other_with(&format!("/spaces/{}/journal", space.id), Flash::Deleted))
}

pub async fn remove_photo(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    JournalEntryId(id): JournalEntryId,
    JournalPhotoId(photo): JournalPhotoId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::remove_photo(&state, &who.user, &space, id, photo).await?;
    Ok(see_other_with(&format!("/spaces/{}/journal/{id}", space.id), Flash::Deleted))
}
