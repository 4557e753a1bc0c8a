//! `/spaces/{space_id}/exchanges`: the list, the page to write one's part
//! (with a plain account of what the other can and cannot see), the reveal
//! side by side (one under the other on a phone), and the listening form.
//! Every form re-renders with what was typed and a sentence by the field.
//!
//! Other features start an exchange by sending the list's form: a POST to
//! `/spaces/{space_id}/exchanges` with `prompt` and, for an exercise of the
//! program, `exercise_id` (and `prompt_id` for a prompt of the bank); the
//! same fields in the query string of a GET fill the form in instead.

use crate::http::page::Pages;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::exchanges::{ExchangePrompt, ListeningText, PartText, Stage};
use troth_domain::Id;
use troth_store::{Exchange, Space};

use super::service::{self, CreateInput};
use super::ExchangeId;
use crate::auth::Identity;
use crate::features::program;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::SpaceCtx;
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/exchanges", get(list).post(create))
        .route("/spaces/{space_id}/exchanges/{exchange_id}", get(show))
        .route("/spaces/{space_id}/exchanges/{exchange_id}/part", post(save_part))
        .route("/spaces/{space_id}/exchanges/{exchange_id}/withdraw", post(withdraw))
        .route("/spaces/{space_id}/exchanges/{exchange_id}/response", post(respond))
        .route("/spaces/{space_id}/exchanges/{exchange_id}/remember", post(remember))
}

/// The form that starts an exchange (also what a GET's query may fill in).
#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    pub prompt: String,
    #[serde(default)]
    pub part: String,
    /// The program's exercise this exchange is for; empty for none.
    #[serde(default)]
    pub exercise_id: String,
    /// The prompt bank's id of the prompt; empty for none.
    #[serde(default)]
    pub prompt_id: String,
    /// On the list page: draw a question from the prompt bank (0 for the
    /// first suggestion, 1 for the one after, ...).
    #[serde(default)]
    pub draw: Option<u64>,
}

/// Whether the page offered a first write or an edit.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PartMode {
    #[default]
    Write,
    Edit,
}

#[derive(Deserialize, Default)]
pub struct PartForm {
    #[serde(default)]
    pub mode: PartMode,
    #[serde(default)]
    pub part: String,
}

#[derive(Deserialize, Default)]
pub struct ResponseForm {
    #[serde(default)]
    pub heard: String,
    #[serde(default)]
    pub understood: String,
}

#[derive(Deserialize, Default)]
pub struct RememberForm {
    #[serde(default)]
    pub on: String,
}

/// A failed form: the message, and the field it belongs to (if any), so
/// the sentence can stand next to that field.
struct Failure<'a> {
    field: Option<&'a str>,
    /// In sentence case, without the field's name.
    message: String,
}

fn failure(e: &ApiError) -> Failure<'_> {
    Failure { field: e.field, message: e.sentence() }
}

/// The sentence next to a field, when the failure is about that field.
fn field_error(fail: Option<&Failure<'_>>, field: &str) -> Markup {
    html! {
        @if let Some(f) = fail.filter(|f| f.field == Some(field)) {
            p class="field-error" id={(field) "-error"} role="alert" { (f.message) }
        }
    }
}

/// A failure that belongs to no one field goes at the top of the form.
fn form_error(fail: Option<&Failure<'_>>) -> Markup {
    alert(fail.filter(|f| f.field.is_none()).map(|f| f.message.as_str()))
}

fn prose(text: &str) -> Markup {
    html! { div class="prose" { @for line in text.lines() { p { (line) } } } }
}

fn short(prompt: &str) -> String {
    let first = prompt.lines().next().unwrap_or("");
    if first.chars().count() > 90 {
        format!("{}…", first.chars().take(90).collect::<String>())
    } else {
        first.to_string()
    }
}

