//! Promises: make one (with a pause when you are taking on a lot), see what
//! is open, due soon and settled, and move each one along.

use crate::http::page::Pages;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::promises::{standing, PromiseEvent, PromiseStatus, Standing};
use troth_store::{Promise, PromiseFilter, Space};

use super::service::{commitment, make_promise, promise_action, ActionRequest, CommitmentView, Made};
use super::PromiseId;
use crate::auth::Identity;
use crate::http::extract::SpaceCtx;
use crate::http::forms::CsrfForm;
use crate::http::page::{render, render_status, PageError, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::forms::{Problems, Refusal};
use crate::ui::layout::{csrf_field, filters, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}/promises", get(list).post(create))
        .route("/spaces/{space_id}/promises/{promise_id}", get(show))
        .route("/spaces/{space_id}/promises/{promise_id}/act", post(act))
}

pub fn status_badge(s: PromiseStatus) -> Markup {
    html! { span class={"badge badge-promise-" (s.as_str())} { (s.label()) } }
}

#[derive(Deserialize, Default)]
pub struct PromiseForm {
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
                @if p.proposed_terms.is_some() && !p.status.is_settled() { " · new terms proposed" }
            }
        }
    }
}

/// The filter links over the promises: all, by each member, by state.
fn promise_filters(space: &Space) -> Vec<(String, String)> {
    let base = format!("/spaces/{}/promises", space.id);
    std::iter::once(("All".to_string(), base.clone()))
        .chain(space.members.iter().map(|m| (format!("By {}", m.display_name), format!("{base}?member={}", m.user_id))))
        .chain(
            [PromiseStatus::Open, PromiseStatus::Kept, PromiseStatus::Missed, PromiseStatus::Released]
                .iter()
                .map(|s| (s.label().to_string(), format!("{base}?status={}", s.as_str()))),
        )
        .collect()
}

