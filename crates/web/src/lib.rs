//! The troth web server: server-rendered pages (htmx for progressive
//! enhancement), the JSON API under `/api/v1`, authentication and the
//! security middleware around both.
//!
//! [`launch`] takes a bound listener and a shutdown future, so the binary and
//! the tests start the very same server.

mod accounts;
mod api;
mod auth;
mod charts;
mod config;
mod error;
mod everyday;
mod forms;
pub mod mail;
mod openapi;
mod pages;
pub mod reminders;
mod security;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use troth_store::Store;

pub use auth::{hash_password, PasswordParams};
pub use config::WebConfig;
pub use openapi::openapi_json;
pub use state::AppState;

/// Builds the whole application: pages, API, static files and middleware.
pub fn app(store: Arc<dyn Store>, config: WebConfig) -> Router {
    let state = AppState::new(store, config);
    let routes = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/healthz", axum::routing::get(api::healthz))
        .route("/calendar/{file}", axum::routing::get(api::calendar_feed));
    security::wrap(routes, state.clone()).with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn launch(
    listener: TcpListener,
    store: Arc<dyn Store>,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(store, config);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
