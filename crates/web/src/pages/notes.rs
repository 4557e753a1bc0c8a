//! Notes in a space: private, shared or sealed. Every read goes through the
//! store, which applies the one visibility rule.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::{EntryBody, EntryTitle, Visibility};
use troth_store::{EntryFilter, EntryKind, EntryPatch, EntryView, Space};

use super::layout::{alert, csrf_field, when};
use super::spaces::{page_id, with_who};
use super::{check_csrf, page, render, render_status, see_other, Frame, PageError, PageResult};
use crate::api::new_note;
use crate::auth::{Identity, PageUser};
use crate::error::ApiError;
use crate::forms::{CsrfOnly, FormBody};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub visibility: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub visibility: Option<String>,
}

fn badge(v: Visibility) -> Markup {
    html! { span class={"badge badge-" (v.as_str())} { (v.as_str()) } }
}

fn new_note_form(who: &Identity, space: &Space, form: &NoteForm, error: Option<&str>) -> Markup {
    let chosen: Visibility = form.visibility.parse().unwrap_or(Visibility::Private);
    html! {
        section class="card" id="new" {
            h2 { "New note" }
            (alert(error))
            form method="post" action={"/spaces/" (space.id) "/notes"} class="stack" {
                (csrf_field(who))
                label for="title" { "Title" }
                input id="title" name="title" type="text" required maxlength="120" value=(form.title);
                label for="body" { "What you want to write" }
                textarea id="body" name="body" rows="6" required maxlength="20000"
                    hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-swap="innerHTML" hx-include="this" { (form.body) }
                div id="coach-feedback" class="coach-feedback" aria-live="polite" {}
                fieldset {
                    legend { "Who can read it" }
                    @for v in Visibility::ALL {
                        label class="choice" {
                            input type="radio" name="visibility" value=(v.as_str()) checked[v == chosen];
                            " " strong { (v.as_str()) } " — " (v.explain())
                        }
                    }
                }
                button type="submit" class="primary" { "Save" }
            }
        }
    }
}

