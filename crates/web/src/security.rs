//! The middleware every response passes through: request logging, security
//! headers, identity, CSRF and the body size limit.

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// No inline script or style anywhere: everything comes from our own origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; form-action 'self'; manifest-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

pub fn wrap(routes: Router<AppState>, state: AppState) -> Router<AppState> {
    let limit = state.config.max_body_bytes;
    routes
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), csrf))
        .layer(middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(middleware::from_fn_with_state(state, headers))
        .layer(middleware::from_fn(log_request))
}

/// One line per request: id, method, route pattern (never the concrete path,
/// which could carry an invite code), status and latency.
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = troth_store::secret::new_secret()[..12].to_string();
    let method = req.method().clone();
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| "(unmatched)".to_string(), |p| p.as_str().to_string());
    let mut res = next.run(req).await;
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%request_id, %method, %route, status, latency_ms, "request");
    } else {
        tracing::info!(%request_id, %method, %route, status, latency_ms, "request");
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
    }
    res
}

async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "permissions-policy", "geolocation=(), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()");
    if state.config.secure_cookies {
        set(h, "strict-transport-security", "max-age=63072000; includeSubDomains");
    }
    if !is_static {
        // Private pages must never be kept: Back after a quick exit, or a
        // shared computer's cache, shows nothing.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    res
}

/// A state-changing request carried by a browser cookie must come from our
/// own pages. Bearer-token calls are not sent by browsers on their own, so
/// they need no check.
async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || auth::bearer(req.headers()).is_some() {
        return next.run(req).await;
    }
    if !same_origin(&state, req.headers()) {
        return ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "this request did not come from troth's own pages")
            .into_response();
    }
    next.run(req).await
}

fn same_origin(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return false;
        }
        let expected = if state.config.public_url.is_empty() {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let scheme = if state.config.secure_cookies { "https" } else { "http" };
            format!("{scheme}://{host}")
        } else {
            state.config.public_url.trim_end_matches('/').to_string()
        };
        return origin == expected;
    }
    // Neither header: not a browser request, so not a cross-site forgery.
    true
}
