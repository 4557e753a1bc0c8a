//! `/spaces/{space_id}/timeline`: the relationship as a line in time. The
//! SVG chart, the same moments as a list (the accessible version, and the
//! one that prints in full), and the form to mark a moment; a moment's own
//! page rewords it (from the revision shown, so a partner's edit saved in
//! between is never overwritten) and lists its earlier versions. Forms come
//! back with what was typed and a sentence next to the field.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::timeline::{MomentDraft, MomentKind, EARLIEST};
use troth_store::{Space, TimelineMoment};

use super::service::{self, today_for, MomentInput};
use super::MomentId;
use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::extract::SpaceCtx;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::charts::{timeline_chart, TimelineMark};
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/timeline", get(list).post(add))
        .route("/spaces/{space_id}/timeline/{moment_id}", get(show).post(edit))
        .route("/spaces/{space_id}/timeline/{moment_id}/delete", post(delete))
}

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

fn moment_fields(who: &Identity, input: &MomentInput, fail: Option<&ApiError>) -> Markup {
    let today = today_for(&who.user).to_string();
    html! {
        label for="date" { "When" }
        input id="date" name="date" type="date" required min=(EARLIEST.to_string()) max=(today) value=(input.date)
            aria-describedby=[described_by(fail, "date")];
        (field_error(fail, "date"))
        fieldset aria-describedby=[described_by(fail, "kind")] {
            legend { "What it did to trust" }
            @for k in MomentKind::ALL {
                label class="choice" {
                    input type="radio" name="kind" value=(k.as_str()) required checked[input.kind == k.as_str()];
                    " " (k.label())
                }
            }
        }
        (field_error(fail, "kind"))
        label for="title" { "The moment, in a few words" }
        input id="title" name="title" type="text" required maxlength=(MomentDraft::TITLE_MAX) value=(input.title)
            aria-describedby=[described_by(fail, "title")];
        (field_error(fail, "title"))
        label for="learned" { "What we learned" }
        textarea id="learned" name="learned" rows="3" maxlength=(MomentDraft::LEARNED_MAX)
            aria-describedby=[described_by(fail, "learned")] { (input.learned) }
        (field_error(fail, "learned"))
    }
}

fn list_page(
    who: &Identity,
    space: &Space,
    moments: &[TimelineMoment],
    input: &MomentInput,
    fail: Option<&ApiError>,
) -> Markup {
    let sid = space.id.to_string();
    let marks: Vec<TimelineMark> = moments
        .iter()
        .map(|m| TimelineMark { day: m.happened_on, title: m.title.clone(), built: m.kind == MomentKind::Built })
        .collect();
    page(
        Frame::new("Timeline", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Our trust timeline" }
            p class="lead" {
                "The moments that built your trust and the ones that tested it, in the order they came. "
                "Looking at both, and at what each taught you, shows how far you have come."
            }
            @if moments.is_empty() {
                p class="muted" { "No moments yet. You could start with the day you met." }
            } @else {
                (timeline_chart("Our trust timeline", &marks))
                h2 id="moments-heading" { "The moments" }
                ol class="timeline-list" aria-labelledby="moments-heading" {
                    @for m in moments {
                        li class={"card timeline-" (m.kind.as_str())} {
                            p class="muted" {
                                time datetime=(m.happened_on) { (m.happened_on.strftime("%-d %B %Y")) }
                                " · " strong { (m.kind.label()) }
                            }
                            h3 { (m.title) }
                            @if !m.learned.is_empty() { p class="prose" { "What we learned: " (m.learned) } }
                            p class="muted no-print" {
                                "Marked by " (m.author_name.as_deref().unwrap_or("former member")) " · "
                                a href={"/spaces/" (space.id) "/timeline/" (m.id)} { "Reword" }
                            }
                        }
                    }
                }
                p class="muted no-print" { "To keep a copy on paper, print this page: the forms and menus are left out." }
            }
            section class="card no-print" aria-labelledby="add-heading" {
                h2 id="add-heading" { "Mark a moment" }
                (alert(fail.filter(|f| f.field.is_none()).map(|f| f.message.as_str())))
                form method="post" action={"/spaces/" (space.id) "/timeline"} class="stack" {
                    (csrf_field(who))
                    (moment_fields(who, input, fail))
                    button type="submit" class="primary" { "Add to our timeline" }
                }
            }
        },
    )
}