fn list_page(who: &Identity, space: &Space, notes: &[EntryView], form: &NoteForm, error: Option<&str>) -> Markup {
    let sid = space.id.to_string();
    page(
        Frame::new("Notes", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Notes" }
            nav class="filters" aria-label="Filter notes" {
                a href={"/spaces/" (space.id) "/notes"} { "All" }
                @for v in Visibility::ALL { a href={"/spaces/" (space.id) "/notes?visibility=" (v.as_str())} { (v.as_str()) } }
            }
            @if notes.is_empty() {
                p class="muted" { "No notes yet." }
            } @else {
                ul class="entries" {
                    @for n in notes {
                        li class="entry" {
                            a href={"/spaces/" (space.id) "/notes/" (n.id)} { (n.title) }
                            " " (badge(n.visibility))
                            @if let Some(s) = &n.sealed {
                                @if s.revealed { " · opened" }
                                @else if s.partner_has_written && !s.i_have_written { " · waiting for your part" }
                                @else if s.i_have_written && !s.partner_has_written { " · waiting for theirs" }
                            }
                            span class="muted" { " · " (n.author_name.as_deref().unwrap_or("former member")) ", " (when(n.created_at, &who.user.time_zone)) }
                        }
                    }
                }
            }
            (new_note_form(who, space, form, error))
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let vis = q.visibility.as_deref().and_then(|v| v.parse().ok());
    let notes = with_who(
        state
            .store
            .entries(who.user.id, sid, EntryFilter { kind: Some(EntryKind::Note), visibility: vis, limit: Some(200) })
            .await,
        &who,
    )?;
    let form = NoteForm { visibility: q.visibility.unwrap_or_default(), ..Default::default() };
    Ok(render(list_page(&who, &space, &notes, &form, None)))
}

pub async fn create(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<NoteForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let visibility: Result<Visibility, ApiError> = form.visibility.parse().map_err(Into::into);
    let result = match visibility.and_then(|v| new_note(&form.title, &form.body, v)) {
        Ok(entry) => state.store.create_entry(who.user.id, sid, entry).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => Ok(see_other(&format!("/spaces/{sid}/notes/{}", view.id))),
        Err(e) if e.status.is_client_error() => {
            let notes = with_who(
                state
                    .store
                    .entries(
                        who.user.id,
                        sid,
                        EntryFilter { kind: Some(EntryKind::Note), limit: Some(200), ..Default::default() },
                    )
                    .await,
                &who,
            )?;
            Ok(render_status(e.status, list_page(&who, &space, &notes, &form, Some(&e.message))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

fn show_page(who: &Identity, space: &Space, n: &EntryView, draft: Option<&str>, error: Option<&str>) -> Markup {
    let sid = space.id.to_string();
    let other = space.kind.other_member_word();
    page(
        Frame::new(&n.title, Some(who)).in_space(&sid, &space.name),
        html! {
            article class="card" {
                h1 { (n.title) " " (badge(n.visibility)) }
                p class="muted" { (n.author_name.as_deref().unwrap_or("former member")) " · " (when(n.created_at, &who.user.time_zone)) }
                (alert(error))
                @if let Some(body) = &n.body {
                    div class="prose" { @for line in body.lines() { p { (line) } } }
                }
                @if let Some(s) = &n.sealed {
                    @if s.revealed {
                        div class="exchange" {
                            section { h2 { "Your part" } div class="prose" { @for line in s.my_part.as_deref().unwrap_or("").lines() { p { (line) } } } }
                            section { h2 { "Their part" } div class="prose" { @for line in s.partner_part.as_deref().unwrap_or("").lines() { p { (line) } } } }
                        }
                    } @else {
                        p class="sealed-state" {
                            @if s.partner_has_written { "Your " (other) " has written their part. It opens when yours is in." }
                            @else { "Your " (other) " has not written their part yet. Neither part opens until both are in." }
                        }
                        section {
                            h2 { @if s.i_have_written { "Your part (only you can see it for now)" } @else { "Write your part" } }
                            form method="post" action={"/spaces/" (space.id) "/notes/" (n.id) "/part"} class="stack" {
                                (csrf_field(who))
                                label for="part" class="visually-hidden" { "Your part" }
                                textarea id="part" name="body" rows="6" required maxlength="20000"
                                    hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="this" {
                                    (draft.or(s.my_part.as_deref()).unwrap_or(""))
                                }
                                div id="coach-feedback" class="coach-feedback" aria-live="polite" {}
                                button type="submit" class="primary" { @if s.i_have_written { "Save my part" } @else { "Add my part" } }
                            }
                        }
                    }
                }
                @if n.can_edit && n.visibility != Visibility::Sealed {
                    details {
                        summary { "Edit" }
                        form method="post" action={"/spaces/" (space.id) "/notes/" (n.id)} class="stack" {
                            (csrf_field(who))
                            label for="edit-title" { "Title" }
                            input id="edit-title" name="title" type="text" required maxlength="120" value=(n.title);
                            label for="edit-body" { "Text" }
                            textarea id="edit-body" name="body" rows="6" required maxlength="20000" { (draft.or(n.body.as_deref()).unwrap_or("")) }
                            button type="submit" { "Save changes" }
                        }
                    }
                }
                @if n.can_delete {
                    form method="post" action={"/spaces/" (space.id) "/notes/" (n.id) "/delete"} class="inline" {
                        (csrf_field(who))
                        button type="submit" class="danger link" { "Delete" }
                    }
                }
            }
            p { a href={"/spaces/" (space.id) "/notes"} { "All notes" } }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, note_id)): Path<(String, String)>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let nid = page_id(&note_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let note = with_who(state.store.entry(who.user.id, sid, nid).await, &who)?;
    Ok(render(show_page(&who, &space, &note, None, None)))
}

pub async fn update(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, note_id)): Path<(String, String)>,
    FormBody(form): FormBody<NoteForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let nid = page_id(&note_id, &who)?;
    let patch = (|| -> Result<EntryPatch, ApiError> {
        Ok(EntryPatch { title: Some(EntryTitle::parse(&form.title)?), body: Some(EntryBody::parse(&form.body)?) })
    })();
    let result = match patch {
        Ok(p) => state.store.update_entry(who.user.id, sid, nid, p).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/spaces/{sid}/notes/{nid}"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
            let note = with_who(state.store.entry(who.user.id, sid, nid).await, &who)?;
            Ok(render_status(e.status, show_page(&who, &space, &note, Some(&form.body), Some(&e.message))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, note_id)): Path<(String, String)>,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let nid = page_id(&note_id, &who)?;
    with_who(state.store.delete_entry(who.user.id, sid, nid).await, &who)?;
    Ok(see_other(&format!("/spaces/{sid}/notes")))
}

pub async fn write_part(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, note_id)): Path<(String, String)>,
    FormBody(form): FormBody<NoteForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let nid = page_id(&note_id, &who)?;
    let result = match EntryBody::parse(&form.body) {
        Ok(body) => state.store.write_part(who.user.id, sid, nid, &body).await.map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/spaces/{sid}/notes/{nid}"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
            let note = with_who(state.store.entry(who.user.id, sid, nid).await, &who)?;
            Ok(render_status(e.status, show_page(&who, &space, &note, Some(&form.body), Some(&e.message))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}
