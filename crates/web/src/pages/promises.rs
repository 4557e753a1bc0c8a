//! Promises: make one (with a pause when you are taking on a lot), see what
//! is open, due soon and settled, and move each one along.

use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::promise::PromiseStatus;
use troth_store::{Promise, PromiseFilter, Space};

use super::layout::{alert, csrf_field, when};
use super::spaces::{page_id, with_who};
use super::{check_csrf, page, render, render_status, see_other, Frame, PageError, PageResult};
use crate::api::{commitment, make_promise, promise_action, CommitmentView};
use crate::auth::{Identity, PageUser};
use crate::forms::FormBody;
use crate::state::AppState;

pub fn status_badge(s: PromiseStatus) -> Markup {
    html! { span class={"badge badge-promise-" (s.as_str())} { (s.label()) } }
}

#[derive(Deserialize, Default)]
pub struct PromiseForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub due: String,
    pub confirm_overcommit: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub member: Option<String>,
    pub status: Option<String>,
}

fn promise_line(space: &Space, p: &Promise, tz: &str) -> Markup {
    html! {
        li class="entry" {
            a href={"/spaces/" (space.id) "/promises/" (p.id)} { (p.text) }
            " " (status_badge(p.status))
            span class="muted" {
                " · " (p.promiser_name.as_deref().unwrap_or("former member"))
                @if let Some(d) = p.due_at { ", due " (when(d, tz)) }
            }
        }
    }
}

fn list_page(
    who: &Identity,
    space: &Space,
    list: &[Promise],
    check: &CommitmentView,
    form: &PromiseForm,
    error: Option<&str>,
    ask: bool,
) -> Markup {
    let sid = space.id.to_string();
    let tz = &who.user.time_zone;
    let now = Timestamp::now();
    let soon = now + jiff::SignedDuration::from_hours(48);
    let open: Vec<_> =
        list.iter().filter(|p| matches!(p.status, PromiseStatus::Open | PromiseStatus::Claimed)).collect();
    let due_soon: Vec<_> = open.iter().filter(|p| p.due_at.is_some_and(|d| d <= soon)).collect();
    let to_settle: Vec<_> = list.iter().filter(|p| p.needs_settling).collect();
    let history: Vec<_> = list.iter().filter(|p| p.status.is_settled()).collect();
    page(
        Frame::new("Promises", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Promises" }
            p class="lead" { "Small promises, kept, build trust. Telling early when you can't keep one is part of keeping your word." }
            nav class="filters" aria-label="Filter promises" {
                a href={"/spaces/" (space.id) "/promises"} { "All" }
                @for m in &space.members { a href={"/spaces/" (space.id) "/promises?member=" (m.user_id)} { "By " (m.display_name) } }
                @for s in [PromiseStatus::Open, PromiseStatus::Kept, PromiseStatus::Missed, PromiseStatus::Released] {
                    a href={"/spaces/" (space.id) "/promises?status=" (s.as_str())} { (s.label()) }
                }
            }
            @if !to_settle.is_empty() {
                section class="card highlight" aria-labelledby="settle-h" {
                    h2 id="settle-h" { "Past due: talk it over and settle" }
                    p class="help" { "No blame here: say what happened, then mark it done, let it go, or own up." }
                    ul class="entries" { @for p in &to_settle { (promise_line(space, p, tz)) } }
                }
            }
            section class="card" aria-labelledby="soon-h" {
                h2 id="soon-h" { "Due soon" }
                @if due_soon.is_empty() { p class="muted" { "Nothing due in the next two days." } }
                @else { ul class="entries" { @for p in &due_soon { (promise_line(space, p, tz)) } } }
            }
            section class="card" aria-labelledby="open-h" {
                h2 id="open-h" { "Open" }
                @if open.is_empty() { p class="muted" { "No open promises." } }
                @else { ul class="entries" { @for p in &open { (promise_line(space, p, tz)) } } }
            }
            section class="card" id="new" {
                h2 { "Make a promise" }
                aside class="think" aria-label="Think before you commit" {
                    p { strong { "Think before you commit. " }
                        "You have " (check.load.open_this_week) " open this week"
                        @if let Some(rate) = check.load.recent_keep_rate { " and kept " (format!("{:.0}%", rate * 100.0)) " lately" } "." }
                }
                (alert(error))
                form method="post" action={"/spaces/" (space.id) "/promises"} class="stack" {
                    (csrf_field(who))
                    label for="text" { "I promise to…" }
                    input id="text" name="text" type="text" required maxlength="280" value=(form.text) placeholder="call you when I land";
                    label for="due" { "By when (optional)" }
                    input id="due" name="due" type="datetime-local" value=(form.due);
                    label for="category" { "Category (optional)" }
                    input id="category" name="category" type="text" maxlength="40" value=(form.category) placeholder="home, time together, money…";
                    @if ask {
                        label class="choice" { input type="checkbox" name="confirm_overcommit" value="yes"; " Yes, I have thought about it and can keep this one too" }
                    }
                    button type="submit" class="primary" { "Promise" }
                }
            }
            @if !history.is_empty() {
                section class="card" {
                    h2 { "Settled" }
                    ul class="entries" { @for p in &history { (promise_line(space, p, tz)) } }
                }
            }
            p class="quiet-links" { a href="/help/reliability" { "How the reliability score works" } }
        },
    )
}

