//! Request bodies: JSON for the API and urlencoded forms for pages, each with
//! a size limit and a clear error instead of axum's plain-text rejections.
//!
//! A signed-in visitor's form can only be read through [`CsrfForm`], which
//! checks the form's token against the session before the handler runs: a
//! form handler without the check cannot be written. The few forms sent
//! before there is a session (log in, register) or that change nothing
//! (coach feedback) use [`OpenForm`], and must say so by implementing
//! [`NoTokenNeeded`].

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::Identity;
use crate::http::error::ApiError;
use crate::http::page::{LoginRequired, PageError};

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large")
        } else {
            ApiError::bad_request("unreadable_body", "the request body could not be read")
        }
    })
}

/// A JSON body that is an object. Malformed JSON or missing fields: 400
/// with serde's message.
pub struct ApiJson<T>(pub T);

/// The body of a request that says it is JSON; anything else is 415.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send JSON with Content-Type: application/json",
        ));
    }
    body_bytes(req, state).await
}

fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("malformed_json", format!("the JSON body could not be read: {e}")))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(req, state).await?;
        // serde reads a struct from a JSON array too (its fields in
        // order), so `[null, null]` was taken as a profile change; every
        // body the API documents as an object must be one. Lists come
        // through [`ApiJsonList`].
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::bad_request("malformed_json", "the JSON body must be an object"));
        }
        read_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that is a list (`[...]`), for the routes that take one.
pub struct ApiJsonList<T>(pub Vec<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJsonList<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(req, state).await?;
        read_json(&bytes).map(ApiJsonList)
    }
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| ApiError::bad_request("malformed_form", format!("the form could not be read: {e}")))
}

/// A signed-in visitor's form whose `_csrf` field matched their session's
/// token. Not logged in: "log in first"; a missing or wrong token: 403
/// with a page that says to reload.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct Token {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let Some(who) = req.extensions().get::<Identity>().cloned() else {
            return Err(LoginRequired.into_response());
        };
        let bytes = body_bytes(req, state).await.map_err(IntoResponse::into_response)?;
        let token: Token = parse_form(&bytes).map_err(IntoResponse::into_response)?;
        if !token_matches(&who, token.csrf.as_deref()) {
            return Err(PageError(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "This form is out of date. Go back, reload the page and try again.",
            ))
            .into_response());
        }
        parse_form(&bytes).map(CsrfForm).map_err(IntoResponse::into_response)
    }
}

fn token_matches(who: &Identity, token: Option<&str>) -> bool {
    let expected = who.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("");
    matches!(token, Some(t) if !expected.is_empty() && troth_store::secret::same_secret(t, expected))
}

/// Forms that are read without a CSRF token, each for a stated reason.
pub trait NoTokenNeeded {}

/// A form read without a token; only for types that implement [`NoTokenNeeded`].
pub struct OpenForm<T>(pub T);

impl<T: DeserializeOwned + NoTokenNeeded, S: Send + Sync> FromRequest<S> for OpenForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        parse_form(&bytes).map(OpenForm)
    }
}

/// A form of buttons only ("delete", "mark all read", "start"): its one
/// field is the token, which [`CsrfForm`] has checked.
#[derive(Deserialize)]
pub struct Button {}

/// The largest `multipart/form-data` body any form takes (a 10 MB photo
/// and the text beside it, with room to spare so that a photo a little
/// over its own limit still gets its message next to the field).
pub const UPLOAD_BODY_LIMIT: usize = 24 * 1024 * 1024;
/// How much of a body over [`UPLOAD_BODY_LIMIT`] is read and thrown away
/// before answering 413: a browser that is still sending when the server
/// closes the connection shows "connection reset" instead of our message.
const UPLOAD_DRAIN_LIMIT: usize = 80 * 1024 * 1024;

/// A `multipart/form-data` body read whole: its text fields, and its files
/// by field name (a file input left empty is not a file).
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: std::collections::HashMap<String, String>,
    pub files: std::collections::HashMap<String, Vec<u8>>,
}

impl MultipartForm {
    /// A text field, or "" when it was not sent.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

fn upload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("The upload is larger than {} MB; choose a smaller file.", UPLOAD_BODY_LIMIT / (1024 * 1024)),
    )
}

/// The body, up to [`UPLOAD_BODY_LIMIT`]; past it, read on (and dropped)
/// to the drain limit so the answer reaches the sender.
async fn bounded_body(body: axum::body::Body) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| ApiError::bad_request("unreadable_body", "the request body could not be read"))?;
        let Ok(data) = frame.into_data() else { continue };
        seen += data.len();
        if seen <= UPLOAD_BODY_LIMIT {
            kept.extend_from_slice(&data);
        } else if seen > UPLOAD_DRAIN_LIMIT {
            break;
        }
    }
    if seen > UPLOAD_BODY_LIMIT {
        return Err(upload_too_large());
    }
    Ok(Bytes::from(kept))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::bad_request("malformed_multipart", format!("the form could not be read: {}", e.body_text()))
}

async fn read_multipart<S: Send + Sync>(req: Request, state: &S) -> Result<MultipartForm, ApiError> {
    let (parts, body) = req.into_parts();
    let is_multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the form as multipart/form-data",
        ));
    }
    let bytes = bounded_body(body).await?;
    // Already bounded above; an upload route's `DefaultBodyLimit` layer
    // must be at least UPLOAD_BODY_LIMIT so the parser agrees.
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|_| ApiError::bad_request("malformed_multipart", "the form could not be read"))?;
    let mut form = MultipartForm::default();
    let mut count = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        count += 1;
        if count > MULTIPART_MAX_FIELDS {
            return Err(ApiError::bad_request("malformed_multipart", "the form has too many fields"));
        }
        let Some(name) = field.name().map(str::to_string) else { continue };
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(multipart_error)?;
        // Text fields are checked again by their own types; this bound only
        // keeps a huge one from being copied into a String first.
        if !is_file && bytes.len() > MULTIPART_TEXT_MAX {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "field_too_large",
                "one of the text fields is far too long",
            ));
        }
        if is_file {
            if !bytes.is_empty() {
                form.files.insert(name, bytes.to_vec());
            }
        } else {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| ApiError::bad_request("malformed_multipart", "a text field is not valid UTF-8"))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}
/// At most this many fields in one multipart form (ours have under ten).
const MULTIPART_MAX_FIELDS: usize = 32;
/// A multipart text field longer than this is refused before decoding
/// (the longest text any form takes is far below it).
const MULTIPART_TEXT_MAX: usize = 64 * 1024;

/// A multipart body for the API (cookie calls already passed the origin
/// check; bearer calls need none).
pub struct ApiMultipart(pub MultipartForm);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        read_multipart(req, state).await.map(ApiMultipart)
    }
}

/// A signed-in visitor's multipart form (a page with a file input) whose
/// `_csrf` field matched their session's token, like [`CsrfForm`].
pub struct CsrfMultipart(pub MultipartForm);

impl<S: Send + Sync> FromRequest<S> for CsrfMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let Some(who) = req.extensions().get::<Identity>().cloned() else {
            return Err(LoginRequired.into_response());
        };
        let form = read_multipart(req, state).await.map_err(|e| PageError(e).into_response())?;
        if !token_matches(&who, form.fields.get("_csrf").map(String::as_str)) {
            return Err(PageError(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "This form is out of date. Go back, reload the page and try again.",
            ))
            .into_response());
        }
        Ok(CsrfMultipart(form))
    }
}
