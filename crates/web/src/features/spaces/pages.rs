//! Space pages: your spaces, a new one, invites, joining and leaving.

use crate::http::page::Pages;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::SpaceKind;
use troth_store::secret::hash_secret;
use troth_store::{InviteStatus, Space};

use super::{service, InviteId};
use crate::auth::{Identity, MaybeUser, PageUser};
use crate::http::error::{ApiError, ErrorKind};
use crate::http::extract::SpaceCtx;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render, render_status, PageResult};
use crate::http::urls::{see_other, url_encode};
use crate::state::AppState;
use crate::ui::forms::Refusal;
use crate::ui::layout::{alert, csrf_field, notice, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/spaces", get(list).post(create))
        .route("/spaces/{space_id}/invite", get(invite_page).post(invite_create))
        .route("/spaces/{space_id}/invites/{invite_id}/revoke", post(invite_revoke))
        .route("/spaces/{space_id}/leave", get(leave_form).post(leave))
        .route("/join/{code}", get(join_page).post(join))
}

#[derive(Deserialize, Default)]
pub struct SpaceForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

fn spaces_page(who: &Identity, spaces: &[Space], form: &SpaceForm, refused: &Refusal) -> Markup {
    let p = &refused.problems;
    page(
        Frame::new("Your spaces", Some(who)),
        html! {
            h1 { "Your spaces" }
            @if spaces.is_empty() {
                p class="lead" { "A space is where the two of you keep your promises, notes and exchanges. Make one, then invite the other person." }
            } @else {
                ul class="cards" {
                    @for s in spaces {
                        li class="card" {
                            a class="card-link" href={"/spaces/" (s.id)} { h2 { (s.name) } }
                            p class="muted" {
                                (s.kind.label()) " · "
                                @match s.partner_of(who.user.id) {
                                    Some(p) => { "with " (p.display_name) }
                                    None => { "waiting for your " (s.kind.other_member_word()) " to join" }
                                }
                            }
                        }
                    }
                }
            }
            section class="card" {
                h2 id="new" { "Make a new space" }
                (refused.above())
                form method="post" action="/spaces" class="stack" {
                    (csrf_field(who))
                    label for="name" { "Name" }
                    input id="name" name="name" type="text" maxlength="80" placeholder="Our space" value=(form.name)
                        aria-invalid=[p.invalid("name")] aria-describedby=[p.described_by("name", "name", None)];
                    (p.under("name", "name"))
                    fieldset {
                        legend { "Who is it for?" }
                        @for k in SpaceKind::ALL {
                            label class="choice" {
                                input type="radio" name="kind" value=(k.as_str()) checked[form.kind == k.as_str() || (form.kind.is_empty() && k == SpaceKind::Partners)];
                                " " (k.label())
                            }
                        }
                    }
                    button type="submit" class="primary" { "Make the space" }
                }
            }
        },
    )
}

pub async fn list(State(state): State<AppState>, PageUser(who): PageUser) -> PageResult {
    let spaces = state.store.spaces_of(who.user.id).await?;
    Ok(render(spaces_page(&who, &spaces, &SpaceForm::default(), &Refusal::default())))
}

pub async fn create(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<SpaceForm>,
) -> PageResult {
    match service::create_space(&state, who.user.id, Some(&form.name), Some(&form.kind)).await {
        Ok(space) => Ok(see_other(&format!("/spaces/{}", space.id))),
        Err(e) if e.kind() != ErrorKind::Fault => {
            let spaces = state.store.spaces_of(who.user.id).await?;
            Ok(render_status(e.status, spaces_page(&who, &spaces, &form, &e.refusal(&[]))))
        }
        Err(e) => Err(e.into()),
    }
}

fn invite_page_markup(
    who: &Identity,
    space: &Space,
    invites: &[troth_store::Invite],
    new_link: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let sid = space.id.to_string();
    page(
        Frame::new("Invite", Some(who)).in_space(&sid, &space.name),
        html! {
            h1 { "Invite your " (space.kind.other_member_word()) }
            (alert(error))
            @if let Some(link) = new_link {
                section class="card highlight" {
                    h2 { "Your invite link" }
                    p { "Send this link to them. It works once and expires in 72 hours. It is shown only now." }
                    p { input id="invite-link" class="copy" type="text" readonly value=(link) aria-label="Invite link"; }
                }
            }
            @if space.members.len() >= 2 {
                p { "This space already has two members." }
            } @else {
                form method="post" action={"/spaces/" (space.id) "/invite"} {
                    (csrf_field(who))
                    button type="submit" class="primary" { "Make a new invite link" }
                }
            }
            @if !invites.is_empty() {
                h2 { "Earlier invites" }
                ul class="plain" {
                    @for inv in invites {
                        li {
                            "Made " (when(inv.created_at, &who.user.time_zone)) " · "
                            @match inv.status {
                                InviteStatus::Open => {
                                    "open until " (when(inv.expires_at, &who.user.time_zone)) " "
                                    form method="post" action={"/spaces/" (space.id) "/invites/" (inv.id) "/revoke"} class="inline" {
                                        (csrf_field(who))
                                        button type="submit" class="link" { "Withdraw" }
                                    }
                                }
                                InviteStatus::Used => { "used" }
                                InviteStatus::Revoked => { "withdrawn" }
                                InviteStatus::Expired => { "expired" }
                            }
                        }
                    }
                }
            }
            p { a href={"/spaces/" (space.id)} { "Back to " (space.name) } }
        },
    )
}

