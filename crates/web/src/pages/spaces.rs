use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::{Id, SpaceKind, Visibility};
use troth_store::secret::hash_secret;
use troth_store::{InviteStatus, Space};

use super::layout::{alert, csrf_field, notice, when};
use super::{check_csrf, page, render, render_status, see_other, Frame, PageError, PageResult};
use crate::api::{create_space, make_invite, path_id};
use crate::auth::{Identity, MaybeUser, PageUser};
use crate::error::ApiError;
use crate::forms::{CsrfOnly, FormBody};
use crate::state::AppState;

pub fn page_id(raw: &str, who: &Identity) -> Result<Id, PageError> {
    path_id(raw).map_err(|error| PageError { error, who: Some(Box::new(who.clone())) })
}

/// Attaches the visitor to a failure so the error page keeps its header.
pub fn with_who<T>(r: Result<T, impl Into<ApiError>>, who: &Identity) -> Result<T, PageError> {
    r.map_err(|e| PageError { error: e.into(), who: Some(Box::new(who.clone())) })
}

#[derive(Deserialize, Default)]
pub struct SpaceForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

fn spaces_page(who: &Identity, spaces: &[Space], form: &SpaceForm, error: Option<&str>) -> Markup {
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
                h2 { "Make a new space" }
                (alert(error))
                form method="post" action="/spaces" class="stack" {
                    (csrf_field(who))
                    label for="name" { "Name" }
                    input id="name" name="name" type="text" maxlength="80" placeholder="Our space" value=(form.name);
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
    let spaces = with_who(state.store.spaces_of(who.user.id).await, &who)?;
    Ok(render(spaces_page(&who, &spaces, &SpaceForm::default(), None)))
}

pub async fn create(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<SpaceForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    match create_space(&state, who.user.id, Some(&form.name), Some(&form.kind)).await {
        Ok(space) => Ok(see_other(&format!("/spaces/{}", space.id))),
        Err(e) if e.status.is_client_error() => {
            let spaces = with_who(state.store.spaces_of(who.user.id).await, &who)?;
            Ok(render_status(e.status, spaces_page(&who, &spaces, &form, Some(&e.message))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

/// The space's home: what is new, what waits for you, what is due.
pub async fn home(State(state): State<AppState>, PageUser(who): PageUser, Path(space_id): Path<String>) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let me = who.user.id;
    let now = Timestamp::now();
    // One round trip for the whole page body: the home page is the most
    // visited page, so it reads a digest, not the full lists.
    let week_ago = now - jiff::SignedDuration::from_hours(24 * 7);
    let digest = with_who(state.store.space_digest(me, sid, 30, 12, week_ago, now).await, &who)?;
    let new_from_partner: Vec<_> = digest.entries.iter().filter(|e| !e.mine && e.updated_at > week_ago).collect();
    let waiting: Vec<_> = digest.entries.iter().filter(|e| e.waiting_for_me).collect();
    let promises = &digest.promises;
    let to_confirm: Vec<_> =
        promises.iter().filter(|p| !p.mine && p.status == troth_domain::promise::PromiseStatus::Claimed).collect();
    let soon = now + jiff::SignedDuration::from_hours(72);
    let due: Vec<_> = promises
        .iter()
        .filter(|p| p.due_at.is_some_and(|d| d <= soon) || p.status == troth_domain::promise::PromiseStatus::Missed)
        .collect();
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
        @if partner.is_none() {
            section class="card highlight" {
                h2 { "Invite your " (other) }
                p { "A space is for two. Make a one-time invite link and send it to them however you like." }
                a class="button primary" href={"/spaces/" (space.id) "/invite"} { "Make an invite link" }
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
            a class="button" href={"/spaces/" (space.id) "/notes#new"} { "New note" }
            " "
            a class="button" href={"/spaces/" (space.id) "/notes?visibility=" (Visibility::Sealed.as_str()) "#new"} { "Start a sealed exchange" }
        }
        p class="quiet-links" {
            a href={"/spaces/" (space.id) "/invite"} { "Invites" } " · "
            a href={"/spaces/" (space.id) "/leave"} { "Leave this space" }
        }
    };
    Ok(render(page(Frame::new(&space.name, Some(&who)).in_space(&sid_text, &space.name), body)))
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

pub async fn invite_page(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let invites = with_who(state.store.invites_of(who.user.id, sid).await, &who)?;
    Ok(render(invite_page_markup(&who, &space, &invites, None, None)))
}

pub async fn invite_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
    let made = make_invite(&state, &headers, who.user.id, sid).await;
    let invites = with_who(state.store.invites_of(who.user.id, sid).await, &who)?;
    match made {
        Ok(invite) => Ok(render(invite_page_markup(&who, &space, &invites, Some(&invite.url), None))),
        Err(e) if e.status.is_client_error() => {
            Ok(render_status(e.status, invite_page_markup(&who, &space, &invites, None, Some(&e.message))))
        }
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

pub async fn invite_revoke(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path((space_id, invite_id)): Path<(String, String)>,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    let iid = page_id(&invite_id, &who)?;
    with_who(state.store.revoke_invite(who.user.id, sid, iid, Timestamp::now()).await, &who)?;
    Ok(see_other(&format!("/spaces/{sid}/invite")))
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
                            a class="button primary" href={"/register?next=" (super::url_encode(&here))} { "Create an account" }
                            " "
                            a class="button" href={"/login?next=" (super::url_encode(&here))} { "Log in" }
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
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    if code.len() > 64 {
        return Err(PageError { error: ApiError::not_found(), who: Some(Box::new(who)) });
    }
    let space = with_who(state.store.accept_invite(who.user.id, &hash_secret(&code), Timestamp::now()).await, &who)?;
    Ok(see_other(&format!("/spaces/{}", space.id)))
}

pub async fn leave_form(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
) -> PageResult {
    let sid = page_id(&space_id, &who)?;
    let space = with_who(state.store.space_for(who.user.id, sid).await, &who)?;
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
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    pub confirm: Option<String>,
}

pub async fn leave(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(space_id): Path<String>,
    FormBody(form): FormBody<LeaveForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let sid = page_id(&space_id, &who)?;
    if form.confirm.as_deref() != Some("yes") {
        return Ok(see_other(&format!("/spaces/{sid}/leave")));
    }
    with_who(state.store.leave_space(who.user.id, sid).await, &who)?;
    let body = html! { section class="card narrow" { (notice("You have left the space.")) p { a href="/spaces" { "Your spaces" } } } };
    Ok(render(page(Frame::new("You have left", Some(&who)), body)))
}
