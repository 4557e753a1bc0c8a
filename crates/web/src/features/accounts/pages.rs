//! Account pages: register, log in and out, and the account page (profile,
//! password, sessions, export, delete).

use std::net::SocketAddr;

use crate::http::page::Pages;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use maud::{html, Markup};
use serde::Deserialize;
use troth_domain::accounts::device_name;
use troth_domain::{DisplayName, SpaceKind, TimeZoneName};
use troth_store::User;

use super::service::{self, Registered, Registration};
use super::{SessionId, TokenId};
use crate::auth::{clear_session_cookie, client_ip, start_session, Identity, MaybeUser, PageUser};
use crate::features::spaces;
use crate::http::error::{ApiError, ErrorKind};
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm, NoTokenNeeded, OpenForm};
use crate::http::page::{render, render_status, PageError, PageResult};
use crate::http::urls::{safe_next, see_other, url_encode};
use crate::state::AppState;
use crate::ui::forms::{time_zone_field, Problems, Refusal};
use crate::ui::layout::{alert, csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/register", get(register_form).post(register))
        .route("/register/confirm/{token}", get(confirm_form))
        .route("/register/confirm", post(confirm))
        .route("/password-reset", get(reset_request_form).post(reset_request))
        .route("/password-reset/{token}", get(reset_form))
        .route("/password-reset/confirm", post(reset))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account", get(show))
        .route("/account/profile", post(profile))
        .route("/account/password", post(password))
        .route("/account/sessions/{session_id}/end", post(end_session))
        .route("/account/sessions/end-others", post(end_others))
        .route("/account/tokens", post(token_create))
        .route("/account/tokens/{token_id}/revoke", post(token_revoke))
        .route("/account/export", get(export))
        .route("/account/delete", post(delete))
}

/// Sent before there is a session, so there is no token to check; the
/// origin check in the security middleware still applies.
impl NoTokenNeeded for RegisterForm {}
/// Sent before there is a session (see [`RegisterForm`]).
impl NoTokenNeeded for LoginForm {}
/// Sent before there is a session (see [`RegisterForm`]); the link's secret
/// and the password are what it checks.
impl NoTokenNeeded for ConfirmForm {}
/// Sent before there is a session (see [`RegisterForm`]).
impl NoTokenNeeded for ResetRequestForm {}
/// Sent before there is a session; the link's secret is what it checks.
impl NoTokenNeeded for ResetForm {}

/// Starts the session and goes on to where the visitor was heading, or
/// else to their space when they have just one.
async fn signed_in(state: &AppState, user: &User, headers: &HeaderMap, next: Option<&str>) -> PageResult {
    let cookie = start_session(state, user, headers).await?;
    let to = match next {
        Some(_) => safe_next(next),
        None => spaces::service::landing(state, user.id).await?,
    };
    Ok((StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, to.parse().expect("ascii path"))])
        .into_response())
}

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
    /// The first space, made in the same step (not when joining one).
    #[serde(default)]
    pub space_name: String,
    #[serde(default)]
    pub space_kind: String,
    pub next: Option<String>,
}

/// Which field of the register form a refusal is about (the others show
/// above the form).
fn register_problems(e: &ApiError) -> (Problems, Option<String>) {
    let field = match (e.field, e.code) {
        (Some("name"), _) => Some("space_name"),
        (Some("kind"), _) => Some("space_kind"),
        (Some(f), _) => Some(f),
        (None, "email_taken") => Some("email"),
        _ => None,
    };
    match field {
        Some(f) => (Problems::one(f, e.sentence()), None),
        None => (Problems::default(), Some(e.sentence())),
    }
}