fn list_page(
    who: &Identity,
    space: &Space,
    list: &[Promise],
    check: &CommitmentView,
    form: &PromiseForm,
    refused: &Refusal,
    ask: bool,
) -> Markup {
    let pr = &refused.problems;
    let sid = space.id.to_string();
    let tz = &who.user.time_zone;
    let now = Timestamp::now();
    let soon = now + jiff::SignedDuration::from_hours(48);
    let place = |p: &Promise| standing(p.status, p.apologised_at.is_some());
    let underway: Vec<_> = list.iter().filter(|p| place(p) == Standing::Underway).collect();
    // Due soon and the rest are two halves of what is underway, so nothing is listed twice.
    let (due_soon, open): (Vec<_>, Vec<_>) = underway.into_iter().partition(|p| p.due_at.is_some_and(|d| d <= soon));
    let to_settle: Vec<_> = list.iter().filter(|p| place(p) == Standing::ToSettle).collect();
    let mut history: Vec<_> = list.iter().filter(|p| place(p) == Standing::Settled).collect();
    // Newest first: by when it was settled (kept, let go, or apologised for).
    history.sort_by_key(|p| std::cmp::Reverse(p.settled_at.max(p.apologised_at).or(p.due_at).unwrap_or(p.created_at)));
    page(
        Frame::new("Promises", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Promises" }
            p class="lead" { "Small promises, kept, build trust. Telling early when you can't keep one is part of keeping your word." }
            (filters("Filter promises", &promise_filters(space)))
            @if !to_settle.is_empty() {
                section class="card highlight" aria-labelledby="settle-h" {
                    h2 id="settle-h" { "To settle" }
                    p class="help" { "Not kept, and not talked through yet. No blame here: say what happened, then own up, mark it done, or let it go." }
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
                @if open.is_empty() { p class="muted" { "Nothing else open." } }
                @else { ul class="entries" { @for p in &open { (promise_line(space, p, tz)) } } }
            }
            section class="card" id="new" {
                h2 { "Make a promise" }
                aside class="think" aria-label="Think before you commit" {
                    p { strong { "Think before you commit. " }
                        "You have " (check.load.open_this_week) " open this week"
                        @if let Some(rate) = check.load.recent_keep_rate { " and kept " (format!("{:.0}%", rate * 100.0)) " lately" } "." }
                }
                (refused.above())
                form method="post" action={"/spaces/" (space.id) "/promises"} class="stack" {
                    (csrf_field(who))
                    label for="text" { "I promise to…" }
                    input id="text" name="text" type="text" required maxlength="280" value=(form.text) placeholder="call you when I land"
                        aria-invalid=[pr.invalid("text")] aria-describedby=[pr.described_by("text", "text", None)];
                    (pr.under("text", "text"))
                    label for="due" { "By when (optional)" }
                    input id="due" name="due" type="datetime-local" value=(form.due)
                        aria-invalid=[pr.invalid("due")] aria-describedby=[pr.described_by("due", "due", None)];
                    (pr.under("due", "due"))
                    label for="category" { "Category (optional)" }
                    input id="category" name="category" type="text" maxlength="40" value=(form.category) placeholder="home, time together, money…"
                        aria-invalid=[pr.invalid("category")] aria-describedby=[pr.described_by("category", "category", None)];
                    (pr.under("category", "category"))
                    @if ask {
                        label class="choice" { input type="checkbox" name="confirm_overcommit" value="yes"; " Yes, I have thought about it and can keep this one too" }
                    }
                    button type="submit" class="primary" { "Promise" }
                }
            }
            @if !history.is_empty() {
                section class="card" aria-labelledby="settled-h" {
                    h2 id="settled-h" { "Settled" }
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
    space: &Space,
    q: &ListQuery,
) -> Result<(Vec<Promise>, CommitmentView), PageError> {
    let filter = PromiseFilter {
        promiser: q.member.as_deref().and_then(|m| m.parse().ok()),
        status: q.status.as_deref().and_then(|s| s.parse().ok()),
        ..Default::default()
    };
    let list = state.store.promises(who.user.id, space.id, filter, Timestamp::now()).await?;
    let check = commitment(state, who.user.id, space.id, Timestamp::now()).await?;
    Ok((list, check))
}

pub async fn list(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let (list, check) = load(&state, &who, &space, &q).await?;
    Ok(render(list_page(&who, &space, &list, &check, &PromiseForm::default(), &Refusal::default(), false)))
}

pub async fn create(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<PromiseForm>,
) -> PageResult {
    let confirmed = form.confirm_overcommit.as_deref() == Some("yes");
    match make_promise(&state, &who.user, space.id, &form.text, Some(&form.category), Some(&form.due), confirmed).await
    {
        Ok(Made::Promised(p)) => Ok(see_other(&format!("/spaces/{}/promises/{}", space.id, p.id))),
        Ok(Made::NeedsConfirmation { message }) => {
            let (list, check) = load(&state, &who, &space, &ListQuery::default()).await?;
            Ok(render_status(
                StatusCode::CONFLICT,
                list_page(
                    &who,
                    &space,
                    &list,
                    &check,
                    &form,
                    &Refusal { general: Some(message), ..Default::default() },
                    true,
                ),
            ))
        }
        Err(e) if e.is_fixable() => {
            let (list, check) = load(&state, &who, &space, &ListQuery::default()).await?;
            Ok(render_status(
                e.status,
                list_page(&who, &space, &list, &check, &form, &e.refusal(&[("due_in_past", "due")]), false),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// What an event in a promise's history says its actor did.
fn event_words(kind: PromiseEvent) -> &'static str {
    match kind {
        PromiseEvent::Claimed => "said it was done",
        PromiseEvent::Confirmed => "confirmed it was kept",
        PromiseEvent::NotYet => "said it is not done yet",
        PromiseEvent::TermsProposed => "asked for new terms",
        PromiseEvent::Renegotiated => "agreed to new terms",
        PromiseEvent::TermsDeclined => "kept the terms as they were",
        PromiseEvent::TermsWithdrawn => "took back the request for new terms",
        PromiseEvent::Released => "let it go",
        PromiseEvent::MarkedMissed => "marked it as not kept",
        PromiseEvent::Apologised => "apologised",
    }
}

/// A promise's terms in a few words: the wording (when it changed) and the due time.
fn terms_words(text: Option<&str>, due: Option<Timestamp>, tz: &str) -> Markup {
    html! {
        @if let Some(t) = text { "“" (t) "”, " }
        @if let Some(d) = due { "due " (when(d, tz)) } @else { "no set time" }
    }
}

/// What was typed into one of a promise's action forms that was refused:
/// shown again in that form, with the sentence under the field it is about.
#[derive(Default)]
struct ActionDraft<'a> {
    action: &'a str,
    note: &'a str,
    new_due: &'a str,
    new_text: &'a str,
    refused: Refusal,
}

impl ActionDraft<'_> {
    /// The problems of the form for `action`: none unless it was that form.
    fn problems(&self, action: &str) -> &Problems {
        static NONE: Problems = Problems(Vec::new());
        if self.action == action {
            &self.refused.problems
        } else {
            &NONE
        }
    }
    /// What was typed in the note of the form for `action`.
    fn note_for(&self, action: &str) -> &str {
        if self.action == action {
            self.note
        } else {
            ""
        }
    }
}

/// A note textarea of one action form, with its sentence when refused.
fn note_field(draft: &ActionDraft, action: &str, id: &str, label: &str, coach: bool) -> Markup {
    let pr = draft.problems(action);
    html! {
        label for=(id) { (label) }
        @if coach {
            textarea id=(id) name="note" rows="3" required maxlength="1000"
                aria-invalid=[pr.invalid("note")] aria-describedby=[pr.described_by(id, "note", None)]
                hx-post="/coach/feedback" hx-vals=r#"{"mode":"apology"}"# hx-trigger="input changed delay:700ms" hx-target="#coach-feedback" hx-include="this" { (draft.note_for(action)) }
        } @else {
            textarea id=(id) name="note" rows="3" required maxlength="1000"
                aria-invalid=[pr.invalid("note")] aria-describedby=[pr.described_by(id, "note", None)] { (draft.note_for(action)) }
        }
        (pr.under(id, "note"))
    }
}

fn detail_page(who: &Identity, space: &Space, p: &Promise, draft: &ActionDraft) -> Markup {
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
    let owes_apology = p.mine && p.status == PromiseStatus::Missed && p.apologised_at.is_none();
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
                (draft.refused.above())
                // An open request for new terms: both see it; the partner
                // answers it, the promiser may take it back.
                @if let Some(asked) = p.proposed_terms.as_ref().filter(|_| !settled) {
                    section class="card proposed-terms" aria-labelledby="proposed-terms-title" {
                        h2 id="proposed-terms-title" { "New terms proposed" }
                        p {
                            @if let Some(t) = &asked.text { "Wording: " strong { (t) } br; }
                            "Due: " strong { @if let Some(d) = asked.due_at { (when(d, tz)) } @else { "no set time" } }
                        }
                        @if let Some(n) = &asked.note { blockquote { (n) } }
                        div class="actions" {
                            @if p.mine {
                                p class="help" { "Waiting for your partner's answer." }
                                (action("withdraw_terms", "Take the request back", ""))
                            } @else {
                                @if p.status == PromiseStatus::Open { (action("accept_terms", "Accept the new terms", "primary")) }
                                (action("decline_terms", "Keep the terms as they were", ""))
                            }
                        }
                    }
                }
                @if !settled {
                    div class="actions" {
                        @if p.mine {
                            @if p.status != PromiseStatus::Claimed { (action("claim", "I did it", "primary")) }
                            @if owes_apology {
                                a class="button" href="/coach" { "Write an apology with the coach" }
                            }
                        } @else {
                            (action("confirm", "Yes, it was kept", "primary"))
                            (action("release", "Let it go", ""))
                            // Only a miss nobody has written down yet can be marked.
                            @if p.needs_settling && p.status != PromiseStatus::Claimed { (action("missed", "Mark as not kept", "")) }
                        }
                    }
                    // They say it is done and it is not, as the partner sees it:
                    // back to open, with a word on what is still missing.
                    @if !p.mine && p.status == PromiseStatus::Claimed {
                        details id="not-yet" open[draft.action == "not_yet"] {
                            summary { "Not yet" }
                            form method="post" action={"/spaces/" (space.id) "/promises/" (p.id) "/act"} class="stack" {
                                (csrf_field(who))
                                input type="hidden" name="action" value="not_yet";
                                (note_field(draft, "not_yet", "not-yet-note", "What is still missing, as you see it", false))
                                button type="submit" { "Send it back as not yet" }
                            }
                        }
                    }
                    @if p.mine && p.status == PromiseStatus::Open && p.proposed_terms.is_none() {
                        @let pr = draft.problems("propose_terms");
                        @let (new_due, new_text) = if draft.action == "propose_terms" { (draft.new_due, draft.new_text) } else { ("", "") };
                        details id="new-terms" open[draft.action == "propose_terms"] {
                            summary { "I can't keep it as promised: ask for new terms" }
                            p class="help" { "Telling early is honest and costs little in your reliability score. The promise keeps its terms until your partner accepts the new ones." }
                            form method="post" action={"/spaces/" (space.id) "/promises/" (p.id) "/act"} class="stack" {
                                (csrf_field(who))
                                input type="hidden" name="action" value="propose_terms";
                                (note_field(draft, "propose_terms", "note", "What changed, and what you can do instead", false))
                                label for="new_due" { "New time (leave empty for no set time)" }
                                input id="new_due" name="new_due" type="datetime-local" value=(new_due)
                                    aria-invalid=[pr.invalid("new_due")] aria-describedby=[pr.described_by("new_due", "new_due", None)];
                                (pr.under("new_due", "new_due"))
                                label for="new_text" { "New wording (optional)" }
                                input id="new_text" name="new_text" type="text" maxlength="280" value=(new_text)
                                    aria-invalid=[pr.invalid("new_text")] aria-describedby=[pr.described_by("new_text", "new_text", None)];
                                (pr.under("new_text", "new_text"))
                                button type="submit" { "Ask for new terms" }
                            }
                        }
                    }
                    @if owes_apology {
                        details open {
                            summary { "Own up" }
                            form method="post" action={"/spaces/" (space.id) "/promises/" (p.id) "/act"} class="stack" {
                                (csrf_field(who))
                                input type="hidden" name="action" value="apologise";
                                (note_field(draft, "apologise", "apology", "Your apology", true))
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
                                (event_words(e.kind))
                                " · " (when(e.at, tz))
                                @if matches!(e.kind, PromiseEvent::TermsProposed | PromiseEvent::Renegotiated | PromiseEvent::TermsDeclined | PromiseEvent::TermsWithdrawn) {
                                    p class="terms-change" {
                                        "Was: " (terms_words(e.old_text.as_deref(), e.old_due, tz))
                                        @if e.kind == PromiseEvent::Renegotiated { " · now: " } @else { " · asked: " }
                                        (terms_words(e.new_text.as_deref().or(e.old_text.as_deref()), e.new_due, tz))
                                    }
                                }
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
    SpaceCtx { who, space }: SpaceCtx,
    PromiseId(pid): PromiseId,
) -> PageResult {
    let p = state.store.promise(who.user.id, space.id, pid, Timestamp::now()).await?;
    Ok(render(detail_page(&who, &space, &p, &ActionDraft::default())))
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    pub action: String,
    pub note: Option<String>,
    pub new_due: Option<String>,
    pub new_text: Option<String>,
}

pub async fn act(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    PromiseId(pid): PromiseId,
    CsrfForm(form): CsrfForm<ActForm>,
) -> PageResult {
    let request = ActionRequest {
        action: &form.action,
        note: form.note.as_deref(),
        new_due: form.new_due.as_deref(),
        new_text: form.new_text.as_deref(),
    };
    match promise_action(&state, &who.user, space.id, pid, request).await {
        Ok(_) => Ok(see_other(&format!("/spaces/{}/promises/{pid}", space.id))),
        Err(e) if e.is_fixable() => {
            let p = state.store.promise(who.user.id, space.id, pid, Timestamp::now()).await?;
            let draft = ActionDraft {
                action: &form.action,
                note: form.note.as_deref().unwrap_or(""),
                new_due: form.new_due.as_deref().unwrap_or(""),
                new_text: form.new_text.as_deref().unwrap_or(""),
                refused: e.refusal(&[("due_in_past", "new_due")]),
            };
            Ok(render_status(e.status, detail_page(&who, &space, &p, &draft)))
        }
        Err(e) => Err(e.into()),
    }
}
