//! Notifications, reminder choices and the calendar feed address.

use crate::http::page::Pages;
use axum::extract::State;
use axum::routing::{get, post};
use maud::html;
use std::collections::HashMap;

use troth_domain::notifications::NotificationKind;

use crate::auth::{Identity, PageUser};
use crate::features::calendar;
use crate::http::flash::{see_other_with, Flash};
use crate::http::forms::{Button, CsrfForm};
use crate::http::page::{render_status, PageResult};
use crate::http::urls::see_other;
use crate::state::AppState;

use super::service::{self, KindChoice};
use crate::ui::forms::Problems;
use crate::ui::layout::{csrf_field, page, when, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/notifications", get(show))
        .route("/notifications/read", post(read_all))
        .route("/notifications/settings", post(save_settings))
}

async fn notices_page(
    state: &AppState,
    who: &Identity,
    refused: Option<(&HashMap<String, String>, &Problems)>,
    status: axum::http::StatusCode,
) -> PageResult {
    let none = Problems::default();
    let problems = refused.map_or(&none, |(_, p)| p);
    // After a refusal every box and the number stay as they were sent.
    let typed = refused.map(|(f, _)| f);
    let list = state.store.notifications(who.user.id, 50).await?;
    let s = state.store.settings(who.user.id).await?;
    let cal = calendar::service::feed_url(state, who.user.id).await?;
    let choices = service::choices(state, who.user.id).await?;
    // The row's heading names the kind; the box's own label (for screen
    // readers) says kind and channel together.
    let check = |name: &str, label: &str, on: bool| {
        html! { input type="checkbox" name=(name) value="yes" checked[on] aria-label=(label); }
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
                    (problems.summary())
                    form method="post" action="/notifications/settings" class="stack" {
                        (csrf_field(who))
                        table class="choices" {
                            caption { "Tick what you want to hear about, and where." }
                            thead { tr { th scope="col" { "When" } th scope="col" { "In troth" }
                                th scope="col" { "By email" @if state.config.smtp.is_none() { " (not set up on this server)" } } } }
                            tbody {
                                @for c in &choices {
                                    @let app = format!("{}.app", c.kind);
                                    @let email = format!("{}.email", c.kind);
                                    @let ticked = |name: &str, saved: bool| typed.map_or(saved, |f| f.get(name).is_some_and(|v| v == "yes"));
                                    tr {
                                        th scope="row" { (c.kind.label()) }
                                        td { (check(&app, &format!("{}, in troth", c.kind.label()), ticked(&app, c.app))) }
                                        td { (check(&email, &format!("{}, by email", c.kind.label()), ticked(&email, c.email))) }
                                    }
                                }
                            }
                        }
                        label for="threshold" { "Ask me to pause when I already have this many promises open in a week" }
                        @let threshold = typed.map_or_else(|| s.commitment_threshold.to_string(), |f| f.get("threshold").cloned().unwrap_or_default());
                        input id="threshold" name="threshold" type="number" min="1" max="50" required value=(threshold)
                            aria-invalid=[problems.invalid("threshold")] aria-describedby=[problems.described_by("threshold", "threshold", None)];
                        (problems.under("threshold", "threshold"))
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

pub async fn show(State(state): State<AppState>, PageUser(who): PageUser) -> PageResult {
    notices_page(&state, &who, None, axum::http::StatusCode::OK).await
}

pub async fn read_all(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(_): CsrfForm<Button>,
) -> PageResult {
    state.store.mark_read(who.user.id, None).await?;
    Ok(see_other("/notifications"))
}

pub async fn save_settings(
    State(state): State<AppState>,
    PageUser(who): PageUser,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let threshold = f.get("threshold").map(|t| t.trim()).unwrap_or("");
    let Some(threshold) = threshold.parse::<u32>().ok().filter(|t| (1..=50).contains(t)) else {
        let problems = Problems::one("threshold", "Please pick a whole number from 1 to 50.");
        return notices_page(&state, &who, Some((&f, &problems)), axum::http::StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // An unticked box is absent from the form: every kind is saved, so
    // unticking is saving "off".
    let on = |kind: NotificationKind, channel: &str| f.get(&format!("{kind}.{channel}")).is_some_and(|v| v == "yes");
    let choices: Vec<KindChoice> = NotificationKind::ALL
        .into_iter()
        .map(|kind| KindChoice { kind, app: on(kind, "app"), email: on(kind, "email") })
        .collect();
    service::save_choices(&state, who.user.id, &choices).await?;
    let mut settings = state.store.settings(who.user.id).await?;
    settings.commitment_threshold = threshold;
    state.store.save_settings(who.user.id, &settings).await?;
    Ok(see_other_with("/notifications", Flash::Saved))
}
