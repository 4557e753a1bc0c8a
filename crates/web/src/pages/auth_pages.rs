use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::alert;
use super::{check_csrf, page, render, render_status, safe_next, see_other, Frame, PageResult};
use crate::accounts::{self, Registration};
use crate::auth::{clear_session_cookie, client_ip, start_session, MaybeUser, PageUser};
use crate::forms::FormBody;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    pub next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub time_zone: String,
    pub next: Option<String>,
}

fn register_page(form: &RegisterForm, error: Option<&str>) -> Markup {
    page(
        Frame::new("Create your account", None),
        html! {
            section class="card narrow" {
                h1 { "Create your account" }
                p class="lead" { "troth is a private space for two. Your partner joins with an invite link once you have made a space." }
                (alert(error))
                form method="post" action="/register" class="stack" {
                    @if let Some(n) = &form.next { input type="hidden" name="next" value=(n); }
                    label for="display_name" { "Your name" }
                    input id="display_name" name="display_name" type="text" required maxlength="60" autocomplete="nickname" value=(form.display_name);
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" required maxlength="254" autocomplete="email" value=(form.email);
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" required minlength="8" maxlength="128" autocomplete="new-password" aria-describedby="password-help";
                    p id="password-help" class="help" { "8 to 128 characters. A few words you will remember work well." }
                    label for="time_zone" { "Time zone" }
                    input id="time_zone" name="time_zone" type="text" maxlength="64" placeholder="Europe/Paris" value=(form.time_zone) aria-describedby="tz-help" data-detect-tz;
                    p id="tz-help" class="help" { "Used for reminders and dates. Leave empty for UTC." }
                    button type="submit" class="primary" { "Create account" }
                }
                p { "Already have one? " a href={"/login" (form.next.as_deref().map(|n| format!("?next={}", super::url_encode(n))).unwrap_or_default())} { "Log in" } }
            }
        },
    )
}

pub async fn register_form(MaybeUser(who): MaybeUser, Query(q): Query<NextQuery>) -> Response {
    if who.is_some() {
        return see_other(&safe_next(q.next.as_deref()));
    }
    render(register_page(&RegisterForm { next: q.next, ..Default::default() }, None))
}

pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(form): FormBody<RegisterForm>,
) -> PageResult {
    let reg = Registration {
        email: form.email.clone(),
        password: form.password.clone(),
        display_name: form.display_name.clone(),
        time_zone: Some(form.time_zone.clone()),
    };
    match accounts::register(&state, reg).await {
        Ok(user) => {
            let cookie = start_session(&state, &user, &headers).await?;
            let to = safe_next(form.next.as_deref());
            Ok((
                StatusCode::SEE_OTHER,
                [(header::SET_COOKIE, cookie), (header::LOCATION, to.parse().expect("ascii path"))],
            )
                .into_response())
        }
        Err(e) if e.status.is_client_error() => {
            // Keep what they typed (except the password) and say what is wrong.
            Ok(render_status(e.status, register_page(&form, Some(&e.message))))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
}

fn login_page(email: &str, next: Option<&str>, error: Option<&str>) -> Markup {
    page(
        Frame::new("Log in", None),
        html! {
            section class="card narrow" {
                h1 { "Welcome back" }
                (alert(error))
                form method="post" action="/login" class="stack" {
                    @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" required maxlength="254" autocomplete="username" value=(email);
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" required maxlength="128" autocomplete="current-password";
                    button type="submit" class="primary" { "Log in" }
                }
                p { "New here? " a href={"/register" (next.map(|n| format!("?next={}", super::url_encode(n))).unwrap_or_default())} { "Create an account" } }
            }
        },
    )
}

pub async fn login_form(MaybeUser(who): MaybeUser, Query(q): Query<NextQuery>) -> Response {
    if who.is_some() {
        return see_other(&safe_next(q.next.as_deref()));
    }
    render(login_page("", q.next.as_deref(), None))
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    FormBody(form): FormBody<LoginForm>,
) -> PageResult {
    let ip = client_ip(&state, &headers, Some(peer));
    match accounts::authenticate(&state, &form.email, &form.password, &ip).await {
        Ok(user) => {
            let cookie = start_session(&state, &user, &headers).await?;
            let to = safe_next(form.next.as_deref());
            Ok((
                StatusCode::SEE_OTHER,
                [(header::SET_COOKIE, cookie), (header::LOCATION, to.parse().expect("ascii path"))],
            )
                .into_response())
        }
        Err(e) if e.status.is_client_error() => {
            Ok(render_status(e.status, login_page(&form.email, form.next.as_deref(), Some(&e.message))))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
}

pub async fn logout(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<TokenForm>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    if let Some(s) = &who.session {
        state.store.end_session(who.user.id, s.id).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, clear_session_cookie(&state)), (header::LOCATION, "/login".parse().expect("ascii"))],
    )
        .into_response())
}
