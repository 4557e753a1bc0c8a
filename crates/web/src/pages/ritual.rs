//! The weekly ritual: choose a slot, start (or join) this week's ritual,
//! and walk the agenda together, each on their own device or side by side.

use axum::extract::{Path, State};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::ritual::AgendaStep;
use troth_store::{Ritual, RitualSlot, Space};

use super::layout::{alert, csrf_field, when};
use super::spaces::{page_id, with_who};
use super::{check_csrf, page, render, render_status, see_other, Frame, PageError, PageResult};
use crate::api::{save_answer, start_this_week, AnswerBody};
use crate::auth::{Identity, PageUser};
use crate::everyday::this_week;
use crate::forms::{CsrfOnly, FormBody};
use crate::state::AppState;

const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

fn overview(
    who: &Identity,
    space: &Space,
    slot: Option<&RitualSlot>,
    current: Option<&Ritual>,
    past: &[Ritual],
    error: Option<&str>,
) -> Markup {
    let sid = space.id.to_string();
    let tz = &who.user.time_zone;
    page(
        Frame::new("Weekly ritual", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Your weekly ritual" }
            p class="lead" { "A short, regular time to thank each other, look at your promises, and raise one thing each, gently. Skipped weeks are simply skipped." }
            (alert(error))
            section class="card highlight" {
                @match current {
                    Some(r) if r.finished_at.is_some() => {
                        h2 { "This week's ritual is done" }
                        p { a href={"/spaces/" (space.id) "/rituals/" (r.id)} { "Read it again" } }
                    }
                    Some(r) => {
                        h2 { "This week's ritual has started" }
                        a class="button primary" href={"/spaces/" (space.id) "/rituals/" (r.id)} { "Continue" }
                    }
                    None => {
                        h2 { "This week" }
                        form method="post" action={"/spaces/" (space.id) "/ritual/start"} {
                            (csrf_field(who))
                            button type="submit" class="primary" { "Start this week's ritual" }
                        }
                    }
                }
            }
            section class="card" {
                h2 { "When" }
                @if let Some(s) = slot {
                    p { "Every " (s.weekday) " at " (s.time) " (" (s.time_zone) "). Next: " (when(s.next_at, tz)) "." }
                } @else {
                    p class="muted" { "No time chosen yet. Pick one you can both keep." }
                }
                form method="post" action={"/spaces/" (space.id) "/ritual/slot"} class="stack" {
                    (csrf_field(who))
                    label for="weekday" { "Day" }
                    select id="weekday" name="weekday" {
                        @for d in DAYS { option value=(d) selected[slot.is_some_and(|s| s.weekday == d)] { (d) } }
                    }
                    label for="time" { "Time" }
                    input id="time" name="time" type="time" required value=(slot.map(|s| s.time.clone()).unwrap_or_else(|| "19:00".into()));
                    label for="time_zone" { "Time zone" }
                    input id="time_zone" name="time_zone" type="text" required maxlength="64" value=(slot.map(|s| s.time_zone.clone()).unwrap_or_else(|| tz.clone()));
                    button type="submit" { "Save the time" }
                }
            }
            @if !past.is_empty() {
                section class="card" {
                    h2 { "Earlier rituals" }
                    ul class="entries" {
                        @for r in past {
                            li class="entry" {
                                a href={"/spaces/" (space.id) "/rituals/" (r.id)} { "Week " (r.week_key) }
                                span class="muted" { @if r.finished_at.is_some() { " · finished" } @else { " · not finished" } }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub async fn show(State(state): State<AppState>, PageUser(who): PageUser, Path(space_id): Path<String>) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    render_overview(&state, &who, sid, None, axum::http::StatusCode::OK).await
}

async fn render_overview(
    state: &AppState,
    who: &Identity,
    sid: troth_domain::Id,
    error: Option<&str>,
    status: axum::http::StatusCode,
) -> PageResult {
    let now = Timestamp::now();
    let space = with_who(state.store.space_for(who.user.id, sid).await, who)?;
    let slot = with_who(state.store.ritual_slot(who.user.id, sid, now).await, who)?;
    let current =
        with_who(state.store.ritual_for_week(who.user.id, sid, &this_week(now, &who.user.time_zone)).await, who)?;
    let past = with_who(state.store.rituals(who.user.id, sid, 26).await, who)?;
    Ok(render_status(status, overview(who, &space, slot.as_ref(), current.as_ref(), &past, error)))
}

#[derive(Deserialize)]
pub struct SlotForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub time_zone: String,
}

pub async fn set_slot(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<SlotForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    match troth_domain::ritual::WeeklySlot::parse(&form.weekday, &form.time, &form.time_zone) {
        Ok(slot) => {
            with_who(state.store.set_ritual_slot(who.user.id, sid, &slot, Timestamp::now()).await, &who)?;
            Ok(see_other(&format!("/spaces/{sid}/ritual")))
        }
        Err(e) => {
            render_overview(&state, &who, sid, Some(&e.message), axum::http::StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn start(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let r = with_who(start_this_week(&state, &who.user, sid).await, &who)?;
    Ok(see_other(&format!("/spaces/{sid}/rituals/{}", r.id)))
}

fn step_form(who: &Identity, space: &Space, r: &Ritual, step: AgendaStep) -> Markup {
    let mine = r.answers.iter().find(|a| a.mine && a.step == step);
    let action = format!("/spaces/{}/rituals/{}/answer", space.id, r.id);
    html! {
        form method="post" action=(action) class="stack" {
            (csrf_field(who))
            input type="hidden" name="step" value=(step.as_str());
            @match step {
                AgendaStep::Concerns => {
                    label for={"body-" (step.as_str())} { "How it felt for you (start with \"I\")" }
                    textarea id={"body-" (step.as_str())} name="body" rows="3" maxlength="1000"
                        hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-concern" hx-include="this" { (mine.map(|a| a.body.as_str()).unwrap_or("")) }
                    div id="coach-concern" class="coach-feedback" aria-live="polite" {}
                    label for="proposal" { "One thing that would help" }
                    input id="proposal" name="proposal" type="text" maxlength="1000" value=(mine.and_then(|a| a.proposal.as_deref()).unwrap_or(""));
                }
                AgendaStep::Heard => {
                    label for="rating" { "How heard did you feel? (0 to 10)" }
                    input id="rating" name="rating" type="number" min="0" max="10" required value=(mine.and_then(|a| a.rating).map(|r| r.to_string()).unwrap_or_default());
                    label for={"body-" (step.as_str())} { "Anything to add (optional)" }
                    textarea id={"body-" (step.as_str())} name="body" rows="2" maxlength="1000" { (mine.map(|a| a.body.as_str()).unwrap_or("")) }
                }
                _ => {
                    label for={"body-" (step.as_str())} { "Your answer" }
                    textarea id={"body-" (step.as_str())} name="body" rows="3" maxlength="1000" { (mine.map(|a| a.body.as_str()).unwrap_or("")) }
                }
            }
            button type="submit" { @if mine.is_some() { "Update" } @else { "Save" } }
        }
    }
}

fn ritual_page(who: &Identity, space: &Space, r: &Ritual, error: Option<&str>) -> Markup {
    let sid = space.id.to_string();
    let finished = r.finished_at.is_some();
    page(
        Frame::new("Ritual", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Ritual · week " (r.week_key) }
            @if finished { p class="notice" role="status" { "Finished. A record you can both reread." } }
            (alert(error))
            @for step in AgendaStep::ALL.iter().filter(|s| **s != AgendaStep::Done) {
                section class="card ritual-step" id=(step.as_str()) {
                    h2 { (step.title()) }
                    p class="help" { (step.prompt()) }
                    @let answers: Vec<_> = r.answers.iter().filter(|a| a.step == *step).collect();
                    @if !answers.is_empty() {
                        ul class="answers" {
                            @for a in &answers {
                                li {
                                    strong { (a.user_name.as_deref().unwrap_or("former member")) ": " }
                                    @if let Some(rt) = a.rating { (rt) "/10 " }
                                    (a.body)
                                    @if let Some(p) = &a.proposal { br; em { "Would help: " (p) } }
                                }
                            }
                        }
                    }
                    @if *step == AgendaStep::Promises {
                        p { a href={"/spaces/" (space.id) "/promises"} { "Open your promises" } " to settle what is open." }
                    }
                    @if !finished { (step_form(who, space, r, *step)) }
                }
            }
            @if !finished {
                section class="card" {
                    @if let Some(why) = &r.finish_blocker { p class="muted" { (why) } }
                    form method="post" action={"/spaces/" (space.id) "/rituals/" (r.id) "/finish"} {
                        (csrf_field(who))
                        button type="submit" class="primary" disabled[r.finish_blocker.is_some()] { "Finish the ritual" }
                    }
                }
            }
            p { a href={"/spaces/" (space.id) "/ritual"} { "Back" } }
        },
    )
}

pub async fn show_ritual(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, ritual_id)): Path<(String, String)>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let rid = page_id(&ritual_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let r = with_who(state.store.ritual(who.user.id, sid, rid).await, &who)?;
    Ok(render(ritual_page(&who, &space, &r, None)))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub body: String,
    pub proposal: Option<String>,
    pub rating: Option<String>,
}

pub async fn answer(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, ritual_id)): Path<(String, String)>,
    FormBody(form): FormBody<AnswerForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let rid = page_id(&ritual_id, &who)?;
    let body = AnswerBody {
        step: form.step.clone(),
        body: form.body.clone(),
        proposal: form.proposal.clone(),
        rating: form.rating.as_deref().and_then(|r| r.trim().parse().ok()),
    };
    match save_answer(&state, who.user.id, sid, rid, &body).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{sid}/rituals/{rid}#{}", form.step))),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND => {
            let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
            let r = with_who(state.store.ritual(who.user.id, sid, rid).await, &who)?;
            let msg = format!("{}: {}", form.step.replace('_', " "), e.message);
            Ok(render_status(e.status, ritual_page(&who, &space, &r, Some(&msg))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

pub async fn finish(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, ritual_id)): Path<(String, String)>,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let rid = page_id(&ritual_id, &who)?;
    match state.store.finish_ritual(who.user.id, sid, rid, Timestamp::now()).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{sid}/rituals/{rid}"))),
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            // "Not ready yet" re-renders the ritual with the reason; a
            // missing ritual or a server fault gets the error page, as for answers.
            if !e.status.is_client_error() || e.status == axum::http::StatusCode::NOT_FOUND {
                return Err(PageError { error: e, who: Some(Box::new(who)) });
            }
            let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
            let r = with_who(state.store.ritual(who.user.id, sid, rid).await, &who)?;
            Ok(render_status(e.status, ritual_page(&who, &space, &r, Some(&e.message))))
        }
    }
}