pub async fn invite_page(State(state): State<AppState>, SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let invites = state.store.invites_of(who.user.id, space.id).await?;
    Ok(render(invite_page_markup(&who, &space, &invites, None, None)))
}

pub async fn invite_create(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    let made = service::make_invite(&state, who.user.id, space.id).await;
    let invites = state.store.invites_of(who.user.id, space.id).await?;
    match made {
        Ok(invite) => Ok(render(invite_page_markup(&who, &space, &invites, Some(&invite.url), None))),
        Err(e) if e.kind() != ErrorKind::Fault => {
            Ok(render_status(e.status, invite_page_markup(&who, &space, &invites, None, Some(&e.sentence()))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn invite_revoke(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    InviteId(iid): InviteId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    state.store.revoke_invite(who.user.id, space.id, iid, Timestamp::now()).await?;
    Ok(see_other_with(&format!("/spaces/{}/invite", space.id), Flash::InviteWithdrawn))
}

pub async fn join_page(
    State(state): State<AppState>,
    MaybeUser(who): MaybeUser,
    Path(code): Path<String>,
) -> PageResult {
    let preview = if code.len() <= 64 {
        state.store.invite_preview(&hash_secret(&code), Timestamp::now()).await.ok()
    } else {
        None
    };
    let here = format!("/join/{code}");
    let body = html! {
        section class="card narrow" {
            @match &preview {
                None => {
                    h1 { "This invite does not work" }
                    p { "The link may be mistyped. Ask for a new one." }
                }
                Some(p) if p.status != InviteStatus::Open || p.space_full => {
                    h1 { "This invite can no longer be used" }
                    p { @match p.status {
                        InviteStatus::Expired => { "It has expired." }
                        InviteStatus::Used => { "It was already used." }
                        InviteStatus::Revoked => { "It was withdrawn." }
                        InviteStatus::Open => { "The space already has two members." }
                    } " Ask " (p.invited_by.as_deref().unwrap_or("the person who sent it")) " for a new one." }
                }
                Some(p) => {
                    h1 { "Join " (p.space_name) }
                    p class="lead" { (p.invited_by.as_deref().unwrap_or("Someone")) " invited you to share a private troth space." }
                    @match &who {
                        Some(w) => {
                            form method="post" action=(here) {
                                (csrf_field(w))
                                button type="submit" class="primary" { "Join as " (w.user.display_name) }
                            }
                        }
                        None => {
                            p { "First make an account (or log in), then you join straight away." }
                            a class="button primary" href={"/register?next=" (url_encode(&here))} { "Create an account" }
                            " "
                            a class="button" href={"/login?next=" (url_encode(&here))} { "Log in" }
                        }
                    }
                }
            }
        }
    };
    let status = match &preview {
        None => StatusCode::NOT_FOUND,
        Some(p) if p.status != InviteStatus::Open || p.space_full => StatusCode::GONE,
        Some(_) => StatusCode::OK,
    };
    Ok(render_status(status, page(Frame::new("Join a space", who.as_ref()), body)))
}

pub async fn join(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(code): Path<String>,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    if code.len() > 64 {
        return Err(ApiError::not_found().into());
    }
    let space = state.store.accept_invite(who.user.id, &hash_secret(&code), Timestamp::now()).await?;
    Ok(see_other(&format!("/spaces/{}", space.id)))
}

pub async fn leave_form(SpaceCtx { who, space }: SpaceCtx) -> PageResult {
    let sid_text = space.id.to_string();
    let body = html! {
        section class="card narrow" {
            h1 { "Leave " (space.name) }
            p { "You can leave at any time. Here is what happens:" }
            ul {
                li { "Your private notes in this space are deleted." }
                li { "Sealed exchanges that have not opened lose your part." }
                li { "What you shared stays with the other person. They are not notified now; they will see you are no longer in the space." }
            }
            p { "Want a copy first? " a href="/account/export" download { "Download all your data (JSON)" } }
            form method="post" action={"/spaces/" (space.id) "/leave"} class="stack" {
                (csrf_field(&who))
                label class="choice" { input type="checkbox" name="confirm" value="yes" required; " I understand, leave this space" }
                button type="submit" class="danger" { "Leave the space" }
            }
            p { a href={"/spaces/" (space.id)} { "Stay" } }
        }
    };
    Ok(render(page(Frame::new("Leave", Some(&who)).in_space(&sid_text, &space.name), body)))
}

#[derive(Deserialize)]
pub struct LeaveForm {
    pub confirm: Option<String>,
}

pub async fn leave(
    State(state): State<AppState>,
    SpaceCtx { who, space }: SpaceCtx,
    CsrfForm(form): CsrfForm<LeaveForm>,
) -> PageResult {
    if form.confirm.as_deref() != Some("yes") {
        return Ok(see_other(&format!("/spaces/{}/leave", space.id)));
    }
    state.store.leave_space(who.user.id, space.id).await?;
    let body = html! { section class="card narrow" { (notice("You have left the space.")) p { a href="/spaces" { "Your spaces" } } } };
    Ok(render(page(Frame::new("You have left", Some(&who)), body)))
}
