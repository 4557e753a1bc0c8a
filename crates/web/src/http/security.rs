//! The middleware every response passes through: request logging, security
//! headers, identity, CSRF and the body size limit.

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::auth::{self, Identity};
use crate::http::error::ApiError;
use crate::state::AppState;

/// No inline script or style anywhere: everything comes from our own origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; form-action 'self'; manifest-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The headers every response carries, ours and the few that hyper writes
/// itself before a request reaches the application (see `http::server`).
const ALWAYS: [(&str, &str); 7] = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "geolocation=(), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()"),
];

/// HSTS only when the site is served over HTTPS (secure cookies say so).
const HSTS: (&str, &str) = ("strict-transport-security", "max-age=63072000; includeSubDomains");

/// The security headers for one response, as (lower-case name, value).
pub fn security_headers(https: bool) -> impl Iterator<Item = (&'static str, &'static str)> {
    ALWAYS.into_iter().chain(https.then_some(HSTS))
}

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
    for (name, value) in security_headers(state.config.secure_cookies) {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        // Private pages must never be kept: Back after a quick exit, or a
        // shared computer's cache, shows nothing. (A handler that set its
        // own, like a journal photo's `private, no-store`, keeps it.)
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    res
}

/// A state-changing request carried by a browser cookie must come from our
/// own pages. Bearer-token calls are not sent by browsers on their own, so
/// they need no check. Browsers say where a request comes from (`Origin`,
/// and `Sec-Fetch-Site` in current ones); when either is there it must
/// say "here". A write signed in by the session cookie that says neither
/// is refused too: every browser troth supports sends `Origin` with a
/// POST, and a cookie-carrying client that hides where it comes from is
/// not one of our pages (scripts use an access token).
async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || auth::bearer(req.headers()).is_some() {
        return next.run(req).await;
    }
    let by_cookie = req.extensions().get::<Identity>().is_some_and(|who| who.session.is_some());
    let message = match where_from(&state, req.headers()) {
        Provenance::OurPages => return next.run(req).await,
        Provenance::Unsaid if !by_cookie => return next.run(req).await,
        Provenance::Unsaid => {
            "a signed-in change must say where it comes from (Origin); scripts should use an access token"
        }
        Provenance::Elsewhere => "this request did not come from troth's own pages",
    };
    if req.uri().path().starts_with("/api/") {
        return ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", message).into_response();
    }
    let who = req.extensions().get::<Identity>().cloned();
    crate::http::page::error_page_for(
        &ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "Nothing was changed: this came from outside troth's own pages. \
             Open troth again from its address, and try once more from there.",
        ),
        who.as_ref(),
    )
}

/// Where a request says it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provenance {
    /// Our own pages (or the person typing the address).
    OurPages,
    /// Another site, or an origin that is not ours.
    Elsewhere,
    /// Neither `Origin` nor `Sec-Fetch-Site`.
    Unsaid,
}

fn where_from(state: &AppState, headers: &axum::http::HeaderMap) -> Provenance {
    let site = headers.get("sec-fetch-site").map(|v| v.to_str().unwrap_or(""));
    let origin = headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or(""));
    if site.is_none() && origin.is_none() {
        return Provenance::Unsaid;
    }
    // Both are checked when both are sent: each must say "here". Except an
    // `Origin` of "null" next to `Sec-Fetch-Site`: our `Referrer-Policy:
    // no-referrer` makes Chromium send "null" with its own form posts, and
    // `Sec-Fetch-Site`, which browsers compute themselves, says enough.
    if site.is_some_and(|s| s != "same-origin" && s != "none") {
        return Provenance::Elsewhere;
    }
    let origin = origin.filter(|o| !(site.is_some() && *o == "null"));
    if let Some(origin) = origin {
        let ours = if state.config.public_url.is_empty() {
            // Only reachable through `app()` without `launch`, which always
            // settles the public URL: compare with the address asked for.
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let scheme = if state.config.secure_cookies { "https" } else { "http" };
            origin == format!("{scheme}://{host}")
        } else {
            crate::http::urls::is_our_origin(&state.config.public_url, origin)
        };
        if !ours {
            return Provenance::Elsewhere;
        }
    }
    Provenance::OurPages
}
