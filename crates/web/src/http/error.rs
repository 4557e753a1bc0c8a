//! One error type for the API. It logs the cause of a server fault and shows
//! the client only a safe message with a stable code:
//! `{"error": {"code": "snake_case", "message": "...", "field": "..."}}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use troth_domain::FieldError;
use troth_store::StoreError;

use crate::ui::forms::{Problems, Refusal};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
    pub retry_after: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None, retry_after: None }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in first")
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "nothing here")
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; nothing was saved")
    }
}

impl ApiError {
    /// The message as a page shows it next to the field: a sentence, in
    /// sentence case, without the field's name (the API keeps the terse
    /// `field: message` form that scripts may match on).
    pub fn sentence(&self) -> String {
        let raw = match self.field {
            Some(field) => self.message.strip_prefix(field).and_then(|m| m.strip_prefix(": ")).unwrap_or(&self.message),
            None => self.message.as_str(),
        };
        sentence(raw)
    }
}

impl ApiError {
    /// For a page: the refusal under its field when it names one, else a
    /// sentence to show above the form.
    pub fn problems(&self) -> (Problems, Option<String>) {
        match self.field {
            Some(field) => (Problems::one(field, self.sentence()), None),
            None => (Problems::default(), Some(self.sentence())),
        }
    }

    /// The same as a [`Refusal`], with `field_of_code` naming the field of
    /// refusals that come with a code rather than a field (`due_in_past`).
    pub fn refusal(&self, field_of_code: &[(&str, &str)]) -> Refusal {
        let field = self.field.or_else(|| field_of_code.iter().find(|(c, _)| *c == self.code).map(|(_, f)| *f));
        match field {
            Some(f) => Refusal { problems: Problems::one(f, self.sentence()), general: None },
            None => Refusal { problems: Problems::default(), general: Some(self.sentence()) },
        }
    }
}

/// A terse rule ("cannot be empty", "can be at most 80 characters (this is
/// 95)") as a sentence someone reads next to what they typed.
pub fn sentence(raw: &str) -> String {
    let raw = raw.trim();
    if raw == "cannot be empty" || raw == "needs at least one visible character" {
        return "Please write something first.".to_string();
    }
    if let Some(rest) = raw.strip_prefix("can be at most ") {
        return format!("Please keep it to {}.", rest.replacen(" (this is ", "; this has ", 1).trim_end_matches(')'));
    }
    if let Some(rest) = raw.strip_prefix("unknown time zone ") {
        let name = rest.split(" (").next().unwrap_or(rest).trim_matches('"');
        return format!("We do not know the time zone {name}. Pick one from the list, like Europe/Paris.");
    }
    let mut out = String::with_capacity(raw.len() + 1);
    let mut chars = raw.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// What a failed use case means for the person who asked, decided here
/// once from the error, so that pages and handlers match on it instead of
/// reading status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong (a field, a format): show the form again.
    Invalid,
    /// Understood but refused as things stand (not yours, not now, too many).
    Refused,
    /// Not there, or not theirs to see.
    Missing,
    /// Our fault.
    Fault,
}

impl ApiError {
    pub fn kind(&self) -> ErrorKind {
        match self.status {
            StatusCode::UNPROCESSABLE_ENTITY => ErrorKind::Invalid,
            StatusCode::NOT_FOUND => ErrorKind::Missing,
            s if s.is_client_error() => ErrorKind::Refused,
            _ => ErrorKind::Fault,
        }
    }

    /// The person can do something about it on the same page.
    pub fn is_fixable(&self) -> bool {
        matches!(self.kind(), ErrorKind::Invalid | ErrorKind::Refused)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_field",
            message: format!("{}: {}", e.field, e.message),
            field: Some(e.field),
            retry_after: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden => ApiError::forbidden("only the author can do that"),
            StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            StoreError::Gone { code, message } => ApiError::new(StatusCode::GONE, code, message),
            StoreError::Refused { code, message } => ApiError::new(StatusCode::FORBIDDEN, code, message),
            StoreError::Invalid { code, message } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            other => {
                // The cause goes to the log (sqlx errors carry no bound
                // values, so no entry text); the client gets a safe message.
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field.map(str::to_string),
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Any path under `/api/v1` that is not a route.
pub async fn api_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "there is no such API route")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_rules_read_as_sentences_without_field_names() {
        let empty = ApiError::from(FieldError::new("text", "cannot be empty"));
        assert_eq!(empty.message, "text: cannot be empty", "the API keeps its terse form");
        assert_eq!(empty.sentence(), "Please write something first.");
        let long = ApiError::from(FieldError::new("name", "can be at most 80 characters (this is 95)"));
        assert_eq!(long.sentence(), "Please keep it to 80 characters; this has 95.");
        let tz = ApiError::from(FieldError::new(
            "time_zone",
            "unknown time zone \"Nowhere/Land\" (use a name like Europe/Paris)",
        ));
        assert_eq!(
            tz.sentence(),
            "We do not know the time zone Nowhere/Land. Pick one from the list, like Europe/Paris."
        );
        let rating = ApiError::from(FieldError::new("rating", "pick a number from 0 to 10"));
        assert_eq!(rating.sentence(), "Pick a number from 0 to 10.");
        assert_eq!(ApiError::forbidden("not yours to change").sentence(), "Not yours to change.");
    }
}
