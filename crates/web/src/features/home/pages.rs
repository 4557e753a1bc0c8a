//! The space's home page: what is new, what waits for you, what is due.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::{get, post};
use jiff::Timestamp;
use maud::{html, Markup};
use troth_domain::home::{FirstStep, FirstStepFacts};
use troth_domain::program::PairTrack;
use troth_domain::Visibility;
use troth_store::Space;

use super::service::{self, Home};
use crate::auth::Identity;
use crate::http::extract::SpaceCtx;
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::layout::{csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces/{space_id}", get(home))
        .route("/spaces/{space_id}/start-here/dismiss", post(dismiss_start_here))
}

/// What each first step says, and where it is done.
fn step_text(step: FirstStep, other: &str) -> (String, &'static str) {
    match step {
        FirstStep::InvitePartner => (format!("Invite your {other}"), "/invite"),
        FirstStep::RitualTime => ("Pick a time for your weekly ritual".to_string(), "/ritual"),
        FirstStep::FirstThanks => ("Write a first thank-you".to_string(), "/appreciations"),
        FirstStep::SmallPromise => ("Make one small promise you can surely keep".to_string(), "/promises"),
        FirstStep::FirstPulse => ("Take your first trust pulse (private to you)".to_string(), "/pulse"),
    }
}

/// The "start here" card: five first steps, ticked off by what was really
/// done, until all are done or the member puts the card away.
fn start_here(who: &Identity, space: &Space, facts: &FirstStepFacts) -> Markup {
    let other = space.kind.other_member_word();
    html! {
        section class="card start-here" id="start-here" aria-labelledby="start-here-h" {
            h2 id="start-here-h" { "Start here" }
            p class="help" { (facts.done_count()) " of " (FirstStep::ALL.len()) " done. Each one ticks itself off once you have done it." }
            ol class="steps" {
                @for step in FirstStep::ALL {
                    @let (text, path) = step_text(step, other);
                    @let done = facts.done(step);
                    li id={"step-" (step.as_str())} class=[done.then_some("done")] {
                        @if done {
                            span class="tick" aria-hidden="true" { "✓" } " " s { (text) } span class="visually-hidden" { " (done)" }
                        } @else {
                            span class="tick" aria-hidden="true" { "○" } " " a href={"/spaces/" (space.id) (path)} { (text) }
                        }
                    }
                }
            }
            form method="post" action={"/spaces/" (space.id) "/start-here/dismiss"} {
                (csrf_field(who))
                button type="submit" class="link" { "Hide this card" }
            }
        }
    }
}

/// While the other member has not joined: how to ask them, in one click,
/// and what is worth doing alone meanwhile.
fn alone_card(who: &Identity, space: &Space) -> Markup {
    let other = space.kind.other_member_word();
    let sid = space.id;
    html! {
        section class="card highlight" id="alone" aria-labelledby="alone-h" {
            h2 id="alone-h" { "Invite your " (other) }
            p { "A space is for two. Make a one-time invite link and send it to them however you like." }
            form method="post" action={"/spaces/" (sid) "/invite"} {
                (csrf_field(who))
                button type="submit" class="primary" { "Make an invite link" }
            }
            h3 { "Meanwhile, on your own" }
            p { "Nothing here has to wait for them. You can already:" }
            ul {
                li { a href={"/spaces/" (sid) "/appreciations"} { "note what you are thankful for" } ", ready for them to read when they arrive;" }
                li { a href={"/spaces/" (sid) "/pulse"} { "take your trust pulse" } ", which stays private to you;" }
                li { a href={"/spaces/" (sid) "/promises"} { "make a small promise" } " and keep it;" }
                li { a href="/coach" { "try the writing coach" } " on something you want to say." }
            }
        }
    }
}

/// The other member left: say so plainly, keep what is here, and point to
/// a new space instead of an invite this space would refuse.
fn parted_card(space: &Space) -> Markup {
    let other = space.kind.other_member_word();
    html! {
        section class="card highlight" id="parted" aria-labelledby="parted-h" {
            h2 id="parted-h" { "Your " (other) " has left this space" }
            p { "What the two of you shared stays here for you to reread. This space takes no one new: what you wrote was meant for them, not for someone else." }
            p { "To share with someone again, start a new space and invite them there." }
            a class="button primary" href="/spaces#new" { "Start a new space" }
        }
    }
}

/// Puts the "start here" card away for this member.
pub async fn dismiss_start_here(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::dismiss_first_steps(&state, who.user.id, space.id).await?;
    Ok(see_other(&format!("/spaces/{}", space.id)))
}

