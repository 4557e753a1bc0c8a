//! Notifications, reminder choices and the calendar feed address.

use axum::extract::State;
use axum::http::HeaderMap;
use maud::html;
use serde::Deserialize;
use troth_store::MemberSettings;

use super::layout::{alert, csrf_field, when};
use super::spaces::with_who;
use super::{check_csrf, page, render_status, see_other, Frame, PageResult};
use crate::api::base_url;
use crate::auth::{Identity, PageUser};
use crate::forms::{CsrfOnly, FormBody};
use crate::state::AppState;

async fn notices_page(
    state: &AppState,
    headers: &HeaderMap,
    who: &Identity,
    error: Option<&str>,
    status: axum::http::StatusCode,
) -> PageResult {
    let list = with_who(state.store.notifications(who.user.id, 50).await, who)?;
    let s = with_who(state.store.settings(who.user.id).await, who)?;
    let secret = with_who(state.store.calendar_secret(who.user.id).await, who)?;
    let cal = format!("{}/calendar/{secret}.ics", base_url(state, headers));
    let check = |name: &str, label: &str, on: bool| {
        html! { label class="choice" { input type="checkbox" name=(name) value="yes" checked[on]; " " (label) } }
    };
    Ok(render_status(
        status,
        page(
            Frame::new("Notifications", Some(who)),
            html! {
                h1 { "Notifications" }
                @if list.is_empty() { p class="muted" { "Nothing new." } }
                @else {
                    form method="post" action="/notifications/read" { (csrf_field(who)) button type="submit" class="link" { "Mark all as read" } }
                    ul class="entries" {
                        @for n in &list {
                            li class={"entry" @if !n.read { " unread" }} {
                                a href=(n.link) { (n.text) }
                                span class="muted" { " · " (when(n.created_at, &who.user.time_zone)) }
                            }
                        }
                    }
                }
                section class="card" {
                    h2 { "What you hear about" }
                    (alert(error))
                    form method="post" action="/notifications/settings" class="stack" {
                        (csrf_field(who))
                        fieldset { legend { "In troth" }
                            (check("due_app", "A promise is due soon", s.notify_due_app))
                            (check("confirmed_app", "Your partner confirmed a promise", s.notify_confirmed_app))
                            (check("ritual_app", "It is time for the weekly ritual", s.notify_ritual_app))
                        }
                        fieldset { legend { "By email" @if state.config.smtp.is_none() { " (not set up on this server)" } }
                            (check("due_email", "A promise is due soon", s.notify_due_email))
                            (check("confirmed_email", "Your partner confirmed a promise", s.notify_confirmed_email))
                            (check("ritual_email", "It is time for the weekly ritual", s.notify_ritual_email))
                        }
                        label for="threshold" { "Ask me to pause when I already have this many promises open in a week" }
                        input id="threshold" name="threshold" type="number" min="1" max="50" required value=(s.commitment_threshold);
                        button type="submit" { "Save" }
                    }
                }
                section class="card" {
                    h2 { "Your calendar" }
                    p { "Add this address to your calendar app to see the ritual and promise due times. Keep it to yourself: anyone with it can read your calendar." }
                    p { input id="calendar-link" class="copy" type="text" readonly value=(cal) aria-label="Calendar address"; }
                    form method="post" action="/notifications/calendar/rotate" { (csrf_field(who)) button type="submit" { "Make a new address (the old one stops working)" } }
                }
            },
        ),
    ))
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap, PageUser(who): PageUser) -> PageResult {
    notices_page(&state, &headers, &who, None, axum::http::StatusCode::OK).await
}

pub async fn read_all(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    with_who(state.store.mark_read(who.user.id, None).await, &who)?;
    Ok(see_other("/notifications"))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(rename = "_csrf")]
    pub csrf: Option<String>,
    pub due_app: Option<String>,
    pub confirmed_app: Option<String>,
    pub ritual_app: Option<String>,
    pub due_email: Option<String>,
    pub confirmed_email: Option<String>,
    pub ritual_email: Option<String>,
    #[serde(default)]
    pub threshold: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(who): PageUser,
    FormBody(f): FormBody<SettingsForm>,
) -> PageResult {
    check_csrf(&who, f.csrf.as_deref())?;
    let Some(threshold) = f.threshold.trim().parse::<u32>().ok().filter(|t| (1..=50).contains(t)) else {
        return notices_page(
            &state,
            &headers,
            &who,
            Some("Pick a number from 1 to 50."),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let on = |v: &Option<String>| v.as_deref() == Some("yes");
    let s = MemberSettings {
        notify_due_app: on(&f.due_app),
        notify_due_email: on(&f.due_email),
        notify_confirmed_app: on(&f.confirmed_app),
        notify_confirmed_email: on(&f.confirmed_email),
        notify_ritual_app: on(&f.ritual_app),
        notify_ritual_email: on(&f.ritual_email),
        commitment_threshold: threshold,
    };
    with_who(state.store.save_settings(who.user.id, &s).await, &who)?;
    Ok(see_other("/notifications"))
}

pub async fn rotate_calendar(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    FormBody(form): FormBody<CsrfOnly>,
) -> PageResult {
    check_csrf(&who, form.csrf.as_deref())?;
    with_who(state.store.rotate_calendar_secret(who.user.id).await, &who)?;
    Ok(see_other("/notifications"))
}