fn moment_page(
    who: &Identity,
    space: &Space,
    m: &TimelineMoment,
    input: &MomentInput,
    fail: Option<&ApiError>,
) -> Markup {
    let sid = space.id.to_string();
    let base = format!("/spaces/{}/timeline/{}", space.id, m.id);
    page(
        Frame::new(&m.title, Some(who)).in_space(&sid, &space.name),
        html! {
            p { a href={"/spaces/" (space.id) "/timeline"} { "← Our timeline" } }
            h1 { (m.title) }
            p class="muted" {
                time datetime=(m.happened_on) { (m.happened_on.strftime("%-d %B %Y")) }
                " · " strong { (m.kind.label()) }
                " · marked by " (m.author_name.as_deref().unwrap_or("former member"))
                @if m.edited {
                    " · last reworded by " (m.edited_by_name.as_deref().unwrap_or("former member"))
                    " (" (when(m.updated_at, &who.user.time_zone)) ")"
                }
            }
            @if !m.learned.is_empty() { p class="prose" { "What we learned: " (m.learned) } }
            section class="card" aria-labelledby="edit-heading" {
                h2 id="edit-heading" { "Reword this moment" }
                (alert(fail.filter(|f| f.field.is_none()).map(|f| f.message.as_str())))
                form method="post" action=(base) class="stack" {
                    (csrf_field(who))
                    input type="hidden" name="revision" value=(m.revision);
                    (moment_fields(who, input, fail))
                    button type="submit" class="primary" { "Save (the earlier version is kept)" }
                }
            }
            @if !m.earlier_versions.is_empty() {
                section class="card" aria-labelledby="history-heading" {
                    h2 id="history-heading" { "Earlier versions" }
                    @for r in &m.earlier_versions {
                        details class="revision" {
                            summary { "Version " (r.revision) " · " (r.written_by_name.as_deref().unwrap_or("former member"))
                                " · " (when(r.written_at, &who.user.time_zone)) }
                            p class="muted" {
                                time datetime=(r.happened_on) { (r.happened_on.strftime("%-d %B %Y")) }
                                " · " (r.kind.label())
                            }
                            h3 { (r.title) }
                            @if !r.learned.is_empty() { p class="prose" { "What we learned: " (r.learned) } }
                        }
                    }
                }
            }
            @if m.can_delete {
                (crate::ui::forms::delete_with_confirmation(
                    csrf_field(who),
                    &format!("{base}/delete"),
                    "Take this moment off the timeline",
                    "Take this moment off the timeline, with its earlier versions, for both of you? It cannot be brought back.",
                ))
            }
        },
    )
}

fn input_of(m: &TimelineMoment) -> MomentInput {
    MomentInput {
        date: m.happened_on.to_string(),
        kind: m.kind.as_str().to_string(),
        title: m.title.clone(),
        learned: m.learned.clone(),
    }
}

pub async fn list(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let moments = state.store.moments(who.user.id, space.id).await?;
    Ok(render(list_page(&who, &space, &moments, &MomentInput::default(), None)))
}

pub async fn add(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<MomentInput>,
) -> PageResult {
    match service::add_moment(&state, &who.user, &space, &form).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/timeline", space.id))),
        Err(e) if e.is_fixable() => {
            let moments = state.store.moments(who.user.id, space.id).await?;
            Ok(render_status(e.status, list_page(&who, &space, &moments, &form, Some(&e))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    MomentId(id): MomentId,
) -> PageResult {
    let m = state.store.moment(who.user.id, space.id, id).await?;
    Ok(render(moment_page(&who, &space, &m, &input_of(&m), None)))
}

/// The edit form: the moment's fields plus the revision it was made from
/// (spelled out rather than flattened, since a flattened form field cannot
/// be read as a number).
#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub learned: String,
    pub revision: Option<i64>,
}

pub async fn edit(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    MomentId(id): MomentId,
    CsrfForm(form): CsrfForm<EditForm>,
) -> PageResult {
    let input = MomentInput { date: form.date, kind: form.kind, title: form.title, learned: form.learned };
    match service::edit_moment(&state, &who.user, &space, id, &input, form.revision).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/timeline", space.id))),
        Err(e) if e.is_fixable() => {
            // The moment as it stands now (a partner's edit included), with
            // the member's own words kept in the form.
            let m = state.store.moment(who.user.id, space.id, id).await?;
            Ok(render_status(e.status, moment_page(&who, &space, &m, &input, Some(&e))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    MomentId(id): MomentId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::delete_moment(&state, &who.user, &space, id).await?;
    Ok(see_other_with(&format!("/spaces/{}/timeline", space.id), Flash::Deleted))
}