/// The empty string is "none" in a form.
fn given(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

fn list_page(
    who: &Identity,
    space: &Space,
    items: &[Exchange],
    form: &CreateForm,
    fail: Option<&Failure<'_>>,
) -> Markup {
    let sid = space.id.to_string();
    let other = space.kind.other_member_word();
    page(
        Frame::new("Sealed exchanges", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Sealed exchanges" }
            p class="lead" {
                "You each answer the same question on your own. Neither answer can be read until both are written; "
                "then both open at once, for both of you."
            }
            @if items.is_empty() {
                p class="muted" { "No exchanges yet." }
            } @else {
                ul class="entries" {
                    @for x in items {
                        li class="entry" {
                            a href=(service::link(space.id, x.id)) { (short(&x.prompt)) }
                            " · " span class={"stage stage-" (format!("{:?}", x.stage).to_lowercase())} {
                                @if x.stage == Stage::YourTurn { "your " (other) " has written; your part is awaited" }
                                @else { (x.stage.label()) }
                            }
                            @if x.remembered { " · " span aria-label="one to remember" { "★" } }
                            span class="muted" { " · started " (when(x.created_at, &who.user.time_zone)) }
                        }
                    }
                }
            }
            section class="card" id="new" {
                h2 { "Start an exchange" }
                (form_error(fail))
                form method="post" action={"/spaces/" (space.id) "/exchanges"} class="stack" {
                    (csrf_field(who))
                    @if let Some(exercise) = given(&form.exercise_id) {
                        input type="hidden" name="exercise_id" value=(exercise);
                    }
                    @if let Some(prompt_id) = given(&form.prompt_id) {
                        input type="hidden" name="prompt_id" value=(prompt_id);
                    }
                    (field_error(fail, "exercise_id"))
                    (field_error(fail, "prompt_id"))
                    label for="prompt" { "The question you will both answer" }
                    textarea id="prompt" name="prompt" rows="2" required maxlength=(ExchangePrompt::MAX)
                        aria-describedby=[fail.filter(|f| f.field == Some("prompt")).map(|_| "prompt-error")] { (form.prompt) }
                    (field_error(fail, "prompt"))
                    p class="muted" {
                        @match form.draw {
                            Some(n) if given(&form.prompt_id).is_some() => {
                                "A question from our bank, one you have not had yet. "
                                a href={"/spaces/" (space.id) "/exchanges?draw=" (n + 1) "#new"} { "Another question" }
                            }
                            _ => {
                                "Write your own, or "
                                a href={"/spaces/" (space.id) "/exchanges?draw=0#new"} { "let troth suggest one" }
                                " you have not had yet."
                            }
                        }
                    }
                    label for="part" { "Your part (optional now: you can write it later)" }
                    // The coach reads the draft as it is typed (debounced) and
                    // answers beside it; nothing is stored until submit, and
                    // submit never waits for it.
                    textarea id="part" name="part" rows="6" maxlength=(PartText::MAX)
                        aria-describedby=[fail.filter(|f| f.field == Some("part")).map(|_| "part-error")]
                        hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="this" { (form.part) }
                    (field_error(fail, "part"))
                    div id="coach-feedback" class="coach-feedback" aria-live="polite" {}
                    button type="submit" class="primary" { "Start" }
                }
            }
        },
    )
}

/// What the other member can and cannot see, said plainly.
fn what_they_see(other: &str) -> Markup {
    html! {
        section class="card calm" aria-labelledby="privacy-title" {
            h2 id="privacy-title" { "What your " (other) " can see" }
            ul {
                li { "Until both parts are in: only that your part is there. Not a word of it, not how long it is, "
                     "not when you wrote it or last changed it." }
                li { "You can change your part, or withdraw it, until your " (other) " has written theirs. "
                     "Withdrawing closes the exchange for you both and deletes what you wrote." }
                li { "When the second part arrives, both open at once, for both of you, and no longer change." }
            }
        }
    }
}

struct ShowDrafts<'a> {
    part: Option<&'a str>,
    heard: Option<&'a str>,
    understood: Option<&'a str>,
}

const NO_DRAFTS: ShowDrafts<'static> = ShowDrafts { part: None, heard: None, understood: None };

