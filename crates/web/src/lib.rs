//! The troth web server: server-rendered pages (htmx for progressive
//! enhancement), the JSON API under `/api/v1`, authentication and the
//! security middleware around both.
//!
//! Layout: `http/` (errors, extractors, bodies, error pages, security
//! middleware, URLs, the OpenAPI frame), `ui/` (the page frame and charts)
//! and `auth/` (passwords, sessions, tokens) are shared and name no
//! feature; `features/mod.rs` names every feature, and each feature keeps
//! its service, JSON handlers and pages in `features/<name>/`.
//!
//! [`launch`] takes a bound listener and a shutdown future, so the binary and
//! the tests start the very same server.

mod auth;
mod config;
mod features;
mod http;
pub mod mail;
mod state;
mod ui;

use std::future::Future;
use std::sync::{Arc, OnceLock};

use axum::middleware;
use axum::Router;
use tokio::net::TcpListener;
use troth_store::Store;
use utoipa_axum::router::OpenApiRouter;

pub use auth::{hash_password, PasswordGate, PasswordParams};
pub use config::{embedded_library, WebConfig};
pub use features::journal::photo::prepare as prepare_journal_photo;
pub use features::notifications::reminders;
pub use state::AppState;

/// Every documented route with its documentation: the API under `/api/v1`
/// and the health check beside it.
fn documented_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(http::openapi::frame())
        .nest("/api/v1", features::api().fallback(http::error::api_not_found))
        .merge(features::outside_api())
        .split_for_parts();
    http::openapi::describe_refusals(&mut doc);
    (router, doc)
}

/// The OpenAPI document as JSON, built once from the routes.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| documented_routes().1.to_pretty_json().expect("the OpenAPI document serialises"))
}

/// The path of every page route (pages are not in the OpenAPI document):
/// what the page authorization table is checked against.
pub fn page_paths() -> Vec<&'static str> {
    features::page_routes().paths().to_vec()
}

/// Builds the whole application: pages, API, static files and middleware.
pub fn app(store: Arc<dyn Store>, config: WebConfig) -> Router {
    ui::layout::set_navigation(&features::NAVIGATION);
    let state = AppState::new(store, config);
    let pages = features::pages()
        .layer(middleware::from_fn(http::page::render_error_pages))
        .layer(middleware::from_fn(features::page_context));
    let routes = documented_routes().0.merge(pages);
    http::security::wrap(routes, state.clone())
        .layer(middleware::from_fn(http::compression::mark_unsafe_methods))
        .layer(http::compression::layer())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
/// Refuses to start (`InvalidInput`) when no public URL is set and the
/// listener is not on a loopback address (see
/// [`WebConfig::settle_public_url`]).
pub async fn launch(
    listener: TcpListener,
    store: Arc<dyn Store>,
    mut config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    config
        .settle_public_url(listener.local_addr()?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let https = config.secure_cookies;
    let app = app(store, config);
    http::server::serve(listener, app, https, shutdown).await
}
