//! The appreciation log: quick to add, a heart from the one it was for,
//! favourites, and "remember these" for hard days.

use crate::http::page::Pages;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_store::{Appreciation, AppreciationFilter, Space};

use super::service::add_appreciation;
use super::AppreciationId;
use crate::auth::Identity;
use crate::http::extract::SpaceCtx;
use crate::http::forms::CsrfForm;
use crate::http::page::{render, render_status, PageError, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::forms::Refusal;
use crate::ui::layout::{csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/appreciations", get(list).post(add))
        .route("/spaces/{space_id}/appreciations/{appreciation_id}/heart", post(heart))
        .route("/spaces/{space_id}/appreciations/{appreciation_id}/favourite", post(favourite))
}

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
                // Who thanked whom, at a glance: "From you" or "From Bo".
                @if a.mine { "From you" } @else { "From " (a.author_name.as_deref().unwrap_or("a former member")) }
                " · " (when(a.created_at, &who.user.time_zone))
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
    refused: &Refusal,
) -> Markup {
    let p = &refused.problems;
    let sid = space.id.to_string();
    page(
        // "Thanks", as in the bottom bar: one word for one place.
        Frame::new("Thanks", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Thanks" }
            section class="card" {
                (refused.above())
                form method="post" action={"/spaces/" (space.id) "/appreciations"} class="stack" {
                    (csrf_field(who))
                    label for="text" { "Thank you for…" }
                    input id="text" name="text" type="text" required maxlength="280" value=(text)
                        aria-invalid=[p.invalid("text")] aria-describedby=[p.described_by("text", "text", None)];
                    (p.under("text", "text"))
                    button type="submit" class="primary" { "Add" }
                }
            }
            nav class="filters" aria-label="Which thanks" {
                a href={"/spaces/" (space.id) "/appreciations"} aria-current=[(view == "all").then_some("page")] { "All" }
                a href={"/spaces/" (space.id) "/appreciations?view=remember"} aria-current=[(view == "remember").then_some("page")] { "Remember these" }
                a href={"/spaces/" (space.id) "/appreciations?view=favourites"} aria-current=[(view == "favourites").then_some("page")] { "Favourites" }
            }
            @if view == "remember" {
                p class="lead" { "For a hard day: what your " (space.kind.other_member_word()) " has thanked you for." }
            }
            @if items.is_empty() {
                p class="muted" {
                    @match view {
                        "remember" => { "When your " (space.kind.other_member_word()) " thanks you, it will be kept here for a hard day." }
                        "favourites" => { "Tap “☆ Favourite” under a thank-you to keep it here." }
                        _ => { "No thanks yet. Start with something small from today." }
                    }
                }
            }
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
    let mut list = state.store.appreciations(who.user.id, sid, filter).await?;
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
    SpaceCtx { who, space }: SpaceCtx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let view = q.view.as_deref().filter(|v| ["remember", "favourites"].contains(v)).unwrap_or("all");
    let list = items(&state, &who, space.id, view).await?;
    Ok(render(list_page(&who, &space, &list, view, "", &Refusal::default())))
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    pub text: String,
}

pub async fn add(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<AddForm>,
) -> PageResult {
    match add_appreciation(&state, &who.user, space.id, &form.text).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/appreciations", space.id))),
        Err(e) if e.is_fixable() => {
            let list = items(&state, &who, space.id, "all").await?;
            Ok(render_status(e.status, list_page(&who, &space, &list, "all", &form.text, &e.refusal(&[]))))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(default)]
    pub on: String,
}

pub async fn heart(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    AppreciationId(id): AppreciationId,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> PageResult {
    state.store.heart_appreciation(who.user.id, space.id, id, form.on == "true").await?;
    Ok(see_other(&format!("/spaces/{}/appreciations", space.id)))
}

pub async fn favourite(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    AppreciationId(id): AppreciationId,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> PageResult {
    state.store.favourite_appreciation(who.user.id, space.id, id, form.on == "true").await?;
    Ok(see_other(&format!("/spaces/{}/appreciations", space.id)))
}
