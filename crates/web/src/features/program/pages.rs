//! The program's pages: the library (browse, search, read an exercise),
//! the pair's program (track, pace, level, next, tonight, history) and a
//! guided session, one step per screen, ending with a short reflection.

use std::collections::HashMap;

use crate::http::page::Pages;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_content::{Exercise, Level, Mode, Track, TrustType};
use troth_domain::program::{Pace, PairTrack, SessionMode};
use troth_domain::Id;
use troth_store::{ProgramSession, Space};

use super::service::{self, seed_name, LibraryFilter, ProgramView};
use super::SessionId;
use crate::auth::{Identity, PageUser};
use crate::http::error::{ApiError, ErrorKind};
use crate::http::extract::SpaceCtx;
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageError, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::layout::{alert, capitalised, csrf_field, page, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/program/library", get(library_page))
        .route("/program/exercises/{exercise_id}", get(exercise_page))
        .route("/spaces/{space_id}/program", get(program_page))
        .route("/spaces/{space_id}/program/library", get(space_library_page))
        .route("/spaces/{space_id}/program/exercises/{exercise_id}", get(space_exercise_page))
        .route("/spaces/{space_id}/program/track", post(set_track))
        .route("/spaces/{space_id}/program/pace", post(set_pace))
        .route("/spaces/{space_id}/program/sessions", post(start))
        .route("/spaces/{space_id}/program/sessions/{session_id}", get(session_page))
        .route("/spaces/{space_id}/program/sessions/{session_id}/steps/{step}", post(answer))
        .route("/spaces/{space_id}/program/sessions/{session_id}/finish", post(finish))
        .route("/spaces/{space_id}/program/sessions/{session_id}/share", post(share))
        .route("/spaces/{space_id}/program/share", post(share_chosen))
}

/// The sentence for a field, shown right under it.
fn field_error(error: Option<&ApiError>, field: &str) -> Markup {
    html! {
        @if let Some(e) = error.filter(|e| e.field == Some(field)) {
            p class="field-error" role="alert" id={"err-" (field)} { (e.sentence()) }
        }
    }
}

/// The message of an error that belongs to no one field.
fn page_error(error: Option<&ApiError>) -> Option<String> {
    error.filter(|e| e.field.is_none()).map(|e| e.sentence())
}

fn trust_labels(kinds: &[TrustType]) -> String {
    kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ")
}

fn mode_words(mode: Mode) -> &'static str {
    match mode {
        Mode::Alone => "on your own",
        Mode::Together => "together",
        Mode::Sealed => "sealed exchange",
    }
}

fn track_words(track: Track) -> &'static str {
    match track {
        Track::Build => "building",
        Track::Rebuild => "rebuilding",
        Track::Both => "building or rebuilding",
    }
}

fn pace_words(pace: Pace) -> &'static str {
    match pace {
        Pace::Steady => "steady",
        Pace::Gentle => "gentle (more practice before each new level)",
        Pace::Paused => "paused (no new levels for now)",
    }
}

/// Where exercise links point: inside the space when there is one.
fn exercise_href(space: Option<&Space>, id: &str) -> String {
    match space {
        Some(s) => format!("/spaces/{}/program/exercises/{id}", s.id),
        None => format!("/program/exercises/{id}"),
    }
}

fn card(space: Option<&Space>, e: &Exercise) -> Markup {
    html! {
        li class="card" {
            h3 { a href=(exercise_href(space, e.id.as_str())) { (e.title) } }
            p class="muted" {
                "Level " (e.level) " · " (e.minutes) " min · " (mode_words(e.mode)) " · for " (track_words(e.track))
            }
            p { (e.why) }
            p class="help" { "Serves: " (trust_labels(&e.trust)) }
        }
    }
}

fn select<T: Copy>(
    id: &'static str,
    label: &str,
    any: &str,
    chosen: Option<&str>,
    options: &[T],
    value: impl Fn(T) -> String,
    text: impl Fn(T) -> String,
) -> Markup {
    html! {
        label for=(id) { (label) }
        select id=(id) name=(id) {
            option value="" { (any) }
            @for o in options {
                @let v = value(*o);
                option value=(v) selected[chosen == Some(v.as_str())] { (text(*o)) }
            }
        }
    }
}