/// The space's home: what is new, what waits for you, what is due.
pub async fn home(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let me = who.user.id;
    let now = Timestamp::now();
    let Home { new_from_partner, waiting, to_confirm, due, first_steps: first, program } =
        service::home(&state, me, &space, now).await?;
    let program = crate::features::program::service::home_card(&state, me, &space, &program, now).await?;
    let slot = space.ritual_slot.clone();
    let partner = space.partner_of(me);
    let other = space.kind.other_member_word();
    let sid_text = space.id.to_string();
    let body = html! {
        h1 { (space.name) }
        p class="muted" {
            (space.kind.label()) " · "
            @match partner { Some(p) => { "you and " (p.display_name) } None => { "just you for now" } }
        }
        @if first.show_card() { (start_here(&who, &space, &first)) }
        @if partner.is_none() {
            @if space.parted { (parted_card(&space)) } @else { (alone_card(&who, &space)) }
        }
        // One small thing to do together: near the top, above the lists.
        section class="card tonight" aria-labelledby="tonight-h" {
            h2 id="tonight-h" { "For tonight" }
            @match program.tonight {
                Some(p) => { p class="prompt" { (p.text) } }
                None => { p class="muted" { "No question for today." } }
            }
        }
        div class="grid" {
            section class="card" aria-labelledby="waiting-h" {
                h2 id="waiting-h" { "Waiting for you" }
                @if waiting.is_empty() && to_confirm.is_empty() {
                    p class="muted" { "Nothing is waiting for you." }
                } @else {
                    ul {
                        @for p in &to_confirm { li { a href={"/spaces/" (space.id) "/promises/" (p.id)} { (p.text) } " — done, can you confirm?" } }
                        @for e in &waiting { li { a href={"/spaces/" (space.id) "/notes/" (e.id)} { (e.title) } " — your " (other) " has written their part" } }
                    }
                }
            }
            section class="card" aria-labelledby="new-h" {
                h2 id="new-h" { "New this week" }
                @if new_from_partner.is_empty() {
                    p class="muted" { "Nothing new from your " (other) " this week." }
                } @else {
                    ul { @for e in &new_from_partner { li { a href={"/spaces/" (space.id) "/notes/" (e.id)} { (e.title) } " · " (when(e.updated_at, &who.user.time_zone)) } } }
                }
            }
            section class="card" aria-labelledby="due-h" {
                h2 id="due-h" { "Coming up" }
                @if let Some(s) = &slot {
                    p { a href={"/spaces/" (space.id) "/ritual"} { "Weekly ritual" } " · " (when(s.next_at, &who.user.time_zone)) }
                }
                @if due.is_empty() {
                    p class="muted" { "No promise is due in the next three days." }
                } @else {
                    ul { @for p in &due {
                        li { a href={"/spaces/" (space.id) "/promises/" (p.id)} { (p.text) }
                            @if let Some(d) = p.due_at { " · " (when(d, &who.user.time_zone)) } }
                    } }
                }
                @if slot.is_none() { p class="help" { a href={"/spaces/" (space.id) "/ritual"} { "Choose a time for your weekly ritual" } } }
            }
        }
        div class="grid" {
            section class="card" aria-labelledby="program-h" {
                h2 id="program-h" { "Your program" }
                p {
                    "Level " (program.open_level.get()) " of 5, on the "
                    @match program.track { PairTrack::Build => { "Build" } PairTrack::Rebuild => { "Rebuild" } }
                    " track."
                }
                p { a class="button" href={"/spaces/" (space.id) "/program"} { "See what's next for you" } }
            }
        }
        section class="card" {
            h2 { "A quick thank-you" }
            form method="post" action={"/spaces/" (space.id) "/appreciations"} class="stack" {
                (csrf_field(&who))
                label for="thanks" { "Thank you for…" }
                input id="thanks" name="text" type="text" required maxlength="280";
                button type="submit" { "Add" }
            }
        }
        section class="card" {
            h2 { "Write something" }
            p { "Keep a private note, share one, or start a sealed exchange that opens only when you have both written." }
            div class="actions" {
                a class="button" href={"/spaces/" (space.id) "/notes#new"} { "New note" }
                a class="button" href={"/spaces/" (space.id) "/notes?visibility=" (Visibility::Sealed.as_str()) "#new"} { "Start a sealed exchange" }
            }
        }
        p class="quiet-links" {
            a href={"/spaces/" (space.id) "/invite"} { "Invites" } " · "
            a href={"/spaces/" (space.id) "/leave"} { "Leave this space" }
        }
    };
    Ok(render(page(Frame::new(&space.name, Some(&who)).in_space(&sid_text, &space.name), body)))
}