fn register_page(form: &RegisterForm, problems: &Problems, error: Option<&str>) -> Markup {
    let p = problems;
    page(
        Frame::new("Create your account", None),
        html! {
            section class="card narrow" {
                h1 { "Create your account" }
                p class="lead" { "troth is a private space for two. Your partner joins with an invite link once you have made a space." }
                (alert(error))
                (p.summary())
                form method="post" action="/register" class="stack" {
                    @if let Some(n) = &form.next { input type="hidden" name="next" value=(n); }
                    label for="display_name" { "Your name" }
                    input id="display_name" name="display_name" type="text" required maxlength="60" autocomplete="nickname" value=(form.display_name)
                        aria-invalid=[p.invalid("display_name")] aria-describedby=[p.described_by("display_name", "display_name", None)];
                    (p.under("display_name", "display_name"))
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" required maxlength="254" autocomplete="email" value=(form.email)
                        aria-invalid=[p.invalid("email")] aria-describedby=[p.described_by("email", "email", None)];
                    (p.under("email", "email"))
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" required minlength="8" maxlength="128" autocomplete="new-password"
                        aria-invalid=[p.invalid("password")] aria-describedby=[p.described_by("password", "password", Some("password-help"))];
                    p id="password-help" class="help" { "8 to 128 characters. A few words you will remember work well." }
                    (p.under("password", "password"))
                    (time_zone_field("time_zone", &form.time_zone, p, true))
                    // Someone arriving with an invite joins that space instead.
                    @if form.next.is_none() {
                        fieldset {
                            legend { "Your space" }
                            p class="help" { "Where the two of you will meet. You can invite the other person right after." }
                            label for="space_name" { "Name it" }
                            input id="space_name" name="space_name" type="text" maxlength="80" placeholder="Our space" value=(form.space_name)
                                aria-invalid=[p.invalid("space_name")] aria-describedby=[p.described_by("space_name", "space_name", None)];
                            (p.under("space_name", "space_name"))
                            @for k in SpaceKind::ALL {
                                label class="choice" {
                                    input type="radio" name="space_kind" value=(k.as_str()) checked[form.space_kind == k.as_str() || (form.space_kind.is_empty() && k == SpaceKind::Partners)];
                                    " " (k.label())
                                }
                            }
                        }
                    }
                    button type="submit" class="primary" { "Create account" }
                }
                p { "Already have one? " a href={"/login" (form.next.as_deref().map(|n| format!("?next={}", url_encode(n))).unwrap_or_default())} { "Log in" } }
            }
        },
    )
}

pub async fn register_form(MaybeUser(who): MaybeUser, Query(q): Query<NextQuery>) -> Response {
    if who.is_some() {
        return see_other(&safe_next(q.next.as_deref()));
    }
    render(register_page(&RegisterForm { next: q.next, ..Default::default() }, &Problems::default(), None))
}

pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    OpenForm(form): OpenForm<RegisterForm>,
) -> PageResult {
    // The first space comes with the account (unless an invite brings
    // them into one), so the first page is that space with its invite at
    // hand, not an empty list. Its fields are checked before anything is
    // written: a refused space name never leaves an account behind.
    let makes_space = form.next.is_none();
    let reg = Registration {
        email: form.email.clone(),
        password: form.password.clone(),
        display_name: form.display_name.clone(),
        time_zone: Some(form.time_zone.clone()),
        first_space: makes_space.then(|| (form.space_name.clone(), form.space_kind.clone())),
        next: form.next.clone(),
    };
    if makes_space {
        if let Err(e) = spaces::service::space_fields(Some(&form.space_name), Some(&form.space_kind)) {
            let (problems, general) = register_problems(&e);
            return Ok(render_status(e.status, register_page(&form, &problems, general.as_deref())));
        }
    }
    let ip = client_ip(&state, &headers, Some(peer));
    match service::register(&state, reg, &ip).await {
        Ok(Registered::CheckEmail) => Ok(render(check_email_page())),
        Ok(Registered::Now(user)) => {
            if makes_space {
                spaces::service::create_space(&state, user.id, Some(&form.space_name), Some(&form.space_kind)).await?;
            }
            signed_in(&state, &user, &headers, form.next.as_deref()).await
        }
        Err(e) if e.kind() != ErrorKind::Fault => {
            // Keep what they typed (except the password) and say what is
            // wrong, next to the field at fault.
            let (problems, general) = register_problems(&e);
            Ok(with_retry_after(&e, render_status(e.status, register_page(&form, &problems, general.as_deref()))))
        }
        Err(e) => Err(e.into()),
    }
}

