use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, DOCTYPE};

use super::{page, render, render_status, see_other, Frame};
use crate::auth::MaybeUser;

pub async fn index(MaybeUser(who): MaybeUser) -> Response {
    if who.is_some() {
        return see_other("/spaces");
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
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { "Weather" } link rel="stylesheet" href="/static/exit.css"; }
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

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "style.css", mime: "text/css; charset=utf-8", body: include_bytes!("../../static/style.css") },
    Asset { name: "exit.css", mime: "text/css; charset=utf-8", body: include_bytes!("../../static/exit.css") },
    Asset { name: "app.js", mime: "text/javascript; charset=utf-8", body: include_bytes!("../../static/app.js") },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/htmx.min.js"),
    },
    Asset { name: "icon.svg", mime: "image/svg+xml", body: include_bytes!("../../static/icon.svg") },
];

/// Static files are compiled into the binary: one file to deploy, and no
/// request ever leaves our own origin.
pub async fn static_file(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => {
            ([(header::CONTENT_TYPE, a.mime), (header::CACHE_CONTROL, "public, max-age=3600")], a.body).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
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
