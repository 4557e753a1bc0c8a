//! The one file that names every feature: their routers and the header's
//! links. Each feature lives in its own folder: `service.rs` (the use
//! cases: validate, store, tell the partner), `api.rs` (JSON handlers) and
//! `pages.rs` (HTML), where handlers and pages call the service and never
//! each other.

pub mod accounts;
pub mod appreciations;
pub mod calendar;
pub mod coach;
pub mod exchanges;
pub mod goals;
pub mod home;
pub mod insights;
pub mod journal;
pub mod notes;
pub mod notifications;
pub mod program;
pub mod promises;
pub mod pulse;
pub mod reflection;
pub mod ritual;
pub mod site;
pub mod spaces;
pub mod timeline;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::Identity;
use crate::http::page::Pages;
use crate::state::AppState;
use crate::ui::layout::{with_page_context, Navigation, PageContext};

/// The header's links: inside a space (the bottom bar's first, the rest
/// under "More" on a phone), then everywhere.
pub static NAVIGATION: Navigation = Navigation {
    space_bar: &[("Promises", "/promises"), ("Thanks", "/appreciations"), ("Program", "/program")],
    space: &[
        ("Ritual", "/ritual"),
        ("Pulse", "/pulse"),
        ("Insights", "/insights"),
        ("Notes", "/notes"),
        ("Exchanges", "/exchanges"),
        ("Goals", "/goals"),
        ("Journal", "/journal"),
        ("Timeline", "/timeline"),
    ],
    // Ritual, Pulse, Insights and Notes in the wide top bar's row.
    space_wide: 4,
    main: &[
        ("Spaces", "/spaces"),
        ("Coach", "/coach"),
        ("Notifications", "/notifications"),
        ("Account", "/account"),
        ("Reflection", "/reflection"),
    ],
    notifications: "Notifications",
};

/// Gives each page's frame the path it is drawn for and the visitor's
/// unread count (the bottom bar marks the current place and shows the count).
/// The count came with the session lookup: no query here.
pub async fn page_context(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let unread = req.extensions().get::<Identity>().map_or(0, |who| who.unread_notifications);
    let flash = crate::http::flash::waiting(req.headers());
    let ctx = PageContext { path, query, unread, flash: flash.map(|f| f.sentence()) };
    let mut res = with_page_context(ctx, next.run(req)).await;
    // Shown once: a page drawn with it clears it; a redirect passes it on.
    if flash.is_some() && !res.status().is_redirection() {
        crate::http::flash::clear(&mut res);
    }
    res
}

/// The JSON API, relative to `/api/v1`, each route with its documentation.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(accounts::api::routes())
        .merge(spaces::api::routes())
        .merge(home::api::routes())
        .merge(notes::api::routes())
        .merge(exchanges::api::routes())
        .merge(goals::api::routes())
        .merge(coach::api::routes())
        .merge(promises::api::routes())
        .merge(ritual::api::routes())
        .merge(appreciations::api::routes())
        .merge(pulse::api::routes())
        .merge(reflection::api::routes())
        .merge(insights::api::routes())
        .merge(notifications::api::routes())
        .merge(calendar::api::routes())
        .merge(program::api::routes())
        .merge(journal::api::routes())
        .merge(timeline::api::routes())
        .merge(site::api::routes())
}

/// Routes outside `/api/v1` that are not pages: the health check (which
/// the document describes) and the calendar feed.
pub fn outside_api() -> OpenApiRouter<AppState> {
    site::api::root_routes().merge(calendar::api::feed_routes())
}

/// Every page route, with its path recorded (see [`Pages`]).
pub fn page_routes() -> Pages {
    Pages::new()
        .merge(site::pages::routes())
        .merge(accounts::pages::routes())
        .merge(spaces::pages::routes())
        .merge(home::pages::routes())
        .merge(notes::pages::routes())
        .merge(exchanges::pages::routes())
        .merge(goals::pages::routes())
        .merge(promises::pages::routes())
        .merge(ritual::pages::routes())
        .merge(appreciations::pages::routes())
        .merge(pulse::pages::routes())
        .merge(reflection::pages::routes())
        .merge(insights::pages::routes())
        .merge(notifications::pages::routes())
        .merge(calendar::pages::routes())
        .merge(coach::pages::routes())
        .merge(program::pages::routes())
        .merge(journal::pages::routes())
        .merge(timeline::pages::routes())
}

/// The HTML pages; unknown paths get the "not found" page.
pub fn pages() -> Router<AppState> {
    page_routes().into_router().fallback(site::pages::not_found)
}
