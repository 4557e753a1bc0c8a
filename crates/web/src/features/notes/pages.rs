//! Notes in a space: private, shared or sealed. Every read goes through the
//! store, which applies the one visibility rule.

use crate::http::page::Pages;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::Visibility;
use troth_store::{EntryFilter, EntryKind, EntryView, Space};

use super::{service, NoteId};
use crate::auth::Identity;
use crate::http::error::ErrorKind;
use crate::http::extract::SpaceCtx;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::forms::{Problems, Refusal};
use crate::ui::layout::{alert, capitalised, csrf_field, filters, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/notes", get(list).post(create))
        .route("/spaces/{space_id}/notes/{note_id}", get(show).post(update))
        .route("/spaces/{space_id}/notes/{note_id}/delete", post(delete))
        .route("/spaces/{space_id}/notes/{note_id}/part", post(write_part))
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
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

fn new_note_form(who: &Identity, space: &Space, form: &NoteForm, p: &Problems, error: Option<&str>) -> Markup {
    let chosen: Visibility = form.visibility.parse().unwrap_or(Visibility::Private);
    html! {
        section class="card" id="new" {
            h2 { "New note" }
            (alert(error))
            (p.summary())
            form method="post" action={"/spaces/" (space.id) "/notes"} class="stack" {
                (csrf_field(who))
                label for="title" { "Title" }
                input id="title" name="title" type="text" required maxlength="120" value=(form.title)
                    aria-invalid=[p.invalid("title")] aria-describedby=[p.described_by("title", "title", None)];
                (p.under("title", "title"))
                label for="body" { "What you want to write" }
                textarea id="body" name="body" rows="6" required maxlength="20000"
                    aria-invalid=[p.invalid("body")] aria-describedby=[p.described_by("body", "body", None)]
                    hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-swap="innerHTML" hx-include="this" { (form.body) }
                (p.under("body", "body"))
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

fn list_page(
    who: &Identity,
    space: &Space,
    notes: &[EntryView],
    form: &NoteForm,
    problems: &Problems,
    error: Option<&str>,
) -> Markup {
    let sid = space.id.to_string();
    page(
        Frame::new("Notes", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Notes" }
            (filters("Filter notes", &std::iter::once(("All".to_string(), format!("/spaces/{}/notes", space.id)))
                .chain(Visibility::ALL.iter().map(|v| (capitalised(v.as_str()), format!("/spaces/{}/notes?visibility={}", space.id, v.as_str()))))
                .collect::<Vec<_>>()))
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
            (new_note_form(who, space, form, problems, error))
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let vis = q.visibility.as_deref().and_then(|v| v.parse().ok());
    let notes = state
        .store
        .entries(who.user.id, space.id, EntryFilter { kind: Some(EntryKind::Note), visibility: vis, limit: Some(200) })
        .await?;
    let form = NoteForm { visibility: q.visibility.unwrap_or_default(), ..Default::default() };
    Ok(render(list_page(&who, &space, &notes, &form, &Problems::default(), None)))
}

pub async fn create(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> PageResult {
    let result = match form.visibility.parse::<Visibility>() {
        Ok(v) => service::create(&state, who.user.id, space.id, &form.title, &form.body, v).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(view) => Ok(see_other(&format!("/spaces/{}/notes/{}", space.id, view.id))),
        Err(e) if e.kind() != ErrorKind::Fault => {
            let notes = state
                .store
                .entries(
                    who.user.id,
                    space.id,
                    EntryFilter { kind: Some(EntryKind::Note), limit: Some(200), ..Default::default() },
                )
                .await?;
            let (problems, general) = e.problems();
            Ok(render_status(e.status, list_page(&who, &space, &notes, &form, &problems, general.as_deref())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Which form on a note's page was refused, with what was sent.
enum Refused<'a> {
    /// The edit form: title and text.
    Edit(&'a NoteForm, Refusal),
    /// One's part of a sealed exchange.
    Part(&'a NoteForm, Refusal),
}

fn show_page(who: &Identity, space: &Space, n: &EntryView, refused: Option<Refused<'_>>) -> Markup {
    let none = Refusal::default();
    let (edit, edit_refusal) = match &refused {
        Some(Refused::Edit(f, r)) => (Some(*f), r),
        _ => (None, &none),
    };
    let (part, part_refusal) = match &refused {
        Some(Refused::Part(f, r)) => (Some(*f), r),
        _ => (None, &none),
    };
    let (ep, pp) = (&edit_refusal.problems, &part_refusal.problems);
    let sid = space.id.to_string();
    let other = space.kind.other_member_word();
    page(
        Frame::new(&n.title, Some(who)).in_space(&sid, &space.name),
        html! {
            article class="card" {
                h1 { (n.title) " " (badge(n.visibility)) }
                p class="muted" { (n.author_name.as_deref().unwrap_or("former member")) " · " (when(n.created_at, &who.user.time_zone)) }
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
                            (part_refusal.above())
                            form method="post" action={"/spaces/" (space.id) "/notes/" (n.id) "/part"} class="stack" {
                                (csrf_field(who))
                                label for="part" class="visually-hidden" { "Your part" }
                                textarea id="part" name="body" rows="6" required maxlength="20000"
                                    aria-invalid=[pp.invalid("body")] aria-describedby=[pp.described_by("part", "body", None)]
                                    hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="this" {
                                    (part.map(|f| f.body.as_str()).or(s.my_part.as_deref()).unwrap_or(""))
                                }
                                (pp.under("part", "body"))
                                div id="coach-feedback" class="coach-feedback" aria-live="polite" {}
                                button type="submit" class="primary" { @if s.i_have_written { "Save my part" } @else { "Add my part" } }
                            }
                        }
                    }
                }
                @if n.can_edit && n.visibility != Visibility::Sealed {
                    // Open again after a refusal, with what was typed.
                    details open[edit.is_some()] {
                        summary { "Edit" }
                        (edit_refusal.above())
                        form method="post" action={"/spaces/" (space.id) "/notes/" (n.id)} class="stack" {
                            (csrf_field(who))
                            label for="edit-title" { "Title" }
                            input id="edit-title" name="title" type="text" required maxlength="120" value=(edit.map_or(n.title.as_str(), |f| f.title.as_str()))
                                aria-invalid=[ep.invalid("title")] aria-describedby=[ep.described_by("edit-title", "title", None)];
                            (ep.under("edit-title", "title"))
                            label for="edit-body" { "Text" }
                            textarea id="edit-body" name="body" rows="6" required maxlength="20000"
                                aria-invalid=[ep.invalid("body")] aria-describedby=[ep.described_by("edit-body", "body", None)] {
                                (edit.map(|f| f.body.as_str()).or(n.body.as_deref()).unwrap_or(""))
                            }
                            (ep.under("edit-body", "body"))
                            button type="submit" { "Save changes" }
                        }
                    }
                }
                @if n.can_delete {
                    (crate::ui::forms::delete_with_confirmation(
                        csrf_field(who),
                        &format!("/spaces/{}/notes/{}/delete", space.id, n.id),
                        "Delete",
                        "Delete this note? It cannot be brought back.",
                    ))
                }
            }
            p { a href={"/spaces/" (space.id) "/notes"} { "All notes" } }
        },
    )
}

pub async fn show(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx, NoteId(nid): NoteId) -> PageResult {
    let note = state.store.entry(who.user.id, space.id, nid).await?;
    Ok(render(show_page(&who, &space, &note, None)))
}

pub async fn update(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    NoteId(nid): NoteId,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> PageResult {
    let result = service::update(&state, who.user.id, space.id, nid, Some(&form.title), Some(&form.body)).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/notes/{nid}", space.id))),
        Err(e) if e.kind() == ErrorKind::Invalid => {
            let note = state.store.entry(who.user.id, space.id, nid).await?;
            Ok(render_status(e.status, show_page(&who, &space, &note, Some(Refused::Edit(&form, e.refusal(&[]))))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    NoteId(nid): NoteId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    state.store.delete_entry(who.user.id, space.id, nid).await?;
    Ok(see_other_with(&format!("/spaces/{}/notes", space.id), Flash::Deleted))
}

pub async fn write_part(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    NoteId(nid): NoteId,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> PageResult {
    let result = service::write_part(&state, who.user.id, space.id, nid, &form.body).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/notes/{nid}", space.id))),
        Err(e) if e.is_fixable() => {
            let note = state.store.entry(who.user.id, space.id, nid).await?;
            Ok(render_status(e.status, show_page(&who, &space, &note, Some(Refused::Part(&form, e.refusal(&[]))))))
        }
        Err(e) => Err(e.into()),
    }
}