/// The answer to every registration when mail is set up, whoever's the
/// address: the same page, word for word.
fn check_email_page() -> Markup {
    page(
        Frame::new("Check your email", None),
        html! {
            section class="card narrow" {
                h1 { "Check your email" }
                p class="lead" { (service::CHECK_EMAIL) }
                p { "The link in it works for 24 hours. Nothing arrived after a few minutes? Look in the spam folder, or register again." }
                p { "Already have an account? " a href="/login" { "Log in" } }
            }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
}

/// The page an emailed link opens: the link alone makes nothing (mail
/// scanners open links too); the password chosen when registering does.
fn confirm_page(token: &str, error: Option<&str>) -> Markup {
    page(
        Frame::new("Finish creating your account", None),
        html! {
            section class="card narrow" {
                h1 { "Finish creating your account" }
                p class="lead" { "Enter the password you chose when you registered, and your account is ready." }
                (alert(error))
                form method="post" action="/register/confirm" class="stack" {
                    input type="hidden" name="token" value=(token);
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" required maxlength="128" autocomplete="current-password";
                    button type="submit" class="primary" { "Finish" }
                }
                p { "Not you? Close this page: nothing is made without the password." }
            }
        },
    )
}

pub async fn confirm_form(
    MaybeUser(who): MaybeUser,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    if who.is_some() {
        return see_other("/");
    }
    render(confirm_page(&token, None))
}

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    OpenForm(form): OpenForm<ConfirmForm>,
) -> PageResult {
    match service::confirm_registration(&state, &form.token, &form.password).await {
        Ok(done) => signed_in(&state, &done.user, &headers, done.next.as_deref()).await,
        Err(e) if e.kind() != ErrorKind::Fault => {
            Ok(with_retry_after(&e, render_status(e.status, confirm_page(&form.token, Some(&e.sentence())))))
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

#[derive(Deserialize, Default)]
pub struct ResetRequestForm {
    #[serde(default)]
    pub email: String,
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
}

fn reset_request_page(email: &str, error: Option<&str>) -> Markup {
    page(
        Frame::new("Set a new password", None),
        html! {
            section class="card narrow" {
                h1 { "Set a new password" }
                p class="lead" { "Give the address you log in with. We email it a link to choose a new password." }
                (alert(error))
                form method="post" action="/password-reset" class="stack" {
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" required maxlength="254" autocomplete="username" value=(email);
                    button type="submit" class="primary" { "Send the link" }
                }
                p { a href="/login" { "Back to log in" } }
            }
        },
    )
}

fn reset_sent_page() -> Markup {
    page(
        Frame::new("Check your email", None),
        html! {
            section class="card narrow" {
                h1 { "Check your email" }
                p class="lead" { (service::RESET_SENT) }
                p { "The link works for an hour, once. Setting a new password logs you out everywhere else." }
                p { a href="/login" { "Back to log in" } }
            }
        },
    )
}

fn reset_page(token: &str, error: Option<&str>) -> Markup {
    page(
        Frame::new("Choose a new password", None),
        html! {
            section class="card narrow" {
                h1 { "Choose a new password" }
                p class="lead" { "Once it is set, every device logged in to your account is logged out, and access tokens stop working." }
                (alert(error))
                form method="post" action="/password-reset/confirm" class="stack" {
                    input type="hidden" name="token" value=(token);
                    label for="password" { "New password" }
                    input id="password" name="password" type="password" required minlength="8" maxlength="128" autocomplete="new-password" aria-describedby="password-help";
                    p id="password-help" class="help" { "8 to 128 characters. A few words you will remember work well." }
                    button type="submit" class="primary" { "Set the password" }
                }
            }
        },
    )
}

pub async fn reset_request_form() -> Response {
    render(reset_request_page("", None))
}

pub async fn reset_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    OpenForm(form): OpenForm<ResetRequestForm>,
) -> PageResult {
    let ip = client_ip(&state, &headers, Some(peer));
    match service::request_password_reset(&state, &form.email, &ip).await {
        Ok(()) => Ok(render(reset_sent_page())),
        Err(e) if e.kind() != ErrorKind::Fault => {
            Ok(with_retry_after(&e, render_status(e.status, reset_request_page(&form.email, Some(&e.sentence())))))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_form(axum::extract::Path(token): axum::extract::Path<String>) -> Response {
    render(reset_page(&token, None))
}

pub async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    OpenForm(form): OpenForm<ResetForm>,
) -> PageResult {
    match service::reset_password(&state, &form.token, &form.password).await {
        Ok(user) => signed_in(&state, &user, &headers, None).await,
        Err(e) if e.kind() != ErrorKind::Fault => {
            Ok(with_retry_after(&e, render_status(e.status, reset_page(&form.token, Some(&e.sentence())))))
        }
        Err(e) => Err(e.into()),
    }
}

fn login_page(email: &str, next: Option<&str>, error: Option<&str>, reset: bool) -> Markup {
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
                @if reset { p { a href="/password-reset" { "Forgot your password?" } } }
                p { "New here? " a href={"/register" (next.map(|n| format!("?next={}", url_encode(n))).unwrap_or_default())} { "Create an account" } }
            }
        },
    )
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeUser(who): MaybeUser,
    Query(q): Query<NextQuery>,
) -> Response {
    if who.is_some() {
        return see_other(&safe_next(q.next.as_deref()));
    }
    render(login_page("", q.next.as_deref(), None, state.config.smtp.is_some()))
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    OpenForm(form): OpenForm<LoginForm>,
) -> PageResult {
    let ip = client_ip(&state, &headers, Some(peer));
    match service::authenticate(&state, &form.email, &form.password, &ip).await {
        Ok(user) => signed_in(&state, &user, &headers, form.next.as_deref()).await,
        Err(e) if e.kind() != ErrorKind::Fault => Ok(with_retry_after(
            &e,
            render_status(
                e.status,
                login_page(&form.email, form.next.as_deref(), Some(&e.sentence()), state.config.smtp.is_some()),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    if let Some(s) = &who.session {
        state.store.end_session(who.user.id, s.id).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, clear_session_cookie(&state)), (header::LOCATION, "/login".parse().expect("ascii"))],
    )
        .into_response())
}

/// A form re-rendered after a refusal that asks to wait says how long in
/// the header too, as the API does.
fn with_retry_after(e: &ApiError, mut res: Response) -> Response {
    if let Some(secs) = e.retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    res
}

#[derive(Default)]
struct Messages<'a> {
    profile: Problems,
    password: Refusal,
    delete: Refusal,
    /// A token just made: its secret, shown this once.
    new_token: Option<&'a str>,
    token_problems: Problems,
    token_name: Option<&'a str>,
    name: Option<&'a str>,
    tz: Option<&'a str>,
}

async fn account_page(state: &AppState, who: &Identity, m: Messages<'_>) -> Result<Markup, PageError> {
    let sessions = state.store.sessions_of(who.user.id).await?;
    let tokens = state.store.tokens_of(who.user.id).await?;
    let current = who.session.as_ref().map(|s| s.id);
    Ok(page(
        Frame::new("Your account", Some(who)),
        html! {
            h1 { "Your account" }
            section class="card" {
                h2 { "Profile" }
                (m.profile.summary())
                form method="post" action="/account/profile" class="stack" {
                    (csrf_field(who))
                    p { "Email: " strong { (who.user.email) } }
                    label for="display_name" { "Your name" }
                    input id="display_name" name="display_name" type="text" required maxlength="60" value=(m.name.unwrap_or(&who.user.display_name))
                        aria-invalid=[m.profile.invalid("display_name")] aria-describedby=[m.profile.described_by("display_name", "display_name", None)];
                    (m.profile.under("display_name", "display_name"))
                    (time_zone_field("time_zone", m.tz.unwrap_or(&who.user.time_zone), &m.profile, false))
                    button type="submit" { "Save profile" }
                }
            }
            section class="card" {
                h2 { "Where you are logged in" }
                ul class="plain" {
                    @for s in &sessions {
                        li {
                            span title=(s.user_agent) { (device_name(&s.user_agent)) } " · last active " (when(s.last_seen_at, &who.user.time_zone))
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
                form method="post" action="/account/sessions/end-others" class="stack" {
                    p class="help" { "This also ends your access tokens, so scripts and apps using one must get a new one." }
                    (csrf_field(who)) button type="submit" { "Log out everywhere else" }
                }
            }
            section class="card" id="tokens" {
                h2 { "Access tokens" }
                p class="help" { "For scripts and apps that use troth's API for you. Each one can do what you can, until you revoke it." }
                @if let Some(t) = m.new_token {
                    div class="notice" role="status" {
                        p { "Your new token. Copy it now: it is shown only this once." }
                        p { input id="new-token" class="copy" type="text" readonly value=(t) aria-label="New access token"; }
                    }
                }
                @if tokens.is_empty() {
                    p class="muted" { "No access tokens." }
                } @else {
                    ul class="plain" {
                        @for t in &tokens {
                            li {
                                strong { (t.name) } " · made " (when(t.created_at, &who.user.time_zone))
                                " · " @match t.last_used_at { Some(u) => { "last used " (when(u, &who.user.time_zone)) } None => { "never used" } }
                                " "
                                form method="post" action={"/account/tokens/" (t.id) "/revoke"} class="inline" {
                                    (csrf_field(who)) button type="submit" class="link danger" { "Revoke" }
                                }
                            }
                        }
                    }
                }
                (m.token_problems.summary())
                form method="post" action="/account/tokens" class="stack" {
                    (csrf_field(who))
                    label for="token_name" { "Name a new token" }
                    input id="token_name" name="name" type="text" required maxlength="60" placeholder="My phone's shortcut" value=(m.token_name.unwrap_or(""))
                        aria-invalid=[m.token_problems.invalid("name")] aria-describedby=[m.token_problems.described_by("token_name", "name", None)];
                    (m.token_problems.under("token_name", "name"))
                    button type="submit" { "Make a token" }
                }
            }
            section class="card" {
                h2 { "Change password" }
                p class="help" { "Changing it logs you out on every other device and also ends your access tokens." }
                (m.password.above())
                // Passwords are never written back into the page, even when refused.
                form method="post" action="/account/password" class="stack" {
                    (csrf_field(who))
                    @let pw = &m.password.problems;
                    label for="current_password" { "Current password" }
                    input id="current_password" name="current_password" type="password" required maxlength="128" autocomplete="current-password"
                        aria-invalid=[pw.invalid("current_password")] aria-describedby=[pw.described_by("current_password", "current_password", None)];
                    (pw.under("current_password", "current_password"))
                    label for="new_password" { "New password" }
                    input id="new_password" name="new_password" type="password" required minlength="8" maxlength="128" autocomplete="new-password"
                        aria-invalid=[pw.invalid("new_password")] aria-describedby=[pw.described_by("new_password", "new_password", Some("new_password-help"))];
                    p id="new_password-help" class="help" { "At least 8 characters; a few words you will remember work well." }
                    (pw.under("new_password", "new_password"))
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
                (m.delete.above())
                form method="post" action="/account/delete" class="stack" {
                    (csrf_field(who))
                    label for="delete_password" { "Your password, to confirm" }
                    input id="delete_password" name="password" type="password" required maxlength="128" autocomplete="current-password"
                        aria-invalid=[m.delete.problems.invalid("password")] aria-describedby=[m.delete.problems.described_by("delete_password", "password", None)];
                    (m.delete.problems.under("delete_password", "password"))
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
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub time_zone: String,
}

pub async fn profile(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> PageResult {
    let parsed = DisplayName::parse(&form.display_name).and_then(|n| Ok((n, TimeZoneName::parse(&form.time_zone)?)));
    match parsed {
        Ok((name, tz)) => {
            state.store.update_profile(who.user.id, &name, &tz).await?;
            Ok(see_other_with("/account", Flash::Saved))
        }
        Err(e) => {
            let (profile, _) = ApiError::from(e).problems();
            let m =
                Messages { profile, name: Some(&form.display_name), tz: Some(&form.time_zone), ..Default::default() };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, account_page(&state, &who, m).await?))
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

pub async fn password(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult {
    let keep = who.session.as_ref().map(|s| s.id);
    match service::change_password(&state, &who.user, keep, &form.current_password, &form.new_password).await {
        // Post-redirect-get: a reload never sends the password again.
        Ok(_) => Ok(see_other_with("/account", Flash::PasswordChanged)),
        Err(e) if e.kind() != ErrorKind::Fault => Ok(with_retry_after(
            &e,
            render_status(
                e.status,
                account_page(&state, &who, Messages { password: e.refusal(&[]), ..Default::default() }).await?,
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn end_session(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    SessionId(id): SessionId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    state.store.end_session(who.user.id, id).await?;
    Ok(see_other_with("/account", Flash::LoggedOutThere))
}

pub async fn end_others(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    service::end_other_access(&state, &who.user, who.session.as_ref().map(|s| s.id)).await?;
    Ok(see_other_with("/account", Flash::LoggedOutElsewhere))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
}

/// Makes a token and shows its secret on this response alone (only its hash
/// is kept, so no later page could show it).
pub async fn token_create(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> PageResult {
    match service::create_token(&state, who.user.id, &form.name).await {
        Ok((secret, _)) => {
            let m = Messages { new_token: Some(&secret), ..Default::default() };
            Ok(render(account_page(&state, &who, m).await?))
        }
        Err(e) if e.is_fixable() => {
            let (token_problems, _) = e.problems();
            let m = Messages { token_problems, token_name: Some(&form.name), ..Default::default() };
            Ok(render_status(e.status, account_page(&state, &who, m).await?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn token_revoke(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    TokenId(id): TokenId,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    state.store.delete_token(who.user.id, id).await?;
    Ok(see_other_with("/account#tokens", Flash::TokenRevoked))
}

pub async fn export(State(state): State<AppState>, PageUser(who): PageUser) -> PageResult {
    let export = state.store.export_user(who.user.id).await?;
    let name = format!("attachment; filename=\"troth-export-{}.json\"", jiff::Timestamp::now().strftime("%Y-%m-%d"));
    Ok(([(header::CONTENT_DISPOSITION, name)], Json(export)).into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    pub password: String,
}

/// A refused confirmation of the password sits under the delete form's own
/// password field (the service names it `current_password`).
fn as_delete_refusal(e: &ApiError) -> Refusal {
    match e.field {
        Some(_) => Refusal { problems: Problems::one("password", e.sentence()), general: None },
        None => Refusal { problems: Problems::default(), general: Some(e.sentence()) },
    }
}

pub async fn delete(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> PageResult {
    if let Err(e) = service::confirm_password(&state, &who.user, &form.password).await {
        if e.kind() != ErrorKind::Fault {
            return Ok(with_retry_after(
                &e,
                render_status(
                    e.status,
                    account_page(&state, &who, Messages { delete: as_delete_refusal(&e), ..Default::default() })
                        .await?,
                ),
            ));
        }
        return Err(e.into());
    }
    state.store.delete_user(who.user.id).await?;
    let body = html! { section class="card narrow" { h1 { "Your account is deleted" } p { "Take care of yourself." } p { a href="/" { "Start page" } } } };
    Ok(([(header::SET_COOKIE, clear_session_cookie(&state))], render(page(Frame::new("Account deleted", None), body)))
        .into_response())
}