fn show_page(
    who: &Identity,
    space: &Space,
    x: &Exchange,
    drafts: &ShowDrafts<'_>,
    fail: Option<&Failure<'_>>,
) -> Markup {
    let sid = space.id.to_string();
    let other = space.kind.other_member_word();
    let base = service::link(space.id, x.id);
    let mine = x.my_part.as_ref().map(|p| p.text.as_str());
    let my_response = x.responses.iter().find(|r| r.mine);
    page(
        Frame::new("Sealed exchange", Some(who)).in_space(&sid, &space.name),
        html! {
            article class="card" {
                h1 { "Sealed exchange" }
                blockquote class="prompt" { (prose(&x.prompt)) }
                p class="muted" { "Started " (when(x.created_at, &who.user.time_zone))
                    @if let Some(at) = x.revealed_at { " · opened " (when(at, &who.user.time_zone)) } }
                (form_error(fail))
                @match x.stage {
                    Stage::Withdrawn => {
                        p class="sealed-state" { "This exchange was closed before both parts were in. Nothing written in it was kept." }
                    }
                    Stage::Revealed => {
                        div class="exchange" {
                            section { h2 { "Your part" } (prose(mine.unwrap_or(""))) }
                            section {
                                h2 { "Your " (other) "'s part" }
                                @if let Some(p) = &x.partner_part { (prose(&p.text)) }
                            }
                        }
                        @for r in &x.responses {
                            section class="response" {
                                h2 { @if r.mine { "What you heard" } @else { (r.author_name.as_deref().unwrap_or("A former member")) " heard" } }
                                @if let Some(h) = &r.heard { h3 { "What was said" } (prose(h)) }
                                @if let Some(u) = &r.understood { h3 { "The feeling understood" } (prose(u)) }
                            }
                        }
                        section {
                            h2 { "Listen back" }
                            p class="muted" { "Say in your own words what you heard, and what you understood about how your "
                                (other) " feels. Either is enough; you can change it later." }
                            form method="post" action={(base) "/response"} class="stack" {
                                (csrf_field(who))
                                label for="heard" { "What I heard you say" }
                                textarea id="heard" name="heard" rows="3" maxlength=(ListeningText::MAX) {
                                    (drafts.heard.or(my_response.and_then(|r| r.heard.as_deref())).unwrap_or("")) }
                                (field_error(fail, "heard"))
                                label for="understood" { "What I understood about your feeling" }
                                textarea id="understood" name="understood" rows="3" maxlength=(ListeningText::MAX) {
                                    (drafts.understood.or(my_response.and_then(|r| r.understood.as_deref())).unwrap_or("")) }
                                (field_error(fail, "understood"))
                                button type="submit" class="primary" { "Save" }
                            }
                        }
                        form method="post" action={(base) "/remember"} class="inline" {
                            (csrf_field(who))
                            input type="hidden" name="on" value=(if x.remembered { "false" } else { "true" });
                            button type="submit" class="link" aria-pressed=(x.remembered) {
                                @if x.remembered { "★ One to remember (only you see this mark)" } @else { "☆ Keep as one to remember" }
                            }
                        }
                    }
                    _ => {
                        p class="sealed-state" {
                            @if x.partner_has_written { "Your " (other) " has written their part. Both open together once yours is in." }
                            @else { "Your " (other) " has not written their part yet." }
                        }
                        section {
                            h2 { @if x.my_part.is_some() { "Your part (only you can read it for now)" } @else { "Write your part" } }
                            form method="post" action={(base) "/part"} class="stack" {
                                (csrf_field(who))
                                input type="hidden" name="mode" value=(if x.my_part.is_some() { "edit" } else { "write" });
                                label for="part" class="visually-hidden" { "Your part" }
                                textarea id="part" name="part" rows="8" required maxlength=(PartText::MAX)
                                    aria-describedby=[fail.filter(|f| f.field == Some("part")).map(|_| "part-error")]
                                    hx-post="/coach/feedback" hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="this" {
                                    (drafts.part.or(mine).unwrap_or("")) }
                                (field_error(fail, "part"))
                                div id="coach-feedback" class="coach-feedback" aria-live="polite" {}
                                button type="submit" class="primary" {
                                    @if x.my_part.is_some() { "Save changes" }
                                    @else if x.partner_has_written { "Add my part and open both" }
                                    @else { "Add my part" }
                                }
                            }
                        }
                        @if x.can_withdraw {
                            form method="post" action={(base) "/withdraw"} class="inline" {
                                (csrf_field(who))
                                button type="submit" class="danger link" {
                                    @if x.my_part.is_some() { "Withdraw my part and close" } @else { "Close this exchange" }
                                }
                            }
                        }
                        (what_they_see(other))
                    }
                }
            }
            p { a href={"/spaces/" (space.id) "/exchanges"} { "All exchanges" } }
        },
    )
}

