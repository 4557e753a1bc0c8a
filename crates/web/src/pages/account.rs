use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::{DisplayName, TimeZoneName};

use super::layout::{alert, csrf_field, notice, when};
use super::spaces::{page_id, with_who};
use super::{check_csrf, page, render, render_status, see_other, Frame, PageError, PageResult};
use crate::accounts;
use crate::auth::{clear_session_cookie, Identity, PageUser};
use crate::error::ApiError;
use crate::forms::{CsrfOnly, FormBody};
use crate::state::AppState;

#[derive(Default)]
struct Messages<'a> {
    profile_error: Option<&'a str>,
    password_error: Option<&'a str>,
    delete_error: Option<&'a str>,
    done: Option<&'a str>,
    name: Option<&'a str>,
    tz: Option<&'a str>,
}

async fn account_page(state: &AppState, who: &Identity, m: Messages<'_>) -> Result<Markup, PageError> {
    let sessions = with_who(state.store.sessions_of(who.user.id).await, who)?;
    let current = who.session.as_ref().map(|s| s.id);
    Ok(page(
        Frame::new("Your account", Some(who)),
        html! {
            h1 { "Your account" }
            @if let Some(d) = m.done { (notice(d)) }
            section class="card" {
                h2 { "Profile" }
                (alert(m.profile_error))
                form method="post" action="/account/profile" class="stack" {
                    (csrf_field(who))
                    p { "Email: " strong { (who.user.email) } }
                    label for="display_name" { "Your name" }
                    input id="display_name" name="display_name" type="text" required maxlength="60" value=(m.name.unwrap_or(&who.user.display_name));
                    label for="time_zone" { "Time zone" }
                    input id="time_zone" name="time_zone" type="text" required maxlength="64" value=(m.tz.unwrap_or(&who.user.time_zone));
                    button type="submit" { "Save profile" }
                }
            }
            section class="card" {
                h2 { "Where you are logged in" }
                ul class="plain" {
                    @for s in &sessions {
                        li {
                            (s.user_agent) " · last active " (when(s.last_seen_at, &who.user.time_zone))
                            @if Some(s.id) == current { " " strong { "(this device)" } }
                            @else {
                                " "
                                form method="post" action={"/account/sessions/" (s.id) "/end"} class="inline" {
                                    (csrf_field(who)) button type="submit" class="link" { "Log out there" }
                                }
                            }
                        }
                    }
                }
                @if sessions.len() > 1 {
                    form method="post" action="/account/sessions/end-others" {
                        (csrf_field(who)) button type="submit" { "Log out everywhere else" }
                    }
                }
            }
            section class="card" {
                h2 { "Change password" }
                p class="help" { "Changing it logs you out on every other device." }
                (alert(m.password_error))
                form method="post" action="/account/password" class="stack" {
                    (csrf_field(who))
                    label for="current_password" { "Current password" }
                    input id="current_password" name="current_password" type="password" required maxlength="128" autocomplete="current-password";
                    label for="new_password" { "New password" }
                    input id="new_password" name="new_password" type="password" required minlength="8" maxlength="128" autocomplete="new-password";
                    button type="submit" { "Change password" }
                }
            }
            section class="card" {
                h2 { "Your data" }
                p { "Everything you wrote and everything shared with you, as one JSON file." }
                a class="button" href="/account/export" download { "Download my data" }
            }
            section class="card danger-zone" {
                h2 { "Delete your account" }
                p { "You leave every space; your private notes are deleted; what you shared stays with the other person, marked as from a former member. This cannot be undone." }
                (alert(m.delete_error))
                form method="post" action="/account/delete" class="stack" {
                    (csrf_field(who))
                    label for="delete_password" { "Your password, to confirm" }
                    input id="delete_password" name="password" type="password" required maxlength="128" autocomplete="current-password";
                    button type="submit" class="danger" { "Delete my account" }
                }
            }
        },
    ))
}

pub async fn show(State(state): State<AppState>, PageUser(who): PageUser) -> PageResult {
    Ok(render(account_page(&state, &who, Messages::default()).await?))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub time_zone: String,
}

pub async fn profile(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<ProfileForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let parsed = DisplayName::parse(&form.display_name).and_then(|n| Ok((n, TimeZoneName::parse(&form.time_zone)?)));
    match parsed {
        Ok((name, tz)) => {
            with_who(state.store.update_profile(who.user.id, &name, &tz).await, &who)?;
            Ok(see_other("/account"))
        }
        Err(e) => {
            let msg = ApiError::from(e).message;
            let m = Messages {
                profile_error: Some(&msg),
                name: Some(&form.display_name),
                tz: Some(&form.time_zone),
                ..Default::default()
            };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, account_page(&state, &who, m).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

pub async fn password(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<PasswordForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let keep = who.session.as_ref().map(|s| s.id);
    match accounts::change_password(&state, &who.user, keep, &form.current_password, &form.new_password).await {
        Ok(ended) => {
            let msg = format!("Password changed. {ended} other session(s) ended.");
            Ok(render(account_page(&state, &who, Messages { done: Some(&msg), ..Default::default() }).await?))
        }
        Err(e) if e.status.is_client_error() => Ok(render_status(
            e.status,
            account_page(&state, &who, Messages { password_error: Some(&e.message), ..Default::default() }).await?,
        )),
        Err(e) => Err(PageError { error: e, who: Some(Box::new(who)) }),
    }
}

pub async fn end_session(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    Path(session_id): Path<String>,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    let id = page_id(&session_id, &who)?;
    with_who(state.store.end_session(who.user.id, id).await, &who)?;
    Ok(see_other("/account"))
}

pub async fn end_others(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    with_who(state.store.end_sessions_except(who.user.id, who.session.as_ref().map(|s| s.id)).await, &who)?;
    Ok(see_other("/account"))
}

pub async fn export(State(state): State<AppState>, PageUser(who): PageUser) -> PageResult {
    let export = with_who(state.store.export_user(who.user.id).await, &who)?;
    let name = format!("attachment; filename=\"troth-export-{}.json\"", jiff::Timestamp::now().strftime("%Y-%m-%d"));
    Ok(([(header::CONTENT_DISPOSITION, name)], Json(export)).into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    #[serde(default)]
    pub password: String,
}

pub async fn delete(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<DeleteForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    if let Err(e) = accounts::confirm_password(&state, &who.user, &form.password).await {
        if e.status.is_client_error() {
            return Ok(render_status(
                e.status,
                account_page(&state, &who, Messages { delete_error: Some(&e.message), ..Default::default() }).await?,
            ));
        }
        return Err(PageError { error: e, who: Some(Box::new(who)) });
    }
    with_who(state.store.delete_user(who.user.id).await, &who)?;
    let body = html! { section class="card narrow" { h1 { "Your account is deleted" } p { "Take care of yourself." } p { a href="/" { "Start page" } } } };
    Ok(([(header::SET_COOKIE, clear_session_cookie(&state))], render(page(Frame::new("Account deleted", None), body)))
        .into_response())
}
