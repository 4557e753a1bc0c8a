//! Page responses and error pages.
//!
//! A page handler that fails returns a [`PageError`] (so does a rejected
//! extractor); the response carries an [`ErrorPage`] marker, and the
//! [`render_error_pages`] layer on the pages router turns it into a calm
//! page framed for whoever is signed in. No handler threads the visitor
//! through its error paths.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;

use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::urls::url_encode;
use crate::ui::layout::{page, Frame};

/// A failed page request; rendered by [`render_error_pages`].
#[derive(Debug)]
pub struct PageError(pub ApiError);

pub type PageResult = Result<Response, PageError>;

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError(error)
    }
}

impl From<troth_store::StoreError> for PageError {
    fn from(e: troth_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<troth_domain::FieldError> for PageError {
    fn from(e: troth_domain::FieldError) -> Self {
        PageError(e.into())
    }
}

/// The marker an error response carries until the layer renders it.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

/// The marker of a response that needs the visitor to log in first.
#[derive(Debug, Clone, Copy)]
pub struct LoginRequired;

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let marker =
            ErrorPage { status: self.0.status, message: self.0.message.clone(), retry_after: self.0.retry_after };
        // The JSON body is what a client gets if this ever escapes the pages
        // router; there the layer replaces it with the page.
        let mut res = self.0.into_response();
        res.extensions_mut().insert(marker);
        res
    }
}

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        let mut res = ApiError::unauthenticated().into_response();
        res.extensions_mut().insert(LoginRequired);
        res
    }
}

/// Renders marked responses as pages: errors in the visitor's own frame,
/// and "log in first" as a redirect that comes back here afterwards.
pub async fn render_error_pages(req: Request, next: Next) -> Response {
    let who = req.extensions().get::<Identity>().cloned();
    let here = req.uri().path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let res = next.run(req).await;
    if let Some(error) = res.extensions().get::<ErrorPage>() {
        return error_page(error, who.as_ref());
    }
    if res.extensions().get::<LoginRequired>().is_some() {
        return Redirect::to(&format!("/login?next={}", url_encode(&here))).into_response();
    }
    res
}

/// The calm error page for `error`, for middleware outside the pages
/// router (where [`render_error_pages`] does not reach).
pub fn error_page_for(error: &ApiError, who: Option<&Identity>) -> Response {
    let marker = ErrorPage { status: error.status, message: error.message.clone(), retry_after: error.retry_after };
    error_page(&marker, who)
}

fn error_page(e: &ErrorPage, who: Option<&Identity>) -> Response {
    let (title, text) = match e.status {
        StatusCode::NOT_FOUND => ("Not found", "There is nothing here, or it is not yours to see."),
        StatusCode::FORBIDDEN => ("Not allowed", e.message.as_str()),
        StatusCode::SERVICE_UNAVAILABLE => ("A moment, please", e.message.as_str()),
        s if s.is_server_error() => ("Something went wrong", e.message.as_str()),
        _ => ("That did not work", e.message.as_str()),
    };
    let body = html! {
        section class="card narrow" {
            h1 { (title) }
            p { (text) }
            p { a href="/" { "Back to the start" } }
        }
    };
    let mut res = (e.status, Html(page(Frame::new(title, who), body).into_string())).into_response();
    if let Some(secs) = e.retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    res
}

pub fn render(markup: maud::Markup) -> Response {
    Html(markup.into_string()).into_response()
}

pub fn render_status(status: StatusCode, markup: maud::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// The pages' router, keeping the path of every route it is given. Pages
/// are not in the OpenAPI document, so this list is what the authorization
/// table of pages is checked against: a page added through a feature's
/// `routes()` is listed here by the same call that serves it.
#[derive(Default)]
pub struct Pages {
    router: axum::Router<crate::state::AppState>,
    paths: Vec<&'static str>,
}

impl Pages {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `path` with `methods`, and records it.
    pub fn route(mut self, path: &'static str, methods: axum::routing::MethodRouter<crate::state::AppState>) -> Self {
        self.router = self.router.route(path, methods);
        self.paths.push(path);
        self
    }

    pub fn merge(mut self, other: Pages) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// Every page path, in the order the features registered them.
    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    pub fn into_router(self) -> axum::Router<crate::state::AppState> {
        self.router
    }
}