async fn load(
    state: &AppState,
    who: &Identity,
    sid: troth_domain::Id,
    q: &ListQuery,
) -> Result<(Space, Vec<Promise>, CommitmentView), PageError> {
    let space = with_who(state.store.space_for(who.user.id, sid).await, who)?;
    let filter = PromiseFilter {
        promiser: q.member.as_deref().and_then(|m| m.parse().ok()),
        status: q.status.as_deref().and_then(|s| s.parse().ok()),
        ..Default::default()
    };
    let list = with_who(state.store.promises(who.user.id, sid, filter, Timestamp::now()).await, who)?;
    let check = with_who(commitment(state, who.user.id, sid, Timestamp::now()).await, who)?;
    Ok((space, list, check))
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let (space, list, check) = load(&state, &who, sid, &q).await?;
    Ok(render(list_page(&who, &space, &list, &check, &PromiseForm::default(), None, false)))
}

pub async fn create(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<PromiseForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let confirmed = form.confirm_overcommit.as_deref() == Some("yes");
    match make_promise(&state, &who.user, sid, &form.text, Some(&form.category), Some(&form.due), confirmed).await {
        Ok(p) => Ok(see_other(&format!("/spaces/{sid}/promises/{}", p.id))),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND => {
            let (space, list, check) = load(&state, &who, sid, &ListQuery::default()).await?;
            let ask = e.code == "needs_confirmation";
            Ok(render_status(e.status, list_page(&who, &space, &list, &check, &form, Some(&e.message), ask)))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

fn detail_page(who: &Identity, space: &Space, p: &Promise, error: Option<&str>, note: &str) -> Markup {
    let sid = space.id.to_string();
    let tz = &who.user.time_zone;
    let action = |name: &str, label: &str, class: &str| {
        html! {
            form method="post" action={"/spaces/" (space.id) "/promises/" (p.id) "/act"} class="inline" {
                (csrf_field(who))
                input type="hidden" name="action" value=(name);
                button type="submit" class=(class) { (label) }
            }
        }
    };
    let settled = p.status.is_settled();
    page(
        Frame::new("Promise", Some(who)).in_space(&sid, &space.name),
        html! {
            article class="card" {
                h1 { (p.text) " " (status_badge(p.status)) }
                p class="muted" {
                    @if p.mine { "Your promise" } @else { (p.promiser_name.as_deref().unwrap_or("A former member")) "'s promise to you" }
                    @if let Some(d) = p.due_at { " · due " (when(d, tz)) }
                    @if let Some(c) = &p.category { " · " (c) }
                    @if p.renegotiations > 0 { " · renegotiated " (p.renegotiations) "×" }
                }
                (alert(error))
                @if !settled {
                    div class="actions" {
                        @if p.mine {
                            @if p.status != PromiseStatus::Claimed { (action("claim", "I did it", "primary")) }
                            @if p.status == PromiseStatus::Missed {
                                a class="button" href="/coach" { "Write an apology with the coach" }
                            }
                        } @else {
                            (action("confirm", "Yes, it was kept", "primary"))
                            (action("release", "Let it go", ""))
                            @if p.status == PromiseStatus::Missed { (action("missed", "Mark as not kept", "")) }
                        }
                    }
                    @if p.mine && p.status == PromiseStatus::Open {
                        details {
                            summary { "I can't keep it as promised: renegotiate" }
                            p class="help" { "Telling early is honest and costs little in your reliability score." }
                            form method="post" action={"/spaces/" (space.id) "/promises/" (p.id) "/act"} class="stack" {
                                (csrf_field(who))
                                input type="hidden" name="action" value="renegotiate";
                                label for="note" { "What changed, and what you can do instead" }
                                textarea id="note" name="note" rows="3" required maxlength="1000" { (note) }
                                label for="new_due" { "New time (optional)" }
                                input id="new_due" name="new_due" type="datetime-local";
                                button type="submit" { "Ask for new terms" }
                            }
                        }
                    }
                    @if p.mine && p.status == PromiseStatus::Missed {
                        details open {
                            summary { "Own up" }
                            form method="post" action={"/spaces/" (space.id) "/promises/" (p.id) "/act"} class="stack" {
                                (csrf_field(who))
                                input type="hidden" name="action" value="apologise";
                                label for="apology" { "Your apology" }
                                textarea id="apology" name="note" rows="3" required maxlength="1000"
                                    hx-post="/coach/feedback" hx-vals=r#"{"mode":"apology"}"# hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="this" { (note) }
                                div id="coach-feedback" class="coach-feedback" aria-live="polite" {}
                                button type="submit" { "Send the apology" }
                            }
                        }
                    }
                }
                @if !p.events.is_empty() {
                    h2 { "History" }
                    ol class="timeline" {
                        li { "Made " (when(p.created_at, tz)) }
                        @for e in &p.events {
                            li {
                                (e.actor_name.as_deref().unwrap_or("Someone")) " "
                                (match e.kind.as_str() { "claimed" => "said it was done", "confirmed" => "confirmed it was kept", "renegotiated" => "asked for new terms", "released" => "let it go", "marked_missed" => "marked it as not kept", "apologised" => "apologised", other => other })
                                " · " (when(e.at, tz))
                                @if let Some(n) = &e.note { blockquote { (n) } }
                            }
                        }
                    }
                }
            }
            p { a href={"/spaces/" (space.id) "/promises"} { "All promises" } }
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, promise_id)): Path<(String, String)>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let pid = page_id(&promise_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let p = with_who(state.store.promise(who.user.id, sid, pid, Timestamp::now()).await, &who)?;
    Ok(render(detail_page(&who, &space, &p, None, "")))
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub action: String,
    pub note: Option<String>,
    pub new_due: Option<String>,
}

pub async fn act(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, promise_id)): Path<(String, String)>,
    FormBody(form): FormBody<ActForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let pid = page_id(&promise_id, &who)?;
    match promise_action(&state, &who.user, sid, pid, &form.action, form.note.as_deref(), form.new_due.as_deref()).await
    {
        Ok(_) => Ok(see_other(&format!("/spaces/{sid}/promises/{pid}"))),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND => {
            let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
            let p = with_who(state.store.promise(who.user.id, sid, pid, Timestamp::now()).await, &who)?;
            Ok(render_status(
                e.status,
                detail_page(&who, &space, &p, Some(&e.message), form.note.as_deref().unwrap_or("")),
            ))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}