fn library_body(
    space: Option<&Space>,
    filter: &LibraryFilter,
    found: &[&Exercise],
    error: Option<&ApiError>,
) -> Markup {
    let action = match space {
        Some(s) => format!("/spaces/{}/program/library", s.id),
        None => "/program/library".to_owned(),
    };
    html! {
        h1 { "The library" }
        p class="lead" { "Exercises for trust, from small everyday steps to the hardest conversations. Start small; there is no list to finish." }
        form method="get" action=(action) class="stack card" role="search" {
            label for="q" { "Search" }
            input id="q" name="q" type="search" maxlength="200" value=(filter.q.as_deref().unwrap_or(""));
            (select("trust", "Kind of trust", "Any kind", filter.trust.as_deref(), &TrustType::ALL, |t| t.as_str().to_owned(), |t| t.label().to_owned()))
            (field_error(error, "trust"))
            (select("mode", "How", "Any way", filter.mode.as_deref(), &Mode::ALL, |m| m.as_str().to_owned(), |m| mode_words(m).to_owned()))
            (field_error(error, "mode"))
            (select("track", "For", "Building or rebuilding", filter.track.as_deref(), &Track::ALL, |t| t.as_str().to_owned(), |t| track_words(t).to_owned()))
            (field_error(error, "track"))
            (select("level", "Level", "Any level", filter.level.as_deref(), &Level::ALL, |l| l.to_string(), |l| format!("Level {l}")))
            (field_error(error, "level"))
            label for="minutes" { "At most (minutes)" }
            input id="minutes" name="minutes" type="number" min="1" max="600" value=(filter.minutes.as_deref().unwrap_or(""));
            (field_error(error, "minutes"))
            button type="submit" { "Find" }
        }
        @if error.is_none() {
            p class="muted" { (found.len()) " exercise" @if found.len() != 1 { "s" } }
            @if found.is_empty() {
                p { "Nothing matches all of that. Try fewer filters." }
            }
            ul class="cards" { @for e in found { (card(space, e)) } }
        }
    }
}

fn frame_for<'a>(title: &'a str, who: &'a Identity, space: Option<&'a Space>, sid: &'a str) -> Frame<'a> {
    match space {
        Some(s) => Frame::new(title, Some(who)).in_space(sid, &s.name),
        None => Frame::new(title, Some(who)),
    }
}

