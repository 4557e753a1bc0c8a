//! The appreciation log: quick to add, a heart from the one it was for,
//! favourites, and "remember these" for hard days.

use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use serde::Deserialize;
use troth_store::{Appreciation, AppreciationFilter, Space};

use super::layout::{alert, csrf_field, when};
use super::spaces::{page_id, with_who};
use super::{check_csrf, page, render, render_status, see_other, Frame, PageError, PageResult};
use crate::api::add_appreciation;
use crate::auth::{Identity, PageUser};
use crate::forms::FormBody;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub view: Option<String>,
}

fn item(who: &Identity, space: &Space, a: &Appreciation) -> Markup {
    let base = format!("/spaces/{}/appreciations/{}", space.id, a.id);
    html! {
        li class="entry appreciation" {
            p class="thanks" { (a.text) }
            p class="muted" {
                (a.author_name.as_deref().unwrap_or("former member")) " · " (when(a.created_at, &who.user.time_zone))
                @if a.hearted { " · " span aria-label="hearted" { "♥" } }
            }
            div class="actions" {
                @if !a.mine {
                    form method="post" action={(base) "/heart"} class="inline" {
                        (csrf_field(who)) input type="hidden" name="on" value=(if a.hearted { "false" } else { "true" });
                        button type="submit" class="link" aria-pressed=(a.hearted) { @if a.hearted { "Remove heart" } @else { "♥ Heart" } }
                    }
                }
                form method="post" action={(base) "/favourite"} class="inline" {
                    (csrf_field(who)) input type="hidden" name="on" value=(if a.favourite { "false" } else { "true" });
                    button type="submit" class="link" aria-pressed=(a.favourite) { @if a.favourite { "Unfavourite" } @else { "☆ Favourite" } }
                }
            }
        }
    }
}

fn list_page(
    who: &Identity,
    space: &Space,
    items: &[Appreciation],
    view: &str,
    text: &str,
    error: Option<&str>,
) -> Markup {
    let sid = space.id.to_string();
    page(
        Frame::new("Appreciations", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Appreciations" }
            section class="card" {
                (alert(error))
                form method="post" action={"/spaces/" (space.id) "/appreciations"} class="stack" {
                    (csrf_field(who))
                    label for="text" { "Thank you for…" }
                    input id="text" name="text" type="text" required maxlength="280" value=(text);
                    button type="submit" class="primary" { "Add" }
                }
            }
            nav class="filters" aria-label="Which appreciations" {
                a href={"/spaces/" (space.id) "/appreciations"} aria-current=[(view == "all").then_some("page")] { "All" }
                a href={"/spaces/" (space.id) "/appreciations?view=remember"} aria-current=[(view == "remember").then_some("page")] { "Remember these" }
                a href={"/spaces/" (space.id) "/appreciations?view=favourites"} aria-current=[(view == "favourites").then_some("page")] { "Favourites" }
            }
            @if view == "remember" {
                p class="lead" { "For a hard day: what your " (space.kind.other_member_word()) " has thanked you for." }
            }
            @if items.is_empty() { p class="muted" { "Nothing here yet." } }
            @else { ul class="entries" { @for a in items { (item(who, space, a)) } } }
        },
    )
}

async fn items(
    state: &AppState,
    who: &Identity,
    sid: troth_domain::Id,
    view: &str,
) -> Result<Vec<Appreciation>, PageError> {
    let filter = match view {
        "favourites" => AppreciationFilter { favourites_only: true, ..Default::default() },
        "remember" => AppreciationFilter { received_only: true, limit: Some(200), ..Default::default() },
        _ => AppreciationFilter::default(),
    };
    let mut list = with_who(state.store.appreciations(who.user.id, sid, filter).await, who)?;
    if view == "remember" {
        // Favourites and hearted ones first, then the rest, oldest among
        // equals first: surfacing what might have been forgotten.
        list.sort_by_key(|a| (!a.favourite, !a.hearted, a.created_at));
        list.truncate(20);
    }
    Ok(list)
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let view = q.view.as_deref().filter(|v| ["remember", "favourites"].contains(v)).unwrap_or("all");
    let list = items(&state, &who, sid, view).await?;
    Ok(render(list_page(&who, &space, &list, view, "", None)))
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub text: String,
}

pub async fn add(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<AddForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    match add_appreciation(&state, &who.user, sid, &form.text).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{sid}/appreciations"))),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND => {
            let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
            let list = items(&state, &who, sid, "all").await?;
            Ok(render_status(e.status, list_page(&who, &space, &list, "all", &form.text, Some(&e.message))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub on: String,
}

pub async fn heart(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, aid)): Path<(String, String)>,
    FormBody(form): FormBody<ToggleForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let id = page_id(&aid, &who)?;
    with_who(state.store.heart_appreciation(who.user.id, sid, id, form.on == "true").await, &who)?;
    Ok(see_other(&format!("/spaces/{sid}/appreciations")))
}

pub async fn favourite(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, aid)): Path<(String, String)>,
    FormBody(form): FormBody<ToggleForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let id = page_id(&aid, &who)?;
    with_who(state.store.favourite_appreciation(who.user.id, sid, id, form.on == "true").await, &who)?;
    Ok(see_other(&format!("/spaces/{sid}/appreciations")))
}
