//! The landing page, the safety page, the quick exit and static files.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, DOCTYPE};

use crate::http::page::Pages;
use axum::routing::get;

use crate::auth::MaybeUser;
use crate::http::page::{render, render_status};
use crate::http::urls::see_other;
use crate::state::AppState;
use crate::ui::assets;
use crate::ui::layout::{page, Frame};

pub fn routes() -> Pages {
    Pages::new()
        .route("/", get(index))
        .route("/exit", get(exit))
        .route("/safety", get(safety))
        .route("/static/{file}", get(static_file))
}

pub async fn index(State(state): State<AppState>, MaybeUser(who): MaybeUser) -> Response {
    if let Some(who) = who {
        return match crate::features::spaces::service::landing(&state, who.user.id).await {
            Ok(to) => see_other(&to),
            Err(_) => see_other("/spaces"),
        };
    }
    render(page(
        Frame::new("Welcome", None),
        html! {
            section class="hero" {
                h1 { "A private space for the two of you" }
                p class="lead" { "troth helps two people build trust, or rebuild it after it broke: keep promises and notice them kept, check in every week, say thank you, write to each other without blame, and open up one small step at a time." }
                p {
                    a class="button primary" href="/register" { "Create an account" }
                    " "
                    a class="button" href="/login" { "Log in" }
                }
            }
            section class="grid" {
                div class="card" { h2 { "Private by design" } p { "What you keep private, your partner never sees, not even that it exists. Sealed exchanges open only when you have both written." } }
                div class="card" { h2 { "Small steps" } p { "Trust grows from small things done again and again. troth paces exercises and never scolds you for a skipped week." } }
                div class="card" { h2 { "Yours to keep" } p { "Runs on your own server. Leave at any time and take your data with you." } }
            }
        },
    ))
}

/// The quick-exit target: a plain page that says nothing about troth.
pub async fn exit() -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { "Weather" } link rel="stylesheet" href=(assets::url("exit.css")); }
            body {
                main {
                    h1 { "Local weather" }
                    p { "Partly cloudy. Light wind from the west. Mild in the afternoon, cooler tonight." }
                    p { "Tomorrow: sunny spells, a chance of a shower later." }
                }
            }
        }
    };
    ([(header::CACHE_CONTROL, "no-store")], Html(markup.into_string())).into_response()
}

pub async fn safety(MaybeUser(who): MaybeUser) -> Response {
    render(page(
        Frame::new("Safety", who.as_ref()),
        html! {
            section class="card narrow" {
                h1 { "If you do not feel safe" }
                p { "Trust exercises are for relationships where both people are safe. If you are afraid of your partner, or they hurt, threaten or control you, your safety comes first, before any exercise here." }
                ul {
                    li { "In immediate danger, call your local emergency number." }
                    li { "A domestic-violence hotline can talk with you in confidence and help you plan. Search for the one in your country from a device your partner cannot see." }
                    li { "A counsellor or therapist can help with trust that keeps breaking, on your own or together." }
                }
                p { "Warning signs worth taking seriously: being checked on or tracked, having your phone or money controlled, being cut off from friends, threats, or fear of how they will react." }
                p { "The Quick exit button (or Shift three times) leaves this site at once." }
            }
        },
    ))
}

/// Static files: under their content-hashed name for a year (immutable),
/// under their plain name for an hour.
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (asset, cache) = match assets::find(&file) {
        Some(assets::Found::Immutable(a)) => (a, "public, max-age=31536000, immutable"),
        Some(assets::Found::Plain(a)) => (a, "public, max-age=3600"),
        None => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(header::CONTENT_TYPE, asset.mime), (header::CACHE_CONTROL, cache)], asset.body).into_response()
}

pub async fn not_found(MaybeUser(who): MaybeUser) -> Response {
    render_status(
        StatusCode::NOT_FOUND,
        page(
            Frame::new("Not found", who.as_ref()),
            html! { section class="card narrow" { h1 { "Not found" } p { "There is nothing here, or it is not yours to see." } p { a href="/" { "Back to the start" } } } },
        ),
    )
}