/// The list, with the form filled in from the query (a link from the
/// program or the prompt bank may suggest a question).
pub async fn list(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Query(mut suggested): Query<CreateForm>,
) -> PageResult {
    let items = service::list(&state, who.user.id, space.id).await?;
    if let Some(skip) = suggested.draw.filter(|_| suggested.prompt.trim().is_empty()) {
        // Questions this pair already had in an exchange are not offered
        // again while the bank has others.
        let used: Vec<&str> = items.iter().filter_map(|x| x.prompt_id.as_deref()).collect();
        if let Some(q) = program::service::question_for_exchange(&state, who.user.id, space.id, &used, skip).await? {
            suggested.prompt = q.text.clone();
            suggested.prompt_id = q.id.as_str().to_string();
        }
    }
    Ok(render(list_page(&who, &space, &items, &suggested, None)))
}

pub async fn create(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> PageResult {
    let sid = space.id;
    // An empty part on the page means "later", not a mistake; so does an
    // empty exercise or prompt id.
    let input = CreateInput {
        prompt: &form.prompt,
        prompt_id: given(&form.prompt_id),
        exercise_id: given(&form.exercise_id),
        part: given(&form.part).map(|_| form.part.as_str()),
    };
    match service::create(&state, who.user.id, &space, input).await {
        Ok(x) => Ok(see_other(&service::link(sid, x.id))),
        Err(e) if e.is_fixable() => {
            let items = service::list(&state, who.user.id, sid).await?;
            Ok(render_status(e.status, list_page(&who, &space, &items, &form, Some(&failure(&e)))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExchangeId(xid): ExchangeId,
) -> PageResult {
    let x = service::get(&state, who.user.id, space.id, xid).await?;
    Ok(render(show_page(&who, &space, &x, &NO_DRAFTS, None)))
}

/// After a form: back to the exchange, or the exchange again with what was
/// typed and the reason it was refused (a 404 stays an error page).
async fn settle(
    state: &AppState,
    who: &Identity,
    space: &Space,
    xid: Id,
    result: ApiResult<()>,
    drafts: ShowDrafts<'_>,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&service::link(space.id, xid))),
        Err(e) if e.is_fixable() => {
            let x = service::get(state, who.user.id, space.id, xid).await?;
            Ok(render_status(e.status, show_page(who, space, &x, &drafts, Some(&failure(&e)))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn save_part(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExchangeId(xid): ExchangeId,
    CsrfForm(form): CsrfForm<PartForm>,
) -> PageResult {
    let me = who.user.id;
    // The page says which it offered, so a part written meanwhile in
    // another tab is never overwritten by a "first" write.
    let result = match form.mode {
        PartMode::Edit => service::edit_part(&state, me, space.id, xid, &form.part).await.map(|_| ()),
        PartMode::Write => service::write_part(&state, me, &space, xid, &form.part).await.map(|_| ()),
    };
    settle(&state, &who, &space, xid, result, ShowDrafts { part: Some(&form.part), ..NO_DRAFTS }).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExchangeId(xid): ExchangeId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    let result = service::withdraw(&state, who.user.id, space.id, xid).await.map(|_| ());
    settle(&state, &who, &space, xid, result, NO_DRAFTS).await
}

pub async fn respond(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExchangeId(xid): ExchangeId,
    CsrfForm(form): CsrfForm<ResponseForm>,
) -> PageResult {
    let result = service::respond(&state, who.user.id, space.id, xid, Some(&form.heard), Some(&form.understood))
        .await
        .map(|_| ());
    let drafts = ShowDrafts { part: None, heard: Some(&form.heard), understood: Some(&form.understood) };
    settle(&state, &who, &space, xid, result, drafts).await
}

pub async fn remember(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    ExchangeId(xid): ExchangeId,
    CsrfForm(form): CsrfForm<RememberForm>,
) -> PageResult {
    let result = service::remember(&state, who.user.id, space.id, xid, form.on == "true").await.map(|_| ());
    settle(&state, &who, &space, xid, result, NO_DRAFTS).await
}