fn render_library(state: &AppState, who: &Identity, space: Option<&Space>, filter: LibraryFilter) -> PageResult {
    let sid = space.map(|s| s.id.to_string()).unwrap_or_default();
    let (found, error, status) = match service::find(&state.library, &filter) {
        Ok(found) => (found, None, StatusCode::OK),
        Err(e) => (Vec::new(), Some(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let body = library_body(space, &filter, &found, error.as_ref());
    Ok(render_status(status, page(frame_for("Library", who, space, &sid), body)))
}

pub async fn library_page(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Query(filter): Query<LibraryFilter>,
) -> PageResult {
    render_library(&state, &who, None, filter)
}

pub async fn space_library_page(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Query(filter): Query<LibraryFilter>,
) -> PageResult {
    render_library(&state, &who, Some(&space), filter)
}

/// How to begin an exercise from inside a space: a session for alone and
/// together ones; for sealed ones, the sealed exchange (its own feature).
fn begin_box(who: &Identity, space: &Space, e: &Exercise, error: Option<&ApiError>) -> Markup {
    html! {
        section class="card highlight" id="begin" {
            (alert(page_error(error).as_deref()))
            @match e.mode {
                Mode::Sealed => {
                    h2 { "Begin as a sealed exchange" }
                    p { "Each of you writes your answer on your own. Neither of you can read the other's until both have written; then both open at the same moment." }
                    @let first = e.steps.first().and_then(|s| s.prompts.first().cloned().or_else(|| Some(s.text.clone()))).unwrap_or_default();
                    form method="post" action={"/spaces/" (space.id) "/exchanges"} class="stack" {
                        (csrf_field(who))
                        input type="hidden" name="exercise_id" value=(e.id.as_str());
                        label for="prompt" { "The question you will both answer" }
                        textarea id="prompt" name="prompt" rows="2" maxlength="1000" { (first) }
                        button type="submit" class="primary" { "Start the sealed exchange" }
                    }
                }
                Mode::Alone => {
                    h2 { "Do it on your own" }
                    p { "Your answers stay yours. Later you can choose to share them with your partner." }
                    // Said plainly: the pair's level is shared, so a partner
                    // who watches it could guess that some practice happened.
                    p class="muted" {
                        "It counts toward the level you share, so your partner may notice the level move. "
                        "They never see what you wrote, which exercise it was, or when."
                    }
                    (start_form(who, space, e, "Begin"))
                }
                Mode::Together => {
                    h2 { "Do it together" }
                    p { "Each of you answers on your own device, or side by side on one. What each writes is shown to both." }
                    (start_form(who, space, e, "Begin together"))
                }
            }
        }
    }
}

fn start_form(who: &Identity, space: &Space, e: &Exercise, label: &str) -> Markup {
    html! {
        form method="post" action={"/spaces/" (space.id) "/program/sessions"} {
            (csrf_field(who))
            input type="hidden" name="exercise_id" value=(e.id.as_str());
            button type="submit" class="primary" { (label) }
        }
    }
}

fn exercise_body(who: &Identity, space: Option<&Space>, e: &Exercise, error: Option<&ApiError>) -> Markup {
    html! {
        p { a href=(match space { Some(s) => format!("/spaces/{}/program/library", s.id), None => "/program/library".into() }) { "← The library" } }
        h1 { (e.title) }
        p class="muted" {
            "Level " (e.level) " · about " (e.minutes) " minutes · " (mode_words(e.mode)) " · for " (track_words(e.track))
        }
        section class="card" {
            h2 { "Why it builds trust" }
            p { (e.why) }
            p class="help" { "Serves: " (trust_labels(&e.trust)) }
        }
        @if !e.cautions.is_empty() {
            section class="card" {
                h2 { "Go carefully" }
                ul { @for c in &e.cautions { li { (c) } } }
            }
        }
        section class="card" {
            h2 { "Steps" }
            ol {
                @for s in &e.steps {
                    li {
                        strong { (s.title) }
                        p { (s.text) }
                        @if !s.prompts.is_empty() { ul { @for p in &s.prompts { li { (p) } } } }
                    }
                }
            }
        }
        @if let Some(space) = space { (begin_box(who, space, e, error)) (keep_it_box(space, e)) }
        p class="help" {
            "From the seed" @if e.sources.len() > 1 { "s" } ": "
            @for (i, s) in e.sources.iter().enumerate() {
                @if i > 0 { "; " }
                (seed_name(s.seed)) ", “" (s.section) "”"
            }
        }
    }
}

/// Exercises about the shared journal or the trust timeline end in
/// writing there: point to the place, so what the two found is kept.
fn keep_it_box(space: &Space, e: &Exercise) -> Markup {
    let tagged = |t: &str| e.tags.iter().any(|x| x.as_str() == t);
    html! {
        @if tagged("journal") {
            p class="card" { "Keep what you found: " a href={"/spaces/" (space.id) "/journal"} { "write it in your shared journal" } "." }
        }
        @if tagged("timeline") {
            p class="card" { "Keep what you found: " a href={"/spaces/" (space.id) "/timeline"} { "mark the moments on your trust timeline" } "." }
        }
    }
}

fn render_exercise(
    state: &AppState,
    who: &Identity,
    space: Option<&Space>,
    id: &str,
    error: Option<&ApiError>,
    status: StatusCode,
) -> PageResult {
    let e = service::exercise(&state.library, id)?;
    let sid = space.map(|s| s.id.to_string()).unwrap_or_default();
    Ok(render_status(status, page(frame_for(&e.title, who, space, &sid), exercise_body(who, space, e, error))))
}

pub async fn exercise_page(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(exercise_id): Path<String>,
) -> PageResult {
    render_exercise(&state, &who, None, &exercise_id, None, StatusCode::OK)
}

pub async fn space_exercise_page(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Path((_, exercise_id)): Path<(String, String)>,
) -> PageResult {
    render_exercise(&state, &who, Some(&space), &exercise_id, None, StatusCode::OK)
}

fn program_body(
    who: &Identity,
    space: &Space,
    view: &ProgramView,
    history: &[ProgramSession],
    state: &AppState,
    share_error: Option<&ApiError>,
) -> Markup {
    let sid = space.id;
    html! {
        h1 { "Your program" }
        p class="lead" { "Small steps, at a pace that suits you both. New levels open as you practise; nothing is lost by taking a break." }
        div class="grid" {
            section class="card" aria-labelledby="tonight-h" {
                h2 id="tonight-h" { "For tonight" }
                @match view.tonight {
                    Some(p) => { p class="prompt" { (p.text) } p class="help" { "The same question for both of you today." } }
                    None => { p class="muted" { "No question for today." } }
                }
            }
            section class="card" aria-labelledby="next-h" {
                h2 id="next-h" { "Next for you" }
                @match &view.next {
                    Some(s) => {
                        p { a href=(exercise_href(Some(space), s.exercise.id.as_str())) { (s.exercise.title) } }
                        p class="help" { (s.reason_text()) }
                    }
                    None => { p class="muted" { "Nothing to suggest right now." } }
                }
            }
            section class="card" aria-labelledby="level-h" {
                h2 id="level-h" { "Level " (view.open_level) " is open" }
                @match view.remaining {
                    Some(r) if r.exercises_finished == 0 && r.practice_days == 0 => { p { "The next level opens with your next finished exercise." } }
                    Some(r) => {
                        p { "The next level opens after "
                            (r.exercises_finished) " more finished exercise" @if r.exercises_finished != 1 { "s" }
                            " at this level and " (r.practice_days) " more day" @if r.practice_days != 1 { "s" } " of practice." }
                    }
                    None if view.open_level == Level::MAX => { p { "Every level is open." } }
                    None => { p { "New levels are paused for now." } }
                }
                p class="help" { "You go at: " (pace_words(view.pair_pace)) "." }
            }
        }
        section class="card" {
            h2 { "Your path" }
            form method="post" action={"/spaces/" (sid) "/program/track"} class="stack" {
                (csrf_field(who))
                fieldset {
                    legend { "Are you building trust, or rebuilding it after a hurt?" }
                    @for t in PairTrack::ALL {
                        label class="choice" { input type="radio" name="track" value=(t.as_str()) checked[view.track == t];
                            @match t { PairTrack::Build => " Building", PairTrack::Rebuild => " Rebuilding" } }
                    }
                }
                button type="submit" { "Save the path" }
            }
            form method="post" action={"/spaces/" (sid) "/program/pace"} class="stack" {
                (csrf_field(who))
                label for="pace" { "Your own pace" }
                select id="pace" name="pace" {
                    @for p in Pace::ALL { option value=(p.as_str()) selected[view.my_pace == p] { (capitalised(pace_words(p))) } }
                }
                p class="help" { "You both go at the slower of your two paces. Your partner is not told which of you chose it." }
                button type="submit" { "Save my pace" }
            }
        }
        p { a class="button" href={"/spaces/" (sid) "/program/library"} { "Browse the library" } }
        @let unshared = service::unshared_alone(history, space, who.user.id);
        @if !unshared.is_empty() {
            section class="card" aria-labelledby="share-h" {
                h2 id="share-h" { "What you did on your own" }
                p { "Your partner can't see these. Tick the ones you would like to show them now; the rest stay yours." }
                form method="post" action={"/spaces/" (sid) "/program/share"} class="stack" {
                    (csrf_field(who))
                    @if let Some(e) = share_error {
                        p class="field-error" id="share-error" role="alert" { (e.sentence()) }
                    }
                    fieldset aria-describedby=[share_error.map(|_| "share-error")] {
                        legend class="visually-hidden" { "Exercises to share" }
                        @for s in &unshared {
                            label class="check" {
                                input type="checkbox" name="session" value=(s.id);
                                " " (state.library.exercise(&s.exercise_id).map(|e| e.title.as_str()).unwrap_or("An exercise no longer in the library"))
                                span class="muted" { " · " (service::practice_day(s.started_at)) }
                            }
                        }
                    }
                    button type="submit" { "Share the ones I ticked" }
                }
            }
        }
        section class="card" {
            h2 { "What you have done" }
            @if history.is_empty() {
                p class="muted" { "Nothing yet. Start with something small." }
            } @else {
                ul class="entries" {
                    @for s in history {
                        li class="entry" {
                            a href={"/spaces/" (sid) "/program/sessions/" (s.id)} {
                                (state.library.exercise(&s.exercise_id).map(|e| e.title.as_str()).unwrap_or("An exercise no longer in the library"))
                            }
                            span class="muted" {
                                " · " (service::practice_day(s.started_at))
                                @if s.mode == SessionMode::Alone { @if s.shared { " · shared" } @else if s.mine { " · only you" } }
                                @if s.finished_at.is_none() { " · not finished" }
                            }
                            @if s.mine && s.mode == SessionMode::Alone && !s.shared {
                                form method="post" action={"/spaces/" (sid) "/program/sessions/" (s.id) "/share"} class="inline" {
                                    (csrf_field(who))
                                    button type="submit" { "Share with my partner" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub async fn program_page(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let view = service::program(&state, who.user.id, &space).await?;
    let history = service::history(&state, who.user.id, space.id).await?;
    let sid = space.id.to_string();
    Ok(render(page(
        Frame::new("Program", Some(&who)).in_space(&sid, &space.name),
        program_body(&who, &space, &view, &history, &state, None),
    )))
}

#[derive(Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    pub track: String,
}

pub async fn set_track(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<TrackForm>,
) -> PageResult {
    service::set_track(&state, who.user.id, space.id, &form.track).await?;
    Ok(see_other(&format!("/spaces/{}/program", space.id)))
}

#[derive(Deserialize)]
pub struct PaceForm {
    #[serde(default)]
    pub pace: String,
}

pub async fn set_pace(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<PaceForm>,
) -> PageResult {
    service::set_pace(&state, who.user.id, space.id, &form.pace).await?;
    Ok(see_other(&format!("/spaces/{}/program", space.id)))
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    pub exercise_id: String,
}

pub async fn start(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<StartForm>,
) -> PageResult {
    match service::start(&state, who.user.id, &space, &form.exercise_id).await {
        Ok(s) => Ok(see_other(&format!("/spaces/{}/program/sessions/{}?step=1", space.id, s.id))),
        // Refused (sealed, partner needed, level not open): say so on the
        // exercise's own page.
        Err(e) if e.is_fixable() => {
            let status = e.status;
            render_exercise(&state, &who, Some(&space), &form.exercise_id, Some(&e), status)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StepQuery {
    pub step: Option<String>,
}

/// What the member typed, to put back in the form after an error.
struct Typed<'a> {
    answers: &'a [String],
    learned: &'a str,
    felt: &'a str,
    rating: &'a str,
}

fn step_screen(
    who: &Identity,
    space: &Space,
    s: &ProgramSession,
    e: &Exercise,
    index: usize,
    typed: Option<&Typed>,
    error: Option<&ApiError>,
) -> Markup {
    let total = e.steps.len();
    let step = &e.steps[index];
    let slots: Vec<Option<&str>> =
        if step.prompts.is_empty() { vec![None] } else { step.prompts.iter().map(|p| Some(p.as_str())).collect() };
    let mine = |i: usize| {
        s.answers.iter().find(|a| a.mine && a.step as usize == index && a.prompt as usize == i).map(|a| a.body.as_str())
    };
    let partner = |i: usize| {
        s.answers
            .iter()
            .find(|a| !a.mine && a.step as usize == index && a.prompt as usize == i)
            .map(|a| a.body.as_str())
    };
    let base = format!("/spaces/{}/program/sessions/{}", space.id, s.id);
    html! {
        p class="progress-line" aria-label="progress" { "Step " (index + 1) " of " (total) }
        progress max=(total + 1) value=(index + 1) {}
        h2 { (step.title) }
        p { (step.text) }
        (alert(page_error(error).as_deref()))
        form method="post" action={(base) "/steps/" (index + 1)} class="stack" {
            (csrf_field(who))
            @for (i, prompt) in slots.iter().enumerate() {
                @let id = format!("answer-{i}");
                label for=(id) { (prompt.unwrap_or("Your thoughts (optional)")) }
                @let value = typed.and_then(|t| t.answers.get(i).map(String::as_str)).or_else(|| mine(i)).unwrap_or("");
                textarea id=(id) name=(id) rows="4" maxlength="4000" { (value) }
                @if s.mode == SessionMode::Together {
                    @if let Some(p) = partner(i) { p class="partner-answer" { strong { "Your partner: " } (p) } }
                }
            }
            (field_error(error, "answers"))
            div class="row" {
                @if index > 0 { button type="submit" name="go" value="back" { "← Back" } }
                button type="submit" name="go" value="next" class="primary" {
                    @if index + 1 == total { "Save and reflect →" } @else { "Save and go on →" }
                }
            }
        }
        @if s.mode == SessionMode::Together {
            p class="help" { "Your partner answers on their own device. Their answers appear here once written." }
        }
    }
}

fn reflection_screen(
    who: &Identity,
    space: &Space,
    s: &ProgramSession,
    e: &Exercise,
    typed: Option<&Typed>,
    error: Option<&ApiError>,
) -> Markup {
    let total = e.steps.len();
    let base = format!("/spaces/{}/program/sessions/{}", space.id, s.id);
    let mine = s.reflections.iter().find(|r| r.mine);
    let learned = typed.map(|t| t.learned).or(mine.map(|r| r.learned.as_str())).unwrap_or("");
    let felt = typed.map(|t| t.felt).or(mine.map(|r| r.felt.as_str())).unwrap_or("");
    let rating = typed.map(|t| t.rating.to_owned()).or(mine.map(|r| r.rating.to_string())).unwrap_or_default();
    html! {
        @if s.finished_at.is_none() {
            p class="progress-line" { "Last: a short reflection" }
            progress max=(total + 1) value=(total + 1) {}
        }
        h2 { "Looking back" }
        (alert(page_error(error).as_deref()))
        form method="post" action={(base) "/finish"} class="stack" {
            (csrf_field(who))
            label for="learned" { "What did we learn?" }
            textarea id="learned" name="learned" rows="3" maxlength="4000" { (learned) }
            (field_error(error, "learned"))
            label for="felt" { "How did it feel?" }
            textarea id="felt" name="felt" rows="3" maxlength="4000" { (felt) }
            (field_error(error, "felt"))
            label for="rating" { "How was it, from 0 to 10?" }
            input id="rating" name="rating" type="number" min="0" max="10" value=(rating);
            (field_error(error, "rating"))
            div class="row" {
                @if s.finished_at.is_none() && total > 0 {
                    a class="button" href={(base) "?step=" (total)} { "← Back" }
                }
                button type="submit" class="primary" { @if s.finished_at.is_some() { "Save my reflection" } @else { "Finish" } }
            }
        }
    }
}

/// A finished session to reread: every answer and reflection.
fn reread(s: &ProgramSession, e: &Exercise) -> Markup {
    html! {
        @for (index, step) in e.steps.iter().enumerate() {
            section class="card" {
                h3 { (index + 1) ". " (step.title) }
                @let answers: Vec<_> = s.answers.iter().filter(|a| a.step as usize == index).collect();
                @if answers.is_empty() { p class="muted" { "No answers." } }
                @for a in answers {
                    @let q = step.prompts.get(a.prompt as usize).map(String::as_str).unwrap_or("Thoughts");
                    p { em { (q) } br; strong { @if a.mine { "You: " } @else { "Your partner: " } } (a.body) }
                }
            }
        }
        @for r in &s.reflections {
            section class="card" {
                h3 { @if r.mine { "Your reflection" } @else { "Your partner's reflection" } " · " (r.rating) "/10" }
                p { strong { "Learned: " } (r.learned) }
                p { strong { "Felt: " } (r.felt) }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn session_body(
    who: &Identity,
    space: &Space,
    s: &ProgramSession,
    e: &Exercise,
    step: Option<usize>,
    typed: Option<&Typed>,
    error: Option<&ApiError>,
) -> Markup {
    let sid = space.id;
    html! {
        p { a href={"/spaces/" (sid) "/program"} { "← Your program" } }
        h1 { (e.title) }
        p class="muted" {
            @match s.mode { SessionMode::Alone => "On your own", SessionMode::Together => "Together" }
            @if s.mode == SessionMode::Alone { @if s.shared { " · shared with your partner" } @else { " · only you can see this" } }
            @if s.finished_at.is_some() { " · finished" }
        }
        @if s.finished_at.is_some() {
            (reread(s, e))
            @if s.mine && s.mode == SessionMode::Alone && !s.shared {
                form method="post" action={"/spaces/" (sid) "/program/sessions/" (s.id) "/share"} {
                    (csrf_field(who))
                    button type="submit" { "Share with my partner" }
                }
            }
            @if s.reflections.iter().all(|r| !r.mine) && (s.mine || s.mode == SessionMode::Together) {
                (reflection_screen(who, space, s, e, typed, error))
            }
        } @else {
            @match step {
                Some(i) if i < e.steps.len() => { (step_screen(who, space, s, e, i, typed, error)) }
                _ => { (reflection_screen(who, space, s, e, typed, error)) }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_session(
    state: &AppState,
    who: &Identity,
    space: &Space,
    session: troth_domain::Id,
    step: Option<usize>,
    typed: Option<&Typed<'_>>,
    error: Option<&ApiError>,
    status: StatusCode,
) -> PageResult {
    let (s, e) = service::session(state, who.user.id, space.id, session).await?;
    let sid = space.id.to_string();
    Ok(render_status(
        status,
        page(
            Frame::new(&e.title, Some(who)).in_space(&sid, &space.name),
            session_body(who, space, &s, e, step, typed, error),
        ),
    ))
}

/// `?step=N` from 1; anything else starts at the first step.
fn step_from(query: &StepQuery) -> Option<usize> {
    query.step.as_deref().and_then(|s| s.parse::<usize>().ok()).and_then(|n| n.checked_sub(1))
}

pub async fn session_page(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
    Query(query): Query<StepQuery>,
) -> PageResult {
    let step = step_from(&query).or(Some(0));
    render_session(&state, &who, &space, session, step, None, None, StatusCode::OK).await
}

pub async fn answer(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
    Path((_, _, step)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let index = step.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).unwrap_or(usize::MAX);
    let mut answers: Vec<String> = Vec::new();
    for i in 0..16 {
        match form.get(&format!("answer-{i}")) {
            Some(a) => answers.push(a.clone()),
            None => break,
        }
    }
    let back = form.get("go").map(String::as_str) == Some("back");
    let base = format!("/spaces/{}/program/sessions/{session}", space.id);
    // Moving on without writing anything is fine: the step simply has no
    // answer from you (nothing is erased either).
    let wrote = answers.iter().any(|a| !a.trim().is_empty());
    let outcome = if wrote {
        service::answer_step(&state, who.user.id, space.id, session, index, &answers).await.map(|_| ())
    } else {
        service::session(&state, who.user.id, space.id, session).await.and_then(|(_, e)| {
            if index < e.steps.len() {
                Ok(())
            } else {
                Err(service::no_such_step(e.steps.len()))
            }
        })
    };
    match outcome {
        Ok(()) => {
            let to = if back { index } else { index + 2 };
            Ok(see_other(&format!("{base}?step={}", to.max(1))))
        }
        Err(e) if e.kind() == ErrorKind::Invalid && e.code != "no_such_step" => {
            let typed = Typed { answers: &answers, learned: "", felt: "", rating: "" };
            let status = e.status;
            render_session(&state, &who, &space, session, Some(index), Some(&typed), Some(&e), status).await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

#[derive(Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    pub learned: String,
    #[serde(default)]
    pub felt: String,
    #[serde(default)]
    pub rating: String,
}

pub async fn finish(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
    CsrfForm(form): CsrfForm<FinishForm>,
) -> PageResult {
    // A rating that is not a number is as wrong as 11: the same sentence.
    let rating = form.rating.trim().parse::<i64>().ok();
    match service::finish(&state, who.user.id, space.id, session, &form.learned, &form.felt, rating).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/program/sessions/{session}", space.id))),
        Err(e) if e.kind() == ErrorKind::Invalid => {
            let typed = Typed { answers: &[], learned: &form.learned, felt: &form.felt, rating: &form.rating };
            let status = e.status;
            render_session(&state, &who, &space, session, Some(usize::MAX), Some(&typed), Some(&e), status).await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

pub async fn share(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    SessionId(session): SessionId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::share(&state, who.user.id, &space, session).await?;
    Ok(see_other(&format!("/spaces/{}/program/sessions/{session}", space.id)))
}

/// The share-several form: `session` repeated, one per ticked box.
pub async fn share_chosen(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    // A box whose value is not an id cannot be one of the member's own.
    let chosen: Vec<Id> = fields.iter().filter(|(k, _)| k == "session").filter_map(|(_, v)| v.parse().ok()).collect();
    match service::share_chosen(&state, who.user.id, &space, &chosen).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/program", space.id))),
        Err(e) if e.kind() == ErrorKind::Invalid => {
            let view = service::program(&state, who.user.id, &space).await?;
            let history = service::history(&state, who.user.id, space.id).await?;
            let sid = space.id.to_string();
            let body = program_body(&who, &space, &view, &history, &state, Some(&e));
            Ok(render_status(e.status, page(Frame::new("Program", Some(&who)).in_space(&sid, &space.name), body)))
        }
        Err(e) => Err(PageError::from(e)),
    }
}
